"""Stories for the pure business-calendar module (no database, no Django)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from amends.workflow.calendar import (
    LIBRARY_MAX_YEAR,
    MAX_SCAN_DAYS,
    Calendar,
    ClockMode,
    Deadline,
    OpenDays,
    VenueClock,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The first year chinese_calendar has no data for (2027 with chinesecalendar
# 1.11.0).  Derived rather than hard-coded so a library upgrade keeps these
# stories about "an unknown year" true.
UNKNOWN_YEAR = LIBRARY_MAX_YEAR + 1


def local(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def first_weekday_of(year: int, weekday: int) -> date:
    day = date(year, 3, 1)  # early March: clear of New Year and Spring Festival
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def gym(open_days: OpenDays = OpenDays.EVERY_DAY, calendar: Calendar | None = None) -> VenueClock:
    return VenueClock(
        tz=SHANGHAI,
        opens=time(9, 0),
        closes=time(18, 0),
        open_days=open_days,
        calendar=calendar or Calendar(),
    )


# -- Calendar --------------------------------------------------------------


class TestNationalCalendar:
    def test_it_counts_a_tiaoxiu_sunday_as_the_next_working_day(self) -> None:
        # Sun 2025-09-28 is a make-up workday before National Day.
        assert Calendar().add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)
        assert Calendar().is_working_day(date(2025, 9, 28))

    def test_it_knows_the_last_day_of_golden_week_is_a_holiday(self) -> None:
        assert not Calendar().is_working_day(date(2025, 10, 8))

    def test_it_skips_golden_week_when_adding_seven_working_days(self) -> None:
        assert Calendar().add_working_days(date(2025, 9, 30), 7) == date(2025, 10, 16)

    def test_it_returns_the_same_day_for_zero_working_days(self) -> None:
        assert Calendar().add_working_days(date(2025, 10, 4), 0) == date(2025, 10, 4)

    def test_it_rejects_negative_working_days(self) -> None:
        with pytest.raises(ValueError, match="n must be >= 0, got -1"):
            Calendar().add_working_days(date(2025, 10, 4), -1)

    def test_it_counts_working_days_in_a_half_open_interval(self) -> None:
        cal = Calendar()
        # (09-30, 10-16] holds exactly the seven days found above.
        assert cal.working_days_between(date(2025, 9, 30), date(2025, 10, 16)) == 7
        assert cal.working_days_between(date(2025, 10, 16), date(2025, 9, 30)) == 0
        assert cal.working_days_between(date(2025, 10, 9), date(2025, 10, 9)) == 0

    def test_it_inverts_add_working_days(self) -> None:
        cal = Calendar()
        for start, n in itertools.product(
            [date(2025, 9, 26), date(2025, 9, 30), date(2026, 2, 13)], range(12)
        ):
            assert cal.working_days_between(start, cal.add_working_days(start, n)) == n

    def test_it_lets_an_override_open_a_holiday(self) -> None:
        cal = Calendar(overrides={date(2025, 10, 8): True})
        assert cal.is_working_day(date(2025, 10, 8))

    def test_it_lets_an_override_close_a_working_day(self) -> None:
        cal = Calendar(overrides={date(2025, 9, 28): False})
        assert not cal.is_working_day(date(2025, 9, 28))
        assert cal.add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 29)

    def test_it_is_not_affected_by_mutating_the_overrides_afterwards(self) -> None:
        overrides = {date(2025, 10, 8): True}
        cal = Calendar(overrides=overrides)
        overrides[date(2025, 10, 8)] = False
        assert cal.is_working_day(date(2025, 10, 8))
        assert hash(cal) == hash(Calendar(overrides={date(2025, 10, 8): True}))

    def test_it_refuses_datetimes_where_dates_are_expected(self) -> None:
        with pytest.raises(TypeError, match=r"expected a datetime\.date, got a datetime"):
            Calendar().is_working_day(local(2025, 10, 8, 12))


class TestUnknownYear:
    def test_it_really_is_unknown_to_the_library(self) -> None:
        assert UNKNOWN_YEAR == 2027  # chinesecalendar 1.11.0; bump when upgrading
        with pytest.raises(NotImplementedError):
            chinese_calendar.is_workday(date(UNKNOWN_YEAR, 3, 1))

    def test_it_falls_back_to_monday_to_friday(self) -> None:
        cal = Calendar()
        monday = first_weekday_of(UNKNOWN_YEAR, 0)
        friday = monday + timedelta(days=4)
        saturday = monday + timedelta(days=5)
        assert not cal.knows(monday)
        assert cal.is_working_day(monday)
        assert cal.is_working_day(friday)
        assert not cal.is_working_day(saturday)
        assert cal.add_working_days(friday, 1) == monday + timedelta(days=7)

    def test_it_warns_when_a_deadline_relies_on_the_fallback(self) -> None:
        friday = first_weekday_of(UNKNOWN_YEAR, 4)
        start = datetime.combine(friday, time(15, 30), tzinfo=SHANGHAI)
        deadline = gym().add(start, mode=ClockMode.WORKING_DAYS, working_days=1)
        assert deadline.warnings == (f"calendar_unknown:{UNKNOWN_YEAR}",)
        assert deadline.due == datetime.combine(
            friday + timedelta(days=3), time(18, 0), tzinfo=SHANGHAI
        )

    def test_it_warns_when_a_deadline_crosses_into_the_unknown_year(self) -> None:
        start = local(LIBRARY_MAX_YEAR, 12, 31, 10, 0)
        deadline = gym().add(start, mode=ClockMode.WORKING_DAYS, working_days=1)
        assert deadline.warnings == (f"calendar_unknown:{UNKNOWN_YEAR}",)

    def test_it_trusts_a_year_once_any_override_exists_for_it(self) -> None:
        cal = Calendar(overrides={date(UNKNOWN_YEAR, 1, 1): False})
        friday = first_weekday_of(UNKNOWN_YEAR, 4)
        assert cal.knows(friday)
        start = datetime.combine(friday, time(15, 30), tzinfo=SHANGHAI)
        deadline = gym(calendar=cal).add(start, mode=ClockMode.WORKING_DAYS, working_days=1)
        assert deadline.warnings == ()

    def test_it_warns_in_business_mode_only_for_venues_following_working_days(self) -> None:
        start = datetime.combine(first_weekday_of(UNKNOWN_YEAR, 4), time(10), tzinfo=SHANGHAI)
        office = gym(OpenDays.WORKING_DAYS).add(start, mode=ClockMode.BUSINESS, hours=1)
        always_open = gym(OpenDays.EVERY_DAY).add(start, mode=ClockMode.BUSINESS, hours=1)
        assert office.warnings == (f"calendar_unknown:{UNKNOWN_YEAR}",)
        assert always_open.warnings == ()

    def test_it_does_not_warn_for_known_years(self) -> None:
        deadline = gym().add(
            local(2025, 9, 26, 15, 30), mode=ClockMode.WORKING_DAYS, working_days=7
        )
        assert deadline.warnings == ()


# -- VenueClock: CLOCK ------------------------------------------------------


class TestClockMode:
    def test_it_adds_wall_clock_hours(self) -> None:
        deadline = gym().add(local(2026, 11, 20, 10, 0), mode=ClockMode.CLOCK, hours=4)
        assert deadline == Deadline(due=local(2026, 11, 20, 14, 0))
        assert deadline.due.tzinfo is UTC
        assert deadline.due.astimezone(SHANGHAI).hour == 14

    def test_it_measures_wall_clock_time_and_never_goes_negative(self) -> None:
        start, end = local(2026, 11, 20, 10, 0), local(2026, 11, 21, 12, 30)
        assert gym().elapsed(start, end, mode=ClockMode.CLOCK) == timedelta(hours=26, minutes=30)
        assert gym().elapsed(end, start, mode=ClockMode.CLOCK) == timedelta(0)

    def test_it_rejects_the_wrong_amount_for_the_mode(self) -> None:
        with pytest.raises(ValueError, match="working_days is only used in WORKING_DAYS mode"):
            gym().add(local(2026, 11, 20, 10), mode=ClockMode.CLOCK, working_days=1)
        with pytest.raises(ValueError, match="hours is not used in WORKING_DAYS mode"):
            gym().add(local(2026, 11, 20, 10), mode=ClockMode.WORKING_DAYS, hours=1)
        with pytest.raises(ValueError, match="hours must be a finite number >= 0, got -1"):
            gym().add(local(2026, 11, 20, 10), mode=ClockMode.CLOCK, hours=-1)
        with pytest.raises(ValueError, match="hours must be a finite number >= 0, got nan"):
            gym().add(local(2026, 11, 20, 10), mode=ClockMode.BUSINESS, hours=float("nan"))


# -- VenueClock: BUSINESS ---------------------------------------------------


class TestBusinessMode:
    def test_it_carries_over_to_the_next_morning(self) -> None:
        deadline = gym().add(local(2025, 11, 3, 16, 0), mode=ClockMode.BUSINESS, hours=4)
        assert deadline.due == local(2025, 11, 4, 11, 0)

    def test_it_starts_counting_at_the_next_opening_after_closing(self) -> None:
        deadline = gym().add(local(2025, 11, 3, 20, 0), mode=ClockMode.BUSINESS, hours=1)
        assert deadline.due == local(2025, 11, 4, 10, 0)

    def test_it_starts_counting_at_opening_when_started_early(self) -> None:
        deadline = gym().add(local(2025, 11, 3, 7, 0), mode=ClockMode.BUSINESS, hours=1)
        assert deadline.due == local(2025, 11, 3, 10, 0)

    def test_it_returns_the_start_for_zero_hours_even_when_closed(self) -> None:
        start = local(2025, 11, 3, 23, 0)
        assert gym().add(start, mode=ClockMode.BUSINESS, hours=0).due == start

    def test_it_ends_at_closing_time_when_the_budget_runs_out_exactly(self) -> None:
        deadline = gym().add(local(2025, 11, 3, 16, 0), mode=ClockMode.BUSINESS, hours=2)
        assert deadline.due == local(2025, 11, 3, 18, 0)

    def test_it_keeps_gyms_open_through_holidays(self) -> None:
        deadline = gym().add(local(2025, 9, 30, 17, 0), mode=ClockMode.BUSINESS, hours=2)
        assert deadline.due == local(2025, 10, 1, 10, 0)

    def test_it_uses_the_tiaoxiu_sunday_for_offices(self) -> None:
        office = gym(OpenDays.WORKING_DAYS)
        deadline = office.add(local(2025, 9, 26, 17, 0), mode=ClockMode.BUSINESS, hours=2)
        assert deadline.due == local(2025, 9, 28, 10, 0)
        assert deadline.warnings == ()

    def test_it_skips_national_day_for_offices(self) -> None:
        office = gym(OpenDays.WORKING_DAYS)
        # One hour on Tue 09-30, closed 10-01..10-08, one more hour on Thu 10-09.
        deadline = office.add(local(2025, 9, 30, 17, 0), mode=ClockMode.BUSINESS, hours=2)
        assert deadline.due == local(2025, 10, 9, 10, 0)
        elapsed = office.elapsed(
            local(2025, 9, 30, 9, 0), local(2025, 10, 10, 9, 0), mode=ClockMode.BUSINESS
        )
        assert elapsed == timedelta(hours=18)  # 09-30 and 10-09 only

    def test_it_accepts_starts_given_in_other_time_zones(self) -> None:
        # 08:00 UTC is 16:00 in Shanghai.
        start = datetime(2025, 11, 3, 8, 0, tzinfo=UTC)
        deadline = gym().add(start, mode=ClockMode.BUSINESS, hours=4)
        assert deadline.due == local(2025, 11, 4, 11, 0)

    def test_it_measures_only_opening_hours(self) -> None:
        start, end = local(2025, 11, 3, 20, 0), local(2025, 11, 5, 10, 30)
        assert gym().elapsed(start, end, mode=ClockMode.BUSINESS) == timedelta(hours=10, minutes=30)
        assert gym().elapsed(end, start, mode=ClockMode.BUSINESS) == timedelta(0)

    def test_it_gives_up_instead_of_looping_forever(self) -> None:
        # Overrides closing every day of the next decade: no opening is ever found.
        first = date(2025, 1, 1)
        closed = Calendar(
            overrides={first + timedelta(days=i): False for i in range(MAX_SCAN_DAYS + 10)}
        )
        with pytest.raises(ValueError, match="cannot fit 1:00:00 of business time"):
            gym(OpenDays.WORKING_DAYS, closed).add(
                local(2025, 1, 1, 10), mode=ClockMode.BUSINESS, hours=1
            )


STARTS = [
    local(2025, 9, 26, 17, 0),  # Friday before the tiaoxiu Sunday
    local(2025, 9, 27, 12, 0),  # Saturday (closed for offices)
    local(2025, 9, 30, 8, 59, 59),  # eve of National Day, before opening
    local(2025, 10, 3, 13, 15),  # inside Golden Week
    local(2025, 11, 3, 18, 0),  # exactly at closing
    local(2025, 11, 3, 23, 59),  # just before midnight
    local(2025, 11, 4, 0, 0),  # midnight
    datetime(2025, 11, 4, 3, 7, 11, tzinfo=UTC),  # 11:07:11 local, given in UTC
    local(2026, 12, 31, 17, 30),  # across New Year into the unknown year
]
HOURS = [0.25, 1, 1 / 3, 8.999, 9, 9.5, 27, 100]


@pytest.mark.parametrize("open_days", list(OpenDays))
@pytest.mark.parametrize("start", STARTS, ids=lambda s: s.isoformat())
def test_it_round_trips_business_hours(start: datetime, open_days: OpenDays) -> None:
    clock = gym(open_days)
    for hours in HOURS:
        due = clock.add(start, mode=ClockMode.BUSINESS, hours=hours).due
        assert clock.elapsed(start, due, mode=ClockMode.BUSINESS) == timedelta(hours=hours), hours
        assert due >= start


def test_it_round_trips_across_a_dst_change() -> None:
    # China has no DST, but the module must not assume that: 2025-03-30 is a
    # 23-hour day in Berlin and the venue opens across the 02:00 gap.
    berlin = ZoneInfo("Europe/Berlin")
    clock = VenueClock(tz=berlin, opens=time(1, 0), closes=time(5, 0))
    start = datetime(2025, 3, 30, 1, 0, tzinfo=berlin)
    due = clock.add(start, mode=ClockMode.BUSINESS, hours=2).due
    assert due == datetime(2025, 3, 30, 4, 0, tzinfo=berlin)  # 01:00 + 2h real time
    assert clock.elapsed(start, due, mode=ClockMode.BUSINESS) == timedelta(hours=2)
    assert clock.elapsed(
        start, datetime(2025, 3, 30, 23, 0, tzinfo=berlin), mode=ClockMode.BUSINESS
    ) == timedelta(hours=3)  # the 01:00-05:00 window is only 3 real hours that night


# -- VenueClock: WORKING_DAYS -----------------------------------------------


class TestWorkingDaysMode:
    def test_it_ends_at_closing_time_on_the_next_working_day(self) -> None:
        deadline = gym().add(
            local(2025, 9, 26, 15, 30), mode=ClockMode.WORKING_DAYS, working_days=1
        )
        assert deadline.due == local(2025, 9, 28, 18, 0)
        assert deadline.due == datetime(2025, 9, 28, 10, 0, tzinfo=UTC)
        assert deadline.due.tzinfo is UTC
        assert deadline.warnings == ()

    def test_it_uses_the_local_date_not_the_utc_date(self) -> None:
        # 2025-09-25 20:00 UTC is already Friday 04:00 in Shanghai.
        start = datetime(2025, 9, 25, 20, 0, tzinfo=UTC)
        deadline = gym().add(start, mode=ClockMode.WORKING_DAYS, working_days=1)
        assert deadline.due == local(2025, 9, 28, 18, 0)  # Friday's first working day after

    def test_it_measures_whole_working_days(self) -> None:
        elapsed = gym().elapsed(
            local(2025, 9, 30, 23, 0), local(2025, 10, 16, 1, 0), mode=ClockMode.WORKING_DAYS
        )
        assert elapsed == timedelta(days=7)
        assert gym().elapsed(
            local(2025, 10, 16, 1, 0), local(2025, 9, 30, 23, 0), mode=ClockMode.WORKING_DAYS
        ) == timedelta(0)


# -- validation -------------------------------------------------------------


class TestValidation:
    def test_it_rejects_naive_datetimes(self) -> None:
        naive = datetime(2025, 11, 3, 10, 0)
        aware = local(2025, 11, 3, 10, 0)
        for mode in ClockMode:
            with pytest.raises(ValueError, match="start must be timezone-aware"):
                gym().add(naive, mode=mode)
            with pytest.raises(ValueError, match="start must be timezone-aware"):
                gym().elapsed(naive, aware, mode=mode)
            with pytest.raises(ValueError, match="end must be timezone-aware"):
                gym().elapsed(aware, naive, mode=mode)

    @pytest.mark.parametrize(("opens", "closes"), [(time(18), time(9)), (time(9), time(9))])
    def test_it_rejects_closing_at_or_before_opening(self, opens: time, closes: time) -> None:
        with pytest.raises(ValueError, match="overnight venues are not supported"):
            VenueClock(tz=SHANGHAI, opens=opens, closes=closes)

    def test_it_accepts_open_days_as_stored_strings(self) -> None:
        clock = VenueClock(
            tz=SHANGHAI,
            opens=time(9),
            closes=time(18),
            open_days="working_days",  # type: ignore[arg-type]
        )
        assert clock.open_days is OpenDays.WORKING_DAYS
        assert not clock.is_open_day(date(2025, 10, 8))
        assert gym().is_open_day(date(2025, 10, 8))
