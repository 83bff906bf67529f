from typing import Any

from django.core.management.base import BaseCommand

from amends.cli.runner import JobRunner


class Command(BaseCommand):
    help = "Serve amends (waitress) and run every registered job in-process on its schedule."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument(
            "--no-jobs",
            action="store_true",
            help="Do not run the jobs in this process (Celery runs them).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve  # type: ignore[import-untyped]

        from amends.wsgi import application

        runner = None
        if not options["no_jobs"]:
            runner = JobRunner()
            runner.start()
        self.stdout.write(
            f"amends is serving on http://{options['host']}:{options['port']}/  (Ctrl-C stops)"
        )
        try:
            serve(
                application,
                host=options["host"],
                port=options["port"],
                threads=options["threads"],
                ident="amends",
            )
        finally:
            if runner is not None:
                runner.stop()
