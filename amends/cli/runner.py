"""The embedded job runner: the same task functions Celery runs at scale, called in-process."""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections

from amends.complaints.tick import tick

log = logging.getLogger(__name__)


class TickRunner(threading.Thread):
    """Calls `tick()` every `interval` seconds until stopped. A failing tick is logged and the
    next one runs as usual (tick is idempotent, so nothing is lost by retrying)."""

    def __init__(self, interval: float) -> None:
        super().__init__(name="amends-tick", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                report = tick()
                if report.reminders or report.escalations or report.anonymised:
                    log.info("tick: %s", report)
            except Exception:
                log.exception("tick failed; will retry")
            finally:
                close_old_connections()
            self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()
