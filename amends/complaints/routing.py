"""Who gets a complaint: routing rules pick the department and role; within the team the person
with the fewest open complaints wins (ties: the one assigned longest ago, then the oldest
account). Lives in the complaints layer because balancing counts open complaints."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.cache import cache
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from amends.complaints.models import (
    Complaint,
    ComplaintEvent,
    CustomerConsent,
    Interview,
    RemedyProposal,
)
from amends.complaints.transitions import OPEN_STATES
from amends.orgs.models import Department, RoleGrant, User, Venue
from amends.orgs.roles import ESCALATION_LADDER, REVISIT_ROLES, Role
from amends.orgs.selectors import users_with_role

# Where each person's last assignment is kept, cheap to read: the shared cache (a hint for the
# tie-break only; when it is lost, the last assignment among their open complaints serves).
LAST_ASSIGNED_KEY = "amends.assignment.last.{}"


def assigned_now(user: User, moment: datetime) -> None:
    """Remember that `user` was just given a complaint (the load balance's tie-break). The hint
    names the account by id and creation time, so an id used again never inherits it."""
    cache.set(
        LAST_ASSIGNED_KEY.format(user.pk),
        (_account(user), moment.timestamp()),
        timeout=30 * 24 * 3600,
    )


def _account(user: User) -> str:
    return f"{user.pk}:{user.date_joined.timestamp() if user.date_joined else ''}"


def _least_loaded(users: QuerySet[User]) -> User | None:
    """The person with the fewest open complaints; ties: the one assigned longest ago, then the
    oldest account. One query: the open load is counted from open complaints only, and the
    latest open assignment read, from the partial index `complaint_assignee_open` alone (an
    index-only scan, hence `COUNT(*)`) — never the history of every complaint ever assigned."""
    return _lightest(_by_load(users, LOAD_CANDIDATES))


def _by_load(users: QuerySet[User], limit: int) -> list[User]:
    """The `limit` least loaded of `users`, lightest first, each with `open_load` and
    `last_open` (their latest open assignment)."""
    mine = Complaint.objects.filter(assignee=OuterRef("pk"), state__in=list(OPEN_STATES))
    return list(
        users.annotate(
            open_load=Coalesce(
                Subquery(mine.order_by().values("assignee").annotate(n=Count("*")).values("n")[:1]),
                0,
            ),
            last_open=Subquery(mine.order_by("-assigned_at").values("assigned_at")[:1]),
        ).order_by("open_load", "pk")[:limit]
    )


def _lightest(people: list[User]) -> User | None:
    if not people:
        return None
    least = getattr(people[0], "open_load", 0)
    lightest = [person for person in people if getattr(person, "open_load", 0) == least]
    if len(lightest) == 1:
        return lightest[0]
    hints = cache.get_many([LAST_ASSIGNED_KEY.format(person.pk) for person in lightest])

    def last(person: User) -> float:
        latest: datetime | None = getattr(person, "last_open", None)
        at = latest.timestamp() if latest else float("-inf")
        hint = hints.get(LAST_ASSIGNED_KEY.format(person.pk))
        if isinstance(hint, tuple | list) and len(hint) == 2 and hint[0] == _account(person):
            at = max(at, float(hint[1]))
        return at

    return min(lightest, key=lambda person: (last(person), person.pk))


# How many of the lightest loaded are compared for the tie-break (a team is rarely larger).
LOAD_CANDIDATES = 50


def pick_assignee(
    *, venue: Venue, role: str, department: Department | None = None, exclude: Iterable[int] = ()
) -> User | None:
    """The least-loaded active holder of `role` at `venue`, preferring the routed department."""
    excluded = list(exclude)
    if department is not None:
        team = users_with_role(venue=venue, roles=[role], department=department).exclude(
            pk__in=excluded
        )
        chosen = _least_loaded(team)
        if chosen is not None:
            return chosen
    anyone = users_with_role(venue=venue, roles=[role]).exclude(pk__in=excluded)
    return _least_loaded(anyone)


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


# Timeline kinds that are not handling the case: reading it, a note or a file added (the
# revisitor may add them too), the revisit itself, the customer's answer and what amends does
# on its own.
NOT_HANDLING_KINDS = frozenset(
    {
        "note",
        "evidence",
        "personal_data_viewed",
        "revisit_scheduled",
        "revisit_attempt",
        "revisit_recorded",
        "follow_up_opened",
        "survey_answered",
        "reminder",
        "calendar_warning",
        "legal_hold",
        "anonymised",
    }
)
# Who may make a revisit, in the order they are asked (the specialists run revisits, SPEC).
REVISITOR_ROLES = tuple(
    role
    for role in (Role.SPECIALIST, Role.MANAGER, "general_manager", Role.DIRECTOR)
    if role in REVISIT_ROLES
)


def not_independent(complaint: Complaint) -> set[int]:
    """Who may not revisit `complaint`: the staff complained about or found responsible, and
    everyone who handled it — receiver, owner, assignee, its handlers, whoever it was escalated
    to, and every member of staff who acted on its timeline (investigation, interviews, calls,
    remedies proposed, approved or rejected, the customer's answer recorded, feedback …)
    except by making the revisit itself, adding a note or a file, or only reading it. Read
    from the complaint, its rows and its events, so a step recorded anywhere counts."""
    people = {
        complaint.received_by_id,
        complaint.owner_id,
        complaint.assignee_id,
        complaint.escalated_to_id,
        complaint.subject_staff_id,
        complaint.responsible_staff_id,
    }
    people.update(complaint.handlers.values_list("pk", flat=True))
    events = ComplaintEvent.objects.filter(complaint=complaint, actor__isnull=False).exclude(
        kind__in=list(NOT_HANDLING_KINDS)
    )
    revisit_steps = Q(kind="transition", data__action="record_revisit")
    people.update(events.exclude(revisit_steps).values_list("actor_id", flat=True))
    for data in ComplaintEvent.objects.filter(complaint=complaint, kind="escalated").values_list(
        "data", flat=True
    ):
        people.add(data.get("to") if isinstance(data, dict) else None)
    people.update(
        Interview.objects.filter(complaint=complaint).values_list("recorded_by_id", flat=True)
    )
    for proposed, decided in RemedyProposal.objects.filter(complaint=complaint).values_list(
        "proposed_by_id", "decided_by_id"
    ):
        people.update((proposed, decided))
    people.update(
        CustomerConsent.objects.filter(complaint=complaint).values_list("recorded_by_id", flat=True)
    )
    return {pk for pk in people if isinstance(pk, int)}


def can_sign_in(users: QuerySet[User]) -> QuerySet[User]:
    """Only accounts that can sign in: active, with a usable password."""
    return users.filter(is_active=True).exclude(
        Q(password="") | Q(password__startswith=UNUSABLE_PASSWORD_PREFIX)
    )


def pick_revisitor(complaint: Complaint) -> User | None:
    """Who makes the revisit of `complaint`: someone independent of the case
    (`not_independent`) who can sign in and holds a revisit role at its venue — a specialist,
    else a manager, else a general manager, else a director, the least loaded first. None when
    nobody qualifies: the revisit then waits in the venue managers' revisit list."""
    excluded = not_independent(complaint)
    for role in REVISITOR_ROLES:
        holders = can_sign_in(users_with_role(venue=complaint.venue, roles=[role]))
        chosen = _least_loaded(holders.exclude(pk__in=excluded))
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


_RUNGS: ContextVar[dict[tuple[int, str], list[User]] | None] = ContextVar(
    "amends_rung_holders", default=None
)


@contextmanager
def rung_holders_kept() -> Iterator[None]:
    """Inside the block, each venue's holders of a rung, with their open load, are read once
    (the tick's chunk of escalations: an escalation changes nobody's load, which counts the
    complaints assigned to them)."""
    token = _RUNGS.set({})
    try:
        yield
    finally:
        _RUNGS.reset(token)


def _rung_holder(complaint: Complaint, role: str) -> User | None:
    """The least loaded holder of `role` for this complaint (at its venue or company-wide),
    never the person complained about, and not the owner: escalating to yourself helps nobody,
    so a rung held only by the owner counts as missing."""
    excluded = [pk for pk in (complaint.subject_staff_id, complaint.owner_id) if pk]
    kept = _RUNGS.get()
    if kept is None:
        holders = users_with_role(venue=complaint.venue, roles=[role])
        return _least_loaded(holders.exclude(pk__in=excluded))
    key = (complaint.venue_id, role)
    if key not in kept:
        # Two more than compared, so that the lightest are still there without the two left out.
        holders = users_with_role(venue=complaint.venue, roles=[role])
        kept[key] = _by_load(holders, LOAD_CANDIDATES + 2)
    return _lightest([person for person in kept[key] if person.pk not in excluded])


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
