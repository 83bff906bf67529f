"""A report as an Excel workbook (openpyxl): what a manager opens, sorts and sums.

The layout, in the report's language:

- every sheet starts with the report's title, its scope and month, and when it was generated
  and up to when its rollups are current; the table's header follows on row 5, frozen;
- "Summary": the headline figures — value, target, the traffic light as a word and as a fill
  colour, month over month and the same month last year;
- one sheet per table (the sheet named after the table's title, cut to Excel's 31 characters
  and made unique); a totals row is bold;
- "Charts": native Excel charts (bars, lines, the Pareto's cumulative % on a second axis), drawn
  by Excel from the numbers on the "Chart data" sheet, so they stay live if someone edits them.

Types: counts are integers; money, hours and scores are numbers with their decimals
(`Decimal` becomes a float — Excel has no other number); **percentages are fractions with a
percent format** (45.0 % is the number 0.45 shown as "45.0%"), so a formula over them is right
without dividing by 100 — the same for the signed changes ("+12.5%"). Dates are dates;
datetimes are the naive local time of the report's zone (Excel has no time zones) with a date
and time format. None is an empty cell.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal
from typing import cast
from zoneinfo import ZoneInfo

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from amends.reports.structure import (
    Chart,
    ColumnKind,
    Report,
    Table,
    Value,
    month_label,
    rag_word,
    text_cell,
)

HEADER_ROW = 5  # rows 1–3 say what the report is; row 4 is blank
NUMBER_FORMATS: dict[str, str] = {
    "count": "0",
    "percent": "0.0%",
    "hours": "0.0",
    "money": "#,##0.00",
    "score": "0.00",
    "delta": "+0.0%;-0.0%;0.0%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
RAG_FILLS = {"green": "C6EFCE", "amber": "FFEB9C", "red": "FFC7CE"}
HEADER_FILL = PatternFill("solid", fgColor="DDE6ED")
BOLD = Font(bold=True)
MAX_WIDTH = 60
ILLEGAL_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def report_xlsx(report: Report) -> bytes:
    """The workbook of `report`, as the bytes of an .xlsx file."""
    with translation.override(report.language):
        book = Workbook()
        summary = book.active
        assert summary is not None
        names: set[str] = set()
        summary.title = sheet_name(_("Summary"), names)
        _summary(summary, report)
        for table in report.tables:
            sheet = book.create_sheet(sheet_name(table.title or table.key, names, table.key))
            _table(sheet, report, table)
        if report.charts:
            data = book.create_sheet(sheet_name(_("Chart data"), names))
            charts = book.create_sheet(sheet_name(_("Charts"), names), index=1)
            _charts(charts, data, report)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


def sheet_name(wanted: str, taken: set[str], fallback: str = "") -> str:
    """A valid sheet name for `wanted`: no []:*?/\\, at most 31 characters, unique in the
    workbook (case-insensitively, as Excel compares them) — "(2)", "(3)" … added when taken."""
    base = ILLEGAL_SHEET_CHARS.sub(" ", wanted).strip().strip("'") or fallback or "Sheet"
    base = base[:31]
    name, number = base, 1
    while name.casefold() in taken:
        number += 1
        suffix = f" ({number})"
        name = base[: 31 - len(suffix)] + suffix
    taken.add(name.casefold())
    return name


# --- the title rows ---------------------------------------------------------------------------


def _heading(sheet: Worksheet, report: Report, subtitle: str = "") -> None:
    sheet["A1"] = report.title + (f" — {subtitle}" if subtitle else "")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = f"{report.scope_label} · {month_label(report.month, report.language)}"
    zone = ZoneInfo(report.time_zone)
    generated = _("Generated %(at)s") % {
        "at": f"{report.generated_at.astimezone(zone):%Y-%m-%d %H:%M}"
    }
    if report.current_to is not None:
        current = _("figures current to %(at)s") % {
            "at": f"{report.current_to.astimezone(zone):%Y-%m-%d %H:%M}"
        }
        generated = f"{generated} · {current}"
    sheet["A3"] = f"{generated} ({report.time_zone})"
    sheet["A3"].font = Font(italic=True, color="616E7C")


def _header(sheet: Worksheet, labels: list[str]) -> None:
    for col, label in enumerate(labels, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=col, value=label)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)


def cell_value(value: Value, kind: ColumnKind, zone: ZoneInfo) -> object:
    """What goes into a cell for `value` of `kind` (see the module's docstring)."""
    if value is None:
        return None
    if kind in ("percent", "delta") and isinstance(value, int | Decimal | float):
        return float(value) / 100
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(zone).replace(tzinfo=None)
        return value
    return value


# What a spreadsheet takes for a formula (or a DDE call) at the start of a cell. Text people
# typed — a customer's name, a description, a place — must never become one.
def _put(
    sheet: Worksheet, row: int, col: int, value: Value, kind: ColumnKind, zone: ZoneInfo
) -> Cell:
    shown = cell_value(value, kind, zone)
    if isinstance(shown, str):
        return cast(Cell, text_cell(sheet.cell(row=row, column=col), shown))
    cell = sheet.cell(row=row, column=col, value=shown)
    if value is not None and kind in NUMBER_FORMATS and not isinstance(value, str):
        kind_of = kind
        if isinstance(value, datetime):
            kind_of = "datetime"
        elif isinstance(value, date):
            kind_of = "date"
        cell.number_format = NUMBER_FORMATS[kind_of]
    return cell


def _widths(sheet: Worksheet, widths: dict[int, int]) -> None:
    for col, width in widths.items():
        sheet.column_dimensions[get_column_letter(col)].width = min(max(width, 8), MAX_WIDTH)


def _display_width(value: object) -> int:
    text = str(value if value is not None else "")
    # A CJK character takes two columns of an Excel width unit.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text) + 2


# --- the sheets -------------------------------------------------------------------------------


def _summary(sheet: Worksheet, report: Report) -> None:
    _heading(sheet, report)
    labels = [
        _("Figure"),
        _("Value"),
        _("Target"),
        _("Against target"),
        _("Change on last month"),
        _("Change on the same month last year"),
    ]
    _header(sheet, labels)
    widths = {col: _display_width(label) for col, label in enumerate(labels, start=1)}
    zone = ZoneInfo(report.time_zone)
    for number, figure in enumerate(report.figures, start=HEADER_ROW + 1):
        sheet.cell(row=number, column=1, value=figure.label)
        _put(sheet, number, 2, figure.value, figure.kind, zone)
        _put(sheet, number, 3, figure.target, figure.kind, zone)
        rag = sheet.cell(row=number, column=4, value=rag_word(figure) or None)
        if figure.rag in RAG_FILLS:
            fill = PatternFill("solid", fgColor=RAG_FILLS[figure.rag])
            rag.fill = fill
            sheet.cell(row=number, column=2).fill = fill
        _put(sheet, number, 5, figure.change, "delta", zone)
        _put(sheet, number, 6, figure.change_year, "delta", zone)
        widths[1] = max(widths[1], _display_width(figure.label))
    _widths(sheet, widths)


def _table(sheet: Worksheet, report: Report, table: Table) -> None:
    _heading(sheet, report, table.title)
    labels = [column.label for column in table.columns]
    _header(sheet, labels)
    widths = {col: _display_width(label) for col, label in enumerate(labels, start=1)}
    zone = ZoneInfo(report.time_zone)
    row_number = HEADER_ROW
    for row_number, row in enumerate(table.rows, start=HEADER_ROW + 1):
        for col, (column, value) in enumerate(zip(table.columns, row.values, strict=True), 1):
            cell = _put(sheet, row_number, col, value, column.kind, zone)
            if row.total:
                cell.font = BOLD
            shown = value if column.kind in ("text", "count") else "0000-00-00 00:00"
            widths[col] = max(widths[col], _display_width(shown) if value is not None else 0)
    if table.note:
        note = sheet.cell(row=row_number + 2, column=1, value=table.note)
        note.font = Font(italic=True, color="616E7C")
    _widths(sheet, widths)
    sheet.auto_filter.ref = (
        f"A{HEADER_ROW}:{get_column_letter(len(table.columns))}{max(row_number, HEADER_ROW)}"
    )


def _charts(sheet: Worksheet, data: Worksheet, report: Report) -> None:
    """Each chart's numbers in a block on the data sheet (labels down column A, one column per
    series), and an Excel chart of them on the charts sheet, one under the other."""
    _heading(sheet, report)
    _heading(data, report)
    top = HEADER_ROW
    anchor_row = HEADER_ROW
    for chart in report.charts:
        data.cell(row=top, column=1, value=chart.title).font = BOLD
        header = top + 1
        data.cell(row=header, column=1, value="").fill = HEADER_FILL
        for col, series in enumerate(chart.series, start=2):
            cell = data.cell(row=header, column=col, value=series.name)
            cell.font, cell.fill = BOLD, HEADER_FILL
        for offset, label in enumerate(chart.labels, start=1):
            data.cell(row=header + offset, column=1, value=label)
            for col, series in enumerate(chart.series, start=2):
                value = series.values[offset - 1] if offset - 1 < len(series.values) else None
                data.cell(row=header + offset, column=col, value=value)
        last = header + len(chart.labels)
        drawing = _excel_chart(chart, data, header=header, last=last)
        sheet.add_chart(drawing, f"A{anchor_row}")
        anchor_row += 20
        top = last + 2
    _widths(
        data, {1: max((_display_width(lab) for c in report.charts for lab in c.labels), default=10)}
    )


def _excel_chart(chart: Chart, data: Worksheet, *, header: int, last: int) -> BarChart | LineChart:
    categories = Reference(data, min_col=1, min_row=header + 1, max_row=last)
    left_bars = BarChart()
    left_lines = LineChart()
    right_lines = LineChart()
    right_bars = BarChart()
    for col, series in enumerate(chart.series, start=2):
        ref = Reference(data, min_col=col, min_row=header, max_row=last)
        target = {
            ("bar", "left"): left_bars,
            ("line", "left"): left_lines,
            ("bar", "right"): right_bars,
            ("line", "right"): right_lines,
        }[(series.kind, series.axis)]
        target.add_data(ref, titles_from_data=True)
    parts: list[BarChart | LineChart] = [
        part for part in (left_bars, left_lines, right_bars, right_lines) if part.series
    ]
    main = parts[0]
    main.set_categories(categories)
    main.title = chart.title
    main.y_axis.title = chart.y_label or None
    main.height, main.width = 9, 18
    main.y_axis.majorGridlines = main.y_axis.majorGridlines  # keep Excel's default grid
    main.x_axis.delete = False
    main.y_axis.delete = False
    for part in parts[1:]:
        part.set_categories(categories)
        if part in (right_bars, right_lines):
            part.y_axis.axId = 200
            part.y_axis.title = chart.y2_label or None
            part.y_axis.crosses = "max"
            part.y_axis.delete = False
        main += part
    for part in parts:
        for series in part.series:
            if isinstance(part, LineChart):
                series.smooth = False
    return main


__all__ = ["cell_value", "month_label", "rag_word", "report_xlsx", "sheet_name"]
