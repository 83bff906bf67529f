"""The reports' pages in the console: the live KPI board, the monthly report with its
downloads, the complaints behind a figure, and background exports with their progress.

The figures are never computed here: every page renders what `amends.reports` built (a
`Report`, a `KpiBoard`, the drill-down's queryset), after the access check of
`amends.reports.access`. Bad query parameters are the viewer's mistake (400 with the reason),
never a 500."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, cast
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from amends.complaints.selectors import as_list_rows, with_due
from amends.console.views import current_venue
from amends.core import clock
from amends.core.errors import InvalidInput, NotFound, PermissionDenied
from amends.improvements.selectors import may_raise
from amends.orgs.models import Company, User, Venue
from amends.reports import drill, exports, kpi, monthly, pdf
from amends.reports.access import check_report_access, may_report_company, report_venues
from amends.reports.kpi import KpiRow
from amends.reports.models import ReportExport
from amends.reports.monthly import FIGURES, figure_labels
from amends.reports.pdf import ShownFigure, ShownRow, ShownTable, body_context, shown
from amends.reports.structure import Figure, Report, Row, Table, rag_word
from amends.workflow.models import Category

HOME = ZoneInfo(settings.TIME_ZONE)  # the company's zone (Asia/Shanghai)
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
DOWNLOADS = {
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ReportExport.Kind.MONTHLY_XLSX,
    ),
    "pdf": ("application/pdf", ReportExport.Kind.MONTHLY_PDF),
}
RUNNING = (ReportExport.Status.PENDING, ReportExport.Status.RUNNING)
LIST_EXPORTS = {
    "csv": ReportExport.Kind.COMPLAINTS_CSV,
    "xlsx": ReportExport.Kind.COMPLAINTS_XLSX,
}
# The KPI board's columns, of the figures the board offers: what issue 8 asks a manager to
# watch, fourteen that fit a 1366 px screen (the monthly report shows them all).
BOARD = (
    "received",
    "open",
    "overdue",
    "avg_first_response_hours",
    "p90_first_response_hours",
    "response_on_time_rate",
    "resolution_on_time_rate",
    "resolution_rate",
    "reopen_rate",
    "escalated",
    "satisfaction",
    "positive_rate",
    "nps",
    "repeat_complainants",
)
# Where the report's causes and recurring problems may become an improvement action.
RAISE_FROM = ("causes", "recurring")


# --- parsing --------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _company(actor: User) -> Company:
    """The reader's company (staff of none read no reports)."""
    if actor.company is None:
        raise PermissionDenied(_("You may not read reports."), code="report_not_allowed")
    return actor.company


def _refuse_without_reports(actor: User) -> None:
    if not report_venues(actor).exists():
        raise PermissionDenied(
            _("Reports are for managers, general managers, directors and auditors."),
            code="report_not_allowed",
        )


def this_month(request: HttpRequest) -> date:
    """The first day of the current month in the zone of the venue the person works in."""
    place = current_venue(request)
    today = clock.now().astimezone(ZoneInfo(place.timezone) if place else HOME)
    return date(today.year, today.month, 1)


def parse_month(raw: str | None, default: date) -> date:
    """YYYY-MM as the first day of that month; empty is `default`."""
    if not raw:
        return default
    found = MONTH.match(raw.strip())
    if found and 2000 <= int(found[1]) <= 2999 and 1 <= int(found[2]) <= 12:
        return date(int(found[1]), int(found[2]), 1)
    raise InvalidInput(
        _("“%(month)s” is not a month: write it as YYYY-MM, e.g. 2026-11.") % {"month": raw},
        code="bad_month",
    )


def parse_scope(request: HttpRequest) -> Venue | None:
    """The venue a report is of (None: the whole company), checked against the viewer's rights.

    `?venue=CODE` names a venue; `?company=1` the company; neither: the venue the person works
    in when they may report on it, else the company when they may, else their first venue."""
    actor = _actor(request)
    code = request.GET.get("venue", "").strip()
    if code:
        venue = Venue.objects.filter(company_id=_company(actor).pk, code=code).first()
        if venue is None:
            raise InvalidInput(_("No such venue: %(code)s.") % {"code": code}, code="unknown_venue")
        check_report_access(actor=actor, venue=venue)
        return venue
    if request.GET.get("company"):
        check_report_access(actor=actor, venue=None)
        return None
    allowed = list(report_venues(actor))
    place = current_venue(request)
    if place is not None and place in allowed:
        return place
    if may_report_company(actor):
        return None
    _refuse_without_reports(actor)
    return allowed[0]


