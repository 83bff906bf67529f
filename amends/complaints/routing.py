"""Who gets a complaint: routing rules pick the department and role; within the team the person
with the fewest open complaints wins (ties: the one assigned longest ago, then the oldest
account). Lives in the complaints layer because balancing counts open complaints."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, F, Max, Q, QuerySet

from amends.complaints.models import Complaint
from amends.complaints.transitions import OPEN_STATES
from amends.orgs.models import Department, User, Venue
from amends.orgs.roles import ESCALATION_LADDER, Role
from amends.orgs.selectors import users_with_role


def _by_load(users: QuerySet[User]) -> QuerySet[User]:
    return users.annotate(
        open_load=Count(
            "assigned_complaints", filter=Q(assigned_complaints__state__in=list(OPEN_STATES))
        ),
        last_assigned=Max("assigned_complaints__assigned_at"),
    ).order_by("open_load", F("last_assigned").asc(nulls_first=True), "pk")


def pick_assignee(
    *, venue: Venue, role: str, department: Department | None = None, exclude: Iterable[int] = ()
) -> User | None:
    """The least-loaded active holder of `role` at `venue`, preferring the routed department."""
    excluded = list(exclude)
    if department is not None:
        team = users_with_role(venue=venue, roles=[role], department=department).exclude(
            pk__in=excluded
        )
        chosen = _by_load(team).first()
        if chosen is not None:
            return chosen
    anyone = users_with_role(venue=venue, roles=[role]).exclude(pk__in=excluded)
    return _by_load(anyone).first()


def pick_duty_owner(*, venue: Venue, channel: str, exclude: Iterable[int] = ()) -> User | None:
    """Who owns a complaint that arrived without a staff receiver (web form, email, API): the
    least-loaded holder of the venue's duty role for that channel (`Venue.duty_roles`; default
    the customer-service specialist), else a manager, else a director."""
    configured = (venue.duty_roles or {}).get(channel) or Role.SPECIALIST
    for role in dict.fromkeys([configured, Role.SPECIALIST, Role.MANAGER, Role.DIRECTOR]):
        chosen = pick_assignee(venue=venue, role=role, exclude=exclude)
        if chosen is not None:
            return chosen
    return None


def pick_revisitor(complaint: Complaint) -> User | None:
    """A specialist (else a manager) of the venue who neither handled the complaint nor is
    complained about in it."""
    excluded = set(complaint.handlers.values_list("pk", flat=True))
    excluded.add(complaint.owner_id)
    if complaint.assignee_id:
        excluded.add(complaint.assignee_id)
    if complaint.subject_staff_id:
        excluded.add(complaint.subject_staff_id)
    for role in (Role.SPECIALIST, Role.MANAGER):
        chosen = pick_assignee(venue=complaint.venue, role=role, exclude=excluded)
        if chosen is not None:
            return chosen
    return None


def escalation_target(complaint: Complaint, level: int) -> User | None:
    """Who stands at `level` (1: manager, 2: director) of the ladder for this complaint: the
    least loaded holder of that role, preferring someone other than the owner (escalating to
    yourself helps nobody) and never the person complained about."""
    role = ESCALATION_LADDER[min(level, len(ESCALATION_LADDER)) - 1]
    exclude = [complaint.subject_staff_id] if complaint.subject_staff_id else []
    holders = users_with_role(venue=complaint.venue, roles=[role]).exclude(pk__in=exclude)
    others = holders.exclude(pk=complaint.owner_id)
    return _by_load(others).first() or _by_load(holders).first()
