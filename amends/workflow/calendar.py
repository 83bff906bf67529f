"""Business-calendar arithmetic for complaint deadlines (pure, no database, no Django).

Three ways of measuring time are in use by the regulations our venues fall under:

* ``ClockMode.CLOCK``: wall-clock hours, 24/7 (e.g. "reply within 24 hours").
* ``ClockMode.BUSINESS``: only hours during which the venue is open count
  (e.g. a gym open 06:00-22:00 every day).
* ``ClockMode.WORKING_DAYS``: whole national working days (tourism rules:
  "handle within 1 working day"), following the PRC State Council holiday
  schedule including 调休 make-up workdays that fall on weekends.

National working days come from the ``chinese_calendar`` library (PyPI
``chinesecalendar``), which only knows the years it has published data for
(the schedule is announced each November for the following year).  Outside
that range we fall back to the year's statutory public holidays as the law and
the lunar calendar give them (PyPI ``holidays``, country CN: Spring Festival,
National Day … with their substitute days), Monday-Friday otherwise, and report
a ``calendar_unknown:<year>`` warning so that callers can flag the deadline as
provisional: the make-up workdays (调休) are only known once published.
Overrides (maintained by staff in the database, passed in here as plain data)
win over both and also mark their year as known.

A working-days deadline is the END of its working day (the venue's closing
time; 23:59:59 for a venue open until midnight), never the time of day the
clock started: "within 1 working day" of a complaint at 15:40 on Monday means
by Tuesday's close, not Tuesday 15:40.

Contracts shared by everything below:

* every ``datetime`` accepted must be timezone-aware (``ValueError`` otherwise);
  every ``datetime`` returned is aware and in UTC;
* all arithmetic on instants is done in UTC, and local wall times are only
  ever produced by ``datetime.combine(..., tzinfo=tz)`` / ``astimezone(tz)``,
  so the code stays correct in zones with DST even though China has none;
* day-by-day stepping is capped at ``MAX_SCAN_DAYS`` and raises ``ValueError``
  beyond it, so a calendar with no open days can never hang a request.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import chinese_calendar
import holidays

__all__ = [
    "LIBRARY_MAX_YEAR",
    "LIBRARY_MIN_YEAR",
    "MAX_SCAN_DAYS",
    "Calendar",
    "ClockMode",
    "Deadline",
    "OpenDays",
    "ScheduleDay",
    "ScheduleError",
    "VenueClock",
    "parse_schedule",
    "statutory_holidays",
]

# Derived from the library's own data rather than hard-coded, so upgrading
# ``chinesecalendar`` extends our coverage automatically.  This mirrors the
# check the library itself performs before raising NotImplementedError.
LIBRARY_MIN_YEAR: int = min(chinese_calendar.holidays).year
LIBRARY_MAX_YEAR: int = max(chinese_calendar.holidays).year

# Upper bound on how many calendar days any single computation may walk.
# Ten years is far beyond any legal deadline; hitting it means the input is
# nonsensical (e.g. overrides that close every day) rather than merely long.
MAX_SCAN_DAYS: int = 3660

_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)
# A venue open "until midnight" (closing at 23:59 or later) ends its working day at 23:59:59.
_END_OF_DAY = time(23, 59, 59)


@lru_cache(maxsize=32)
def statutory_holidays(year: int) -> frozenset[date]:
    """China's statutory public holidays of `year` (with the substitute days the law gives when
    one falls on a weekend), computed from the law and the lunar calendar by ``holidays``.

    The fallback for a year ``chinese_calendar`` does not cover yet: better than plain
    Monday-Friday (Spring Festival is not a working week), though the State Council's make-up
    workdays are not in it — those come from the published schedule (``CalendarOverride``).
    """
    return frozenset(holidays.country_holidays("CN", years=year))


class ClockMode(StrEnum):
    """How a deadline's duration is measured."""

    CLOCK = "clock"  # wall-clock hours, 24/7
    BUSINESS = "business"  # only hours inside the venue's opening hours on its open days
    WORKING_DAYS = "working_days"  # whole working days (tourism rules)


class OpenDays(StrEnum):
    """Which calendar days a venue is open on."""

    EVERY_DAY = "every_day"  # gyms, hotels: open every day incl. holidays
    WORKING_DAYS = "working_days"  # offices: national working days only (incl. 调休 make-up days)


