from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from amends.cli.backup import BackupError, restore
from amends.complaints.integrity import verify_all


class Command(BaseCommand):
    help = (
        "Restore a backup made by `amends backup` into the database and the media, check the "
        "counts against its manifest and verify every timeline."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("source", help="the backup file")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a database that already holds complaints",
        )
        parser.add_argument(
            "--no-verify", action="store_true", help="skip verifying the timelines afterwards"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            done = restore(Path(options["source"]), force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        counts = done.counts
        self.stdout.write(
            f"restored {counts['complaints']} complaints, {counts['customers']} customers, "
            f"{counts['events']} timeline events and {done.media_files} media files "
            f"from the backup of {done.manifest['created_at']}"
        )
        if options["no_verify"]:
            return
        checked, breaks = verify_all()
        for found in breaks:
            self.stdout.write(f"BROKEN {found}")
        self.stdout.write(f"checked {checked} complaints, {len(breaks)} broken")
        if breaks:
            raise CommandError(f"{len(breaks)} timeline break(s) found after the restore")
