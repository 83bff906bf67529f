from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Start Celery beat on AMENDS_REDIS_URL: it sends every registered job on its schedule "
        "while it holds the beat lock; a second beat waits until the first goes away."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--loglevel", default="INFO")
        parser.add_argument(
            "--schedule",
            default=str(settings.VAR_DIR / "celerybeat-schedule"),
            help="File where beat remembers when each job last ran (default: var/).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from amends.worker import app

        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        app.start(
            [
                "beat",
                f"--loglevel={options['loglevel']}",
                "--scheduler=amends.worker:LockedScheduler",
                f"--schedule={options['schedule']}",
            ]
        )
