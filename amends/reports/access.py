"""Who may read reports, and of which venues.

Reports show every complaint of a venue in aggregate, so they belong to the people who answer
for a venue or the company: the customer-service manager, the venue's general manager, the
director, the auditor and the administrator (`REPORT_ROLES`). The front desk, handlers and
coaches see their own work in the console, not the venue's figures."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from amends.core.errors import NotFound, PermissionDenied
from amends.orgs.models import User, Venue
from amends.orgs.roles import Role
from amends.orgs.selectors import scope_of

REPORT_ROLES = frozenset(
    {Role.MANAGER, Role.GENERAL_MANAGER, Role.DIRECTOR, Role.AUDITOR, Role.ADMIN}
)


def may_report_company(actor: User) -> bool:
    """Whether `actor` holds a report role company-wide (every venue, and the company's total)."""
    scope = scope_of(actor)
    return (
        actor.is_active
        and scope.company_id is not None
        and bool(scope.company_roles & REPORT_ROLES)
    )


def report_venues(actor: User) -> QuerySet[Venue]:
    """The venues of the actor's company whose reports they may read, by code."""
    scope = scope_of(actor)
    if scope.company_id is None or not actor.is_active:
        return Venue.objects.none()
    venues = Venue.objects.filter(company_id=scope.company_id).order_by("code")
    if may_report_company(actor):
        return venues
    allowed = [venue for venue, roles in scope.venue_roles.items() if roles & REPORT_ROLES]
    return venues.filter(pk__in=allowed)


def check_report_access(*, actor: User, venue: Venue | None) -> None:
    """Raise unless `actor` may read the report of `venue` (None: the whole company).

    Another company's venue is not found, as if it did not exist; a venue of the actor's own
    company without a report role there is refused (`report_not_allowed`)."""
    scope = scope_of(actor)
    if venue is not None and venue.company_id != scope.company_id:
        raise NotFound(_("No such venue."), code="venue_not_found")
    allowed = (
        may_report_company(actor)
        if venue is None
        else report_venues(actor).filter(pk=venue.pk).exists()
    )
    if not allowed:
        raise PermissionDenied(
            _("You may not read the reports of this venue."), code="report_not_allowed"
        )
