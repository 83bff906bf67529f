from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from amends.cli.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, or SQLite's online backup) and the media into one tar "
        "file, created 0600. The secrets are not in it: keep them apart."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "target",
            nargs="?",
            help="the file to write (default: var/backups/amends-<UTC time>.tar)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(
            options["target"]
            or Path(settings.VAR_DIR) / "backups" / f"amends-{datetime.now(UTC):%Y%m%d-%H%M%S}.tar"
        )
        try:
            manifest = backup(target)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        counts = manifest["counts"]
        self.stdout.write(
            f"backed up {counts['complaints']} complaints, {counts['customers']} customers and "
            f"{counts['events']} timeline events ({manifest['engine']}) to {target}"
        )
