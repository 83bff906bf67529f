"""Every read of improvement actions goes through here, and the rules of who may do what to
one: `actions_for_actor` decides what a person may see, `steps_for_actor` what they may do.

Who may see an action: anyone holding a role at its venue; a company-wide action (no venue)
only those holding a role company-wide (who also see every venue's); and always its owner.
Who may raise and edit one: the managers, general managers, directors and administrators of
its venue (company-wide for a company-wide action). Its owner may start and complete it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from amends.complaints.models import Complaint
from amends.complaints.selectors import complaints_for_actor
from amends.core import clock
from amends.core.errors import NotFound
from amends.improvements.models import ImprovementAction
from amends.orgs.models import User, Venue
from amends.orgs.roles import Role
from amends.orgs.selectors import scope_of

Status = ImprovementAction.Status

# Who raises, edits and cancels improvement actions at a venue (or company-wide).
EDITOR_ROLES = frozenset({Role.MANAGER, Role.GENERAL_MANAGER, Role.DIRECTOR, Role.ADMIN})
OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)


@dataclass(frozen=True)
class Step:
    """A change of an action's status: from which statuses, to which, and who may take it
    ("editor": the venue's managers and above; "owner": the editors and the action's owner)."""

    name: str
    sources: tuple[str, ...]
    target: str
    who: str
    label: object


# The status flow, once: open → in progress → done; open or in progress → cancelled (with a
# reason). A simple fix may be done straight from open. `edit` and `link` keep the status.
STEPS: dict[str, Step] = {
    "start": Step("start", (Status.OPEN,), Status.IN_PROGRESS, "owner", _("Start")),
    "complete": Step("complete", OPEN_STATUSES, Status.DONE, "owner", _("Mark as done")),
    "cancel": Step("cancel", OPEN_STATUSES, Status.CANCELLED, "editor", _("Cancel the action")),
    "edit": Step("edit", OPEN_STATUSES, "", "editor", _("Edit")),
    "link": Step("link", (*OPEN_STATUSES, Status.DONE), "", "editor", _("Link a complaint")),
}


# --- who may -------------------------------------------------------------------------------------


def may_raise(actor: User, venue_id: int | None) -> bool:
    """Whether `actor` may raise (and edit) an action at this venue; None: company-wide."""
    scope = scope_of(actor)
    if not actor.is_active or scope.company_id is None:
        return False
    if venue_id is None:
        return bool(scope.company_roles & EDITOR_ROLES)
    if not Venue.objects.filter(pk=venue_id, company_id=scope.company_id).exists():
        return False
    return scope.has_role(venue_id, *EDITOR_ROLES)


def may_own(user: User, *, company_id: int, venue_id: int | None) -> bool:
    """Whether `user` may own an action of this company at this venue (None: every venue):
    active staff of the company who may act there — a role at the venue or company-wide; for a
    company-wide action, a role held company-wide."""
    if not user.is_active or user.company_id != company_id:
        return False
    scope = scope_of(user)
    if venue_id is None:
        return bool(scope.company_roles)
    return bool(scope.roles_at(venue_id))


def may_take(actor: User, action: ImprovementAction, step: Step) -> bool:
    if action.company_id != actor.company_id:
        return False
    if may_raise(actor, action.venue_id):
        return True
    return step.who == "owner" and action.owner_id == actor.pk


def steps_for_actor(*, actor: User, action: ImprovementAction) -> list[str]:
    """The steps `actor` may take on `action` now, in the order of STEPS."""
    return [
        name
        for name, step in STEPS.items()
        if action.status in step.sources and may_take(actor, action, step)
    ]


def raisable_venues(*, actor: User) -> tuple[list[Venue], bool]:
    """The venues where `actor` may raise an action, and whether they may raise a company-wide
    one."""
    scope = scope_of(actor)
    if scope.company_id is None or not actor.is_active:
        return [], False
    company_wide = bool(scope.company_roles & EDITOR_ROLES)
    venues = Venue.objects.filter(company_id=scope.company_id, is_active=True).order_by("code")
    if not company_wide:
        venues = venues.filter(
            pk__in=[v for v, roles in scope.venue_roles.items() if roles & EDITOR_ROLES]
        )
    return list(venues), company_wide


def possible_owners(*, actor: User) -> QuerySet[User]:
    """The active staff of the actor's company who hold any role (the owner picker; the service
    checks that the one chosen may act at the action's venue)."""
    return (
        User.objects.filter(company_id=actor.company_id or 0, is_active=True, grants__isnull=False)
        .distinct()
        .order_by("display_name", "username")
    )