def scope_params(venue: Venue | None, month: date) -> dict[str, str]:
    """The query parameters that name a report: ?venue=CODE (or company=1) &month=YYYY-MM."""
    where = {"venue": venue.code} if venue is not None else {"company": "1"}
    return {**where, "month": f"{month:%Y-%m}"}


def file_stem(report: Report, actor: User) -> str:
    """SH-JA-2026-11, or the company's code for the whole company."""
    return f"{report.venue_code or _company(actor).code}-{report.month:%Y-%m}"


# --- links ----------------------------------------------------------------------------------


def complaints_url(link: Mapping[str, str]) -> str:
    """The complaints behind a figure or a row (the drill-down's parameters), or ''."""
    return reverse("console:report_complaints") + "?" + urlencode(link) if link else ""


def improvement_url(
    *,
    source: str,
    venue: str,
    category: str,
    subject: str = "",
    subject_key: str = "",
    label: str = "",
) -> str:
    """'Raise an improvement action': the new action's form, filled with the venue, the cause's
    category, what it is about and the report line it comes from. The one place these links
    are made ('' while the improvement actions' pages are not installed)."""
    params = {
        "source": source,
        "venue": venue,
        "category": category,
        "subject": subject,
        "subject_key": subject_key,
        "label": label,
    }
    try:
        target = reverse("console:improvement_new")
    except NoReverseMatch:
        return ""
    return target + "?" + urlencode({k: v for k, v in params.items() if v})


def month_choices(selected: date, count: int = 24) -> list[date]:
    """The months a picker offers: the last `count` up to now, and the chosen one."""
    now = clock.now().date()
    year, month = now.year, now.month
    months = []
    for _i in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    if selected not in months:
        months.append(selected)
        months.sort(reverse=True)
    return months


# --- values ---------------------------------------------------------------------------------
# Every value is shown by the reports' own `shown()` (the PDF's), so the page, the PDF and the
# xlsx cannot format a figure differently; the page adds only the links.


@dataclass(frozen=True)
class Cell:
    """One figure on the KPI board: its text, its colour and verdict, and its complaints."""

    key: str
    text: str
    rag: str
    verdict: str
    url: str


def cell(figure: Figure, zone: ZoneInfo) -> Cell:
    return Cell(
        key=figure.key,
        text=shown(figure.value, figure.kind, zone),
        rag=figure.rag,
        verdict=rag_word(figure),
        url=complaints_url(figure.link),
    )


@dataclass(frozen=True)
class LinkedFigure:
    key: str
    shown: ShownFigure
    url: str  # the complaints behind it


@dataclass(frozen=True)
class LinkedRow:
    shown: ShownRow
    url: str  # the complaints behind the row
    raise_url: str  # raise an improvement action from it


@dataclass(frozen=True)
class LinkedTable:
    shown: ShownTable
    rows: tuple[LinkedRow, ...]
    raising: bool  # a column of "raise an improvement action" links


def screen_body(report: Report, *, actor: User, venue: Venue | None) -> dict[str, Any]:
    """The shared body's context (`pdf.body_context`) with the page's links: each figure and
    each row to the complaints behind it, and the causes' rows to a new improvement action."""
    body = body_context(report)
    may = may_raise(actor, venue.pk if venue is not None else None)
    shown_figures = cast(list[ShownFigure], body["shown_figures"])
    shown_tables = cast(list[ShownTable], body["shown_tables"])
    figures = [
        LinkedFigure(f.key, s, complaints_url(f.link))
        for f, s in zip(report.figures, shown_figures, strict=True)
    ]
    tables = []
    for table, seen in zip(report.tables, shown_tables, strict=True):
        raising = may and table.key in RAISE_FROM
        rows = tuple(
            LinkedRow(
                shown=shown_row,
                url=complaints_url(row.link),
                raise_url=raise_url(report, table, row) if raising and not row.total else "",
            )
            for row, shown_row in zip(table.rows, seen.rows, strict=True)
        )
        tables.append(LinkedTable(seen, rows, raising))
    return {**body, "linked_figures": figures, "linked_tables": tables}


