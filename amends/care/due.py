"""When a revisit call is due: the latest callable moment within `due_days` of its trigger
(outside the member's quiet hours, inside the venue's opening hours; pure: no database)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from amends.workflow.calendar import VenueClock

MAX_DAYS = 14


def in_quiet(moment: time, quiet_from: time | None, quiet_to: time | None) -> bool:
    """Whether a local time falls in the quiet hours [from, to) — which may cross midnight
    (21:00–09:00). No quiet hours (or from == to): never."""
    if quiet_from is None or quiet_to is None or quiet_from == quiet_to:
        return False
    if quiet_from < quiet_to:
        return quiet_from <= moment < quiet_to
    return moment >= quiet_from or moment < quiet_to


def call_due(
    *,
    triggered: datetime,
    due_days: int,
    clock: VenueClock,
    quiet_from: time | None = None,
    quiet_to: time | None = None,
) -> datetime:
    """The moment (UTC) a call triggered at `triggered` is due.

    The due moment is the LATEST callable moment (outside the member's quiet hours, inside
    the venue's opening hours on an open day) at or before `triggered` + `due_days` days
    (wall-clock, in the venue's zone) and not before `triggered`: the call stays inside its
    window. Only when the window holds no callable moment does it fall forward to the first
    one after. When the quiet hours cover all the opening hours, they are ignored (better a
    call in the opening hours than none).
    """
    local = (triggered.astimezone(clock.tz) + timedelta(days=due_days)).replace(tzinfo=None)
    # Wall-clock arithmetic, then back to the zone (DST-safe for the zones that have it).
    limit = datetime.combine(local.date(), local.time(), tzinfo=clock.tz)
    start = triggered.astimezone(clock.tz)
    found = _latest(limit, start, clock, quiet_from, quiet_to) or _earliest(
        limit, clock, quiet_from, quiet_to
    )
    if found is not None:
        return found.astimezone(UTC)
    if quiet_from is not None or quiet_to is not None:
        # The quiet hours leave no opening time: the venue's hours alone decide.
        return call_due(triggered=triggered, due_days=due_days, clock=clock)
    return limit.astimezone(UTC)


def _latest(
    limit: datetime,
    start: datetime,
    clock: VenueClock,
    quiet_from: time | None,
    quiet_to: time | None,
) -> datetime | None:
    """The latest callable minute in [start, limit], or None."""
    minute = timedelta(minutes=1)
    candidate = limit
    for _ in range(MAX_DAYS * 4):
        if candidate < start:
            return None
        day, now = candidate.date(), candidate.timetz().replace(tzinfo=None)
        last_close = datetime.combine(day - timedelta(days=1), clock.closes, tzinfo=clock.tz)
        if not clock.is_open_day(day) or now < clock.opens:
            candidate = last_close - minute
        elif now >= clock.closes:
            candidate = datetime.combine(day, clock.closes, tzinfo=clock.tz) - minute
        elif in_quiet(now, quiet_from, quiet_to):
            assert quiet_from is not None and quiet_to is not None
            began = day if now >= quiet_from else day - timedelta(days=1)
            candidate = datetime.combine(began, quiet_from, tzinfo=clock.tz) - minute
        else:
            return candidate
    return None


def _earliest(
    candidate: datetime,
    clock: VenueClock,
    quiet_from: time | None,
    quiet_to: time | None,
) -> datetime | None:
    """The first callable moment at or after `candidate`, or None within MAX_DAYS."""
    for _ in range(MAX_DAYS * 4):
        day, now = candidate.date(), candidate.timetz().replace(tzinfo=None)
        next_open = datetime.combine(day + timedelta(days=1), clock.opens, tzinfo=clock.tz)
        if not clock.is_open_day(day) or now >= clock.closes:
            candidate = next_open
        elif now < clock.opens:
            candidate = datetime.combine(day, clock.opens, tzinfo=clock.tz)
        elif in_quiet(now, quiet_from, quiet_to):
            assert quiet_to is not None
            end_day = day if now < quiet_to else day + timedelta(days=1)
            candidate = datetime.combine(end_day, quiet_to, tzinfo=clock.tz)
        else:
            return candidate
    return None
