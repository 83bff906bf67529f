"""The database helpers every report figure is built from, and the one definition of each
measure (the set of complaints a figure counts), shared by the report and its drill-down so
that a figure and the list behind it cannot disagree.

Everything here is an expression or a query: nothing loads complaint rows into Python."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.db import connections
from django.db.models import (
    Aggregate,
    Avg,
    BooleanField,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import Combinable
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Greatest

from amends.complaints.models import (
    Complaint,
    ComplaintEvent,
    RemedyProposal,
    Survey,
    TriageOverride,
)
from amends.complaints.selectors import missed_resolution, missed_response
from amends.complaints.transitions import OPEN_STATES, State
from amends.orgs.models import Company, Venue
from amends.reports.db import reading
from amends.workflow.rules import Targets

# --- expressions -----------------------------------------------------------------------------


class Seconds(Func):
    """`end − start` in seconds, as a float, on either database (NULL when either is NULL)."""

    output_field = FloatField()

    def __init__(self, end: Any, start: Any) -> None:
        super().__init__(end, start)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        if connection.vendor == "postgresql":
            template = "EXTRACT(EPOCH FROM (%(expressions)s))"
            return super().as_sql(
                compiler, connection, template=template, arg_joiner=" - ", **extra
            )
        # SQLite keeps datetimes as ISO text in UTC; julianday() reads them as days, a double
        # good to ~50 µs at today's dates: rounded to the millisecond, 90 minutes is 5400.0
        # exactly, as on PostgreSQL, so a figure on a bucket's edge lands where it should.
        template = "ROUND((julianday(%(expressions)s)) * 86400.0, 3)"
        return super().as_sql(
            compiler, connection, template=template, arg_joiner=") - julianday(", **extra
        )


class PercentileCont(Aggregate):
    """PostgreSQL's `percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)`."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("a percentile's fraction is between 0 and 1")
        super().__init__(expression, fraction=float(fraction), **extra)


def percentile(queryset: QuerySet[Any], expression: Combinable, fraction: float) -> float | None:
    """The `fraction` percentile (0.5 median, 0.9 p90) of `expression` over `queryset`, by
    linear interpolation between the closest ranks (`percentile_cont`); None without values.

    PostgreSQL computes it as an ordered-set aggregate. SQLite has none, so the same
    interpolation is done by the database too: count the values, then read the two around rank
    k = fraction × (n − 1) with ORDER BY … LIMIT 2 OFFSET ⌊k⌋ — two small queries, whatever the
    number of rows."""
    base = queryset.order_by().annotate(_p_value=expression).filter(_p_value__isnull=False)
    if connections[queryset.db].vendor == "postgresql":
        found = base.aggregate(p=PercentileCont(F("_p_value"), fraction))["p"]
        return None if found is None else float(found)
    n = base.count()
    if n == 0:
        return None
    rank = fraction * (n - 1)
    low = math.floor(rank)
    values = [
        float(v)
        for v in base.order_by("_p_value").values_list("_p_value", flat=True)[low : low + 2]
    ]
    if len(values) == 1 or rank == low:
        return values[0]
    return values[0] + (rank - low) * (values[1] - values[0])


def percentiles_by(
    queryset: QuerySet[Any], group: str, expression: Combinable, fraction: float
) -> dict[Any, float]:
    """`percentile` for each value of the field `group` (one query on PostgreSQL; on SQLite
    two per group — the groups of a report are few: categories, severities, departments)."""
    base = queryset.order_by().annotate(_p_value=expression).filter(_p_value__isnull=False)
    if connections[queryset.db].vendor == "postgresql":
        rows = base.values(group).annotate(p=PercentileCont(F("_p_value"), fraction))
        return {row[group]: float(row["p"]) for row in rows}
    keys = list(base.values_list(group, flat=True).distinct())
    found: dict[Any, float] = {}
    for key in keys:
        value = percentile(base.filter(**{group: key}), F("_p_value"), fraction)
        if value is not None:
            found[key] = value
    return found


def percentiles_by_each(
    queryset: QuerySet[Any], group: str, expression: Combinable, fractions: Sequence[float]
) -> dict[float, dict[Any, float]]:
    """`percentiles_by` for each of `fractions`: on PostgreSQL one query (the ordered-set
    aggregates of the same ordering share one sort per group)."""
    if connections[queryset.db].vendor != "postgresql":
        return {q: percentiles_by(queryset, group, expression, q) for q in fractions}
    base = queryset.order_by().annotate(_p_value=expression).filter(_p_value__isnull=False)
    rows = base.values(group).annotate(
        **{f"p{i}": PercentileCont(F("_p_value"), q) for i, q in enumerate(fractions)}
    )
    found: dict[float, dict[Any, float]] = {q: {} for q in fractions}
    for row in rows:
        for i, q in enumerate(fractions):
            found[q][row[group]] = float(row[f"p{i}"])
    return found


