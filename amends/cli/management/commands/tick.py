from typing import Any

from django.core.management.base import BaseCommand

from amends.complaints.tick import tick


class Command(BaseCommand):
    help = "Run the time-based work once: reminders, escalations, retention. Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        report = tick()
        self.stdout.write(str(report))
