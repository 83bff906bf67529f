"""Pure rules of the workflow: default time limits, default routing, authority limits.

No database here: these functions take plain values and are tested without Django's ORM.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from amends.orgs.roles import APPROVAL_LADDER, Role
from amends.workflow.calendar import ClockMode
from amends.workflow.taxonomy import Severity


@dataclass(frozen=True)
class SlaTargets:
    mode: str
    respond_hours: Decimal
    resolve_hours: Decimal
    remind_at_percent: int = 75
    escalation_step_hours: Decimal = Decimal("24")
    assess_days: int = 1
    plan_days: int = 2
    execute_days: int = 3
    follow_up_days: int = 1

    @property
    def total_working_days(self) -> int:
        return self.assess_days + self.plan_days + self.execute_days + self.follow_up_days


# SPEC §3: respond urgent 4 h, important 12 h, general 24 h; resolve complex cases in 72 h.
DEFAULT_RESPOND_HOURS = {
    Severity.URGENT: Decimal("4"),
    Severity.IMPORTANT: Decimal("12"),
    Severity.GENERAL: Decimal("24"),
}
DEFAULT_RESOLVE_HOURS = Decimal("72")


# Venues whose staff work in opening hours only: their important and general clocks count
# business hours (inside opening hours, on open days), so nobody is promised a reply at 03:00 at
# a club that opens at 06:00. Urgent complaints keep the round-the-clock count everywhere.
BUSINESS_HOURS_KINDS = frozenset({"gym"})


def default_sla(*, severity: str, venue_kind: str) -> SlaTargets:
    """The shipped defaults: working days for tourist sites; business hours for a gym's
    important and general complaints; clock hours otherwise (urgent ones always)."""
    respond = DEFAULT_RESPOND_HOURS[Severity(severity)]
    if venue_kind == "tourism":
        mode = ClockMode.WORKING_DAYS
    elif venue_kind in BUSINESS_HOURS_KINDS and severity != Severity.URGENT:
        mode = ClockMode.BUSINESS
    else:
        mode = ClockMode.CLOCK
    return SlaTargets(
        mode=mode,
        respond_hours=respond,
        resolve_hours=DEFAULT_RESOLVE_HOURS,
        escalation_step_hours=respond,
    )


@dataclass(frozen=True)
class Route:
    department_code: str
    role: str


# SPEC §2: service quality → customer-service manager; facilities → maintenance; classes →
# course supervisor; anything else → a customer-service specialist.
DEFAULT_ROUTES: tuple[tuple[str | None, Route], ...] = (
    ("service_quality", Route("customer_service", Role.MANAGER)),
    ("service_attitude", Route("customer_service", Role.MANAGER)),
    ("coach_staff_conduct", Route("customer_service", Role.MANAGER)),
    ("safety_security", Route("customer_service", Role.MANAGER)),
    ("facility_equipment", Route("maintenance", Role.MAINTENANCE)),
    ("class_schedule", Route("courses", Role.COURSE_SUPERVISOR)),
    ("privacy_data", Route("customer_service", Role.PRIVACY_OFFICER)),
    (None, Route("customer_service", Role.SPECIALIST)),
)

# Where nobody at a venue (company-wide holders included) holds the routed role, the complaint
# goes to this role instead: a company without a privacy officer has its privacy complaints
# handled by the customer-service manager rather than by nobody.
ROUTE_FALLBACKS: dict[str, str] = {Role.PRIVACY_OFFICER: Role.MANAGER}


@dataclass(frozen=True)
class RuleRow:
    """A routing rule as plain values; None matches anything."""

    venue_id: int | None
    category_code: str | None
    severity: str | None
    route: Route
    position: int = 100


def match_route(
    rules: Sequence[RuleRow], *, venue_id: int, category_code: str | None, severity: str | None
) -> Route:
    """The route for a complaint.

    1. Keep the rules whose every non-empty field equals the complaint's.
    2. Prefer the most specific (most non-empty fields), then the lowest position.
    3. With no matching rule, fall back to the shipped defaults by category.
    """
    candidates = [
        rule
        for rule in rules
        if (rule.venue_id is None or rule.venue_id == venue_id)
        and (rule.category_code is None or rule.category_code == category_code)
        and (rule.severity is None or rule.severity == severity)
    ]
    if candidates:

        def specificity(rule: RuleRow) -> tuple[int, int]:
            filled = sum(x is not None for x in (rule.venue_id, rule.category_code, rule.severity))
            return (-filled, rule.position)

        return min(candidates, key=specificity).route
    for code, route in DEFAULT_ROUTES:
        if code is None or code == category_code:
            return route
    raise AssertionError("DEFAULT_ROUTES ends with a catch-all")  # pragma: no cover


# SPEC §5 defaults (CNY). None means unlimited. The front desk settles small matters on the
# spot (a drink, a towel, a ¥50 voucher); the venue general manager (店长) approves what is
# above the customer-service manager; the director is unlimited.
DEFAULT_AUTHORITY_LIMITS: dict[str, Decimal | None] = {
    Role.FRONT_DESK: Decimal("100"),
    Role.SPECIALIST: Decimal("200"),
    Role.MANAGER: Decimal("2000"),
    Role.GENERAL_MANAGER: Decimal("10000"),
    Role.DIRECTOR: None,
    Role.MAINTENANCE: Decimal("0"),
    Role.COURSE_SUPERVISOR: Decimal("0"),
    Role.STAFF: Decimal("0"),
    Role.PRIVACY_OFFICER: Decimal("200"),
}


@dataclass(frozen=True)
class PersonalLimit:
    """A per-person authority limit: it replaces whatever the person's roles allow (higher or
    lower). `limit` None: unlimited."""

    limit: Decimal | None


def authority_of(
    roles: frozenset[str] | set[str],
    limits: Mapping[str, Decimal | None],
    personal: PersonalLimit | None = None,
) -> Decimal | None:
    """The most this person may grant (None: unlimited): their personal limit when they have
    one, else the largest limit of any of `roles` (Decimal 0 if none apply)."""
    if personal is not None:
        return personal.limit
    best: Decimal | None = Decimal("-1")
    for role in roles:
        if role not in limits:
            continue
        limit = limits[role]
        if limit is None:
            return None
        if best is not None and limit > best:
            best = limit
    return best if best is not None and best >= 0 else Decimal("0")


def covers(authority: Decimal | None, amount: Decimal) -> bool:
    return authority is None or amount <= authority


def approver_role(
    amount: Decimal,
    limits: Mapping[str, Decimal | None],
    present: frozenset[str] | set[str] | None = None,
) -> str:
    """The lowest role of the approval ladder (specialist → manager → general manager →
    director) whose limit covers `amount` — who must approve a proposal above the proposer's
    own authority. With `present` (the roles somebody holds at the venue), a rung nobody
    holds is skipped, so a proposal never waits for nobody; the director is the last resort
    even without a configured limit."""
    for role in APPROVAL_LADDER:
        if present is not None and role not in present and role != Role.DIRECTOR:
            continue
        if role in limits and covers(limits[role], amount):
            return role
    return Role.DIRECTOR


@dataclass(frozen=True)
class Targets:
    """A company's service targets (SPEC §10): hours and percentages."""

    respond_within_hours: Decimal
    average_response_hours: Decimal
    resolution_rate: Decimal
    positive_rate: Decimal
    on_time_rate: Decimal = Decimal("95")  # deadlines met, of those judged (%)
    reopen_rate: Decimal = Decimal("5")  # reopened, of those resolved: at most (%)
    nps: Decimal = Decimal("0")  # net promoter score at least
    amber_margin: Decimal = Decimal("10")  # within this share of a target (%): amber, not red


DEFAULT_TARGETS = Targets(
    respond_within_hours=Decimal("24"),
    average_response_hours=Decimal("12"),
    resolution_rate=Decimal("98"),
    positive_rate=Decimal("95"),
)
