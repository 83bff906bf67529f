"""The timeline told in words: each event becomes a line a person reads, in their language."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from amends.complaints.models import Complaint, ComplaintEvent, CustomerConsent, RemedyProposal
from amends.complaints.transitions import ACTIONS, State
from amends.console.templatetags.console import venue_time
from amends.orgs.models import User
from amends.orgs.roles import Role
from amends.workflow.taxonomy import Channel, Severity


@dataclass
class Line:
    seq: int
    at: datetime
    actor: str
    kind: str
    title: str
    details: list[str] = field(default_factory=list)


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _when(complaint: Complaint, value: Any) -> str:
    moment = parse_datetime(value) if isinstance(value, str) else value
    return venue_time(moment, complaint.venue)


def _user_ids(events: list[ComplaintEvent]) -> set[int]:
    ids: set[int] = set()
    for event in events:
        for key in (
            "assignee",
            "previous_assignee",
            "from_owner",
            "to_owner",
            "to",
            "staff",
            "owner",
        ):
            value = event.data.get(key)
            if isinstance(value, int):
                ids.add(value)
    return ids


def tell(complaint: Complaint, events: list[ComplaintEvent]) -> list[Line]:
    """Every event of `complaint` as a line. Two queries whatever the number of events."""
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=_user_ids(events))}

    def who(pk: Any) -> str:
        return names.get(pk, "—") if pk else "—"

    lines = []
    for event in events:
        data = event.data
        title, details = _describe(complaint, event.kind, data, who)
        actor = str(event.actor) if event.actor is not None else _("amends (automatic)")
        lines.append(Line(event.seq, event.at, actor, event.kind, title, [d for d in details if d]))
    return lines


def _describe(
    complaint: Complaint, kind: str, data: dict[str, Any], who: Any
) -> tuple[str, list[str]]:
    reason = str(data.get("reason") or "")
    if kind == "received":
        return _("Received via %(channel)s") % {
            "channel": _label(Channel, data.get("channel", ""))
        }, [
            _("Reply due %(due)s") % {"due": _when(complaint, data.get("respond_due"))},
        ]
    if kind == "transition":
        action = ACTIONS.get(data.get("action", ""))
        title = str(action.label) if action else data.get("action", "")
        if data.get("action") == "record_acceptance":
            reason = _label(CustomerConsent.Method, reason)  # the reason is how it was given
        details = [_("Now: %(state)s") % {"state": _label(State, data.get("to", ""))}, reason]
        if data.get("assignee"):
            details.insert(0, _("To %(name)s") % {"name": who(data["assignee"])})
        if data.get("within_authority"):
            details.append(_("Within the proposer's authority: no approval needed."))
        if data.get("approval_role"):
            details.append(
                _("Needs approval by: %(role)s") % {"role": _label(Role, data["approval_role"])}
            )
        return title, details
    if kind == "handoff_accepted":
        return _("Took over the complaint from %(name)s") % {
            "name": who(data.get("from_owner"))
        }, []
    if kind == "fields_changed":
        details = []
        for name, change in data.items():
            label, before, after = name, change.get("before"), change.get("after")
            try:
                model_field = Complaint._meta.get_field(name)
            except FieldDoesNotExist:
                model_field = None
            if model_field is not None:
                label = str(getattr(model_field, "verbose_name", name))
                shown = dict(getattr(model_field, "flatchoices", None) or [])
                before, after = shown.get(before, before), shown.get(after, after)
            details.append(f"{label}: {before or '—'} → {after or '—'}")
        return _("Details changed"), details
    if kind in ("note", "call"):
        return (_("Call with the customer") if kind == "call" else _("Note")), [
            data.get("text", "")
        ]
    if kind == "interview":
        return _("Interview with %(name)s") % {"name": data.get("interviewee", "")}, [
            data.get("summary", "")
        ]
    if kind == "evidence":
        return _("Evidence added: %(name)s") % {"name": data.get("name", "")}, []
    if kind == "personal_data_viewed":
        return _("Viewed the customer's contact details"), []
    if kind == "remedy_proposed":
        kind_label = _label(RemedyProposal.Kind, data.get("kind", ""))
        return _("Remedy proposed: %(kind)s, ¥%(amount)s") % {
            "kind": kind_label,
            "amount": data.get("amount"),
        }, [data.get("description", "")]
    if kind in ("remedy_approved", "remedy_rejected"):
        title = _("Remedy approved") if kind == "remedy_approved" else _("Remedy rejected")
        return f"{title} (¥{data.get('amount')})", [data.get("comment", "")]
    if kind == "consequence":
        return _("Consequence recorded for %(name)s") % {"name": who(data.get("staff"))}, [
            data.get("note", "")
        ]
    if kind == "revisit_scheduled":
        return _("Revisit scheduled by %(due)s with %(name)s") % {
            "due": _when(complaint, data.get("due")),
            "name": who(data.get("assignee")),
        }, []
    if kind == "revisit_attempt":
        return _("Revisit attempt: the customer was not reached"), [data.get("notes", "")]
    if kind == "reminder":
        return _("Reminder: due %(due)s") % {"due": _when(complaint, data.get("due"))}, []
    if kind == "escalated":
        title = _("Escalated to %(role)s: %(name)s") % {
            "role": _label(Role, data.get("role", "")),
            "name": who(data.get("to")),
        }
        if data.get("overdue_since"):
            overdue = _("Overdue since %(due)s") % {"due": _when(complaint, data["overdue_since"])}
            return title, [overdue, reason]
        return title, [reason]
    if kind == "deadline_extended":
        return _("Deadline extended to %(due)s") % {"due": _when(complaint, data.get("after"))}, [
            reason
        ]
    if kind == "merged_from":
        return _("%(ref)s was merged into this complaint") % {"ref": data.get("duplicate", "")}, [
            reason
        ]
    if kind == "follow_up_opened":
        return _("New complaint opened from the revisit: %(ref)s") % {
            "ref": data.get("reference", "")
        }, []
    if kind == "survey_answered":
        return _("Survey answered: satisfaction %(s)s/5, recommend %(n)s/10") % {
            "s": data.get("satisfaction"),
            "n": data.get("nps"),
        }, [data.get("comment", "")]
    if kind == "legal_hold":
        title = _("Legal hold placed") if data.get("hold") else _("Legal hold released")
        return title, [reason]
    if kind == "anonymised":
        return _("Personal data erased after the retention period"), []
    if kind == "calendar_warning":
        return _("The holiday calendar does not know this year yet: check the deadline"), []
    return kind, []


def severity_label(value: str) -> str:
    return _label(Severity, value) if value else ""
