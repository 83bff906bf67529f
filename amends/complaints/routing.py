"""Who gets a complaint: routing rules pick the department and role; within the team the person
with the fewest open complaints wins (ties: the one assigned longest ago, then the oldest
account). Lives in the complaints layer because balancing counts open complaints."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, Max, Q, QuerySet

from amends.complaints.models import Complaint
from amends.complaints.transitions import OPEN_STATES
from amends.orgs.models import Department, RoleGrant, User, Venue
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


@dataclass(frozen=True)
class Rung:
    """Where one escalation step lands: the ladder `level` (1-based) reached, its `role`, the
    person (None when nobody holds that role or any above it) and the rungs passed over."""

    level: int
    role: str
    user: User | None
    skipped: tuple[str, ...] = ()


def _rung_holder(complaint: Complaint, role: str) -> User | None:
    """The least loaded holder of `role` for this complaint (at its venue or company-wide),
    never the person complained about, and not the owner: escalating to yourself helps nobody,
    so a rung held only by the owner counts as missing."""
    holders = users_with_role(venue=complaint.venue, roles=[role])
    excluded = [pk for pk in (complaint.subject_staff_id, complaint.owner_id) if pk]
    return _by_load(holders.exclude(pk__in=excluded)).first()


def escalation_rung(complaint: Complaint, level: int) -> Rung:
    """The next step up `ESCALATION_LADDER` from `level` (1: its first rung), for a ladder of
    any length: where the venue has nobody on a rung, the step goes to the next role up
    (company-wide holders count). Past the top, or with nobody on any rung above, the rung is
    the top one with no user: the caller says so and tells the company's directors/admins."""
    first = max(1, level)
    skipped: list[str] = []
    for index in range(first, len(ESCALATION_LADDER) + 1):
        role = ESCALATION_LADDER[index - 1]
        user = _rung_holder(complaint, role)
        if user is not None:
            return Rung(index, role, user, tuple(skipped))
        skipped.append(role)
    return Rung(len(ESCALATION_LADDER), ESCALATION_LADDER[-1], None, tuple(skipped))


def escalation_target(complaint: Complaint, level: int) -> User | None:
    """Who takes the escalation step to `level` (see `escalation_rung`)."""
    return escalation_rung(complaint, level).user


def company_overseers(complaint: Complaint) -> QuerySet[User]:
    """The company's active directors and administrators, of any venue or company-wide: who is
    told when an escalation finds nobody on the ladder."""
    grants = RoleGrant.objects.filter(
        role__in=[Role.DIRECTOR, Role.ADMIN], user__company_id=complaint.company_id
    )
    everyone = User.objects.filter(is_active=True, pk__in=grants.values("user_id")).order_by("pk")
    # Not the owner (they escalated, or it is theirs) nor the person complained about — unless
    # nobody else is left to tell.
    excluded = [pk for pk in (complaint.subject_staff_id, complaint.owner_id) if pk]
    others = everyone.exclude(pk__in=excluded)
    return others if others.exists() else everyone
