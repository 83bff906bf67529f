"""Daily rollups: what became of the complaints each venue received on each local day, per
category, severity and channel (`DailyRollup`), kept current from the timeline.

Every change to a complaint is an event, so the events since the watermark name the
complaints that changed, and through them the (venue, day of receipt) cells to rebuild. A cell
is always rebuilt whole from the complaints — aggregated in the database, deleted and inserted
in one transaction — so rebuilding is idempotent and a refresh and a full rebuild give the
same rows.

Writers take the `RollupState` row's lock first, so two refreshes (the job and a report about
to read) never interleave their delete and insert of one day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth

from amends.complaints.models import Complaint, ComplaintEvent
from amends.core import clock
from amends.core.jobs import job
from amends.orgs.models import Venue
from amends.reports.db import reading
from amends.reports.figures import (
    ANSWERED,
    COUNTED_STATES,
    DETRACTOR,
    NPS_ANSWERED,
    PROMOTER,
    RESOLUTION_SECONDS,
    RESPONSE_SECONDS,
    SATISFACTION,
    add_months,
    escalated_q,
    responded_within_target,
    satisfaction_at_least,
)
from amends.reports.models import DailyRollup, RollupState
from amends.workflow.selectors import service_targets

STATE_KEY = "complaints"
# Event ids are handed out when a row is inserted but become visible when its transaction
# commits: a slow transaction may commit event 1041 after a refresh has read up to 1050. So each
# refresh reads again the last MARGIN ids below its watermark; a cell rebuilt twice costs little,
# a cell never rebuilt would be wrong until the nightly rebuild of recent days.
MARGIN = 500
RECENT_DAYS = 45
CHUNK_DAYS = 92  # a quarter: one grouped scan and one commit per venue and quarter

# --- totals ------------------------------------------------------------------------------------


def _rate(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class Totals:
    """The additive measures of `DailyRollup` summed over a period and a scope."""

    received: int = 0
    valid: int = 0
    invalid: int = 0
    responded: int = 0
    response_seconds: int = 0
    responded_late: int = 0
    responded_within_target: int = 0
    resolved: int = 0
    resolution_seconds: int = 0
    resolved_late: int = 0
    reopened: int = 0
    escalated: int = 0
    surveyed: int = 0
    satisfaction_total: int = 0
    positive: int = 0
    nps_answers: int = 0
    promoters: int = 0
    detractors: int = 0

    @property
    def avg_response_hours(self) -> Decimal | None:
        if not self.responded:
            return None
        hours = Decimal(self.response_seconds) / Decimal(3600 * self.responded)
        return hours.quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def avg_resolution_hours(self) -> Decimal | None:
        if not self.resolved:
            return None
        hours = Decimal(self.resolution_seconds) / Decimal(3600 * self.resolved)
        return hours.quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def on_time_rate(self) -> Decimal | None:
        """First responses made by their deadline, of those made (%)."""
        return _rate(self.responded - self.responded_late, self.responded)

    @property
    def resolution_on_time_rate(self) -> Decimal | None:
        return _rate(self.resolved - self.resolved_late, self.resolved)

    @property
    def within_target_rate(self) -> Decimal | None:
        """First responses made within the response target (24 h), of those made (%)."""
        return _rate(self.responded_within_target, self.responded)

    @property
    def resolution_rate(self) -> Decimal | None:
        """Resolved, of those received (%)."""
        return _rate(self.resolved, self.received)

    @property
    def reopen_rate(self) -> Decimal | None:
        return _rate(self.reopened, self.resolved + self.reopened)

    @property
    def positive_share(self) -> Decimal | None:
        return _rate(self.positive, self.surveyed)

    @property
    def nps(self) -> Decimal | None:
        if not self.nps_answers:
            return None
        score = Decimal(100 * (self.promoters - self.detractors)) / Decimal(self.nps_answers)
        return score.quantize(Decimal("0.01"), ROUND_HALF_UP)

    @property
    def mean_satisfaction(self) -> Decimal | None:
        if not self.surveyed:
            return None
        mean = Decimal(self.satisfaction_total) / Decimal(self.surveyed)
        return mean.quantize(Decimal("0.01"), ROUND_HALF_UP)


MEASURES = tuple(f.name for f in fields(Totals))


def month_totals(*, venue_ids: Collection[int], months: Sequence[date]) -> dict[date, Totals]:
    """The rollups of `venue_ids` summed per month, for each of `months` (first days) — one
    query, grouped by the month of `day`. A month without rows has zero totals."""
    wanted = sorted({m.replace(day=1) for m in months})
    found = {m: Totals() for m in wanted}
    if not wanted or not venue_ids:
        return found
    # Runs of consecutive months as one range each: PostgreSQL estimates one range well (and
    # groups by month in a hash), an OR of 13 months as a few rows (and sorts every row of the
    # 13 months, on disk at a company's size).
    within = Q(pk__in=[])
    first = last = wanted[0]
    for month in [*wanted[1:], None]:
        if month is not None and month == add_months(last, 1):
            last = month
            continue
        within |= Q(day__gte=first, day__lt=add_months(last, 1))
        if month is not None:
            first = last = month
    rows = (
        DailyRollup.objects.using(reading())
        .filter(within, venue_id__in=list(venue_ids))
        .annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(**{name: Sum(name) for name in MEASURES})
        .order_by()
    )
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, datetime) else month
        found[month] = Totals(**{name: int(row[name] or 0) for name in MEASURES})
    return found


def current_to() -> datetime | None:
    """Until when the rollups are current (the last refresh that read the whole timeline)."""
    state = RollupState.objects.using(reading()).filter(key=STATE_KEY).first()
    return state.current_to if state is not None else None


# --- building cells ----------------------------------------------------------------------------


def _cells(venue: Venue, days: Iterable[date] | None, start: date, end: date) -> QuerySet[Any]:
    """The rollup rows of `venue` for the local days [start, end] (only `days` when given), as
    one aggregate query: a row per day, category, severity and channel."""
    zone = ZoneInfo(venue.timezone)
    targets = service_targets(company_id=venue.company_id)
    complaints = (
        Complaint.objects.filter(
            venue_id=venue.pk,
            received_at__gte=datetime(start.year, start.month, start.day, tzinfo=zone),
            received_at__lt=datetime(end.year, end.month, end.day, tzinfo=zone) + timedelta(days=1),
            state__in=COUNTED_STATES,
        )
    ).annotate(local_day=TruncDate("received_at", tzinfo=zone))
    if days is not None:
        complaints = complaints.filter(local_day__in=list(days))
    return (
        complaints.values(*KEYS)
        .annotate(
            received=Count("pk"),
            valid=Count("pk", filter=Q(validity="valid")),
            invalid=Count("pk", filter=Q(validity="invalid")),
            responded=Count("pk", filter=Q(responded_at__isnull=False)),
            response_seconds=Sum(RESPONSE_SECONDS),
            responded_late=Count("pk", filter=Q(responded_at__gt=F("respond_due"))),
            responded_within_target=Count("pk", filter=responded_within_target(targets)),
            resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
            resolution_seconds=Sum(RESOLUTION_SECONDS),
            resolved_late=Count("pk", filter=Q(resolved_at__gt=F("resolve_due"))),
            reopened=Count("pk", filter=Q(reopen_count__gt=0)),
            escalated=Count("pk", filter=escalated_q()),
            surveyed=Count("pk", filter=ANSWERED),
            satisfaction_total=Sum(SATISFACTION, filter=ANSWERED),
            positive=Count("pk", filter=satisfaction_at_least(4)),
            nps_answers=Count("pk", filter=NPS_ANSWERED),
            promoters=Count("pk", filter=PROMOTER),
            detractors=Count("pk", filter=DETRACTOR),
        )
        .order_by()
    )


KEYS = ("local_day", "category_id", "severity", "channel")


def _insert(venue: Venue, cells: QuerySet[Any]) -> int:
    """Write `cells` as rollup rows with one INSERT … SELECT: the rows go from the aggregate
    straight into the table, none through Python (a year of a busy venue is tens of thousands
    of cells). Sums of seconds are kept in whole seconds."""
    table = connection.ops.quote_name(DailyRollup._meta.db_table)
    quote = connection.ops.quote_name
    columns = ["company_id", "venue_id", "day", "category_id", "severity", "channel", *MEASURES]
    picked = [
        "%s",
        "%s",
        quote("local_day"),
        quote("category_id"),
        quote("severity"),
        quote("channel"),
        *(f"CAST(ROUND(COALESCE({quote(name)}, 0)) AS BIGINT)" for name in MEASURES),
    ]
    sql, params = cells.query.sql_with_params()
    # Only quoted column names and Django's own compiled SQL are spliced in; every value is a
    # parameter.
    names = ", ".join(quote(c) for c in columns)
    statement = f"INSERT INTO {table} ({names}) SELECT {', '.join(picked)} FROM ({sql}) cells"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(statement, (venue.company_id, venue.pk, *params))
        return max(cursor.rowcount, 0)


def _lock_state() -> RollupState:
    RollupState.objects.get_or_create(key=STATE_KEY)
    return RollupState.objects.select_for_update().get(key=STATE_KEY)


def _replace(venue: Venue, days: Collection[date]) -> int:
    """Rebuild the cells of `venue` on `days`, whole, in one transaction."""
    if not days:
        return 0
    with transaction.atomic():
        _lock_state()
        DailyRollup.objects.filter(venue_id=venue.pk, day__in=list(days)).delete()
        _insert(venue, _cells(venue, days, min(days), max(days)))
    return len(days)


def _replace_range(venue: Venue, start: date, end: date) -> int:
    """Rebuild every cell of `venue` from `start` to `end` (local days, inclusive)."""
    with transaction.atomic():
        _lock_state()
        DailyRollup.objects.filter(venue_id=venue.pk, day__gte=start, day__lte=end).delete()
        _insert(venue, _cells(venue, None, start, end))
    return (end - start).days + 1


# --- refresh and rebuild -----------------------------------------------------------------------


def touched_days(
    *, since_event_id: int, up_to_event_id: int, venue_ids: Collection[int] | None = None
) -> dict[int, set[date]]:
    """The (venue, local day of receipt) of the complaints with events in (since, up_to]."""
    events = ComplaintEvent.objects.filter(pk__gt=since_event_id, pk__lte=up_to_event_id)
    venues = Venue.objects.all()
    if venue_ids is not None:
        events = events.filter(complaint__venue_id__in=list(venue_ids))
        venues = venues.filter(pk__in=list(venue_ids))
    complaints = Complaint.objects.filter(pk__in=events.values("complaint_id"))
    zones: dict[str, list[int]] = defaultdict(list)
    for venue_id, zone in venues.values_list("pk", "timezone"):
        zones[zone].append(venue_id)
    found: dict[int, set[date]] = defaultdict(set)
    for zone, ids in zones.items():
        pairs = (
            complaints.filter(venue_id__in=ids)
            .annotate(local_day=TruncDate("received_at", tzinfo=ZoneInfo(zone)))
            .values_list("venue_id", "local_day")
            .distinct()
            .order_by()
        )
        for venue_id, day in pairs:
            found[venue_id].add(day.date() if isinstance(day, datetime) else day)
    return found


def refresh(*, now: datetime | None = None, venue_ids: Collection[int] | None = None) -> int:
    """Bring the rollups up to date with the timeline; return the number of days rebuilt.

    1. Read the events after the watermark (less MARGIN ids, see above) up to the newest.
    2. Find the venues and local days of receipt of the complaints they belong to.
    3. Rebuild each such day whole (per venue, one transaction).
    4. Without `venue_ids`: advance the watermark to the newest event read and note `now` as
       the time the rollups are current to. With `venue_ids` (a report about to read its
       scope), only those venues' days touched since the watermark (no margin) are rebuilt and
       the watermark stays, so the job still sees every other venue's events."""
    moment = now or clock.now()
    state, _created = RollupState.objects.get_or_create(key=STATE_KEY)
    newest = ComplaintEvent.objects.aggregate(newest=Max("pk"))["newest"] or 0
    # The job re-reads its margin; a report about to read its scope needs only what came after
    # the watermark — usually nothing, and then a page view writes nothing.
    since = state.last_event_id if venue_ids is not None else max(0, state.last_event_id - MARGIN)
    days = touched_days(since_event_id=since, up_to_event_id=newest, venue_ids=venue_ids)
    rebuilt = 0
    for venue in Venue.objects.filter(pk__in=list(days)).order_by("pk"):
        rebuilt += _replace(venue, days[venue.pk])
    if venue_ids is None:
        with transaction.atomic():
            locked = _lock_state()
            locked.last_event_id = max(locked.last_event_id, newest)
            locked.current_to = moment
            locked.save(update_fields=["last_event_id", "current_to"])
    return rebuilt