def owners_for(*, company_id: int, venue_id: int | None) -> QuerySet[User]:
    """The staff who may own an action at this venue (None: company-wide), by name: the owner
    picker of an action whose venue is known (`may_own` is the rule)."""
    grants = Q(grants__venue__isnull=True)
    if venue_id is not None:
        grants |= Q(grants__venue_id=venue_id)
    return (
        User.objects.filter(grants, company_id=company_id, is_active=True)
        .distinct()
        .order_by("display_name", "username")
    )


# --- reads ---------------------------------------------------------------------------------------


def visibility(actor: User) -> Q:
    """The filter of actions `actor` may see (see the module's docstring)."""
    scope = scope_of(actor)
    if scope.company_id is None or not actor.is_active:
        return Q(pk__in=[])
    company = Q(company_id=scope.company_id)
    if scope.company_roles:
        return company
    return company & (Q(venue_id__in=list(scope.venue_roles)) | Q(owner_id=actor.pk))


def actions_for_actor(*, actor: User) -> QuerySet[ImprovementAction]:
    """The actions `actor` may see, with their venue, owner and cause, and how many complaints
    each links (one query for a page of them)."""
    return (
        ImprovementAction.objects.filter(visibility(actor))
        .select_related("venue", "owner", "category")
        .annotate(complaint_count=Count("complaints", distinct=True))
    )


def action_get_for_actor(*, actor: User, pk: int) -> ImprovementAction:
    """One action the actor may see, else NotFound (never reveals that it exists)."""
    found = (
        ImprovementAction.objects.filter(visibility(actor))
        .select_related("venue", "owner", "category", "created_by", "company")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound(_("This improvement action does not exist."), code="improvement_not_found")
    return found


def linked_complaints(*, actor: User, action: ImprovementAction) -> QuerySet[Complaint]:
    """The complaints linked to `action` that `actor` may see."""
    return (
        complaints_for_actor(actor=actor)
        .filter(improvement_actions=action)
        .select_related("venue", "category")
        .order_by("received_at", "pk")
    )


def overdue(queryset: QuerySet[ImprovementAction], *, today: date) -> QuerySet[ImprovementAction]:
    """Actions still open whose due date has passed."""
    return queryset.filter(status__in=OPEN_STATUSES, due_on__lt=today)


def zone_of(venue: Venue | None) -> tzinfo:
    return ZoneInfo(venue.timezone if venue is not None else settings.TIME_ZONE)


def today_at(venue: Venue | None) -> date:
    """Today's date at the venue (the company's zone for a company-wide action)."""
    return clock.now().astimezone(zone_of(venue)).date()


def is_overdue(action: ImprovementAction) -> bool:
    return action.status in OPEN_STATUSES and action.due_on < today_at(action.venue)


def _day(value: date | datetime, zone: tzinfo) -> date:
    return value.astimezone(zone).date() if isinstance(value, datetime) else value


def _moment(value: date | datetime, zone: tzinfo) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day, tzinfo=zone)


def actions_in_month(
    *,
    company_id: int,
    venue_id: int | None,
    start: date | datetime,
    end: date | datetime,
) -> QuerySet[ImprovementAction]:
    """The actions a report of [start, end) lists: due in the period, done in it, or still open
    with a due date before its end (overdue). Cancelled actions are left out, and so are actions
    raised after the period. A venue's (venue_id) are its own actions; the company's (None) are
    every action of the company, company-wide ones included.

    `start` and `end` are aware datetimes (the period's local midnights) or dates; due dates
    are compared as dates at the venue (the company's zone for the company)."""
    venue = Venue.objects.filter(pk=venue_id).first() if venue_id is not None else None
    zone = zone_of(venue)
    first, last = _day(start, zone), _day(end, zone)
    since, until = _moment(start, zone), _moment(end, zone)
    actions = ImprovementAction.objects.filter(company_id=company_id, created_at__lt=until)
    if venue_id is not None:
        actions = actions.filter(venue_id=venue_id)
    return (
        actions.exclude(status=Status.CANCELLED)
        .filter(
            Q(due_on__gte=first, due_on__lt=last)
            | Q(done_at__gte=since, done_at__lt=until)
            | Q(status__in=OPEN_STATUSES, due_on__lt=last)
        )
        .select_related("venue", "owner", "category")
        .order_by("due_on", "pk")
    )


__all__ = [
    "EDITOR_ROLES",
    "OPEN_STATUSES",
    "STEPS",
    "Step",
    "action_get_for_actor",
    "actions_for_actor",
    "actions_in_month",
    "is_overdue",
    "linked_complaints",
    "may_own",
    "may_raise",
    "may_take",
    "overdue",
    "owners_for",
    "possible_owners",
    "raisable_venues",
    "steps_for_actor",
    "today_at",
]
