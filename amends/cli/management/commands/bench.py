"""`amends bench seed|report`: benchmark data and the reports' timings on it
(docs/benchmarks.md). Refuses to seed with AMENDS_ENV=production."""

from __future__ import annotations

import json
import platform
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from amends.cli.bench import report_bench
from amends.cli.bench.seed import SeedError, seed


class Command(BaseCommand):
    help = "Benchmarks: `seed` writes a realistic data set fast; `report` times the reports on it."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="bench", required=True, metavar="seed|report")
        s = sub.add_parser("seed", help="Write the company BENCH and N complaints, fast.")
        s.add_argument("--complaints", type=int, required=True, help="How many complaints.")
        s.add_argument(
            "--open-share", type=float, default=0.1, help="Share still open (default 0.1)."
        )
        s.add_argument("--venues", type=int, default=20, help="Venues on the first run (20).")
        s.add_argument("--months", type=int, default=36, help="Months of history (36).")
        s.add_argument("--seed", type=int, default=1, help="Random seed (1): same seed, same data.")
        r = sub.add_parser("report", help="Time the monthly reports, KPI board and exports.")
        r.add_argument("--venue", help="Venue code (default: the busiest venue of BENCH).")
        r.add_argument("--month", help="YYYY-MM (default: the last complete month).")
        r.add_argument("--repeat", type=int, default=5, help="Warm runs per measure (5).")
        r.add_argument("--json", action="store_true", help="Print one JSON object.")
        r.add_argument(
            "--skip-exports", action="store_true", help="Do not time the xlsx and PDF renderings."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["bench"] == "seed":
            self._seed(options)
        else:
            self._report(options)

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
            f"{result.remedies:,}, consequences {result.consequences:,}, reference counters "
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
        if options["json"]:
            self.stdout.write(json.dumps(figures, ensure_ascii=False, sort_keys=True))
        else:
            self.stdout.write(report_bench.table(figures))
