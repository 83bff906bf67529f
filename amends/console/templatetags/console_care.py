"""Template helpers of the console's member-care pages: which of its pages a person may open
(the tabs at the top of each, and what the lead's navigation can offer)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def care_entries(context: Any) -> dict[str, bool]:
    """{"calls": …, "book": …, "members": …, "campaigns": …, "rules": …, "coaches": …,
    "visits": …}: the member-care pages the signed-in person may open."""
    from amends.console.care_common import (
        CARE_MANAGE_ROLES,
        CARE_READ_ROLES,
        CARE_WORK_ROLES,
        DESK_ROLES,
    )
    from amends.orgs.roles import Role
    from amends.orgs.selectors import scope_of

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    cached = getattr(request, "_care_entries", None)
    if cached is not None:
        return cached
    roles = scope_of(user).all_roles
    entries = {
        "calls": bool(roles & CARE_WORK_ROLES),
        "book": bool(roles & CARE_WORK_ROLES),
        "members": bool(roles & (CARE_MANAGE_ROLES | {Role.AUDITOR})),
        "campaigns": bool(roles & CARE_READ_ROLES),
        "rules": bool(roles & (CARE_MANAGE_ROLES | {Role.AUDITOR})),
        "coaches": bool(roles & (CARE_READ_ROLES | DESK_ROLES)),
        "visits": bool(roles & (CARE_WORK_ROLES | DESK_ROLES)),
    }
    request._care_entries = entries
    return entries
