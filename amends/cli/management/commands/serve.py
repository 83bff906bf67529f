from typing import Any

from django.conf import settings
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
                # A request is at most the form's files and some text: a larger body is refused
                # before it reaches the disk (waitress' default is 1 GB).
                max_request_body_size=6 * settings.AMENDS_MAX_UPLOAD_MB * 1024 * 1024,
                # Behind a proxy (AMENDS_PROXY_SSL_HEADER): its X-Forwarded-For gives the client
                # address the rate limits count, and a client cannot forge it.
                **_proxy_options(),
            )
        finally:
            if runner is not None:
                runner.stop()


def _proxy_options() -> dict[str, Any]:
    trusted = settings.AMENDS_TRUSTED_PROXY
    if not trusted:
        return {}
    return {
        "trusted_proxy": trusted,
        "trusted_proxy_count": 1,
        "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
        "clear_untrusted_proxy_headers": True,
    }
