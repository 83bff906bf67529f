"""When a revisit call is due: `due_days` after its trigger, then moved forward out of the
member's quiet hours and into the venue's opening hours (pure: no database)."""

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

    1. `triggered` + `due_days` days (wall-clock, in the venue's zone).
    2. While that moment is not a time to call, move it to the next one: a closed day → the
       next opening; before opening → the opening; at or after closing → the next day's
       opening; in the quiet hours → their end.
    When the quiet hours cover all the opening hours, the quiet hours are ignored (the venue's
    next opening is kept: better a call at opening than none).
    """
    local = (triggered.astimezone(clock.tz) + timedelta(days=due_days)).replace(tzinfo=None)
    # Wall-clock arithmetic, then back to the zone (DST-safe for the zones that have it).
    candidate = datetime.combine(local.date(), local.time(), tzinfo=clock.tz)
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
            return candidate.astimezone(UTC)
    # The quiet hours leave no opening time: the venue's hours alone decide.
    return call_due(triggered=triggered, due_days=due_days, clock=clock)
