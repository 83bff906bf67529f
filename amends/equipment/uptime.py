"""Uptime (设备完好率) over opening hours, the repeat-fault flag, the fault ledger and MTBF.

Pure functions first (intervals in, figures out), then the query wrappers that read assets,
downtimes and work orders for them.

Uptime of a set of assets over a period:

1. each asset's downtimes are clipped to the period (an open downtime runs to its end) and
   merged where they overlap or touch, so one hour down is never counted twice;
2. the merged downtime is intersected with the venue's opening hours in the period (a machine
   broken overnight loses nothing while the venue is closed);
3. uptime = 100 × (1 − down / open), with open = the opening time of the period × the number of
   assets, computed exactly (as a fraction of microseconds) and rounded half-up to two places
   only at the end: 8 h down in 30 days × 16 h open is 98.3333… → 98.33 (never 100.00 when
   there was any downtime: capped at 99.99). Whether the target is met is decided on the exact
   value: 97.995 % is shown 98.00 but does not meet 98 %.

An asset counts over the whole period whatever its `created_at` (a register imported today
describes machines that were running before); retired assets leave the venue's and category's
figures. MTBF = operating hours (open − down) ÷ faults reported in the period (cancelled reports
do not count).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Count, Q

from amends.equipment.clock import settings_for
from amends.equipment.models import Asset, Downtime, EquipmentSettings, WorkOrder
from amends.orgs.models import Venue
from amends.workflow.calendar import VenueClock
from amends.workflow.selectors import venue_clock

Interval = tuple[datetime, datetime]
_ZERO = timedelta(0)
_TWO_PLACES = Decimal("0.01")


# --- pure ----------------------------------------------------------------------------------------


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping intervals covering the same time (overlapping or touching ones
    joined; empty ones dropped)."""
    merged: list[Interval] = []
    for start, end in sorted((s, e) for s, e in intervals if e > s):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def clip(intervals: Iterable[Interval], start: datetime, end: datetime) -> list[Interval]:
    """The parts of `intervals` inside [start, end)."""
    return [(max(s, start), min(e, end)) for s, e in intervals if min(e, end) > max(s, start)]


