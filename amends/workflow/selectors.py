"""Reads of workflow configuration, each falling back to the shipped defaults."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from amends.orgs.models import Company, Department, User, Venue
from amends.orgs.selectors import scope_of, users_with_role
from amends.workflow import cache
from amends.workflow.calendar import Calendar, OpenDays, VenueClock
from amends.workflow.models import (
    AuthorityLimit,
    CalendarOverride,
    Category,
    PersonalAuthorityLimit,
    RoutingRule,
    ServiceTargets,
    SlaPolicy,
)
from amends.workflow.rules import (
    DEFAULT_AUTHORITY_LIMITS,
    DEFAULT_TARGETS,
    ROUTE_FALLBACKS,
    PersonalLimit,
    Route,
    RuleRow,
    SlaTargets,
    Targets,
    authority_of,
    default_sla,
    match_route,
)


def national_calendar() -> Calendar:
    """The national calendar: the holiday library plus the admin's override table (cached per
    process, `workflow/cache.py`)."""

    def load() -> Calendar:
        overrides = dict(CalendarOverride.objects.values_list("day", "is_working_day"))
        return Calendar(overrides=overrides)

    return cache.cached("calendar", cache.GLOBAL, load)


def venue_clock(venue: Venue, *, calendar: Calendar | None = None) -> VenueClock:
    return VenueClock(
        tz=ZoneInfo(venue.timezone),
        opens=venue.opens_at,
        closes=venue.closes_at,
        open_days=OpenDays(venue.open_days),
        calendar=calendar if calendar is not None else national_calendar(),
    )


def sla_targets(*, venue: Venue, severity: str) -> SlaTargets:
    """The venue's time limits for `severity`: its policy, else the shipped defaults. The
    company's policies are read once per process and generation (`workflow/cache.py`)."""

    def load() -> dict[tuple[int, str], SlaTargets]:
        return {
            (policy.venue_id, policy.severity): _targets_of(policy)
            for policy in SlaPolicy.objects.filter(venue__company_id=venue.company_id)
        }

    targets = cache.cached("sla", venue.company_id, load).get((venue.pk, severity))
    return targets or default_sla(severity=severity, venue_kind=venue.kind)


def _targets_of(policy: SlaPolicy) -> SlaTargets:
    return SlaTargets(
        mode=policy.mode,
        respond_hours=policy.respond_hours,
        resolve_hours=policy.resolve_hours,
        remind_at_percent=policy.remind_at_percent,
        escalation_step_hours=policy.escalation_step_hours,
        assess_days=policy.assess_days,
        plan_days=policy.plan_days,
        execute_days=policy.execute_days,
        follow_up_days=policy.follow_up_days,
    )


def authority_limits(*, company: Company | int) -> dict[str, Decimal | None]:
    """The limit of each role (CNY; None: unlimited): the company's own over the defaults."""
    limits: dict[str, Decimal | None] = dict(DEFAULT_AUTHORITY_LIMITS)
    limits.update(dict(AuthorityLimit.objects.filter(company=company).values_list("role", "limit")))
    return limits


def authority_for(
    *, user: User, venue_id: int, limits: Mapping[str, Decimal | None] | None = None
) -> Decimal | None:
    """The most `user` may grant at this venue without approval (None: unlimited): their
    personal limit when the admin set one, else the widest limit of the roles they hold there."""
    own = PersonalAuthorityLimit.objects.filter(user_id=user.pk).first()
    if limits is None:
        limits = authority_limits(company=user.company_id or 0)
    return authority_of(
        scope_of(user).roles_at(venue_id),
        limits,
        PersonalLimit(own.limit) if own is not None else None,
    )


