"""`amends bench seed|report|intake|queue|search|dashboard|approvals`: benchmark data, the
reports' timings on it, and the console measured over HTTP on a server the command starts
(docs/benchmarks.md). Refuses to seed or serve with AMENDS_ENV=production."""

from __future__ import annotations

import json
import platform
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from amends.cli.bench import http_bench, report_bench, tick_bench
from amends.cli.bench.seed import SeedError, seed
from amends.cli.prefork import THREADS

HTTP_BENCHES = {
    "intake": "Record complaints through the console's intake form; and the ceiling.",
    "queue": "The first page of the staff queues (mine, overdue, all).",
    "search": "The header search: Chinese 1/2/3+ characters, mixed and English.",
    "dashboard": "The console's start page with its figures.",
    "approvals": "The approvals inbox.",
}


class Command(BaseCommand):
    help = (
        "Benchmarks: `seed` writes a realistic data set fast; `report` times the reports on it; "
        "`tick` times the tick; `intake|queue|search|dashboard|approvals` load the console "
        "over HTTP."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="bench", required=True, metavar="seed|report|tick|" + "|".join(http_bench.BENCHES)
        )
        s = sub.add_parser("seed", help="Write the company BENCH and N complaints, fast.")
        s.add_argument("--complaints", type=int, required=True, help="How many complaints.")
        s.add_argument(
            "--open-share", type=float, default=0.1, help="Share still open (default 0.1)."
        )
        s.add_argument("--venues", type=int, default=20, help="Venues on the first run (20).")
        s.add_argument("--months", type=int, default=36, help="Months of history (36).")
        s.add_argument("--seed", type=int, default=1, help="Random seed (1): same seed, same data.")
        t = sub.add_parser(
            "tick", help="Time the tick over N due reminders and escalations (rolled back)."
        )
        t.add_argument("--due", type=int, default=2500, help="Due complaints (2,500).")
        t.add_argument(
            "--workers",
            type=int,
            default=1,
            help="Processes running each job at once (1; more needs PostgreSQL).",
        )
        t.add_argument("--json", action="store_true", help="Print one JSON object.")
        r = sub.add_parser("report", help="Time the monthly reports, KPI board and exports.")
        r.add_argument("--venue", help="Venue code (default: the busiest venue of BENCH).")
        r.add_argument("--month", help="YYYY-MM (default: the last complete month).")
        r.add_argument("--repeat", type=int, default=5, help="Warm runs per measure (5).")
        r.add_argument("--json", action="store_true", help="Print one JSON object.")
        r.add_argument(
            "--skip-exports", action="store_true", help="Do not time the xlsx and PDF renderings."
        )

        for name, what in HTTP_BENCHES.items():
            h = sub.add_parser(name, help=what)
            h.add_argument("--json", action="store_true", help="Print one JSON object.")
            h.add_argument("--concurrency", type=int, default=8, help="Clients at once (8).")
            h.add_argument("--requests", type=int, default=300, help="Requests in all (300).")
            h.add_argument(
                "--workers", type=int, default=1, help="Server processes (1), one socket."
            )
            h.add_argument(
                "--threads",
                type=int,
                default=THREADS,
                help=f"Threads per process ({THREADS}, as amends serve).",
            )
            h.add_argument("--seed", type=int, default=1, help="Random seed of the load (1).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["bench"] == "seed":
            self._seed(options)
        elif options["bench"] == "report":
            self._report(options)
        elif options["bench"] == "tick":
            self._tick(options)
        else:
            self._http(options)

    def _http(self, options: dict[str, Any]) -> None:
        try:
            figures = http_bench.run(
                options["bench"],
                concurrency=options["concurrency"],
                requests=options["requests"],
                workers=options["workers"],
                threads=options["threads"],
                seed=options["seed"],
            )
        except http_bench.BenchError as exc:
            raise CommandError(str(exc)) from exc
        self._show(figures, options, http_bench.table)

    def _seed(self, options: dict[str, Any]) -> None:
        verbosity = options["verbosity"]

        def progress(done: int, total: int) -> None:
            if verbosity > 0:
                self.stdout.write(f"  complaints {done:,}/{total:,}")
                self.stdout.flush()

        if verbosity > 0:
            self.stdout.write(
                f"Seeding {options['complaints']:,} complaints into {connection.vendor} "
                f"({connection.settings_dict['NAME']})…"
            )
        try:
            result = seed(
                complaints=options["complaints"],
                open_share=options["open_share"],
                venues=options["venues"],
                months=options["months"],
                seed=options["seed"],
                progress=progress,
            )
        except SeedError as exc:
            raise CommandError(str(exc)) from exc
        total = result.total_seconds
        self.stdout.write(
            f"Company {result.company}: {result.venues} venues, {result.staff} staff, "
            f"{result.customers:,} new customers"
        )
        self.stdout.write(
            f"  complaints {result.complaints:,}, surveys {result.surveys:,}, remedies "
            f"{result.remedies:,}, consequences {result.consequences:,}, timeline events "
            f"{result.events:,}, reference counters "
            f"{result.counters:,}"
        )
        for state, n in result.by_state.items():
            self.stdout.write(f"    {state:<18} {n:>10,}")
        if result.rollups is None:
            self.stdout.write(f"  rollups: {result.rollups_note}")
        else:
            self.stdout.write(f"  rollups rebuilt for {result.rollups:,} venue-days")
        for note in result.notes:
            self.stdout.write(f"  ({note})")
        for phase, seconds in result.seconds.items():
            self.stdout.write(f"  {phase:<28} {seconds:8.1f} s")
        rate = result.rows / total if total else 0.0
        complaints_rate = result.complaints / total if total else 0.0
        self.stdout.write(
            f"Rows written {result.rows:,} in {total:.1f} s: {rate:,.0f} rows/s "
            f"({complaints_rate:,.0f} complaints/s) on {platform.node()}"
        )

    def _tick(self, options: dict[str, Any]) -> None:
        try:
            figures = tick_bench.run(due=options["due"], workers=options["workers"])
        except tick_bench.BenchError as exc:
            raise CommandError(str(exc)) from exc
        self._show(figures, options, tick_bench.table)

    def _report(self, options: dict[str, Any]) -> None:
        if options["repeat"] < 1:
            raise CommandError("--repeat must be 1 or more")
        try:
            figures = report_bench.run(
                venue=options["venue"],
                month=options["month"],
                repeat=options["repeat"],
                exports=not options["skip_exports"],
            )
        except report_bench.BenchError as exc:
            raise CommandError(str(exc)) from exc
        self._show(figures, options, report_bench.table)

    def _show(
        self,
        figures: dict[str, Any],
        options: dict[str, Any],
        table: Callable[[dict[str, Any]], str],
    ) -> None:
        """One JSON object with --json, else the bench's table for a person."""
        if options["json"]:
            self.stdout.write(json.dumps(figures, ensure_ascii=False, sort_keys=True))
        else:
            self.stdout.write(table(figures))
