"""The first-reaction clock: 120 minutes of opening hours by default, or 24×7 per venue."""

from datetime import UTC, timedelta

from amends.conftest import local
from amends.core import clock
from amends.equipment import services
from amends.equipment.clock import response_due, response_minutes
from amends.equipment.models import EquipmentSettings
from amends.equipment.tests.helpers import add_asset, report
from amends.orgs.models import Venue


def test_a_fault_reported_ten_minutes_before_closing_counts_100_minutes_by_0730(cast):
    # Reported 21:50 on Monday; the gym closes at 22:00 and opens at 06:00; first reaction
    # 07:30 on Tuesday: 10 + 90 = 100 business minutes, within the 2 hours.
    tm = add_asset(cast)
    wo = report(cast, tm, local(2026, 11, 23, 21, 50))
    assert wo.response_due_at == local(2026, 11, 24, 7, 50).astimezone(UTC)
    with clock.travel(local(2026, 11, 24, 7, 30)):
        wo = services.work_order_react(actor=cast.maintenance, work_order=wo, version=wo.version)
    assert wo.response_minutes == 100
    assert wo.reacted_at == local(2026, 11, 24, 7, 30)
    assert wo.status == "reacted"
    assert wo.assignee == cast.maintenance  # the technician who reacts takes it


def test_the_pure_clock_gives_the_same_answer(cast):
    start, end = local(2026, 11, 23, 21, 50), local(2026, 11, 24, 7, 30)
    assert response_minutes(cast.gym, start, end) == 100
    assert response_due(cast.gym, start) == local(2026, 11, 24, 7, 50)


def test_part_of_a_minute_counts_whole_so_120_min_29_s_is_late(cast):
    tm = add_asset(cast)
    reported, due = local(2026, 11, 23, 10, 0), local(2026, 11, 23, 12, 0)
    wo = report(cast, tm, reported)
    assert wo.response_due_at == due
    assert response_minutes(cast.gym, reported, due) == 120
    late = due + timedelta(seconds=29)
    assert response_minutes(cast.gym, reported, late) == 121
    with clock.travel(late):
        wo = services.work_order_react(actor=cast.maintenance, work_order=wo, version=wo.version)
    assert wo.response_minutes == 121  # not within the 120 minutes
    assert response_minutes(cast.gym, late, reported) == 0


def test_a_venue_on_24x7_counts_every_minute(cast):
    EquipmentSettings.objects.create(venue=cast.gym, clock_mode="clock")
    tm = add_asset(cast)
    wo = report(cast, tm, local(2026, 11, 23, 21, 50))
    assert wo.response_due_at == local(2026, 11, 23, 23, 50)
    assert wo.clock_mode == "clock"
    with clock.travel(local(2026, 11, 24, 7, 30)):
        wo = services.work_order_react(actor=cast.maintenance, work_order=wo, version=wo.version)
    assert wo.response_minutes == 580


def test_a_venue_on_working_days_skips_the_national_day_holiday(cast):
    # An office-like venue open on national working days only: reported Wednesday 30 September
    # 2026 at 21:50, the National Day holiday runs 1–7 October; it opens again on Thursday the
    # 8th at 06:00. A reaction at 07:30 that day took 100 business minutes.
    Venue.objects.filter(pk=cast.gym.pk).update(open_days=Venue.OpenDays.WORKING_DAYS)
    cast.gym.refresh_from_db()
    tm = add_asset(cast)
    wo = report(cast, tm, local(2026, 9, 30, 21, 50))
    assert wo.response_due_at == local(2026, 10, 8, 7, 50)
    with clock.travel(local(2026, 10, 8, 7, 30)):
        wo = services.work_order_react(actor=cast.maintenance, work_order=wo, version=wo.version)
    assert wo.response_minutes == 100


def test_a_venue_may_give_more_time(cast):
    EquipmentSettings.objects.create(venue=cast.gym, response_minutes=240)
    assert response_due(cast.gym, local(2026, 11, 23, 10, 0)) == local(2026, 11, 23, 14, 0)
