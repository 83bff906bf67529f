"""Who may do what in member care, and the small parsers the services share.

Care work (members, calls, first contact, points, coach feedback) is done by the venue's
customer-service specialists, managers, general managers and directors (a company-wide grant
counts at every venue); care is run — campaigns, care rules, a member given to another
specialist — by its managers, general managers and directors. The front desk looks members up
(to record a visit) and records a member's word on a coach. Auditors and administrators read.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

from django.utils.translation import gettext_lazy as _

from amends.core.errors import InvalidInput, PermissionDenied
from amends.orgs.models import User, Venue
from amends.orgs.roles import Role
from amends.orgs.selectors import scope_of

CARE_ROLES = frozenset({Role.SPECIALIST, Role.MANAGER, Role.GENERAL_MANAGER, Role.DIRECTOR})
MANAGE_ROLES = frozenset({Role.MANAGER, Role.GENERAL_MANAGER, Role.DIRECTOR})
FEEDBACK_ROLES = CARE_ROLES | {Role.FRONT_DESK}
READ_ROLES = CARE_ROLES | {Role.AUDITOR, Role.ADMIN}
MEMBER_READ_ROLES = READ_ROLES | {Role.FRONT_DESK}
# First contact with a newly assigned member is due within this many days.
FIRST_CONTACT_DAYS = 7
# A call not reached this many times is given up as unreachable.
MAX_ATTEMPTS = 3


def may_care(actor: User | None, venue_id: int, roles: frozenset[str] = CARE_ROLES) -> bool:
    """Whether `actor` may do care work at the venue (holds one of `roles` there)."""
    if actor is None or not actor.is_active:
        return False
    scope = scope_of(actor)
    return scope.has_role(venue_id, *roles) and _same_company(actor, venue_id)


def may_read(actor: User | None, venue_id: int, roles: frozenset[str] = READ_ROLES) -> bool:
    return may_care(actor, venue_id, roles)


def _same_company(actor: User, venue_id: int) -> bool:
    if actor.company_id is None:
        return False
    return Venue.objects.filter(pk=venue_id, company_id=actor.company_id).exists()


def require_care(
    actor: User | None, venue: Venue | int, roles: frozenset[str] = CARE_ROLES
) -> None:
    venue_id = venue if isinstance(venue, int) else venue.pk
    if not may_care(actor, venue_id, roles):
        if roles == MANAGE_ROLES:
            raise PermissionDenied(
                _("Member care at this venue is run by its managers."), code="care_manage_only"
            )
        raise PermissionDenied(
            _("You may not look after members at this venue."), code="care_not_allowed"
        )


# --- parsing what a form or the API sends ---------------------------------------------------


def text(
    data: dict[str, Any], key: str, *, limit: int, required: bool = False, label: Any = None
) -> str:
    value = data.get(key)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise InvalidInput(
            _("Fill in this field: %(field)s.") % {"field": label or key}, code=f"{key}_required"
        )
    if len(value) > limit:
        raise InvalidInput(
            _("Too long: %(field)s (%(limit)s characters at most).")
            % {"field": label or key, "limit": limit},
            code=f"{key}_too_long",
        )
    return value


def a_date(value: Any, *, field: str, label: Any = None) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(
            _("Not a date: %(field)s.") % {"field": label or field}, code=f"{field}_invalid"
        ) from None


def a_time(value: Any, *, field: str, label: Any = None) -> time | None:
    if value in (None, ""):
        return None
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(
            _("Not a time of day: %(field)s.") % {"field": label or field}, code=f"{field}_invalid"
        ) from None


def an_int(value: Any, *, field: str, low: int, high: int, label: Any = None) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidInput(
            _("Not a whole number: %(field)s.") % {"field": label or field}, code=f"{field}_invalid"
        ) from None
    if not low <= number <= high:
        raise InvalidInput(
            _("%(field)s must be between %(low)s and %(high)s.")
            % {"field": label or field, "low": low, "high": high},
            code=f"{field}_out_of_range",
        )
    return number


def label(model: Any, name: str) -> Any:
    """The (translated) verbose name of a model field, for messages."""
    return model._meta.get_field(name).verbose_name
