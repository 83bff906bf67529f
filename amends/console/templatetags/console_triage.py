"""Template helpers of triage in the console: the complaint page's triage panel (its data
read here, so the page's view stays as it is) and whether a person sees the reply scripts."""

from __future__ import annotations

from typing import Any

from django import template

from amends.console.triage_panels import panel, script_for_complaint
from amends.workflow.services_scripts import may_read_scripts

register = template.Library()

# The fields a one-click accept on a complaint classifies (validity is an investigation's
# finding, the language the customer's).
ACCEPTED = ("category", "severity", "psychology")


@register.simple_tag(takes_context=True)
def complaint_triage(context: Any) -> dict[str, Any]:
    """The triage panel of the page's complaint for its viewer: the suggestion recorded at
    intake (rows, urgent, personal data), the fields taken from it, whether the viewer may
    accept it (the page offers them "classify"), and the reply script filled for the customer
    as the viewer sees them (`contact`, masked unless shown)."""
    complaint = context["complaint"]
    record = complaint.triage or {}
    current = {
        "category": str(complaint.category_id or ""),
        "severity": complaint.severity,
        "psychology": complaint.psychology,
        "validity": complaint.validity,
        "language": complaint.language,
    }
    shown = (
        panel(
            record,
            company_id=complaint.company_id,
            current=current,
            fillable=ACCEPTED,
            applied=tuple(record.get("applied") or ()),
        )
        if record
        else None
    )
    now = {
        "category": str(complaint.category or "—"),
        "severity": complaint.get_severity_display() or "—",
        "psychology": complaint.get_psychology_display() or "—",
        "validity": complaint.get_validity_display(),
        "language": "English" if complaint.language == "en" else "中文",
    }
    may_classify = any(key == "classify" for key, _form in context.get("forms") or ())
    return {
        "panel": shown,
        "rows": [(row, now[row.field]) for row in shown.rows] if shown else [],
        "may_accept": bool(shown and may_classify and shown.acceptable and not shown.all_chosen),
        "script": script_for_complaint(complaint, context.get("contact")),
    }


@register.filter
def sees_reply_scripts(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and may_read_scripts(user)