def _require_date(day: date) -> date:
    # ``datetime`` is a subclass of ``date``; accepting one would silently use
    # its own (possibly UTC) calendar date instead of the venue's local date
    # and would never match a ``date`` override key.  Make the caller decide.
    if isinstance(day, datetime):
        raise TypeError("expected a datetime.date, got a datetime; convert to a local date first")
    return day


def _require_aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")
    return value


@dataclass(frozen=True)
class Calendar:
    """National working-day calendar: overrides, then ``chinese_calendar``, then Mon-Fri.

    ``overrides`` maps a date to whether it is a working day and always wins.
    It is copied into a read-only mapping on construction, so mutating the
    dict passed in afterwards has no effect on this (frozen) instance.
    """

    overrides: Mapping[date, bool] = field(default_factory=dict)
    # Years that have at least one override; any such year counts as "known"
    # because staff maintaining overrides for it have taken responsibility.
    _override_years: frozenset[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        copied: dict[date, bool] = {}
        for day, working in self.overrides.items():
            _require_date(day)
            if not isinstance(working, bool):
                raise TypeError(f"override for {day} must be a bool, got {working!r}")
            copied[day] = working
        # object.__setattr__ is the documented way to finish initialising a
        # frozen dataclass.
        object.__setattr__(self, "overrides", MappingProxyType(copied))
        object.__setattr__(self, "_override_years", frozenset(d.year for d in copied))

    def __hash__(self) -> int:
        # The generated hash would try to hash the mapping and fail; hash its
        # items instead so Calendar (and VenueClock) stay usable as keys.
        return hash(frozenset(self.overrides.items()))

    def is_working_day(self, day: date) -> bool:
        """Return whether ``day`` is a national working day.

        Precedence: override for that date, else ``chinese_calendar`` when it
        covers the year, else Monday-Friday less the year's statutory holidays
        (see ``knows`` to detect this).
        """
        _require_date(day)
        override = self.overrides.get(day)
        if override is not None:
            return override
        if LIBRARY_MIN_YEAR <= day.year <= LIBRARY_MAX_YEAR:
            return bool(chinese_calendar.is_workday(day))
        # Unknown year: the best guess without an official schedule.  Callers
        # learn about it through ``knows`` / ``Deadline.warnings``.
        return day.weekday() < 5 and day not in statutory_holidays(day.year)

    def knows(self, day: date) -> bool:
        """Return True if the answer for ``day`` is authoritative, not a fallback guess.

        A year is known when the library has data for it or when any override
        exists in that year.
        """
        _require_date(day)
        return day.year in self._override_years or LIBRARY_MIN_YEAR <= day.year <= LIBRARY_MAX_YEAR

    def add_working_days(self, day: date, n: int) -> date:
        """Return the ``n``-th working day strictly after ``day``; ``day`` itself if ``n == 0``.

        ``day`` need not be a working day.  Raises ``ValueError`` for ``n < 0``
        or when no answer is found within ``MAX_SCAN_DAYS`` days.
        """
        _require_date(day)
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        current = day
        remaining = n
        for _ in range(MAX_SCAN_DAYS):
            if remaining == 0:
                return current
            current += _ONE_DAY
            if self.is_working_day(current):
                remaining -= 1
        if remaining == 0:
            return current
        raise ValueError(f"{n} working days after {day} not found within {MAX_SCAN_DAYS} days")

    def working_days_between(self, start: date, end: date) -> int:
        """Count working days ``d`` with ``start < d <= end`` (0 if ``end <= start``).

        This is the inverse of ``add_working_days``:
        ``working_days_between(d, add_working_days(d, n)) == n``.
        Raises ``ValueError`` if the span exceeds ``MAX_SCAN_DAYS`` days.
        """
        _require_date(start)
        _require_date(end)
        span = (end - start).days
        if span <= 0:
            return 0
        if span > MAX_SCAN_DAYS:
            raise ValueError(f"span of {span} days exceeds MAX_SCAN_DAYS={MAX_SCAN_DAYS}")
        return sum(1 for i in range(1, span + 1) if self.is_working_day(start + timedelta(days=i)))

    def _unknown_year_warnings(self, years: Iterable[int]) -> tuple[str, ...]:
        # One warning per year (not per day) keeps the output short and stable.
        unknown = {year for year in years if not self.knows(date(year, 1, 1))}
        return tuple(f"calendar_unknown:{year}" for year in sorted(unknown))


@dataclass(frozen=True)
class Deadline:
    """A computed due instant plus any caveats about how it was computed.

    ``due`` is aware and in UTC.  ``warnings`` holds ``"calendar_unknown:<year>"``
    (deduplicated, sorted) for every year consulted that the calendar does not
    know, meaning the Mon-Fri fallback was used and the deadline is provisional.
    """

    due: datetime
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class VenueClock:
    """Deadline arithmetic for one venue: its time zone, opening hours and open days.

    ``opens``/``closes`` are naive local wall times with ``opens < closes``;
    venues open across midnight are not supported (``ValueError``).  Business
    time on an open day is the half-open interval ``[opens, closes)``.
    """

    tz: ZoneInfo
    opens: time
    closes: time
    open_days: OpenDays = OpenDays.EVERY_DAY
    calendar: Calendar = field(default_factory=Calendar)

    def __post_init__(self) -> None:
        if not isinstance(self.tz, ZoneInfo):
            raise TypeError(f"tz must be a zoneinfo.ZoneInfo, got {self.tz!r}")
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            # Local wall times only; the zone comes from ``tz``.  A tz-aware
            # time would be ambiguous about which offset to honour.
            raise ValueError("opens/closes must be naive local times")
        if self.closes <= self.opens:
            raise ValueError(
                f"closes ({self.closes}) must be after opens ({self.opens}); "
                "overnight venues are not supported"
            )
        # Accept the plain strings stored in the database as well as the enum.
        object.__setattr__(self, "open_days", OpenDays(self.open_days))

    def is_open_day(self, day: date) -> bool:
        """Return whether the venue is open at all on local date ``day``."""
        _require_date(day)
        if self.open_days is OpenDays.EVERY_DAY:
            return True
        return self.calendar.is_working_day(day)

    def add(
        self,
        start: datetime,
        *,
        mode: ClockMode,
        hours: float = 0,
        working_days: int = 0,
    ) -> Deadline:
        """Return the deadline ``hours`` (CLOCK/BUSINESS) or ``working_days`` after ``start``.

        * CLOCK: ``start + hours``.
        * BUSINESS: the instant by which ``hours`` of opening time have passed,
          counting from ``start`` or, if the venue is closed then, from the next
          opening.  ``hours == 0`` returns ``start`` unchanged (as UTC).  When
          the budget runs out exactly at closing, ``due`` is that closing time
          (not the next opening).  Satisfies
          ``elapsed(start, add(start, ...).due) == timedelta(hours=hours)``.
        * WORKING_DAYS: the end (``day_ends``) of the ``working_days``-th national
          working day after ``start``'s local date; with ``working_days == 0``
          the end of ``start``'s own day.

        Passing the parameter that does not belong to ``mode`` (e.g.
        ``working_days`` in CLOCK mode) raises ``ValueError`` rather than being
        silently ignored, as does a negative or non-finite amount.
        """
        _require_aware(start, "start")
        mode = ClockMode(mode)
        if mode is ClockMode.WORKING_DAYS:
            if hours:
                raise ValueError("hours is not used in WORKING_DAYS mode; pass working_days")
            return self._add_working_days(start, working_days)
        if working_days:
            raise ValueError(f"working_days is only used in WORKING_DAYS mode, not {mode}")
        if not math.isfinite(hours) or hours < 0:
            raise ValueError(f"hours must be a finite number >= 0, got {hours!r}")
        amount = timedelta(hours=hours)
        if mode is ClockMode.CLOCK:
            return Deadline(due=start.astimezone(UTC) + amount)
        return self._add_business(start, amount)

    @property
    def day_ends(self) -> time:
        """When a working day ends at this venue: its closing time (23:59:59 if it closes at
        23:59 or later, i.e. has no real closing)."""
        return _END_OF_DAY if self.closes >= time(23, 59) else self.closes

    def is_working_time(self, moment: datetime, *, mode: ClockMode) -> bool:
        """Whether ``moment`` is a time this clock works in (and may escalate at).

        * CLOCK: always.
        * BUSINESS: inside the opening hours ``[opens, closes)`` of an open day.
        * WORKING_DAYS: inside the opening hours of a national working day.
        """
        _require_aware(moment, "moment")
        return self.next_working_time(moment, mode=mode) == moment.astimezone(UTC)

    def next_working_time(self, moment: datetime, *, mode: ClockMode) -> datetime:
        """The first working time of this clock at or after ``moment`` (in UTC): ``moment``
        itself when it is one, else the next opening of an open (BUSINESS) or national working
        (WORKING_DAYS) day. Raises ``ValueError`` beyond ``MAX_SCAN_DAYS``."""
        _require_aware(moment, "moment")
        mode = ClockMode(mode)
        moment_utc = moment.astimezone(UTC)
        if mode is ClockMode.CLOCK:
            return moment_utc
        day = self._local_date(moment)
        for _ in range(MAX_SCAN_DAYS):
            works = (
                self.calendar.is_working_day(day)
                if mode is ClockMode.WORKING_DAYS
                else self.is_open_day(day)
            )
            if works:
                window_open, window_close = self._window(day)
                if moment_utc < window_close:
                    return max(window_open, moment_utc)
            day += _ONE_DAY
        raise ValueError(f"no working time after {moment} within {MAX_SCAN_DAYS} days")

    def elapsed(self, start: datetime, end: datetime, *, mode: ClockMode) -> timedelta:
        """Return how much time counts between ``start`` and ``end`` (never negative).

        * CLOCK: ``end - start``.
        * BUSINESS: total opening time inside ``[start, end)``.
        * WORKING_DAYS: ``timedelta(days=n)`` where ``n`` is the number of whole
          working days ``d`` with local ``start`` date ``< d <=`` local ``end``
          date; the time of day is ignored.

        Returns ``timedelta(0)`` when ``end <= start``.
        """
        _require_aware(start, "start")
        _require_aware(end, "end")
        mode = ClockMode(mode)
        start_utc = start.astimezone(UTC)
        end_utc = end.astimezone(UTC)
        if end_utc <= start_utc:
            return _ZERO
        if mode is ClockMode.CLOCK:
            return end_utc - start_utc
        if mode is ClockMode.WORKING_DAYS:
            days = self.calendar.working_days_between(
                self._local_date(start), self._local_date(end)
            )
            return timedelta(days=days)
        return self._elapsed_business(start_utc, end_utc)

    # -- internals ---------------------------------------------------------

    def _local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def _window(self, day: date) -> tuple[datetime, datetime]:
        # Build the local wall times with the venue's zone, then move to UTC so
        # that subtraction measures real elapsed time: Python subtracts two
        # datetimes sharing a tzinfo as naive wall times, which is wrong
        # across a DST change.
        opens = datetime.combine(day, self.opens, tzinfo=self.tz).astimezone(UTC)
        closes = datetime.combine(day, self.closes, tzinfo=self.tz).astimezone(UTC)
        return opens, closes

    def _add_business(self, start: datetime, amount: timedelta) -> Deadline:
        start_utc = start.astimezone(UTC)
        if amount == _ZERO:
            return Deadline(due=start_utc)
        first_day = self._local_date(start)
        remaining = amount
        day = first_day
        for _ in range(MAX_SCAN_DAYS):
            if self.is_open_day(day):
                window_open, window_close = self._window(day)
                segment_start = max(window_open, start_utc)
                if segment_start < window_close:
                    available = window_close - segment_start
                    if remaining <= available:
                        due = segment_start + remaining
                        return Deadline(due=due, warnings=self._business_warnings(first_day, day))
                    remaining -= available
            day += _ONE_DAY
        raise ValueError(
            f"cannot fit {amount} of business time after {start} within {MAX_SCAN_DAYS} days"
        )

    def _elapsed_business(self, start_utc: datetime, end_utc: datetime) -> timedelta:
        first_day = self._local_date(start_utc)
        last_day = self._local_date(end_utc)
        span = (last_day - first_day).days
        if span > MAX_SCAN_DAYS:
            raise ValueError(f"span of {span} days exceeds MAX_SCAN_DAYS={MAX_SCAN_DAYS}")
        total = _ZERO
        for i in range(span + 1):
            day = first_day + timedelta(days=i)
            if not self.is_open_day(day):
                continue
            window_open, window_close = self._window(day)
            overlap = min(window_close, end_utc) - max(window_open, start_utc)
            if overlap > _ZERO:
                total += overlap
        return total

    def _business_warnings(self, first_day: date, last_day: date) -> tuple[str, ...]:
        # Venues open every day never consult the national calendar, so the
        # calendar's coverage is irrelevant to their deadlines.
        if self.open_days is OpenDays.EVERY_DAY:
            return ()
        return self.calendar._unknown_year_warnings(range(first_day.year, last_day.year + 1))

    def _add_working_days(self, start: datetime, n: int) -> Deadline:
        local_start = start.astimezone(self.tz)
        start_day = local_start.date()
        due_day = self.calendar.add_working_days(start_day, n)
        # The deadline is the end of that working day, whatever time the clock started.
        due = datetime.combine(due_day, self.day_ends, tzinfo=self.tz).astimezone(UTC)
        # Days consulted are those strictly after start_day up to due_day
        # (none at all when n == 0, so no warning can apply).
        years = range((start_day + _ONE_DAY).year, due_day.year + 1) if n > 0 else range(0)
        return Deadline(due=due, warnings=self.calendar._unknown_year_warnings(years))


# -- a year's official schedule, as pasted by an administrator ---------------

# The words a line may use for its kind of day (English, and the 休 / 班 of the State Council's
# notices and of every Chinese calendar).
_HOLIDAY_WORDS = frozenset({"holiday", "off", "rest", "休", "假", "放假"})
_WORKDAY_WORDS = frozenset({"workday", "work", "working", "班", "上班", "补班"})
# A range longer than this is a typing error (the longest holiday is Spring Festival's 8-9 days).
MAX_RANGE_DAYS = 31


@dataclass(frozen=True)
class ScheduleDay:
    """One day of a pasted schedule: whether it is a working day, and its name (may be empty)."""

    day: date
    is_working_day: bool
    name: str = ""


@dataclass(frozen=True)
class ScheduleError:
    """A line that could not be read: its number (1-based), its text and why (a code:
    ``format``, ``date``, ``kind``, ``range``, ``conflict``)."""

    line: int
    text: str
    code: str


def parse_schedule(text: str) -> tuple[list[ScheduleDay], list[ScheduleError]]:
    """Read a year's schedule, one line per day or range of days::

        2027-01-01..2027-01-03 holiday 元旦
        2027-02-07 workday 春节调休

    The kind is ``holiday`` / ``workday`` (or 休 / 班); the rest of the line is the name. Blank
    lines and lines starting with ``#`` are skipped. Returns the days in date order and the
    errors; a date given twice with two different kinds is a ``conflict`` (the same fact twice
    is accepted once).
    """
    found: dict[date, ScheduleDay] = {}
    errors: list[ScheduleError] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(maxsplit=2)
        if len(parts) < 2:
            errors.append(ScheduleError(number, line, "format"))
            continue
        span, kind = parts[0], parts[1].lower()
        name = parts[2].strip() if len(parts) > 2 else ""
        first_text, _sep, last_text = span.partition("..")
        try:
            first = date.fromisoformat(first_text)
            last = date.fromisoformat(last_text) if last_text else first
        except ValueError:
            errors.append(ScheduleError(number, line, "date"))
            continue
        if kind in _HOLIDAY_WORDS:
            working = False
        elif kind in _WORKDAY_WORDS:
            working = True
        else:
            errors.append(ScheduleError(number, line, "kind"))
            continue
        if last < first or (last - first).days >= MAX_RANGE_DAYS:
            errors.append(ScheduleError(number, line, "range"))
            continue
        day = first
        while day <= last:
            earlier = found.get(day)
            if earlier is not None and earlier.is_working_day != working:
                errors.append(ScheduleError(number, line, "conflict"))
                break
            found.setdefault(day, ScheduleDay(day, working, name))
            day += _ONE_DAY
    return [found[day] for day in sorted(found)], errors
