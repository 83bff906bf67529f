"""`amends bench report`: how long the reports take on the seeded data (docs/benchmarks.md).

Measured in this process, against the database `DATABASE_URL` names (the reports' reads go to the
alias `reports.db.reading()` names): one venue's monthly report and the company's, cold (the
first build in the process) and warm (p50 / p95 over `repeat` builds), with the SQL queries one
build runs; the KPI board as the company's director sees it; the xlsx and the PDF of the venue's
report; and an incremental `rollups.refresh()` after 1,000 new timeline events — written in a
transaction that is rolled back afterwards, so the bench leaves the data as it found it.

"missing" names what could not be measured (a seeded company without a director).
"""

from __future__ import annotations

import logging
import math
import os
import platform
import statistics
import time as timer
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import django
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from amends.cli.bench.seed import BENCH_CODE
from amends.complaints.models import Complaint, ComplaintEvent
from amends.core import clock
from amends.core.principals import PrincipalKind
from amends.orgs.models import Company, RoleGrant, User, Venue
from amends.orgs.roles import Role
from amends.reports import kpi, pdf, rollups, xlsx
from amends.reports.monthly import build_monthly_report

LANGUAGE = "zh-hans"
NEW_EVENTS = 1_000


class BenchError(Exception):
    """The bench cannot run here (no seeded company, an unknown venue …)."""


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (p95 of 5 runs is the slowest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = timer.perf_counter()
    value = call()
    return (timer.perf_counter() - started) * 1000, value


def _queries(call: Callable[[], Any]) -> dict[str, int]:
    """The SQL statements one call runs, per database alias it touched."""
    contexts = {alias: CaptureQueriesContext(connections[alias]) for alias in settings.DATABASES}
    for context in contexts.values():
        context.__enter__()
    try:
        call()
    finally:
        for context in contexts.values():
            context.__exit__(None, None, None)
    return {alias: len(c.captured_queries) for alias, c in contexts.items() if c.captured_queries}


def _measure(figures: dict[str, Any], name: str, call: Callable[[], Any], repeat: int) -> Any:
    cold, value = _timed(call)
    warm = [_timed(call)[0] for _ in range(repeat)]
    by_alias = _queries(call)
    figures[f"{name}_ms_cold"] = round(cold, 1)
    figures[f"{name}_ms_p50"] = round(statistics.median(warm), 1)
    figures[f"{name}_ms_p95"] = round(percentile(warm, 0.95), 1)
    figures[f"{name}_queries"] = sum(by_alias.values())
    figures[f"{name}_queries_by_alias"] = by_alias
    return value


def last_complete_month(now: datetime) -> date:
    """The month before `now`'s, in the installation's time zone."""
    first = now.astimezone(ZoneInfo(settings.TIME_ZONE)).date().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def _parse_month(text: str) -> date:
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise BenchError(f"--month must be YYYY-MM, not {text!r}") from None


def _machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": connection.vendor,
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            info["database_version"] = cursor.fetchone()[0]
        else:
            cursor.execute("SELECT sqlite_version()")
            info["database_version"] = cursor.fetchone()[0]
    return info


def _director(company: Company) -> User | None:
    grant = (
        RoleGrant.objects.filter(user__company=company, role=Role.DIRECTOR, venue__isnull=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return grant.user if grant is not None else None


def _new_events(company: Company, count: int, now: datetime) -> int:
    """`count` timeline events on the company's most recent complaints (a busy morning), raw:
    they only exist inside the bench's transaction, which is rolled back."""
    recent = list(
        Complaint.objects.filter(company=company)
        .order_by("-received_at")
        .values_list("pk", flat=True)[: count * 3]
    )[::3]
    if not recent:
        return 0
    ids = [recent[i % len(recent)] for i in range(count)]
    events = [
        ComplaintEvent(
            complaint_id=pk,
            seq=1_000_000 + i,
            kind="note",
            actor_kind=PrincipalKind.SYSTEM,
            actor_name="bench",
            at=now,
            data={"text": "bench"},
            prev_hash="0" * 64,
            hash="0" * 64,
        )
        for i, pk in enumerate(ids)
    ]
    ComplaintEvent.objects.bulk_create(events, batch_size=500)
    return len(events)


class _Rollback(Exception):
    pass


def run(
    *,
    venue: str | None = None,
    month: str | None = None,
    repeat: int = 5,
    exports: bool = True,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Time the reports on the seeded company; return the figures (flat JSON-ready values)."""
    # WeasyPrint tells every step of every PDF at INFO: not what a bench prints.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    missing: list[str] = []
    build = build_monthly_report
    board = kpi.kpi_board
    to_xlsx = xlsx.report_xlsx if exports else None
    to_pdf = pdf.report_pdf if exports else None
    refresh = rollups.refresh

    company = Company.objects.filter(code=BENCH_CODE).first()
    if company is None:
        raise BenchError(f"no seeded company {BENCH_CODE}: run `amends bench seed` first")
    moment = (now or clock.now()).astimezone(UTC)
    the_month = _parse_month(month) if month else last_complete_month(moment)
    if venue:
        place = Venue.objects.filter(company=company, code=venue).first()
        if place is None:
            raise BenchError(f"no venue {venue} in the company {BENCH_CODE}")
    else:
        busiest = (
            Complaint.objects.filter(company=company)
            .values("venue_id")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        if busiest is None:
            raise BenchError(f"the company {BENCH_CODE} has no complaints: seed some first")
        place = Venue.objects.get(pk=busiest["venue_id"])
    from amends.reports import db

    figures: dict[str, Any] = {
        "complaints": Complaint.objects.count(),
        "company_complaints": Complaint.objects.filter(company=company).count(),
        "venue": place.code,
        "venue_month_complaints": 0,
        "month": f"{the_month:%Y-%m}",
        "repeat": repeat,
        "reads_from": db.reading(),
        "machine": _machine(),
    }
    zone = ZoneInfo(place.timezone)
    start = datetime.combine(the_month, datetime.min.time(), tzinfo=zone)
    end_month = date(the_month.year + the_month.month // 12, the_month.month % 12 + 1, 1)
    end = datetime.combine(end_month, datetime.min.time(), tzinfo=zone)
    figures["venue_month_complaints"] = Complaint.objects.filter(
        venue=place, received_at__gte=start, received_at__lt=end
    ).count()

    report = None
    if build is not None:

        def venue_report() -> Any:
            return build(
                actor=None,
                company=company,
                venue=place,
                month=the_month,
                language=LANGUAGE,
                refresh=False,
            )

        report = _measure(figures, "venue_report", venue_report, repeat)
        figures["queries"] = figures["venue_report_queries"]

        def venue_report_refreshed() -> Any:
            return build(
                actor=None, company=company, venue=place, month=the_month, language=LANGUAGE
            )

        _measure(figures, "venue_report_with_refresh", venue_report_refreshed, repeat)

        def company_report() -> Any:
            return build(
                actor=None,
                company=company,
                venue=None,
                month=the_month,
                language=LANGUAGE,
                refresh=False,
            )

        _measure(figures, "company_report", company_report, repeat)
    if board is not None:
        director = _director(company)
        if director is None:
            missing.append(f"a director of {BENCH_CODE}")
        else:
            _measure(
                figures,
                "kpi_board",
                lambda: board(actor=director, month=the_month),
                repeat,
            )
    if report is not None and to_xlsx is not None:
        runs = [_timed(lambda: to_xlsx(report)) for _ in range(min(repeat, 3))]
        figures["xlsx_ms_p50"] = round(statistics.median(ms for ms, _ in runs), 1)
        figures["xlsx_bytes"] = len(runs[0][1])
    if report is not None and to_pdf is not None:
        runs = [_timed(lambda: to_pdf(report)) for _ in range(min(repeat, 3))]
        figures["pdf_ms_p50"] = round(statistics.median(ms for ms, _ in runs), 1)
        figures["pdf_bytes"] = len(runs[0][1])
    if refresh is not None:
        try:
            with transaction.atomic():
                written = _new_events(company, NEW_EVENTS, moment)
                ms, days = _timed(lambda: refresh(now=moment))
                figures["refresh_events"] = written
                figures["refresh_ms"] = round(ms, 1)
                figures["refresh_days_rebuilt"] = days
                raise _Rollback
        except _Rollback:
            pass
    figures["missing"] = missing
    return figures


ROWS = (
    ("venue_report", "Venue monthly report (refresh=False)"),
    ("venue_report_with_refresh", "Venue monthly report (refresh=True)"),
    ("company_report", "Company monthly report"),
    ("kpi_board", "KPI board (director)"),
)


def table(figures: dict[str, Any]) -> str:
    """The figures as a readable table."""
    machine = figures["machine"]
    lines = [
        f"{figures['complaints']:,} complaints in the database "
        f"({figures['company_complaints']:,} of {BENCH_CODE}); venue {figures['venue']}, month "
        f"{figures['month']} ({figures['venue_month_complaints']:,} complaints); reads from "
        f"'{figures['reads_from']}'",
        f"{machine['cpus']} CPUs, Python {machine['python']}, Django {machine['django']}, "
        f"{machine['database']} {machine['database_version']}",
        "",
        f"{'measure':<40} {'cold ms':>9} {'p50 ms':>9} {'p95 ms':>9} {'queries':>8}",
    ]
    for key, label in ROWS:
        if f"{key}_ms_p50" in figures:
            lines.append(
                f"{label:<40} {figures[f'{key}_ms_cold']:>9.1f} {figures[f'{key}_ms_p50']:>9.1f} "
                f"{figures[f'{key}_ms_p95']:>9.1f} {figures[f'{key}_queries']:>8}"
            )
    if "xlsx_ms_p50" in figures:
        lines.append(f"{'xlsx of the venue report':<40} {'':>9} {figures['xlsx_ms_p50']:>9.1f}")
    if "pdf_ms_p50" in figures:
        lines.append(f"{'PDF of the venue report':<40} {'':>9} {figures['pdf_ms_p50']:>9.1f}")
    if "refresh_ms" in figures:
        label = f"rollups.refresh() after {figures['refresh_events']:,} events"
        lines.append(
            f"{label:<40} {'':>9} {figures['refresh_ms']:>9.1f}   "
            f"({figures['refresh_days_rebuilt']} venue-days rebuilt)"
        )
    if figures["missing"]:
        lines += ["", "Not measured, missing: " + ", ".join(figures["missing"])]
    return "\n".join(lines)
