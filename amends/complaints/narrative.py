"""The timeline told in words, in the active language: each event becomes one line a person
reads. The console, the coming customer portal and webhooks all tell it from here.

Each kind is told by its renderer in the event catalogue (`events.EVENTS`); this module adds who
acted, resolves staff ids to names (one query for all of them) and leaves out what the audience
may not see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from amends.complaints.events import EventSpec, Payload, spec_of
from amends.complaints.models import Complaint, ComplaintEvent
from amends.core.principals import PrincipalKind
from amends.orgs.models import User

Audience = Literal["staff", "customer"]


@dataclass
class Line:
    seq: int
    at: datetime
    who: str
    kind: str
    title: str
    details: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Telling:
    """What the renderers ask for (`events.Telling`)."""

    complaint: Complaint
    for_customer: bool
    names: dict[int, str]

    def name(self, pk: int | None) -> str:
        if not pk:
            return "—"
        return _("Customer service") if self.for_customer else self.names.get(pk, "—")

    def when(self, moment: datetime | None) -> str:
        return local_time(moment, self.complaint)


def local_time(moment: datetime | None, complaint: Complaint) -> str:
    """`moment` in the venue's time zone, as 2026-11-20 14:00 (as the console shows times)."""
    if moment is None:
        return "—"
    tz = ZoneInfo(getattr(complaint.venue, "timezone", "") or "Asia/Shanghai")
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def tell(
    complaint: Complaint, events: list[ComplaintEvent], *, audience: Audience = "staff"
) -> list[Line]:
    """Every event of `complaint` the audience may see, as one line each.

    For the customer: only the kinds (and transitions) declared customer-visible, staff named by
    a role-neutral word, internal details left out. One query for every staff name, whatever
    the number of events.
    """
    for_customer = audience == "customer"
    told: list[tuple[ComplaintEvent, EventSpec | None, Payload | None]] = []
    for event in events:
        spec = spec_of(event.kind)
        payload = _load(spec, event)
        if for_customer and (
            spec is None or payload is None or not spec.visible_to_customer(payload)
        ):
            continue
        told.append((event, spec, payload))
    ids: set[int] = set()
    for event, _spec, payload in told:
        if payload is not None:
            ids |= payload.staff_ids()
        if event.actor_id is not None:
            ids.add(event.actor_id)
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=ids)} if ids else {}
    telling = _Telling(complaint, for_customer, names)
    lines: list[Line] = []
    previous: ComplaintEvent | None = None
    for event, spec, payload in told:
        details: list[str] = []
        if spec is None or payload is None:
            title = str(spec.kind.label) if spec else event.kind
        else:
            title, details = spec.render(payload, telling)
        shown = [str(d) for d in details if d]
        if lines and previous is not None and _same_step(previous, event):
            # One step, one line: the state it led to joins the line of what was done.
            lines[-1].details.extend(d for d in shown if d not in lines[-1].details)
        else:
            lines.append(
                Line(
                    event.seq,
                    event.at,
                    who(event, names, for_customer=for_customer),
                    event.kind,
                    title,
                    shown,
                )
            )
        previous = event
    return lines


# A transition written right after the event of the step that caused it (same actor, next seq)
# is that step's outcome, not a step of its own: proposing a remedy, deciding on one.
_STEP_OUTCOMES = {
    "remedy_proposed": "propose_remedy",
    "remedy_approved": "approve",
    "remedy_rejected": "reject",
}


def _same_step(previous: ComplaintEvent, event: ComplaintEvent) -> bool:
    return (
        event.kind == "transition"
        and event.seq == previous.seq + 1
        and (event.actor_kind, event.actor_ref) == (previous.actor_kind, previous.actor_ref)
        and _STEP_OUTCOMES.get(previous.kind) == (event.data or {}).get("action")
    )


def who(event: ComplaintEvent, names: dict[int, str], *, for_customer: bool = False) -> str:
    """Who acted, in words: a staff member's name ("Customer service" to the customer), the
    customer, an API key by its name, or the system (and which part of it)."""
    if event.actor_id is not None or event.actor_kind == PrincipalKind.STAFF:
        if for_customer:
            return _("Customer service")
        return names.get(event.actor_id or 0) or event.actor_name or "—"
    if event.actor_kind == PrincipalKind.CUSTOMER:
        return str(PrincipalKind.CUSTOMER.label)
    if event.actor_kind == PrincipalKind.API_KEY:
        if not event.actor_name:
            return str(PrincipalKind.API_KEY.label)
        return _("API key '%(name)s'") % {"name": event.actor_name}
    if event.actor_name:
        return _("The system (%(name)s)") % {"name": event.actor_name}
    return str(PrincipalKind.SYSTEM.label)


def _load(spec: EventSpec | None, event: ComplaintEvent) -> Payload | None:
    """The event's payload, or None when an old row does not fit its kind any more (it is then
    told by its kind's name only, never with a crash)."""
    if spec is None:
        return None
    try:
        return spec.payload.load(event.data)
    except (TypeError, ValueError, ArithmeticError):
        return None
