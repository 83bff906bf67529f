"""Who may see and do what with equipment, read from the actor's role grants (`scope_of`).

- See a venue's assets and work orders: anyone holding a role at the venue (company-wide roles
  — the director, the auditor — reach every venue of their company). A user of another company
  sees nothing; an API key sees its company's (or its one venue's).
- Report a fault: any staff of the venue except the auditor (who reads), an API key of the
  company (and venue), the public QR form (no actor) and amends itself.
- Act on work orders, assets and plans (react, assign, repair, sign off, take out of service,
  import): the venue's maintenance people, its managers and general manager, and directors.
- Be assigned a work order: a maintenance person of that venue.
- Sign off a repair: someone who may act, other than the technician who repaired it, when the
  venue has another maintenance person, manager or general manager to do it; a technician
  alone at a venue signs off their own repair, and the event says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from amends.core.principals import Principal, PrincipalKind
from amends.equipment.models import WorkOrder
from amends.orgs.models import User, Venue
from amends.orgs.roles import Role
from amends.orgs.selectors import scope_of, users_with_role

ACT_ROLES = frozenset({Role.MAINTENANCE, Role.MANAGER, Role.GENERAL_MANAGER, Role.DIRECTOR})
# Who can sign off a repair instead of the technician, at the venue itself.
SIGN_OFF_ROLES = frozenset({Role.MAINTENANCE, Role.MANAGER, Role.GENERAL_MANAGER})
# Who hears of new faults and of the clock running out: maintenance; at 100 %, the managers.
ESCALATE_ROLES = (Role.MANAGER, Role.GENERAL_MANAGER)
READ_ONLY_ROLES = frozenset({Role.AUDITOR})


def user_of(actor: Any) -> User | None:
    """The staff member behind `actor` (a user or a staff principal), else None."""
    if isinstance(actor, User):
        return actor
    if isinstance(actor, Principal) and actor.kind == PrincipalKind.STAFF:
        user = actor.user
        return user if isinstance(user, User) else None
    return None


def venue_ids_for(actor: Any) -> set[int] | None:
    """The venues whose equipment `actor` may see; None means every venue of its company."""
    user = user_of(actor)
    if user is not None:
        scope = scope_of(user)
        if not user.is_active or scope.company_id is None:
            return set()
        if scope.company_roles:
            return None
        return {venue for venue, roles in scope.venue_roles.items() if roles}
    if isinstance(actor, Principal) and actor.kind == PrincipalKind.API_KEY:
        return None if actor.venue_id is None else {actor.venue_id}
    return set()


def company_of(actor: Any) -> int | None:
    user = user_of(actor)
    if user is not None:
        return user.company_id
    if isinstance(actor, Principal):
        return actor.company_id
    return None


def may_see(actor: Any, venue: Venue) -> bool:
    if company_of(actor) != venue.company_id:
        return False
    ids = venue_ids_for(actor)
    return ids is None or venue.pk in ids


def may_act(actor: Any, venue: Venue) -> bool:
    user = user_of(actor)
    if user is None or not user.is_active or user.company_id != venue.company_id:
        return False
    return scope_of(user).has_role(venue.pk, *ACT_ROLES)


def may_report(actor: Any, venue: Venue) -> bool:
    """Whether `actor` may report a fault at `venue` (None: the public QR form)."""
    if actor is None:
        return True
    if isinstance(actor, Principal) and actor.kind == PrincipalKind.SYSTEM:
        return True
    if isinstance(actor, Principal) and actor.kind == PrincipalKind.API_KEY:
        return actor.company_id == venue.company_id and actor.venue_id in (None, venue.pk)
    user = user_of(actor)
    if user is None or not user.is_active or user.company_id != venue.company_id:
        return False
    return bool(scope_of(user).roles_at(venue.pk) - READ_ONLY_ROLES)


def technicians(venue: Venue) -> QuerySet[User]:
    """The venue's maintenance people (who may be assigned its work orders)."""
    return users_with_role(venue=venue, roles=[Role.MAINTENANCE])


def is_technician(user: User, venue: Venue) -> bool:
    return (
        user.is_active
        and user.company_id == venue.company_id
        and scope_of(user).has_role(venue.pk, Role.MAINTENANCE)
    )


def others_to_sign_off(venue: Venue, *, besides: User) -> bool:
    """Whether someone other than `besides` at the venue could sign off a repair."""
    return users_with_role(venue=venue, roles=list(SIGN_OFF_ROLES)).exclude(pk=besides.pk).exists()


@dataclass(frozen=True)
class Step:
    name: str
    sources: tuple[str, ...]


Status = WorkOrder.Status

# The work order's flow, once: which statuses each step starts from.
STEPS = {
    "react": Step("react", (Status.REPORTED,)),
    "assign": Step("assign", (Status.REPORTED, Status.REACTED, Status.ARRIVED)),
    "arrive": Step("arrive", (Status.REPORTED, Status.REACTED)),
    "resolve": Step("resolve", (Status.REPORTED, Status.REACTED, Status.ARRIVED)),
    "verify": Step("verify", (Status.RESOLVED,)),
    "cancel": Step("cancel", tuple(WorkOrder.OPEN_STATUSES)),
}


def steps_for(actor: Any, work_order: WorkOrder) -> list[str]:
    """The steps `actor` may take on `work_order` now (what a page offers): names of `STEPS`
    ("react", "assign", "arrive", "resolve", "verify", "cancel"). Verify is not offered to the
    technician who repaired it while someone else at the venue can sign it off."""
    if not may_act(actor, work_order.venue):
        return []
    names = [name for name, step in STEPS.items() if work_order.status in step.sources]
    user = user_of(actor)
    if (
        "verify" in names
        and user is not None
        and work_order.resolved_by_id == user.pk
        and others_to_sign_off(work_order.venue, besides=user)
    ):
        names.remove("verify")
    return names