def open_intervals(vc: VenueClock, start: datetime, end: datetime) -> list[Interval]:
    """The venue's opening hours inside [start, end), in UTC, one interval per open day."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return []
    day = start.astimezone(vc.tz).date() - timedelta(days=1)
    last = end.astimezone(vc.tz).date()
    windows: list[Interval] = []
    while day <= last:
        if vc.is_open_day(day):
            opens = datetime.combine(day, vc.opens, tzinfo=vc.tz).astimezone(UTC)
            closes = datetime.combine(day, vc.closes, tzinfo=vc.tz).astimezone(UTC)
            windows.append((opens, closes))
        day += timedelta(days=1)
    return clip(windows, start, end)


def total(intervals: Iterable[Interval]) -> timedelta:
    return sum((e - s for s, e in intervals), _ZERO)


def overlap(a: Sequence[Interval], b: Sequence[Interval]) -> timedelta:
    """Total time in both of two sorted, non-overlapping lists of intervals."""
    i = j = 0
    found = _ZERO
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if end > start:
            found += end - start
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return found


def down_in_opening_hours(
    downtimes: Iterable[tuple[datetime, datetime | None]],
    windows: Sequence[Interval],
    start: datetime,
    end: datetime,
) -> timedelta:
    """One asset's downtime inside the period's opening hours (open downtimes run to `end`)."""
    periods = ((s.astimezone(UTC), (e or end).astimezone(UTC)) for s, e in downtimes)
    merged = merge_intervals(clip(periods, start.astimezone(UTC), end.astimezone(UTC)))
    return overlap(merged, windows)


def _micro(value: timedelta) -> int:
    return (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds


def percent(part: timedelta, whole: timedelta) -> Decimal | None:
    """100 × part / whole, exact until one half-up rounding to two places; None if whole is 0."""
    if whole <= _ZERO:
        return None
    return _round_half_up(Fraction(100 * _micro(part), _micro(whole)))


def _round_half_up(value: Fraction) -> Decimal:
    # floor(x × 100 + ½) / 100, in exact arithmetic (x ≥ 0 here).
    cents = (value * 100 + Fraction(1, 2)).__floor__()
    return (Decimal(cents) / 100).quantize(_TWO_PLACES)


def uptime_exact(down: timedelta, opened: timedelta) -> Fraction | None:
    """Uptime = 100 × (1 − down / open) exactly; None without opening time."""
    if opened <= _ZERO:
        return None
    return Fraction(100 * _micro(opened - min(down, opened)), _micro(opened))


_CAP = Decimal("99.99")


def uptime_percent(down: timedelta, opened: timedelta) -> Decimal | None:
    """Uptime = 100 × (1 − down / open), two places, half-up; None without opening time.
    Never 100.00 when there was any downtime (capped at 99.99)."""
    exact = uptime_exact(down, opened)
    if exact is None:
        return None
    shown = _round_half_up(exact)
    if down > _ZERO and shown >= 100:
        return _CAP
    return shown


def target_met(down: timedelta, opened: timedelta, target: Decimal) -> bool | None:
    """Whether the exact uptime reaches `target` (97.995 % is shown 98.00 but misses 98)."""
    exact = uptime_exact(down, opened)
    return None if exact is None else exact >= Fraction(target)


def hours(value: timedelta) -> Decimal:
    """A duration in hours, two places, half-up."""
    return _round_half_up(Fraction(_micro(value), 3_600_000_000))


# --- with the database ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Availability:
    """Opening time and downtime of some assets over a period."""

    assets: int
    opened: timedelta
    down: timedelta

    @property
    def uptime(self) -> Decimal | None:
        return uptime_percent(self.down, self.opened)

    @property
    def operating(self) -> timedelta:
        return self.opened - min(self.down, self.opened)


def _assets(asset_or_assets: Any) -> list[Asset]:
    if isinstance(asset_or_assets, Asset):
        return [asset_or_assets]
    return list(asset_or_assets)


def availability_by_asset(
    assets: Iterable[Asset],
    start: datetime,
    end: datetime,
    *,
    clocks: dict[int, VenueClock] | None = None,
) -> dict[int, Availability]:
    """Each asset's opening time and downtime over [start, end): two queries (downtimes, and the
    national calendar once per venue) whatever the number of assets."""
    chosen = list(assets)
    clocks = clocks if clocks is not None else {}
    windows: dict[int, list[Interval]] = {}
    for asset in chosen:
        if asset.venue_id not in windows:
            vc = clocks.get(asset.venue_id) or venue_clock(asset.venue)
            clocks[asset.venue_id] = vc
            windows[asset.venue_id] = open_intervals(vc, start, end)
    periods: dict[int, list[tuple[datetime, datetime | None]]] = {a.pk: [] for a in chosen}
    rows = Downtime.objects.filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=start),
        asset_id__in=list(periods),
        started_at__lt=end,
    ).values_list("asset_id", "started_at", "ended_at")
    for asset_id, began, ended in rows:
        periods[asset_id].append((began, ended))
    result: dict[int, Availability] = {}
    for asset in chosen:
        venue_windows = windows[asset.venue_id]
        result[asset.pk] = Availability(
            assets=1,
            opened=total(venue_windows),
            down=down_in_opening_hours(periods[asset.pk], venue_windows, start, end),
        )
    return result


def combine(parts: Iterable[Availability]) -> Availability:
    assets, opened, down = 0, _ZERO, _ZERO
    for part in parts:
        assets, opened, down = assets + part.assets, opened + part.opened, down + part.down
    return Availability(assets=assets, opened=opened, down=down)


def uptime(asset_or_assets: Any, start: datetime, end: datetime) -> Decimal | None:
    """Uptime (%) of one asset or several over [start, end), two places, half-up (see the
    module). None when there is no opening time in the period (or no asset)."""
    return combine(availability_by_asset(_assets(asset_or_assets), start, end).values()).uptime


@dataclass(frozen=True)
class UptimeRow:
    """Uptime of a venue's category (or, with `category` empty, of the whole venue)."""

    venue: Venue
    category: str
    assets: int
    open_hours: Decimal
    down_hours: Decimal
    uptime: Decimal | None
    target: Decimal
    met: bool | None

    @property
    def category_label(self) -> str:
        return str(Asset.Category(self.category).label) if self.category else ""


def uptime_rows(venues: Iterable[Venue], start: datetime, end: datetime) -> list[UptimeRow]:
    """Per venue: one row per category with assets, then the venue's own row (category ""),
    each against the venue's target (met: uptime ≥ target)."""
    places = list(venues)
    assets = list(
        Asset.objects.filter(venue__in=places)
        .exclude(status=Asset.Status.RETIRED)
        .select_related("venue")
        .order_by("venue__code", "category", "code")
    )
    targets = {
        row.venue_id: row.uptime_target
        for row in EquipmentSettings.objects.filter(venue__in=places)
    }
    by_asset = availability_by_asset(assets, start, end)
    rows: list[UptimeRow] = []
    for venue in places:
        target = targets.get(venue.pk, EquipmentSettings().uptime_target)
        own = [a for a in assets if a.venue_id == venue.pk]
        groups: dict[str, list[Availability]] = {}
        for asset in own:
            groups.setdefault(asset.category, []).append(by_asset[asset.pk])
        for category in [c for c in Asset.Category.values if c in groups]:
            rows.append(_row(venue, category, combine(groups[category]), target))
        rows.append(_row(venue, "", combine(by_asset[a.pk] for a in own), target))
    return rows


def _row(venue: Venue, category: str, part: Availability, target: Decimal) -> UptimeRow:
    value = part.uptime
    return UptimeRow(
        venue=venue,
        category=category,
        assets=part.assets,
        open_hours=hours(part.opened),
        down_hours=hours(part.down),
        uptime=value,
        target=target,
        met=target_met(part.down, part.opened, target),
    )


# --- faults --------------------------------------------------------------------------------------


