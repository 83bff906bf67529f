"""`amends report monthly|rollup`: the monthly report as a file, and the reports' rollups.

    amends report monthly --venue GYM1 --month 2026-11 --format pdf --output gym1-2026-11.pdf
    amends report monthly --company --month 2026-11 --format xlsx --output life-2026-11.xlsx
    amends report monthly --company LIFE --month 2026-11 --format xlsx --output …  (several)
    amends report rollup              bring the daily rollups up to date (what the job does)
    amends report rollup --rebuild    rebuild every rollup from the complaints

`monthly` writes the same report the console shows (`build_monthly_report`, as amends itself:
the command line is the operator's, not a person's in the console), in --language (default:
the installation's). `--company` alone names the only company; with several, give its code
(or id). Mistakes — an unknown venue or company, a bad month, a format other than xlsx or pdf,
a folder that does not exist — end with the reason and a non-zero exit, never a traceback."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from amends.core.errors import DomainError
from amends.orgs.models import Company, Venue

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
FORMATS = ("xlsx", "pdf")
ONLY_COMPANY = "\x00only"  # `--company` given without a value


class Command(BaseCommand):
    help = "The monthly report as an xlsx or PDF file; the reports' daily rollups."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="report", required=True, metavar="monthly|rollup")
        m = sub.add_parser("monthly", help="Write a venue's (or the company's) monthly report.")
        m.add_argument("--venue", default="", help="venue code, e.g. GYM1")
        m.add_argument(
            "--company",
            nargs="?",
            const=ONLY_COMPANY,
            default="",
            help="the whole company instead of a venue: alone for the only company, or its code",
        )
        m.add_argument("--month", required=True, help="YYYY-MM, e.g. 2026-11")
        m.add_argument("--format", dest="fmt", required=True, help="xlsx or pdf")
        m.add_argument("--output", required=True, help="the file to write")
        m.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            help=f"{' or '.join(code for code, _name in settings.LANGUAGES)} "
            f"(default {settings.LANGUAGE_CODE})",
        )
        r = sub.add_parser("rollup", help="Bring the daily rollups up to date.")
        r.add_argument(
            "--rebuild", action="store_true", help="rebuild every rollup from the complaints"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["report"] == "rollup":
            self._rollup(rebuild=options["rebuild"])
        else:
            self._monthly(options)

    # --- monthly --------------------------------------------------------------------------------

    def _monthly(self, options: dict[str, Any]) -> None:
        fmt = options["fmt"].lower()
        if fmt not in FORMATS:
            raise CommandError(f"--format must be xlsx or pdf, not {options['fmt']!r}")
        languages = [code for code, _name in settings.LANGUAGES]
        if options["language"] not in languages:
            raise CommandError(
                f"--language must be {' or '.join(languages)}, not {options['language']!r}"
            )
        month = parse_month(options["month"])
        company, venue = self._scope(options["venue"], options["company"])
        output = Path(options["output"])
        if not output.parent.is_dir():
            raise CommandError(f"no folder {str(output.parent)!r} to write {output.name} in")

        from amends.reports.monthly import build_monthly_report
        from amends.reports.pdf import report_pdf
        from amends.reports.xlsx import report_xlsx

        try:
            report = build_monthly_report(
                actor=None,
                company=company,
                venue=venue,
                month=month,
                language=options["language"],
            )
        except DomainError as refused:
            raise CommandError(f"{refused.code}: {refused.message}") from None
        content = report_xlsx(report) if fmt == "xlsx" else report_pdf(report)
        try:
            output.write_bytes(content)
        except OSError as exc:
            raise CommandError(f"could not write {output}: {exc.strerror or exc}") from None
        self.stdout.write(f"{report.title}: {output} ({len(content):,} bytes)")

    def _scope(self, venue_code: str, company_given: str) -> tuple[Company, Venue | None]:
        if venue_code and company_given:
            raise CommandError("name a venue (--venue CODE) or the company (--company), not both")
        if venue_code:
            venue = Venue.objects.select_related("company").filter(code=venue_code).first()
            if venue is None:
                known = ", ".join(Venue.objects.order_by("code").values_list("code", flat=True))
                raise CommandError(f"no venue with code {venue_code!r} (venues: {known or '—'})")
            return venue.company, venue
        if not company_given:
            raise CommandError("name the venue (--venue CODE) or the company (--company [CODE])")
        if company_given == ONLY_COMPANY:
            companies = list(Company.objects.order_by("code")[:2])
            if len(companies) == 1:
                return companies[0], None
            if not companies:
                raise CommandError("there is no company yet")
            codes = ", ".join(Company.objects.order_by("code").values_list("code", flat=True))
            raise CommandError(f"there are several companies: name one (--company CODE: {codes})")
        found = Company.objects.filter(code=company_given).first()
        if found is None and company_given.isdigit():
            found = Company.objects.filter(pk=int(company_given)).first()
        if found is None:
            raise CommandError(f"no company with code {company_given!r}")
        return found, None

    # --- rollup ---------------------------------------------------------------------------------

    def _rollup(self, *, rebuild: bool) -> None:
        from amends.reports import rollups

        if rebuild:
            days = rollups.rebuild()
            self.stdout.write(f"rebuilt the rollups of {days:,} venue-days")
        else:
            days = rollups.refresh()
            self.stdout.write(f"brought {days:,} venue-days up to date")


def parse_month(text: str) -> date:
    """YYYY-MM as the first day of that month; anything else is the operator's mistake."""
    match = MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2999:
        raise CommandError(f"--month must be YYYY-MM, e.g. 2026-11, not {text!r}")
    return date(int(match.group(1)), int(match.group(2)), 1)
