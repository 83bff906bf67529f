from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Start a Celery worker on AMENDS_REDIS_URL that runs the registered jobs "
        "(task amends.run_job, queue amends). Start as many as needed, on any machine."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--concurrency", type=int, help="Processes (default: CPU count).")
        parser.add_argument("--pool", choices=("prefork", "threads", "solo"), default="prefork")
        parser.add_argument("--loglevel", default="INFO")
        parser.add_argument("--hostname", help="Node name (default: celery@<host>).")

    def handle(self, *args: Any, **options: Any) -> None:
        from amends.worker import app

        argv = ["worker", f"--loglevel={options['loglevel']}", f"--pool={options['pool']}"]
        if options["concurrency"]:
            argv.append(f"--concurrency={options['concurrency']}")
        if options["hostname"]:
            argv.append(f"--hostname={options['hostname']}")
        app.worker_main(argv)
