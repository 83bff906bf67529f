"""The timeline told in words, in the active language: each event becomes one line a person
reads. The console, the coming customer portal and webhooks all tell it from here.

Each kind is told by its renderer in the event catalogue (`events.EVENTS`); this module adds who
acted, resolves ids and codes to words — a person as "Zhang Wei (Maintenance)", a department or a
category by its name, all in the reader's language, in a fixed number of queries — follows the
first-contact owner along the timeline, and leaves out what the audience may not see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from amends.complaints.events import EventSpec, FieldsChanged, HandoffAccepted, Payload, spec_of
from amends.complaints.models import Complaint, ComplaintEvent
from amends.core.principals import PrincipalKind, SystemPart
from amends.orgs.models import Department, User, in_language
from amends.orgs.roles import Role
from amends.workflow.models import Category

Audience = Literal["staff", "customer"]


@dataclass
class Line:
    seq: int
    at: datetime
    who: str
    kind: str
    title: str
    details: list[str] = field(default_factory=list)


@dataclass
class _Telling:
    """What the renderers ask for (`events.Telling`). `owner` follows the first-contact owner
    as the timeline is told (the receiver, or the duty owner, until a hand-off is accepted)."""

    complaint: Complaint
    for_customer: bool
    names: dict[int, str]
    departments: dict[int, str] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)
    owner: int | None = None

    def name(self, pk: int | None) -> str:
        if not pk:
            return "—"
        return _("Customer service") if self.for_customer else self.names.get(pk, "—")

    def when(self, moment: datetime | None) -> str:
        return local_time(moment, self.complaint)

    def value(self, name: str, value: Any) -> str:
        if value is None or value == "":
            return ""
        try:
            model_field = Complaint._meta.get_field(name)
        except FieldDoesNotExist:
            return str(value)
        related = getattr(model_field, "related_model", None)
        if related is Category:
            return self.categories.get(str(value), str(value))
        if related is Department and isinstance(value, int):
            return self.departments.get(value, "—")
        if related is User and isinstance(value, int):
            return self.name(value)
        shown = dict(getattr(model_field, "flatchoices", None) or [])
        return str(shown.get(value, value))


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
    departments: set[int] = set()
    categories: set[str] = set()
    for event, _spec, payload in told:
        if payload is not None:
            ids |= payload.staff_ids()
        if isinstance(payload, FieldsChanged):
            _collect(payload, ids, departments, categories)
        if event.actor_id is not None:
            ids.add(event.actor_id)
    telling = _Telling(
        complaint,
        for_customer,
        staff_names(ids, venue_id=complaint.venue_id) if ids else {},
        {d.pk: d.name_in() for d in Department.objects.filter(pk__in=departments)}
        if departments
        else {},
        {
            c.code: str(c)
            for c in Category.objects.filter(company_id=complaint.company_id, code__in=categories)
        }
        if categories
        else {},
        owner=complaint.received_by_id,
    )
    names = telling.names
    lines: list[Line] = []
    previous: ComplaintEvent | None = None
    for event, spec, payload in told:
        details: list[str] = []
        if spec is None or payload is None:
            title = str(spec.kind.label) if spec else event.kind
        else:
            title, details = spec.render(payload, telling)
        _follow_owner(telling, payload)
        shown = [str(d) for d in details if d]
        if previous is not None and event.kind == "handoff_accepted" and _caused(previous, event):
            # Accepting the hand-off is the step that moved the ownership: told on its line.
            lines[-1].details.insert(0, title)
        elif lines and previous is not None and _same_step(previous, event):
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
        and _caused(previous, event)
        and _STEP_OUTCOMES.get(previous.kind) == (event.data or {}).get("action")
    )


def _caused(previous: ComplaintEvent, event: ComplaintEvent) -> bool:
    """`event` was written by the same actor right after `previous`, as part of its step."""
    return event.seq == previous.seq + 1 and (event.actor_kind, event.actor_ref) == (
        previous.actor_kind,
        previous.actor_ref,
    )


def _collect(
    payload: FieldsChanged, ids: set[int], departments: set[int], categories: set[str]
) -> None:
    """The staff, departments and categories a change of details names, to resolve at once."""
    for name, pair in payload.changes.items():
        try:
            related = getattr(Complaint._meta.get_field(name), "related_model", None)
        except FieldDoesNotExist:
            continue
        values = [v for v in pair if v not in (None, "")]
        if related is Category:
            categories.update(str(v) for v in values)
        elif related is Department:
            departments.update(v for v in values if isinstance(v, int))
        elif related is User:
            ids.update(v for v in values if isinstance(v, int))


def _follow_owner(telling: _Telling, payload: Payload | None) -> None:
    if isinstance(payload, HandoffAccepted):
        telling.owner = payload.to_owner
    elif payload is not None and getattr(payload, "duty_owner", None):
        telling.owner = payload.duty_owner  # type: ignore[attr-defined]


def staff_names(ids: set[int], *, venue_id: int | None = None) -> dict[int, str]:
    """Each person as the reader sees them on a timeline: their name in the active language and
    their department at `venue_id` (or anywhere; or their role when they have no department),
    e.g. "Zhang Wei (Maintenance)". One query (people joined to their grants), whatever the
    number of people."""
    rows = (
        User.objects.filter(pk__in=ids)
        .order_by("pk", "grants__pk")
        .values_list(
            "pk",
            "display_name",
            "display_name_en",
            "first_name",
            "last_name",
            "username",
            "grants__role",
            "grants__venue_id",
            "grants__department__name",
            "grants__department__name_en",
        )
    )
    people: dict[int, str] = {}
    teams: dict[int, tuple[int, str]] = {}
    for pk, zh, en, first, last, username, role, venue, dept_zh, dept_en in rows:
        people[pk] = in_language(zh, en) or f"{first} {last}".strip() or username
        if role is None:
            continue
        if dept_zh or dept_en:
            rank, team = (0 if venue == venue_id else 1), in_language(dept_zh, dept_en or "")
        else:
            rank, team = (2 if venue in (venue_id, None) else 3), label_of(role)
        if pk not in teams or rank < teams[pk][0]:
            teams[pk] = (rank, team)
    return {
        pk: _("%(name)s (%(team)s)") % {"name": name, "team": teams[pk][1]} if pk in teams else name
        for pk, name in people.items()
    }


def label_of(role: str) -> str:
    try:
        return str(Role(role).label)
    except ValueError:
        return role


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
        part = event.actor_name
        name = str(SystemPart(part).label) if part in SystemPart.values else part
        return _("The system (%(name)s)") % {"name": name}
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
