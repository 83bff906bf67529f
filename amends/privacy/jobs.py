"""Privacy's periodic jobs (see `amends.core.jobs`). The retention purge itself runs as
`complaints.anonymise_expired` (the complaints tick calls `privacy.purge.purge`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from amends.core.jobs import job
from amends.privacy import clocks


@job(
    "privacy.request_clock",
    every=timedelta(hours=1),
    description="Remind the owner of a data-subject request before it is due; escalate when late.",
)
def request_clock(*, now: datetime) -> dict[str, int]:
    return clocks.requests_tick(now=now)


@job(
    "privacy.breach_clock",
    every=timedelta(minutes=15),
    description="Remind the privacy officers of a breach whose 72-hour notice is near or late.",
)
def breach_clock(*, now: datetime) -> dict[str, int]:
    return clocks.breaches_tick(now=now)
