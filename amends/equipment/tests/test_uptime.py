"""Uptime over opening hours: merged, clipped, exact, rounded half-up only at the end."""

from datetime import UTC, timedelta
from decimal import Decimal

from amends.conftest import local
from amends.core import clock
from amends.equipment import services
from amends.equipment.models import Downtime, EquipmentSettings
from amends.equipment.tests.helpers import add_asset, report
from amends.equipment.uptime import (
    fault_ledger,
    merge_intervals,
    mtbf_hours,
    open_intervals,
    repeat_faults,
    uptime,
    uptime_percent,
    uptime_rows,
)
from amends.workflow.selectors import venue_clock

NOV = (local(2026, 11, 1), local(2026, 12, 1))  # 30 days × 16 h open = 480 h


def down(asset, start, end=None):
    return Downtime.objects.create(asset=asset, started_at=start, ended_at=end)


def test_8_hours_down_in_30_days_of_16_hours_is_98_33(cast):
    tm = add_asset(cast)
    down(tm, local(2026, 11, 10, 9, 0), local(2026, 11, 10, 17, 0))
    assert uptime(tm, *NOV) == Decimal("98.33")
    assert uptime_percent(timedelta(hours=8), timedelta(hours=480)) == Decimal("98.33")


def test_it_rounds_half_up_at_the_end_only(cast):
    # 1 h down in 400 h is 99.75 exactly; 1 h in 800 h is 99.875 → 99.88, never 99.87
    assert uptime_percent(timedelta(hours=1), timedelta(hours=400)) == Decimal("99.75")
    assert uptime_percent(timedelta(hours=1), timedelta(hours=800)) == Decimal("99.88")
    assert uptime_percent(timedelta(0), timedelta(hours=1)) == Decimal("100.00")
    assert uptime_percent(timedelta(hours=2), timedelta(hours=1)) == Decimal("0.00")
    assert uptime_percent(timedelta(0), timedelta(0)) is None


def test_overlapping_downtimes_count_once(cast):
    tm = add_asset(cast)
    down(tm, local(2026, 11, 10, 10, 0), local(2026, 11, 10, 14, 0))
    down(tm, local(2026, 11, 10, 12, 0), local(2026, 11, 10, 16, 0))  # 6 h together
    down(tm, local(2026, 11, 10, 16, 0), local(2026, 11, 10, 18, 0))  # touching: 8 h
    assert uptime(tm, *NOV) == Decimal("98.33")
    a, b = local(2026, 11, 1, 10), local(2026, 11, 1, 12)
    assert merge_intervals([(b, b + timedelta(hours=1)), (a, b)]) == [(a, b + timedelta(hours=1))]


def test_a_downtime_across_closing_time_counts_opening_hours_only(cast):
    tm = add_asset(cast)
    # 18:00 → 10:00 next day: 4 h before closing, 4 h after opening; the night costs nothing
    down(tm, local(2026, 11, 10, 18, 0), local(2026, 11, 11, 10, 0))
    assert uptime(tm, *NOV) == Decimal("98.33")


def test_an_open_downtime_runs_to_the_end_of_the_period_and_one_before_it_is_clipped(cast):
    tm = add_asset(cast)
    down(tm, local(2026, 11, 30, 18, 0))  # still down: 4 h of November
    down(tm, local(2026, 10, 31, 20, 0), local(2026, 11, 1, 10, 0))  # 4 h of November
    assert uptime(tm, *NOV) == Decimal("98.33")


def test_venues_and_categories_against_the_target(cast):
    tm = add_asset(cast)
    add_asset(cast, "TM-02")
    pool = add_asset(cast, "PUMP-1", category="pool", name="泳池水泵")
    down(tm, local(2026, 11, 10, 6, 0), local(2026, 11, 10, 22, 0))  # 16 h of 960 h cardio
    down(pool, local(2026, 11, 10, 6, 0), local(2026, 11, 11, 22, 0))  # 32 h of 480 h
    EquipmentSettings.objects.create(venue=cast.gym, uptime_target=Decimal("97.00"))
    rows = uptime_rows([cast.gym], *NOV)
    table = {(r.category or "venue"): (r.assets, r.uptime, r.met) for r in rows}
    assert table == {
        "cardio": (2, Decimal("98.33"), True),
        "pool": (1, Decimal("93.33"), False),
        "venue": (3, Decimal("96.67"), False),  # 48 h of 1,440 h
    }
    assert rows[-1].open_hours == Decimal("1440.00") and rows[-1].down_hours == Decimal("48.00")


