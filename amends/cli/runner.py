"""The embedded job runner: every job of the registry, run in-process by `amends serve`, each on
its own schedule — the same job functions Celery runs at scale."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable

from django.db import close_old_connections

from amends.core import jobs

log = logging.getLogger(__name__)


class JobRunner(threading.Thread):
    """Runs each job at start-up and then every `job.every` until stopped.

    A failing job is logged (and recorded as a failed JobRun) and runs again at its next time as
    usual: jobs are idempotent, so nothing is lost by retrying. A slow job delays the others (one
    thread); the embedded deployment's jobs take milliseconds.
    """

    def __init__(self, registry: Iterable[jobs.Job] | None = None) -> None:
        super().__init__(name="amends-jobs", daemon=True)
        self.jobs = list(registry) if registry is not None else None
        self.stopped = threading.Event()

    def run(self) -> None:
        declared = self.jobs if self.jobs is not None else list(jobs.registry().values())
        next_at = {job.name: time.monotonic() for job in declared}
        while not self.stopped.is_set():
            for job in declared:
                if self.stopped.is_set() or time.monotonic() < next_at[job.name]:
                    continue
                next_at[job.name] = time.monotonic() + job.every.total_seconds()
                try:
                    record = jobs.run(job, where="inline")
                    if any(record.counts.values()):
                        log.info("%s: %s", job.name, record.summary)
                except Exception:
                    log.exception("job %s failed; will retry in %s", job.name, job.every)
                finally:
                    close_old_connections()
            self.stopped.wait(max(0.0, min(next_at.values()) - time.monotonic()))

    def stop(self) -> None:
        self.stopped.set()
