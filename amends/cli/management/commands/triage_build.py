from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Build the triage model (amends/triage/model/) from the labelled data in "
        "data/triage/train/: the same data gives the same bytes. Needs scikit-learn "
        "(installed by `make install`)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--out", type=Path, default=None, help="write here instead of amends/triage/model/"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            import sklearn  # noqa: F401
        except ImportError:
            raise CommandError(
                "scikit-learn is not installed: run `make install` (it is a development "
                "dependency; the shipped model needs only NumPy)"
            ) from None
        from amends.triage.build import build

        summary = build(options["out"])
        self.stdout.write(" ".join(f"{k}={v}" for k, v in summary.items()))