def raise_url(report: Report, table: Table, row: Row) -> str:
    """A cause (a category) or a recurring problem (a category and what it is about, at a
    venue) of the report, as a new improvement action."""
    values = {column.key: value for column, value in zip(table.columns, row.values, strict=True)}
    category = str(values.get("category") or "")
    if table.key == "recurring":
        about = str(values.get("subject") or "")
        return improvement_url(
            source="cause",
            venue=row.link.get("venue", report.venue_code),
            category=row.link.get("category", ""),
            subject=about,
            subject_key=row.link.get("subject", ""),
            label=f"{category} · {about}",
        )
    return improvement_url(
        source="report",
        venue=report.venue_code,
        category=row.link.get("category", ""),
        label=category,
    )


# --- the KPI board --------------------------------------------------------------------------


@login_required
@require_GET
def kpi_board(request: HttpRequest) -> HttpResponse:
    """Every venue the reader may report on side by side (and the company's row for a
    company-wide reader): each figure coloured against its target, with the verdict in words,
    and linked to its complaints."""
    actor = _actor(request)
    _refuse_without_reports(actor)
    month = parse_month(request.GET.get("month"), this_month(request))
    board = kpi.kpi_board(actor=actor, month=month)
    first = on_board(board.rows[0].figures) if board.rows else []
    context = {
        "board": board,
        "month": board.month,
        "months": month_choices(board.month),
        "columns": [
            {"key": f.key, "label": f.label, "target": shown(f.target, f.kind, HOME)} for f in first
        ],
        "rows": [board_row(row, board.month) for row in board.rows],
        "current_to": shown(board.current_to, "datetime", HOME),
    }
    return render(request, "console/reports/kpi.html", context)


def on_board(figures: tuple[Figure, ...]) -> list[Figure]:
    """The figures the board shows, in the board's order."""
    by_key = {f.key: f for f in figures}
    return [by_key[key] for key in BOARD if key in by_key]


def board_row(row: KpiRow, month: date) -> dict[str, Any]:
    zone = ZoneInfo(row.venue.timezone) if row.venue is not None else HOME
    return {
        "label": row.venue.code + " " + row.label if row.venue is not None else row.label,
        "code": row.venue.code if row.venue is not None else "",
        "company": row.venue is None,
        "report_url": reverse("console:monthly_report")
        + "?"
        + urlencode(scope_params(row.venue, month)),
        "cells": [cell(f, zone) for f in on_board(row.figures)],
    }


# --- the monthly report ---------------------------------------------------------------------


def _report(request: HttpRequest) -> tuple[Report, Venue | None]:
    actor = _actor(request)
    venue = parse_scope(request)
    month = parse_month(request.GET.get("month"), this_month(request))
    report = monthly.build_monthly_report(
        actor=actor,
        company=_company(actor),
        venue=venue,
        month=month,
        language=translation.get_language() or "zh-hans",
    )
    return report, venue


@login_required
@require_GET
def monthly_report(request: HttpRequest) -> HttpResponse:
    report, venue = _report(request)
    actor = _actor(request)
    params = scope_params(venue, report.month)
    context = {
        "report": report,
        "venue": venue,
        "month": report.month,
        "months": month_choices(report.month),
        "report_venues": list(report_venues(actor)),
        "may_company": may_report_company(actor),
        "download_xlsx": _download_url(params, "xlsx"),
        "download_pdf": _download_url(params, "pdf"),
        **screen_body(report, actor=actor, venue=venue),
    }
    return render(request, "console/reports/monthly.html", context)


def _download_url(params: Mapping[str, str], fmt: str) -> str:
    return reverse("console:report_download") + "?" + urlencode({**params, "format": fmt})


