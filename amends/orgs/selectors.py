"""Who may see and do what, read from a user's role grants.

`scope_of(actor)` is the single source of a person's reach; every selector in the project that
decides visibility starts here. The scope is computed once per user object and cached on it;
the grants it is made of are kept in the per-process configuration cache (`orgs/cache.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet

from amends.core import config_cache
from amends.orgs.models import Department, RoleGrant, User, Venue
from amends.orgs.roles import VENUE_WIDE_ROLES, Role


@dataclass(frozen=True)
class Scope:
    """The reach of one user: roles held company-wide, roles per venue, department grants."""

    user_id: int
    company_id: int | None
    company_roles: frozenset[str] = frozenset()
    venue_roles: dict[int, frozenset[str]] = field(default_factory=dict)
    department_ids: frozenset[int] = frozenset()

    def roles_at(self, venue_id: int) -> frozenset[str]:
        return self.company_roles | self.venue_roles.get(venue_id, frozenset())

    def has_role(self, venue_id: int, *roles: str) -> bool:
        return bool(self.roles_at(venue_id) & set(roles))

    @property
    def all_roles(self) -> frozenset[str]:
        roles = set(self.company_roles)
        for venue_roles in self.venue_roles.values():
            roles |= venue_roles
        return frozenset(roles)

    @property
    def spans_company(self) -> bool:
        return bool(self.company_roles & VENUE_WIDE_ROLES)

    def wide_venue_ids(self) -> frozenset[int]:
        """Venues in which this user sees every complaint (a venue-wide role held there)."""
        return frozenset(v for v, roles in self.venue_roles.items() if roles & VENUE_WIDE_ROLES)


def scope_of(actor: User) -> Scope:
    """The reach of `actor`: cached on the user object, and their grants in the per-process
    configuration cache (`orgs/cache.py` drops them when a grant changes). An inactive or
    unsaved user holds nothing."""
    cached: Scope | None = getattr(actor, "_amends_scope", None)
    if cached is not None:
        return cached
    if actor.is_active and actor.pk is not None:
        user_id, company_id = actor.pk, actor.company_id
        scope = config_cache.cached(
            f"scope.{user_id}",
            company_id or config_cache.GLOBAL,
            lambda: _scope_from_grants(user_id, company_id),
        )
    else:
        scope = Scope(user_id=actor.pk or 0, company_id=actor.company_id)
    actor._amends_scope = scope  # type: ignore[attr-defined]
    return scope


def _scope_from_grants(user_id: int, company_id: int | None) -> Scope:
    company_roles: set[str] = set()
    venue_roles: dict[int, set[str]] = {}
    departments: set[int] = set()
    for grant in RoleGrant.objects.filter(user_id=user_id).only(
        "role", "venue_id", "department_id"
    ):
        if grant.venue_id is None:
            company_roles.add(grant.role)
        else:
            venue_roles.setdefault(grant.venue_id, set()).add(grant.role)
        if grant.department_id is not None:
            departments.add(grant.department_id)
    return Scope(
        user_id=user_id,
        company_id=company_id,
        company_roles=frozenset(company_roles),
        venue_roles={venue: frozenset(roles) for venue, roles in venue_roles.items()},
        department_ids=frozenset(departments),
    )


def forget_scope(actor: User) -> None:
    """Drop the cached scope after the user's grants changed."""
    if hasattr(actor, "_amends_scope"):
        del actor._amends_scope


def venues_for_actor(*, actor: User) -> QuerySet[Venue]:
    """Venues the actor holds any role in (all of the company's for company-wide roles)."""
    scope = scope_of(actor)
    if scope.company_id is None:
        return Venue.objects.none()
    venues = Venue.objects.filter(company_id=scope.company_id)
    if scope.company_roles:
        return venues
    return venues.filter(pk__in=scope.venue_roles.keys())


def people_at(*, company_id: int | None, venue_ids: Iterable[int]) -> list[User]:
    """Active staff of the company with a role at one of `venue_ids` or company-wide, by name:
    the queue filter's assignee picker, which must not list the names of staff elsewhere in
    the company. From the per-process cache (`orgs/cache.py` drops it when a grant or a person
    changes). Shared between requests: never change the objects."""
    if company_id is None:
        return []
    ids = sorted(set(venue_ids))

    def load() -> list[User]:
        from django.db.models import Q

        return list(
            User.objects.filter(
                # A company-wide grant: a grant, at no venue (a person without any grant
                # has a null venue through the join, and no role to be listed for).
                Q(grants__venue__in=ids) | Q(grants__pk__isnull=False, grants__venue__isnull=True),
                company_id=company_id,
                is_active=True,
            )
            .distinct()
            .order_by("display_name", "username")
        )

    return config_cache.cached(f"people.{','.join(map(str, ids))}", company_id, load)


def users_with_role(
    *, venue: Venue, roles: Iterable[str], department: Department | None = None
) -> QuerySet[User]:
    """Active staff holding one of `roles` at `venue` (directly or company-wide)."""
    from django.db.models import Q

    grants = RoleGrant.objects.filter(role__in=list(roles)).filter(
        Q(venue=venue) | Q(venue__isnull=True, user__company_id=venue.company_id)
    )
    if department is not None:
        grants = grants.filter(department=department)
    return User.objects.filter(is_active=True, pk__in=grants.values("user_id")).order_by("pk")


__all__ = [
    "Role",
    "Scope",
    "forget_scope",
    "people_at",
    "scope_of",
    "users_with_role",
    "venues_for_actor",
]