def _faults() -> Any:
    return WorkOrder.objects.filter(kind=WorkOrder.Kind.FAULT).exclude(
        status=WorkOrder.Status.CANCELLED
    )


@dataclass(frozen=True)
class RepeatFault:
    asset: Asset
    faults: int
    numbers: tuple[str, ...]


def repeat_faults(venue: Venue, now: datetime) -> list[RepeatFault]:
    """Assets of `venue` with at least the venue's `repeat_faults` faults (default 3) reported
    in the `repeat_window_days` (default 30) before `now` (cancelled reports do not count)."""
    settings = settings_for(venue)
    since = now - timedelta(days=settings.repeat_window_days)
    window = _faults().filter(venue=venue, reported_at__gt=since, reported_at__lte=now)
    counts = dict(
        window.values("asset_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=settings.repeat_faults)
        .values_list("asset_id", "n")
    )
    if not counts:
        return []
    numbers: dict[int, list[str]] = {}
    for asset_id, number in (
        window.filter(asset_id__in=list(counts))
        .order_by("reported_at")
        .values_list("asset_id", "number")
    ):
        numbers.setdefault(asset_id, []).append(number)
    assets = Asset.objects.filter(pk__in=list(counts)).select_related("venue").order_by("code")
    return [RepeatFault(asset=a, faults=counts[a.pk], numbers=tuple(numbers[a.pk])) for a in assets]


@dataclass(frozen=True)
class LedgerRow:
    """One fault of the ledger (故障台账)."""

    number: str
    asset_code: str
    asset_name: str
    category: str
    source: str
    unsafe: bool
    status: str
    reported_at: datetime
    reacted_at: datetime | None
    response_minutes: int | None
    within_target: bool | None
    resolved_at: datetime | None
    verified_at: datetime | None
    down_hours: Decimal
    cause: str
    parts: str
    cost: Decimal
    complaint: str


def fault_ledger(venue: Venue, start: datetime, end: datetime) -> list[LedgerRow]:
    """Every fault reported at `venue` in [start, end) (cancelled ones included, marked by their
    status), oldest first, with its response and its downtime in opening hours up to `end`."""
    settings = settings_for(venue)
    orders = list(
        WorkOrder.objects.filter(
            venue=venue, kind=WorkOrder.Kind.FAULT, reported_at__gte=start, reported_at__lt=end
        )
        .select_related("asset", "complaint")
        .order_by("reported_at", "pk")
    )
    vc = venue_clock(venue)
    downs: dict[int, list[tuple[datetime, datetime | None]]] = {}
    for order_id, began, ended in Downtime.objects.filter(
        work_order_id__in=[o.pk for o in orders]
    ).values_list("work_order_id", "started_at", "ended_at"):
        downs.setdefault(order_id, []).append((began, ended))
    rows = []
    for order in orders:
        periods = downs.get(order.pk, [])
        if periods:
            first = min(s for s, _e in periods)
            windows = open_intervals(vc, first, end)
            down = down_in_opening_hours(periods, windows, first, end)
        else:
            down = _ZERO
        minutes = order.response_minutes
        rows.append(
            LedgerRow(
                number=order.number,
                asset_code=order.asset.code,
                asset_name=order.asset.name,
                category=order.asset.category,
                source=order.source,
                unsafe=order.unsafe,
                status=order.status,
                reported_at=order.reported_at,
                reacted_at=order.reacted_at,
                response_minutes=minutes,
                within_target=None if minutes is None else minutes <= settings.response_minutes,
                resolved_at=order.resolved_at,
                verified_at=order.verified_at,
                down_hours=hours(down),
                cause=order.cause,
                parts=order.parts,
                cost=order.cost,
                complaint=order.complaint.reference if order.complaint else "",
            )
        )
    return rows


def mtbf_hours(asset_or_venue: Asset | Venue, start: datetime, end: datetime) -> Decimal | None:
    """Mean time between failures in hours: operating hours (opening time less downtime) over
    [start, end) ÷ faults reported in it. None without faults (nothing failed)."""
    if isinstance(asset_or_venue, Venue):
        assets = list(
            Asset.objects.filter(venue=asset_or_venue)
            .exclude(status=Asset.Status.RETIRED)
            .select_related("venue")
        )
        faults = _faults().filter(venue=asset_or_venue)
    else:
        assets = [asset_or_venue]
        faults = _faults().filter(asset=asset_or_venue)
    count = faults.filter(reported_at__gte=start, reported_at__lt=end).count()
    if not count or not assets:
        return None
    part = combine(availability_by_asset(assets, start, end).values())
    return _round_half_up(Fraction(_micro(part.operating), 3_600_000_000) / count)


def month_bounds(venue: Venue, year: int, month: int) -> tuple[datetime, datetime]:
    """The first instant of a local month and of the next one, in UTC."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(venue.timezone)
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return (
        datetime.combine(first, datetime.min.time(), tzinfo=tz).astimezone(UTC),
        datetime.combine(following, datetime.min.time(), tzinfo=tz).astimezone(UTC),
    )
