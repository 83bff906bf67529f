"""The shape of a report, the one thing every face renders: the console's page, the xlsx, the
PDF and the emailed report all read a `Report` built once by `amends.reports.monthly`.

A report is headline figures, tables and charts. Values keep their type — `int`, `Decimal`
(money, hours, rates), `date`, `datetime`, `str` or `None` (no figure yet, shown as "—") — and
each column says what its values are, so the xlsx writes numbers as numbers and dates as dates,
and the page formats them for the reader. Labels are already in the report's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.utils.translation import gettext as _

# text: str; count: int; percent: Decimal 0–100 (one place); hours: Decimal (one place);
# money: Decimal CNY (two places); score: Decimal (two places, e.g. satisfaction 1–5 or NPS);
# delta: Decimal signed change in percent (month over month), None when there is no base;
# date / datetime: as named.
ColumnKind = Literal[
    "text", "count", "percent", "hours", "money", "score", "delta", "date", "datetime"
]
Value = int | Decimal | str | date | datetime | None
Rag = Literal["green", "amber", "red", ""]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: ColumnKind = "count"


@dataclass(frozen=True)
class Row:
    values: tuple[Value, ...]
    # The complaints behind this row, as query parameters of the drill-down list
    # (`amends.reports.drill`), e.g. {"category": "facility_equipment", "severity": "urgent"}.
    link: dict[str, str] = field(default_factory=dict)
    total: bool = False  # a totals row (bold on screen, in the xlsx and the PDF)


@dataclass(frozen=True)
class Table:
    key: str  # stable, also the xlsx sheet's name source: "classification", "staff" …
    title: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    note: str = ""  # how the figures are counted, one sentence for the reader


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]
    kind: Literal["bar", "line"] = "bar"
    axis: Literal["left", "right"] = "left"  # the Pareto's cumulative % is on the right


@dataclass(frozen=True)
class Chart:
    key: str  # "trend", "categories", "pareto", "response_times"
    title: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    y_label: str = ""
    y2_label: str = ""


@dataclass(frozen=True)
class Figure:
    """A headline figure against its target (the KPI board and the report's first lines)."""

    key: str  # "received", "avg_first_response_hours", "resolution_rate" …
    label: str
    value: Value
    kind: ColumnKind = "count"
    target: Value = None  # the configured target, where there is one
    rag: Rag = ""  # green: meets it; amber: close; red: misses it; "": no target or no figure
    link: dict[str, str] = field(default_factory=dict)
    change: Decimal | None = None  # month over month, in percent
    change_year: Decimal | None = None  # against the same month last year, in percent


@dataclass(frozen=True)
class Report:
    title: str  # "SH-JA 静安店 2026年11月 投诉月报" in the report's language
    scope_label: str  # the venue's name, or the company's
    venue_code: str  # empty for the whole company
    month: date  # the first day of the month reported
    period_start: datetime  # aware, the venue's (company's) local midnight of the 1st
    period_end: datetime  # exclusive
    time_zone: str
    language: str
    generated_at: datetime
    current_to: datetime | None  # the rollups (trend and comparisons) are current to here
    figures: tuple[Figure, ...]
    tables: tuple[Table, ...]
    charts: tuple[Chart, ...]

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)

    def chart(self, key: str) -> Chart:
        return next(c for c in self.charts if c.key == key)

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


# --- shared by the page, the PDF, the workbook and the CSV ------------------------------------


def month_label(month: date, language: str) -> str:
    """ "2026年11月" in Chinese, "November 2026" in English."""
    if language.startswith("zh"):
        return f"{month.year}年{month.month}月"
    return f"{month:%B %Y}"


def rag_word(figure: Figure) -> str:
    return {
        "green": _("On target"),
        "amber": _("Close to target"),
        "red": _("Off target"),
    }.get(figure.rag, "")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert_csv(value: object) -> object:
    """`value` for a CSV cell: text that a spreadsheet would run as a formula gets a leading
    apostrophe (OWASP's advice), so it shows as the text it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def text_cell(cell: Any, value: str) -> Any:
    """`cell` holding `value` as text, never as a formula (openpyxl takes "=…" for one): the
    reader sees exactly what was typed."""
    cell.value = value
    cell.data_type = "s"
    return cell
