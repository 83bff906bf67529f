"""The notifications' periodic job (see `amends.core.jobs`): deliver the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from amends.core.jobs import job
from amends.notifications.delivery import OUTCOMES, deliver_due

BATCH = 50
# A run delivers at most this many batches, so one run ends in bounded time and the next run
# (or another worker) carries on with what is left.
MOST_BATCHES = 20


@job(
    "notifications.deliver",
    every=timedelta(seconds=settings.AMENDS_DELIVERY_SECONDS),
    description="Send due outbox messages (email, SMS, webhooks) and retry failed ones.",
)
def deliver(*, now: datetime) -> dict[str, int]:
    totals = dict.fromkeys(OUTCOMES, 0)
    for _ in range(MOST_BATCHES):
        counts = deliver_due(now, batch=BATCH)
        for name, value in counts.items():
            totals[name] += value
        # Go on while batches come full and everything was tried; a server that is down
        # waits for the next run.
        if sum(counts.values()) < BATCH or counts["postponed"] or counts["retry"]:
            break
    return totals
