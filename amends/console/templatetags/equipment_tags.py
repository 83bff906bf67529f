"""Template helpers of equipment in the console: the complaint page's work-order panel, its
data read here so that the complaint page's view stays as it is.

    {% load equipment_tags %}{% complaint_work_orders complaint %}
"""

from __future__ import annotations

from typing import Any

from django import template

from amends.equipment import access, selectors
from amends.orgs.roles import Role
from amends.orgs.selectors import scope_of

register = template.Library()

# The category whose complaints are about equipment: the panel shows on them even before a
# work order is opened.
EQUIPMENT_CATEGORY = "facility_equipment"
CLOSED_STATES = frozenset({"closed", "merged", "declined"})


@register.inclusion_tag("console/equipment/_complaint_panel.html", takes_context=True)
def complaint_work_orders(context: Any, complaint: Any) -> dict[str, Any]:
    """The work orders of `complaint` the viewer may see, and whether they may open one. Shown
    on complaints of the equipment category and on any complaint that has work orders."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"panel": {"shown": False}}
    orders = list(selectors.work_orders_for_complaint(user, complaint).select_related("asset"))
    category = getattr(complaint, "category", None)
    about_equipment = getattr(category, "code", "") == EQUIPMENT_CATEGORY
    may_open = (
        complaint.state not in CLOSED_STATES
        and access.may_report(user, complaint.venue)
        and (about_equipment or bool(orders))
    )
    return {
        "panel": {
            "shown": bool(orders) or about_equipment,
            "orders": orders,
            "may_open": may_open,
            "complaint": complaint,
        }
    }


# Who finds equipment in the console's navigation: those who handle work orders (maintenance,
# managers, general managers, directors), the front desk (who reports faults and answers
# members about them) and the auditor (who reads). Maintenance finds it first.
NAV_ROLES = frozenset({*access.ACT_ROLES, Role.FRONT_DESK, Role.AUDITOR})


@register.filter
def equipment_nav(user: Any) -> str:
    """Where equipment goes in `user`'s navigation: "first" (maintenance: work orders before
    everything else), "shown", or "" (not shown)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    roles = scope_of(user).all_roles
    if Role.MAINTENANCE in roles:
        return "first"
    return "shown" if roles & NAV_ROLES else ""