def percentiles(
    queryset: QuerySet[Any], expression: Combinable, fractions: Sequence[float]
) -> dict[float, float | None]:
    """`percentile` for each of `fractions`: on PostgreSQL one query."""
    if connections[queryset.db].vendor != "postgresql":
        return {q: percentile(queryset, expression, q) for q in fractions}
    base = queryset.order_by().annotate(_p_value=expression).filter(_p_value__isnull=False)
    row = base.aggregate(
        **{f"p{i}": PercentileCont(F("_p_value"), q) for i, q in enumerate(fractions)}
    )
    return {
        q: None if row[f"p{i}"] is None else float(row[f"p{i}"]) for i, q in enumerate(fractions)
    }


RESPONSE_SECONDS = Seconds(F("responded_at"), F("received_at"))
RESOLUTION_SECONDS = Seconds(F("resolved_at"), F("received_at"))

# --- the month ---------------------------------------------------------------------------------


def month_span(month: date, tz: tzinfo | str) -> tuple[datetime, datetime]:
    """The month of `month` as [local midnight of the 1st, of the next 1st) in zone `tz`."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    start = datetime(month.year, month.month, 1, tzinfo=zone)
    following = add_months(month.replace(day=1), 1)
    return start, datetime(following.year, following.month, 1, tzinfo=zone)


def add_months(month: date, months: int) -> date:
    """The first day of the month `months` after (or before, when negative) `month`'s."""
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def received_in(
    *, company: Company | int, venue: Venue | None, month: date, through: str = ""
) -> Q:
    """Complaints received in `month`, each venue's month in its own time zone. `through`
    ("complaint") states it for a model that points at the complaint (remedies, consequences),
    so that the join drives from the month's complaints, read through the (venue, received_at)
    index, into the other table's `complaint_id` index."""
    on = f"{through}__" if through else ""
    if venue is not None:
        start, end = month_span(month, venue.timezone)
        return Q(
            **{
                f"{on}venue_id": venue.pk,
                f"{on}received_at__gte": start,
                f"{on}received_at__lt": end,
            }
        )
    company_id = company if isinstance(company, int) else company.pk
    zones: dict[str, list[int]] = {}
    for venue_id, zone in Venue.objects.filter(company_id=company_id).values_list("pk", "timezone"):
        zones.setdefault(zone, []).append(venue_id)
    found = Q(pk__in=[])
    for zone, venue_ids in sorted(zones.items()):
        start, end = month_span(month, zone)
        found |= Q(
            **{
                f"{on}venue_id__in": venue_ids,
                f"{on}received_at__gte": start,
                f"{on}received_at__lt": end,
            }
        )
    return found


COUNTED_STATES = [state for state in State if state != State.MERGED]


def cohort(
    *, company: Company | int, venue: Venue | None, month: date, using: str | None = None
) -> QuerySet[Complaint]:
    """The complaints a monthly report is about: received in the month (in each venue's time
    zone), merged ones left out (their survivor counts)."""
    complaints = Complaint.objects.using(using or reading())
    # `state IN (…)` rather than `<> 'merged'`, so the planner may read the month of each state
    # from the (venue, state, received_at) index. (Measured: at 200k complaints it helped; at
    # 1M PostgreSQL preferred the received_at index and filtered by venue — a (venue,
    # received_at) index would serve the month directly.)
    return complaints.filter(
        received_in(company=company, venue=venue, month=month), state__in=COUNTED_STATES
    )


class AmongIds(Func):
    """`field IN (subquery)`, a filter; on PostgreSQL `field = ANY(ARRAY(subquery))`: the
    subquery (the month's complaints, through the (venue, received_at) index) runs once, first,
    and its ids are looked up in `field`'s index. Given `IN (subquery)` or a join, PostgreSQL
    reads the whole other table (every remedy ever proposed) and hashes it against the month."""

    output_field = BooleanField()

    def __init__(self, field: Any, ids: QuerySet[Any]) -> None:
        super().__init__(field, Subquery(ids))

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        if connection.vendor == "postgresql":
            return super().as_sql(
                compiler,
                connection,
                template="%(expressions)s)",
                arg_joiner=" = ANY(ARRAY",
                **extra,
            )
        return super().as_sql(
            compiler, connection, template="%(expressions)s", arg_joiner=" IN ", **extra
        )


def of_cohort(
    queryset: QuerySet[Any], *, company: Company | int, venue: Venue | None, month: date
) -> QuerySet[Any]:
    """The rows of `queryset` (a model with a `complaint`: remedies, consequences) that belong
    to the month's cohort (`cohort`), found through `complaint_id`'s index (`AmongIds`)."""
    ids = cohort(company=company, venue=venue, month=month, using=queryset.db)
    return queryset.filter(AmongIds(F("complaint_id"), ids.order_by().values("pk")))


