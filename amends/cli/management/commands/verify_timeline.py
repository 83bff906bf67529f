from typing import Any

from django.core.management.base import BaseCommand, CommandError

from amends.complaints.timeline import verify_all


class Command(BaseCommand):
    help = "Recompute every complaint's hash-chained timeline; report and fail on any break."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, breaks = verify_all()
        for found in breaks:
            self.stdout.write(f"BROKEN {found.reference} at event {found.seq}: {found.reason}")
        self.stdout.write(f"checked {checked} complaints, {len(breaks)} broken")
        if breaks:
            raise CommandError(f"{len(breaks)} complaint timeline(s) broken")
