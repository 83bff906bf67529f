"""Template helpers of equipment in the console: the complaint page's work-order panel, its
data read here so that the complaint page's view stays as it is.

    {% load equipment_tags %}{% complaint_work_orders complaint %}
"""

from __future__ import annotations

from typing import Any

from django import template

from amends.equipment import access, selectors

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
