"""The complaints' periodic jobs (see `amends.core.jobs`): each idempotent, each on its own
schedule. `tick.tick()` runs the three at once."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from amends.complaints import integrity, tick
from amends.core.jobs import job

EVERY_TICK = timedelta(seconds=settings.AMENDS_TICK_SECONDS)


@job(
    "complaints.remind_due",
    every=EVERY_TICK,
    description="Remind owner and assignee when a complaint's reminder time has come.",
)
def remind_due(*, now: datetime) -> dict[str, int]:
    return {"reminders": tick.remind_due(now=now)}


@job(
    "complaints.escalate_overdue",
    every=EVERY_TICK,
    description="Take each overdue complaint one step up its escalation ladder.",
)
def escalate_overdue(*, now: datetime) -> dict[str, int]:
    return {"escalations": tick.escalate_overdue(now=now)}


@job(
    "complaints.anonymise_expired",
    # Retention is counted in days: hourly is prompt enough and keeps the run history short.
    every=max(EVERY_TICK, timedelta(hours=1)),
    description=(
        "The retention purge: erase the personal data of finished complaints class by class "
        "past their company's retention rules, unless on legal hold, with evidence of each."
    ),
)
def anonymise_expired(*, now: datetime) -> dict[str, int]:
    return tick.purge_expired(now=now)


@job(
    "complaints.timeline_checkpoint",
    every=timedelta(hours=1),
    description="Checkpoint the timeline heads that moved, so a rollback or deletion is caught.",
)
def timeline_checkpoint(*, now: datetime) -> dict[str, int]:
    checkpoint = integrity.checkpoint_write(now=now)
    return {"heads": checkpoint.count if checkpoint else 0}