# --- measures: the sets the figures count ------------------------------------------------------


def escalated_q() -> Q:
    """Escalated at least once: escalated now, or an escalation on the timeline (a reopen puts
    the ladder back at the owner; the event stays)."""
    return Q(escalation_level__gt=0) | Q(
        Exists(ComplaintEvent.objects.filter(complaint_id=OuterRef("pk"), kind="escalated"))
    )


def within_target_judged(now: datetime, targets: Targets) -> Q:
    """Responded, or waiting longer than the response target (`respond_within_hours`)."""
    limit = timedelta(hours=float(targets.respond_within_hours))
    return Q(responded_at__isnull=False) | Q(responded_at__isnull=True, received_at__lt=now - limit)


def within_target_missed(now: datetime, targets: Targets) -> Q:
    """Responded later than the target after receipt, or still waiting past it."""
    limit = timedelta(hours=float(targets.respond_within_hours))
    return Q(responded_at__gt=F("received_at") + limit) | Q(
        responded_at__isnull=True, received_at__lt=now - limit
    )


def responded_within_target(targets: Targets) -> Q:
    limit = timedelta(hours=float(targets.respond_within_hours))
    return Q(responded_at__isnull=False, responded_at__lte=F("received_at") + limit)


def response_judged(now: datetime) -> Q:
    return Q(responded_at__isnull=False, respond_due__isnull=False) | missed_response(now)


def resolution_judged(now: datetime) -> Q:
    return Q(resolved_at__isnull=False, resolve_due__isnull=False) | missed_resolution(now)


def response_overdue(now: datetime) -> Q:
    running = Q(state__in=list(OPEN_STATES), paused_at__isnull=True)
    return Q(responded_at__isnull=True, respond_due__lte=now) & running


def resolvable(now: datetime) -> Q:
    """Resolved, or past the resolution deadline (the resolution rate's base)."""
    return Q(resolved_at__isnull=False) | Q(resolve_due__lte=now)


def reopen_base() -> Q:
    """Resolved at some time: resolved now, or reopened (a reopen clears `resolved_at`)."""
    return Q(resolved_at__isnull=False) | Q(reopen_count__gt=0)


# The survey is joined (one-to-one: it never multiplies rows). A correlated subquery per
# complaint was tried: PostgreSQL then plans one subquery per use and compiles the query (JIT),
# which costs more than the join at any size measured.
SATISFACTION = F("survey__satisfaction")
ANSWERED = Q(survey__answered_at__isnull=False, survey__satisfaction__isnull=False)
NPS_ANSWERED = Q(survey__answered_at__isnull=False, survey__nps__isnull=False)
PROMOTER = NPS_ANSWERED & Q(survey__nps__gte=9)
DETRACTOR = NPS_ANSWERED & Q(survey__nps__lte=6)


def satisfaction_at_least(score: int) -> Q:
    return ANSWERED & Q(survey__satisfaction__gte=score)


def from_survey(q: Q) -> Q:
    """A complaint's survey filter above (`survey__…`) as a filter on the survey itself: for
    the figures read from the surveys of the month's complaints (`survey_figures`)."""
    found = Q()
    found.connector, found.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            found.children.append(from_survey(child))
        else:
            name, value = cast(tuple[str, Any], child)
            assert name.startswith("survey__"), name
            found.children.append((name.removeprefix("survey__"), value))
    return found


def survey_figures() -> dict[str, Any]:
    """The survey figures of the headline, as aggregates over `Survey` rows (one per complaint,
    so the same counts as over the complaints joined to their survey)."""
    answered = from_survey(ANSWERED)
    return {
        "surveyed": Count("pk", filter=answered),
        "positive": Count("pk", filter=from_survey(satisfaction_at_least(4))),
        "nps_answered": Count("pk", filter=from_survey(NPS_ANSWERED)),
        "promoters": Count("pk", filter=from_survey(PROMOTER)),
        "detractors": Count("pk", filter=from_survey(DETRACTOR)),
        "satisfaction": Avg("satisfaction", filter=answered),
    }


def surveys_of(complaints: QuerySet[Complaint]) -> QuerySet[Survey]:
    """The surveys of `complaints`, found through the survey's `complaint_id` index
    (`AmongIds`) rather than by joining every survey to the month."""
    return Survey.objects.using(complaints.db).filter(
        AmongIds(F("complaint_id"), complaints.order_by().values("pk"))
    )


GRANTED = (RemedyProposal.Status.APPROVED, RemedyProposal.Status.EXECUTED)