def test_97_995_is_shown_98_00_but_does_not_meet_a_98_target(cast):
    # 2.005 % of 480 h is 9 h 37 min 26.4 s down: exactly 97.995 %, shown 98.00 (half-up)
    tm = add_asset(cast)
    down(tm, local(2026, 11, 10, 6, 0), local(2026, 11, 10, 15, 37) + timedelta(seconds=26.4))
    EquipmentSettings.objects.create(venue=cast.gym, uptime_target=Decimal("98.00"))
    row = uptime_rows([cast.gym], *NOV)[-1]
    assert row.uptime == Decimal("98.00")
    assert row.met is False


def test_any_downtime_is_never_shown_as_100(cast):
    # 1 second down in 480 h is 99.99994 %: shown 99.99, not 100.00
    assert uptime_percent(timedelta(seconds=1), timedelta(hours=480)) == Decimal("99.99")
    tm = add_asset(cast)
    down(tm, local(2026, 11, 10, 9, 0), local(2026, 11, 10, 9, 0) + timedelta(seconds=1))
    assert uptime(tm, *NOV) == Decimal("99.99")
    assert uptime_rows([cast.gym], *NOV)[-1].met is True


def test_opening_hours_of_a_day(cast):
    windows = open_intervals(venue_clock(cast.gym), local(2026, 11, 10, 12), local(2026, 11, 11, 8))
    assert windows == [
        (local(2026, 11, 10, 12).astimezone(UTC), local(2026, 11, 10, 22).astimezone(UTC)),
        (local(2026, 11, 11, 6).astimezone(UTC), local(2026, 11, 11, 8).astimezone(UTC)),
    ]


def test_three_faults_in_30_days_flag_a_machine(cast):
    tm = add_asset(cast)
    bike = add_asset(cast, "SB-01", name="动感单车")
    for day in (2, 15, 28):
        report(cast, tm, local(2026, 11, day, 10, 0))
    report(cast, bike, local(2026, 11, 2, 10, 0))
    cancelled = report(cast, bike, local(2026, 11, 3, 10, 0))
    with clock.travel(local(2026, 11, 3, 11, 0)):
        services.work_order_cancel(
            actor=cast.manager, work_order=cancelled, version=cancelled.version, reason="误报"
        )
    report(cast, bike, local(2026, 11, 4, 10, 0))
    flagged = repeat_faults(cast.gym, local(2026, 11, 30, 12, 0))
    assert [(r.asset.code, r.faults) for r in flagged] == [("TM-01", 3)]
    # a month later the first has left the window
    assert repeat_faults(cast.gym, local(2026, 12, 3, 12, 0)) == []


def test_mtbf_is_operating_hours_over_faults_and_the_ledger_lists_them(cast):
    tm = add_asset(cast)
    first = report(cast, tm, local(2026, 11, 10, 9, 0), unsafe=True)
    with clock.travel(local(2026, 11, 10, 9, 20)):
        first = services.work_order_react(
            actor=cast.maintenance, work_order=first, version=first.version
        )
    with clock.travel(local(2026, 11, 10, 16, 0)):
        first = services.work_order_resolve(
            actor=cast.maintenance, work_order=first, version=first.version, cause="belt"
        )
    with clock.travel(local(2026, 11, 10, 17, 0)):
        services.work_order_verify(actor=cast.manager, work_order=first, version=first.version)
    report(cast, tm, local(2026, 11, 20, 9, 0))
    # 480 h open − 8 h down = 472 h over 2 faults
    assert mtbf_hours(tm, *NOV) == Decimal("236.00")
    assert mtbf_hours(cast.gym, *NOV) == Decimal("236.00")
    assert mtbf_hours(tm, local(2026, 10, 1), local(2026, 11, 1)) is None
    ledger = fault_ledger(cast.gym, *NOV)
    assert [(r.number, r.response_minutes, r.within_target, r.down_hours) for r in ledger] == [
        ("WO-GYM1-2026-000001", 20, True, Decimal("8.00")),
        ("WO-GYM1-2026-000002", None, None, Decimal("0.00")),
    ]
