import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from amends.complaints.tick import TickReport
from amends.core import jobs

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Run every registered job once (reminders, escalations, retention, housekeeping) and "
        "print what the complaint jobs did. Idempotent."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts: dict[str, int] = {}
        failed: list[str] = []
        for name in jobs.registry():
            try:
                record = jobs.run(name, where="inline")
            except Exception:
                log.exception("job %s failed", name)
                failed.append(name)
                continue
            for key, value in record.counts.items():
                counts[key] = counts.get(key, 0) + value
        report = TickReport(
            reminders=counts.get("reminders", 0),
            escalations=counts.get("escalations", 0),
            anonymised=counts.get("anonymised", 0),
        )
        self.stdout.write(str(report))
        if failed:
            raise CommandError(f"these jobs failed (they run again next time): {', '.join(failed)}")
