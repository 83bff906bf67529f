"""The job registry: every periodic job is declared once, with its schedule, and every runner
reads this one declaration.

    @job("complaints.remind_due", every=timedelta(minutes=1), description="…")
    def remind_due(*, now: datetime) -> dict[str, int]:
        return {"reminders": 3}

Each app declares its jobs in `amends/<app>/jobs.py`; `registry()` imports those modules (for the
installed `amends.*` apps) the first time it is asked. The runners:

- `amends serve` runs every job in-process on its own schedule (`amends.cli.runner.JobRunner`);
- `amends tick` runs every job once;
- at scale, Celery beat sends each job on its schedule and Celery workers run it
  (`amends.worker`: the task `amends.run_job`, the beat schedule, the beat lock).

Contract of a job function: keyword-only `now` (aware datetime), returns counts of what it did
(`{"reminders": 2}`) or None; idempotent and safe to run twice at once (several runners may
overlap during a deploy), because a runner retries a failed job at its next time.
`run()` records every run as a `JobRun` row.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.apps import apps
from django.utils import timezone

from amends.core import clock

if TYPE_CHECKING:
    from amends.core.models import JobRun

log = logging.getLogger(__name__)

JobFunction = Callable[..., Mapping[str, int] | None]

KEEP_RUNS = timedelta(days=30)


@dataclass(frozen=True)
class Job:
    name: str
    func: JobFunction
    every: timedelta
    description: str = ""

    def __post_init__(self) -> None:
        if self.every <= timedelta(0):
            raise ValueError(f"job {self.name}: `every` must be positive")


_jobs: dict[str, Job] = {}
_discovered = False
_discovering = threading.Lock()


def register(new: Job) -> Job:
    """Add a job; a second job under the same name is a programming error."""
    existing = _jobs.get(new.name)
    if existing is not None and _qualname(existing.func) != _qualname(new.func):
        raise ValueError(f"two jobs are named {new.name!r}")
    _jobs[new.name] = new
    return new


def job(
    name: str, *, every: timedelta, description: str = ""
) -> Callable[[JobFunction], JobFunction]:
    """Declare the decorated function as the job `name`, run every `every`."""

    def declare(func: JobFunction) -> JobFunction:
        register(Job(name=name, func=func, every=every, description=description))
        return func

    return declare


def autodiscover() -> None:
    """Import `<app>.jobs` for every installed amends app that has one (once per process)."""
    global _discovered
    with _discovering:
        if _discovered:
            return
        for config in apps.get_app_configs():
            if not config.name.startswith("amends."):
                continue
            module = f"{config.name}.jobs"
            if importlib.util.find_spec(module) is not None:
                importlib.import_module(module)
        _discovered = True


def registry() -> dict[str, Job]:
    """Every declared job by name, in a stable order (by name)."""
    autodiscover()
    return dict(sorted(_jobs.items()))


def get(name: str) -> Job:
    try:
        return registry()[name]
    except KeyError:
        raise LookupError(f"no job is named {name!r}; known: {', '.join(registry())}") from None


def run(job: str | Job, *, where: str = "inline", now: datetime | None = None) -> JobRun:
    """Run one job (by name, or a Job) at `now` (default: the clock) and record it as a JobRun:
    created when it starts, completed with ok, counts and summary when it ends.

    A failure is recorded (ok=False, the error as summary) and then raised again, so the caller
    decides: the embedded runner logs it and retries at the job's next time, Celery marks the
    task failed, `amends tick` reports it and exits non-zero.
    """
    from amends.core.models import JobRun

    declared = get(job) if isinstance(job, str) else job
    record = JobRun.objects.create(name=declared.name, where=where, started_at=timezone.now())
    try:
        with clock.travel(now or clock.now()):
            counts = dict(declared.func(now=clock.now()) or {})
    except Exception as exc:
        record.ok, record.summary = False, f"{type(exc).__name__}: {exc}"
        record.finished_at = timezone.now()
        _save_quietly(record)
        raise
    record.ok, record.counts = True, counts
    record.summary = " ".join(f"{key}={value}" for key, value in counts.items())
    record.finished_at = timezone.now()
    record.save(update_fields=["ok", "counts", "summary", "finished_at"])
    return record


def _save_quietly(record: JobRun) -> None:
    # The error that stopped the job may be the database itself; never hide it behind ours.
    try:
        record.save(update_fields=["ok", "summary", "finished_at"])
    except Exception:
        log.exception("could not record the failure of job %s", record.name)


def _qualname(func: JobFunction) -> str:
    return f"{func.__module__}.{func.__qualname__}"


@job(
    "core.prune_job_runs",
    every=timedelta(days=1),
    description="Delete job runs older than 30 days, so the run history stays bounded.",
)
def prune_job_runs(*, now: datetime) -> dict[str, int]:
    from amends.core.models import JobRun

    deleted, _ = JobRun.objects.filter(started_at__lt=now - KEEP_RUNS).delete()
    return {"pruned": deleted}
