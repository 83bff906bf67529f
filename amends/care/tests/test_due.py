"""When a revisit call is due: three days after its trigger, never in the member's quiet
hours, always in the club's opening hours (06:00–22:00 in Shanghai)."""

from __future__ import annotations

from datetime import time, timedelta
from zoneinfo import ZoneInfo

from amends.care.due import call_due, in_quiet
from amends.conftest import local
from amends.workflow.calendar import Calendar, OpenDays, VenueClock

CLUB = VenueClock(tz=ZoneInfo("Asia/Shanghai"), opens=time(6), closes=time(22))
QUIET = {"quiet_from": time(21), "quiet_to": time(9)}


def due(at, **quiet):
    return call_due(triggered=at, due_days=3, clock=CLUB, **quiet)


def test_a_call_triggered_monday_at_ten_is_due_thursday_at_ten():
    assert due(local(2026, 11, 23, 10, 0)) == local(2026, 11, 26, 10, 0)
    assert due(local(2026, 11, 23, 10, 0), **QUIET) == local(2026, 11, 26, 10, 0)


def test_monday_2130_with_quiet_hours_is_due_thursday_2059_inside_the_window():
    """Monday 23 Nov 21:30 + 3 days = Thursday 26 Nov 21:30, in the quiet hours (21:00–09:00).
    The latest callable moment at or before it: the quiet hours start at 21:00, the club is
    open until 22:00, so the last callable minute is Thursday 20:59 — 2 days 23 h 29 min after
    the trigger, inside the 3-day window (it used to be Friday 09:00, after the window)."""
    trig = local(2026, 11, 23, 21, 30)
    assert due(trig, **QUIET) == local(2026, 11, 26, 20, 59)
    assert due(trig, **QUIET) - trig <= timedelta(days=3)


def test_the_due_time_steps_back_out_of_the_quiet_hours():
    # Monday 07:00 + 3 days = Thursday 07:00: the member rests until 09:00, so the latest
    # callable minute before is Wednesday 20:59 (quiet from 21:00).
    assert due(local(2026, 11, 23, 7, 0), **QUIET) == local(2026, 11, 25, 20, 59)
    # Without quiet hours the club's opening is enough.
    assert due(local(2026, 11, 23, 7, 0)) == local(2026, 11, 26, 7, 0)


def test_the_due_time_steps_back_into_the_opening_hours():
    # Thursday 22:30 is after closing (22:00): the last open minute is 21:59.
    assert due(local(2026, 11, 23, 22, 30)) == local(2026, 11, 26, 21, 59)
    # Thursday 03:00 is before opening: back to Wednesday's last open minute.
    assert due(local(2026, 11, 23, 3, 0)) == local(2026, 11, 25, 21, 59)
    # Quiet hours inside the day (12:00–14:00) are stepped over too: Thursday 11:59.
    assert due(local(2026, 11, 23, 12, 30), quiet_from=time(12), quiet_to=time(14)) == local(
        2026, 11, 26, 11, 59
    )


def test_a_club_open_on_working_days_only_calls_before_the_weekend():
    office = VenueClock(
        tz=ZoneInfo("Asia/Shanghai"),
        opens=time(9),
        closes=time(18),
        open_days=OpenDays.WORKING_DAYS,
        calendar=Calendar(),
    )
    # Wednesday 25 Nov 10:00 + 3 days = Saturday 28 Nov: back to Friday 27 Nov 17:59.
    assert call_due(triggered=local(2026, 11, 25, 10, 0), due_days=3, clock=office) == local(
        2026, 11, 27, 17, 59
    )
    # Friday 27 Nov 18:30 + 1 day = Saturday 18:30: the window (Fri 18:30–Sat 18:30) holds no
    # open minute, so the call falls forward to Monday 30 Nov 09:00.
    assert call_due(triggered=local(2026, 11, 27, 18, 30), due_days=1, clock=office) == local(
        2026, 11, 30, 9, 0
    )


def test_quiet_hours_that_cover_the_whole_opening_day_are_ignored():
    assert due(local(2026, 11, 23, 10, 0), quiet_from=time(5), quiet_to=time(23)) == local(
        2026, 11, 26, 10, 0
    )


def test_quiet_hours_may_cross_midnight():
    assert in_quiet(time(23), time(21), time(9))
    assert in_quiet(time(8, 59), time(21), time(9))
    assert not in_quiet(time(9), time(21), time(9))
    assert in_quiet(time(12), time(12), time(14))
    assert not in_quiet(time(14), time(12), time(14))
    assert not in_quiet(time(12), None, None)