def rebuild(
    *,
    venue_ids: Collection[int] | None = None,
    since: date | None = None,
    until: date | None = None,
) -> int:
    """Rebuild every cell from `since` to `until` (local days, inclusive; default: each venue's
    first to last complaint) from scratch; return the number of venue-days rebuilt.

    Each venue is aggregated by the database a month at a time and inserted by the same
    statement (INSERT … SELECT), so a million complaints cost one grouped scan of the
    `(venue, received_at)` index per venue and month, and no row passes through Python. A
    rebuild of everything (no venue, no bounds) also sets the watermark to the newest event it
    started from."""
    moment = clock.now()
    newest = ComplaintEvent.objects.aggregate(newest=Max("pk"))["newest"] or 0
    venues = Venue.objects.order_by("pk")
    if venue_ids is not None:
        venues = venues.filter(pk__in=list(venue_ids))
    rebuilt = 0
    for venue in venues:
        zone = ZoneInfo(venue.timezone)
        start, end = since, until
        if start is None or end is None:
            span = Complaint.objects.filter(venue_id=venue.pk).aggregate(
                first=Min("received_at"), last=Max("received_at")
            )
            if span["first"] is None:
                DailyRollup.objects.filter(venue_id=venue.pk).delete()
                continue
            start = start or span["first"].astimezone(zone).date()
            end = end or span["last"].astimezone(zone).date()
        if since is None and until is None:
            # Nothing is left of days before the first complaint (e.g. a complaint deleted).
            DailyRollup.objects.filter(venue_id=venue.pk).exclude(
                day__gte=start, day__lte=end
            ).delete()
        chunk = start
        while chunk <= end:
            last = min(end, chunk + timedelta(days=CHUNK_DAYS - 1))
            rebuilt += _replace_range(venue, chunk, last)
            chunk = last + timedelta(days=1)
    if venue_ids is None and since is None and until is None:
        with transaction.atomic():
            locked = _lock_state()
            locked.last_event_id = max(locked.last_event_id, newest)
            locked.current_to = moment
            locked.save(update_fields=["last_event_id", "current_to"])
    return rebuilt


# --- jobs --------------------------------------------------------------------------------------


@job(
    "reports.rollup",
    every=timedelta(minutes=15),
    description="Bring the reports' daily rollups up to date with the timeline.",
)
def rollup(*, now: datetime) -> dict[str, int]:
    return {"days": refresh(now=now)}


@job(
    "reports.rollup_recent",
    every=timedelta(days=1),
    description="Rebuild the last 45 days of the reports' daily rollups from the complaints.",
)
def rollup_recent(*, now: datetime) -> dict[str, int]:
    return {"days": rebuild(since=(now - timedelta(days=RECENT_DAYS)).date(), until=now.date())}
