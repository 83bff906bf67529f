from typing import Any

from django.core.management.base import BaseCommand, CommandError

from amends.complaints.integrity import verify_all


class Command(BaseCommand):
    help = (
        "Verify every complaint's timeline (hash chain, sealed head, checkpoints and the "
        "checkpoint file); print one line per break, by reference and kind, and fail on any."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        checked, breaks = verify_all()
        for found in breaks:
            self.stdout.write(f"BROKEN {found}")
        self.stdout.write(f"checked {checked} complaints, {len(breaks)} broken")
        if breaks:
            raise CommandError(f"{len(breaks)} timeline break(s) found")
