import argparse
import os
import socket
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from amends.cli.prefork import THREADS
from amends.cli.runner import JobRunner


class Command(BaseCommand):
    help = (
        "Serve amends (waitress) and run every registered job in-process on its schedule; "
        "--workers N: N server processes on one socket."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--threads", type=int, default=THREADS, help=f"Threads per process ({THREADS})."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="Server processes sharing the address (1); the jobs run in the parent.",
        )
        # A child of --workers: serve on the inherited listening socket, no jobs.
        parser.add_argument("--fd", type=int, help=argparse.SUPPRESS)
        parser.add_argument(
            "--no-jobs",
            action="store_true",
            help="Do not run the jobs in this process (Celery runs them).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["fd"] is not None:
            _serve(sockets=[socket.socket(fileno=options["fd"])], threads=options["threads"])
            return
        if options["workers"] < 1:
            raise CommandError("--workers must be 1 or more")
        _default_public_url(options["host"], options["port"])
        runner = None
        if not options["no_jobs"]:
            runner = JobRunner()
            runner.start()
        self.stdout.write(
            f"amends is serving on http://{options['host']}:{options['port']}/  (Ctrl-C stops)"
        )
        try:
            if options["workers"] == 1:
                _serve(host=options["host"], port=options["port"], threads=options["threads"])
            else:
                self._prefork(options)
        finally:
            if runner is not None:
                runner.stop()

    def _prefork(self, options: dict[str, Any]) -> None:
        from amends.cli.prefork import Prefork, PreforkError, listen

        try:
            listener = listen(options["host"], options["port"])
        except OSError as exc:
            where = f"{options['host']}:{options['port']}"
            raise CommandError(f"cannot listen on {where}: {exc}") from exc
        with listener:
            try:
                Prefork(
                    listener,
                    workers=options["workers"],
                    threads=options["threads"],
                    say=self._say,
                ).run()
            except PreforkError as exc:
                raise CommandError(str(exc)) from exc

    def _say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()


def _serve(**where: Any) -> None:
    """waitress on `where` (host and port, or inherited sockets), as amends serves."""
    from waitress import serve  # type: ignore[import-untyped]

    from amends.wsgi import application

    serve(
        application,
        ident="amends",
        # A request is at most the form's files and some text: a larger body is refused before
        # it reaches the disk (waitress' default is 1 GB).
        max_request_body_size=6 * settings.AMENDS_MAX_UPLOAD_MB * 1024 * 1024,
        # Behind a proxy (AMENDS_PROXY_SSL_HEADER): its X-Forwarded-For gives the client address
        # the rate limits count, and a client cannot forge it.
        **_proxy_options(),
        **where,
    )


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


def _default_public_url(host: str, port: int) -> None:
    """Without AMENDS_PUBLIC_URL, the links amends gives customers (the receipt's, the QR
    posters', the messages') point at this server: `make run PORT=8080` gives links to 8080,
    not to the default 8000. Set in the environment too, for the --workers children."""
    if os.environ.get("AMENDS_PUBLIC_URL"):
        return
    from amends.cli.management.commands.demo import url

    address = url(host, port).rstrip("/")
    os.environ["AMENDS_PUBLIC_URL"] = address
    settings.AMENDS_PUBLIC_URL = address
