"""The first-reaction clock of a fault: when the first reaction is due and how many minutes it
took, on the venue's own clock (opening hours on its open days, or 24×7) per its
`EquipmentSettings` (default: 120 minutes, opening hours)."""

from __future__ import annotations

from datetime import datetime

from amends.equipment.models import EquipmentSettings
from amends.orgs.models import Venue
from amends.workflow.calendar import ClockMode, VenueClock
from amends.workflow.selectors import venue_clock

DEFAULT_RESPONSE_MINUTES = 120


def settings_for(venue: Venue) -> EquipmentSettings:
    """The venue's equipment settings, or the defaults (unsaved) when it has none."""
    found = EquipmentSettings.objects.filter(venue_id=venue.pk).first()
    return found if found is not None else EquipmentSettings(venue=venue)


def mode_of(settings: EquipmentSettings | str) -> ClockMode:
    """The calendar's clock mode for a venue's settings (or a stored `clock_mode` value)."""
    value = settings if isinstance(settings, str) else settings.clock_mode
    if value == EquipmentSettings.ClockMode.CLOCK:
        return ClockMode.CLOCK
    return ClockMode.BUSINESS


def response_due(
    venue: Venue,
    reported_at: datetime,
    *,
    settings: EquipmentSettings | None = None,
    clock: VenueClock | None = None,
) -> datetime:
    """When the first reaction to a fault reported at `reported_at` is due (aware, UTC)."""
    settings = settings or settings_for(venue)
    vc = clock or venue_clock(venue)
    return vc.add(reported_at, mode=mode_of(settings), hours=settings.response_minutes / 60).due


def warning_at(
    venue: Venue,
    reported_at: datetime,
    *,
    percent: int = 80,
    settings: EquipmentSettings | None = None,
    clock: VenueClock | None = None,
) -> datetime:
    """When `percent` % of the first-reaction clock has run (the technician's warning)."""
    settings = settings or settings_for(venue)
    vc = clock or venue_clock(venue)
    hours = settings.response_minutes * percent / 100 / 60
    return vc.add(reported_at, mode=mode_of(settings), hours=hours).due


def response_minutes(
    venue: Venue,
    start: datetime,
    end: datetime,
    *,
    settings: EquipmentSettings | None = None,
    clock: VenueClock | None = None,
    mode: str | None = None,
) -> int:
    """Whole minutes of the venue's response clock between `start` and `end`, any part of a
    minute counting as a whole one (120 min 29 s is 121: not within 120; 0 when `end` is not
    after `start`). `mode` (a work order's stored
    `clock_mode`) wins over the venue's current settings."""
    vc = clock or venue_clock(venue)
    chosen = mode_of(mode) if mode else mode_of(settings or settings_for(venue))
    elapsed = vc.elapsed(start, end, mode=chosen)
    micro = (elapsed.days * 86_400 + elapsed.seconds) * 1_000_000 + elapsed.microseconds
    return max(0, -(-micro // 60_000_000))
