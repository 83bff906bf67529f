"""What the console's member-care pages share: who may open which page (the roles held at a
venue), the venue a page is about, and a refused write shown on its form.

The services and selectors of `amends.care` check access again on every call; these checks
only decide what a page offers (a form, a navigation entry) and refuse a page early."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext as _

from amends.console.views import current_venue, raise_forbidden
from amends.core.errors import DomainError
from amends.orgs.models import User, Venue
from amends.orgs.roles import Role
from amends.orgs.selectors import scope_of, venues_for_actor

# Who reads the member-care pages of a venue (the auditor reads, never writes).
CARE_READ_ROLES = frozenset(
    {Role.SPECIALIST, Role.MANAGER, Role.GENERAL_MANAGER, Role.DIRECTOR, Role.AUDITOR}
)
# Who looks after members: calls, first contact, points, the member's care details.
CARE_WORK_ROLES = frozenset({Role.SPECIALIST, Role.MANAGER, Role.GENERAL_MANAGER, Role.DIRECTOR})
# Who runs member care at a venue: campaigns, care rules, reassigning specialists.
CARE_MANAGE_ROLES = frozenset({Role.MANAGER, Role.GENERAL_MANAGER, Role.DIRECTOR})
# The front desk records a member's visit and a member's word on a coach.
DESK_ROLES = frozenset({Role.FRONT_DESK})
COACH_ROLES = frozenset({Role.STAFF, Role.COURSE_SUPERVISOR})


def roles_at(actor: User, venue_id: int) -> frozenset[str]:
    return scope_of(actor).roles_at(venue_id)


def holds(actor: User, venue_id: int, roles: frozenset[str]) -> bool:
    return bool(roles_at(actor, venue_id) & roles)


def care_venues(actor: User, roles: frozenset[str] = CARE_READ_ROLES) -> list[Venue]:
    """The venues where `actor` holds one of `roles`."""
    return [v for v in venues_for_actor(actor=actor) if holds(actor, v.pk, roles)]


def require_any(actor: User, roles: frozenset[str], message: str) -> list[Venue]:
    """The venues where `actor` holds one of `roles`; none: refused with `message` (403)."""
    venues = care_venues(actor, roles)
    if not venues:
        raise_forbidden(message)
    return venues


def page_venue(request: HttpRequest, venues: list[Venue]) -> Venue | None:
    """The venue a list page shows: ?venue=CODE among `venues`, else the one chosen in the
    header, else the only one; None: all of `venues`."""
    code = request.GET.get("venue", "").strip().upper()
    if code:
        for venue in venues:
            if venue.code == code:
                return venue
        raise_forbidden(_("You may not open the member care of this venue."))
    chosen = current_venue(request)
    if chosen is not None and chosen in venues:
        return chosen
    return venues[0] if len(venues) == 1 else None


def refused_on(
    form: forms.Form, refused: DomainError, fields: dict[str, str] | None = None
) -> None:
    """A refused write shown on its form: on the field it names (or its code names in
    `fields`), else at the top."""
    field = refused.params.get("field") if refused.params else None
    field = field or (fields or {}).get(refused.code)
    if isinstance(field, str) and field in form.fields:
        form.add_error(field, str(refused.message))
    else:
        form.add_error(None, str(refused.message))


def int_or_none(raw: Any) -> int | None:
    text = str(raw or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None