def compensated_q(*, paid: bool) -> Q:
    statuses = [RemedyProposal.Status.EXECUTED] if paid else list(GRANTED)
    return Q(
        Exists(RemedyProposal.objects.filter(complaint_id=OuterRef("pk"), status__in=statuses))
    )


def triage_overridden(field: str) -> Q:
    """A person chose other than triage's suggestion for `field` (category, severity …), at
    intake or later: a `TriageOverride` of that field, found through its `complaint_id` index."""
    return Q(
        Exists(TriageOverride.objects.filter(complaint_id=OuterRef("pk"), field=field).values("pk"))
    )


def triage_filters() -> dict[str, Q]:
    """The triage agreement's counts (`tables_triage`) as filters on the month's complaints."""
    return {
        "triaged": ~Q(suggested_category=""),
        "category_overridden": triage_overridden(TriageOverride.Field.CATEGORY),
        "severity_overridden": triage_overridden(TriageOverride.Field.SEVERITY),
        "urgent_suggested": Q(suggested_severity="urgent"),
        "urgent_confirmed": Q(suggested_severity="urgent", severity="urgent"),
    }


def _constant(q: Q) -> Callable[[], Q]:
    return lambda: q


def measure_filters(now: datetime, targets: Targets) -> dict[str, Callable[[], Q]]:
    """Each measure a figure or a row links to, as a filter on the month's complaints. The
    report counts them (`Count("pk", filter=…)`); the drill-down lists them."""
    return {
        "received": Q,
        "open_now": lambda: Q(state__in=list(OPEN_STATES)),
        "responded": lambda: Q(responded_at__isnull=False),
        "response_judged": lambda: response_judged(now),
        "response_late": lambda: missed_response(now),
        "response_overdue": lambda: response_overdue(now),
        "within_target_judged": lambda: within_target_judged(now, targets),
        "within_target_missed": lambda: within_target_missed(now, targets),
        "resolution_judged": lambda: resolution_judged(now),
        "resolution_late": lambda: missed_resolution(now),
        "resolved": lambda: Q(resolved_at__isnull=False),
        "resolvable": lambda: resolvable(now),
        "reopen_base": reopen_base,
        "reopened": lambda: Q(reopen_count__gt=0),
        "escalated": escalated_q,
        "surveyed": lambda: ANSWERED,
        "positive": lambda: satisfaction_at_least(4),
        "nps_answered": lambda: NPS_ANSWERED,
        "promoters": lambda: PROMOTER,
        "detractors": lambda: DETRACTOR,
        "repeat": lambda: Q(repeat_of__isnull=False) | Q(repeat_count__gt=0),
        "granted": lambda: compensated_q(paid=False),
        "compensated": lambda: compensated_q(paid=True),
        **{name: _constant(q) for name, q in triage_filters().items()},
    }


# Every measure a link may name. "merged" is not a filter of the cohort (which leaves merged
# complaints out): the drill-down lists the month's merged complaints for it.
MEASURES = frozenset(
    {
        "received",
        "merged",
        "open_now",
        "responded",
        "response_judged",
        "response_late",
        "response_overdue",
        "within_target_judged",
        "within_target_missed",
        "resolution_judged",
        "resolution_late",
        "resolved",
        "resolvable",
        "reopen_base",
        "reopened",
        "escalated",
        "surveyed",
        "positive",
        "nps_answered",
        "promoters",
        "detractors",
        "repeat",
        "granted",
        "compensated",
        "triaged",
        "category_overridden",
        "severity_overridden",
        "urgent_suggested",
        "urgent_confirmed",
    }
)


# What is open and overdue now, whenever received: the KPI board's live figures. `due` is the
# running deadline `complaints.selectors.with_due` annotates (the console's overdue queue).
LIVE_MEASURES = frozenset({"open", "overdue"})


def live_filters(now: datetime) -> dict[str, Q]:
    running = Q(state__in=list(OPEN_STATES), paused_at__isnull=True)
    return {"open": Q(state__in=list(OPEN_STATES)), "overdue": running & Q(due__lte=now)}


def highest_escalation() -> Greatest:
    """The highest rung of the escalation ladder the complaint reached: its level now, or a
    higher one its timeline records (a reopen puts the live level back to 0). 0: never."""
    level = Cast(KT("data__level"), IntegerField())
    recorded = Subquery(
        ComplaintEvent.objects.filter(complaint_id=OuterRef("pk"), kind="escalated")
        .annotate(level=level)
        .order_by("-level")
        .values("level")[:1],
        output_field=IntegerField(),
    )
    return Greatest(
        F("escalation_level"), Coalesce(recorded, Value(0)), output_field=IntegerField()
    )


def count_of(name: str, now: datetime, targets: Targets) -> Count:
    """`Count` of the cohort's complaints in measure `name`."""
    return Count("pk", filter=measure_filters(now, targets)[name](), distinct=False)