def route_for(
    *, venue: Venue, category_code: str | None, severity: str | None
) -> tuple[Department | None, str]:
    """The department (of this venue) and role that own a complaint of this kind. The
    company's rules and its venues' departments are read once per process and generation
    (`workflow/cache.py`); only a route with a fallback asks who holds its role."""

    def rules() -> list[RuleRow]:
        return [
            RuleRow(
                venue_id=rule.venue_id,
                category_code=rule.category.code if rule.category else None,
                severity=rule.severity or None,
                route=Route(rule.department_code, rule.role),
                position=rule.position,
            )
            for rule in RoutingRule.objects.filter(company_id=venue.company_id).select_related(
                "category"
            )
        ]

    def departments() -> dict[tuple[int, str], Department]:
        return {
            (department.venue_id, department.code): department
            for department in Department.objects.filter(venue__company_id=venue.company_id)
        }

    rows = cache.cached("routes", venue.company_id, rules)
    route = match_route(rows, venue_id=venue.pk, category_code=category_code, severity=severity)
    department = cache.cached("departments", venue.company_id, departments).get(
        (venue.pk, route.department_code)
    )
    fallback = ROUTE_FALLBACKS.get(route.role)
    if fallback is not None and not users_with_role(venue=venue, roles=[route.role]).exists():
        return department, fallback
    return department, route.role


def categories_for(*, company: Company, active_only: bool = True) -> list[Category]:
    categories = Category.objects.filter(company=company)
    if active_only:
        categories = categories.filter(is_active=True)
    return list(categories)


def categories_of(company_id: int) -> list[Category]:
    """Every category of the company, in use or not, in their order: the queue filter's
    picker, from the per-process cache (`workflow/cache.py` drops it when one changes). Shared
    between requests: never change the objects."""
    return cache.cached(
        "categories", company_id, lambda: list(Category.objects.filter(company_id=company_id))
    )


def service_targets(*, company_id: int) -> Targets:
    """The company's service targets (SPEC §10), the shipped defaults where none are set."""
    row = ServiceTargets.objects.filter(company_id=company_id).first()
    if row is None:
        return DEFAULT_TARGETS
    return Targets(
        respond_within_hours=row.respond_within_hours,
        average_response_hours=row.average_response_hours,
        resolution_rate=row.resolution_rate,
        positive_rate=row.positive_rate,
        on_time_rate=row.on_time_rate,
        reopen_rate=row.reopen_rate,
        nps=row.nps,
        amber_margin=row.amber_margin,
    )


# --- the national calendar's gaps ------------------------------------------------------------

GAP_HORIZON_DAYS = 60


@dataclass(frozen=True)
class CalendarGap:
    """A venue whose working-days clocks reach, within the horizon, years with no official
    holiday schedule (neither `chinesecalendar` nor a `CalendarOverride` row knows them)."""

    venue: Venue
    years: tuple[int, ...]

    @property
    def years_text(self) -> str:
        return ", ".join(str(year) for year in self.years)


def _follows_national_calendar(venue: Venue, policy_modes: set[str]) -> bool:
    """Whether a venue's deadlines depend on the national working days: it opens on working
    days only, or one of its severities counts working days (its own policy or the default)."""
    from amends.workflow.calendar import ClockMode
    from amends.workflow.taxonomy import Severity

    if venue.open_days == OpenDays.WORKING_DAYS:
        return True
    modes = set(policy_modes)
    if len(modes) < len(Severity.values):  # severities without a policy use the defaults
        modes |= {default_sla(severity=s, venue_kind=venue.kind).mode for s in Severity.values}
    return ClockMode.WORKING_DAYS in modes


def calendar_gaps(
    venues: Iterable[Venue], today: date, *, horizon_days: int = GAP_HORIZON_DAYS
) -> list[CalendarGap]:
    """The venues among `venues` that need a year's official schedule entered soon: the years
    from `today` to `today + horizon_days` that neither the holiday library nor the admin's
    overrides know, for each venue whose clocks follow the national working days. Two queries
    whatever the number of venues."""
    calendar = national_calendar()
    last = today + timedelta(days=horizon_days)
    missing = tuple(
        year for year in range(today.year, last.year + 1) if not calendar.knows(date(year, 1, 1))
    )
    places = list(venues)
    if not missing or not places:
        return []
    modes: dict[int, set[str]] = {}
    for venue_id, mode in SlaPolicy.objects.filter(venue__in=places).values_list(
        "venue_id", "mode"
    ):
        modes.setdefault(venue_id, set()).add(mode)
    return [
        CalendarGap(venue=venue, years=missing)
        for venue in places
        if _follows_national_calendar(venue, modes.get(venue.pk, set()))
    ]