@login_required
@require_GET
def report_download(request: HttpRequest) -> HttpResponse:
    """The monthly report as xlsx or PDF, made in the request (one report is small), recorded
    as an export (the audit of who took which report)."""
    fmt = request.GET.get("format", "")
    if fmt not in DOWNLOADS:
        raise InvalidInput(_("Choose Excel or PDF."), code="bad_format")
    report, venue = _report(request)
    actor = _actor(request)
    if fmt == "xlsx":
        from amends.reports import xlsx  # openpyxl and numpy: only in a process that writes one

        content = xlsx.report_xlsx(report)
    else:
        content = pdf.report_pdf(report)
    content_type, kind = DOWNLOADS[fmt]
    name = f"{file_stem(report, actor)}.{fmt}"
    exports.export_record(
        actor=actor, kind=kind, params=scope_params(venue, report.month), file_name=name
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- the complaints behind a figure ---------------------------------------------------------


def drill_params(query: QueryDict, leave_out: tuple[str, ...] = ("page",)) -> dict[str, str]:
    """The drill-down's parameters as given (the last of each, empty and paging left out)."""
    found = {key: query.get(key) or "" for key in query if key not in leave_out}
    return {key: value for key, value in found.items() if value}


def drill_scope(actor: User, params: Mapping[str, str]) -> Venue | None:
    """The venue the drill-down's parameters name (None: the company), checked like the
    report it comes from (the exports' rule, one definition)."""
    return exports.list_scope(actor=actor, params=params)


def describe(params: Mapping[str, str], venue: Venue | None, actor: User) -> list[str]:
    """What the list is, in words: the month, the venue, the figure and the other filters."""
    measures: dict[str, str] = {}
    labels = figure_labels()
    for spec in FIGURES:
        measures.setdefault(spec.measure, labels[spec.key])
    words = [_("Month: %(month)s") % {"month": params.get("month", "")}]
    words.append(
        _("Venue: %(venue)s") % {"venue": venue.name_in()} if venue is not None else _("All venues")
    )
    measure = params.get("measure", "received")
    words.append(_("Figure: %(figure)s") % {"figure": measures.get(measure, measure)})
    if params.get("category") and params["category"] != "none":
        category = Category.objects.filter(
            company_id=_company(actor).pk, code=params["category"]
        ).first()
        words.append(_("Category: %(category)s") % {"category": category or params["category"]})
    for key, value in params.items():
        if key not in ("month", "venue", "measure", "category"):
            words.append(f"{key}: {value}")
    return words


@login_required
@require_GET
def report_complaints(request: HttpRequest) -> HttpResponse:
    """The complaints behind a figure or a row, exactly as the report counts them."""
    actor = _actor(request)
    _refuse_without_reports(actor)
    params = drill_params(request.GET)
    venue = drill_scope(actor, params)
    complaints = with_due(drill.complaints_behind(actor=actor, params=params))
    complaints = as_list_rows(complaints, actor).order_by("-received_at", "-pk")
    page = Paginator(complaints, 25).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "params": params,
        "described": describe(params, venue, actor),
        "report_url": reverse("console:monthly_report")
        + "?"
        + urlencode(scope_params(venue, drill.parse_month(params.get("month")))),
    }
    return render(request, "console/reports/complaints.html", context)


# --- background exports ---------------------------------------------------------------------


@login_required
@require_POST
def report_export(request: HttpRequest) -> HttpResponse:
    """Ask for a list export (CSV or Excel) of the complaints behind a figure; it is made in
    the background and its page shows the progress."""
    actor = _actor(request)
    _refuse_without_reports(actor)
    fmt = request.POST.get("format", "")
    if fmt not in LIST_EXPORTS:
        raise InvalidInput(_("Choose CSV or Excel."), code="bad_format")
    params = drill_params(request.POST, ("format", "csrfmiddlewaretoken", "page"))
    drill_scope(actor, params)
    export = exports.export_request(
        actor=actor,
        kind=LIST_EXPORTS[fmt],
        params=params,
        language=translation.get_language() or "zh-hans",
    )
    return redirect("console:report_export_status", pk=export.pk)


@login_required
@require_GET
def report_export_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The export's progress; while it runs, the box asks again every second (htmx)."""
    export = exports.export_for_actor(actor=_actor(request), pk=pk)
    context = {"export": export, "running": export.status in RUNNING}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "console/reports/_export_progress.html", context)
    return render(request, "console/reports/export.html", context)


@login_required
@require_GET
def report_export_file(request: HttpRequest, pk: int) -> FileResponse:
    export = exports.export_for_actor(actor=_actor(request), pk=pk)
    if export.status != ReportExport.Status.DONE or not export.file:
        raise NotFound(_("This export has no file (yet)."), code="export_not_ready")
    response = FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=export.file_name,
        content_type=exports.content_type(export),
    )
    response["Cache-Control"] = "private, no-store"
    return response
