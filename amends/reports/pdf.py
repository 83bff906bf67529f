"""A report printed to PDF: WeasyPrint lays out `reports/report_pdf.html`, which includes the
body every face shares (`reports/_report_body.html`: the figures, the tables, the charts).

- A4 portrait; the page header names the report's scope (venue or company) and month, the
  footer "第 N 页 / 共 M 页" / "Page N of M" (CSS margin boxes with the page counters).
- The text is set in Noto Sans CJK SC (Debian's fonts-noto-cjk), which WeasyPrint embeds as a
  subset of the glyphs used: the PDF reads the same on a machine without Chinese fonts, and its
  text can be searched and copied (extracting it gives the Chinese back).
- The charts are the inline SVGs of `charts.chart_svg`, the same as on the console's page.
- A table that runs over a page break repeats its header row (a `<thead>`), and no row is cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from amends.reports.structure import (
    Chart,
    ColumnKind,
    Figure,
    Report,
    Value,
    month_label,
    rag_word,
)


def chart_svg(chart: Chart) -> str:
    """`charts.chart_svg`, imported on the first chart drawn: matplotlib costs a web process
    about 30 MB that only the report pages need."""
    from amends.reports.charts import chart_svg as draw

    return draw(chart)


FONT_FAMILY = "Noto Sans CJK SC"
DASH = "—"


def shown(value: Value, kind: ColumnKind, zone: ZoneInfo) -> str:
    """`value` as the reader sees it: counts with thousands separators, percentages with one
    place and "%", money with two places, changes signed, times in the report's zone, None as
    "—"."""
    if value is None:
        return DASH
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(zone)
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, str):
        return value
    number = Decimal(value)
    if kind == "count":
        return f"{number:,.0f}"
    if kind == "percent":
        return f"{number:.1f}%"
    if kind == "delta":
        return f"{number:+.1f}%"
    if kind == "hours":
        return f"{number:,.1f}"
    if kind == "money":
        return f"¥{number:,.2f}"
    if kind == "score":
        return f"{number:.2f}"
    return str(value)


@dataclass(frozen=True)
class ShownFigure:
    label: str
    value: str
    target: str
    rag: str
    verdict: str
    change: str
    change_year: str


@dataclass(frozen=True)
class ShownRow:
    cells: tuple[tuple[str, str], ...]  # (text, column kind)
    total: bool


@dataclass(frozen=True)
class ShownTable:
    key: str
    title: str
    note: str
    labels: tuple[tuple[str, str], ...]  # (label, column kind)
    rows: tuple[ShownRow, ...]


@dataclass(frozen=True)
class ShownChart:
    key: str
    title: str
    svg: SafeString


def body_context(report: Report) -> dict[str, object]:
    """What `reports/_report_body.html` needs: every value already shown for the reader (call
    it with the report's language active) and the charts as inline SVG."""
    zone = ZoneInfo(report.time_zone)
    figures = [_figure(figure, zone) for figure in report.figures]
    tables = [
        ShownTable(
            key=table.key,
            title=table.title,
            note=table.note,
            labels=tuple((column.label, column.kind) for column in table.columns),
            rows=tuple(
                ShownRow(
                    cells=tuple(
                        (shown(value, column.kind, zone), column.kind)
                        for value, column in zip(row.values, table.columns, strict=True)
                    ),
                    total=row.total,
                )
                for row in table.rows
            ),
        )
        for table in report.tables
    ]
    charts = [
        ShownChart(chart.key, chart.title, mark_safe(chart_svg(chart)))  # noqa: S308 — our SVG
        for chart in report.charts
    ]
    return {
        "report": report,
        "month_label": month_label(report.month, report.language),
        "generated": shown(report.generated_at, "datetime", zone),
        "current_to": shown(report.current_to, "datetime", zone) if report.current_to else "",
        "shown_figures": figures,
        "shown_tables": tables,
        "shown_charts": charts,
    }


def _figure(figure: Figure, zone: ZoneInfo) -> ShownFigure:
    return ShownFigure(
        label=figure.label,
        value=shown(figure.value, figure.kind, zone),
        target=shown(figure.target, figure.kind, zone) if figure.target is not None else "",
        rag=figure.rag,
        verdict=rag_word(figure),
        change=shown(figure.change, "delta", zone) if figure.change is not None else "",
        change_year=(
            shown(figure.change_year, "delta", zone) if figure.change_year is not None else ""
        ),
    )


def page_counter_css() -> str:
    """The footer's CSS `content`: the translated "Page {page} of {pages}" with the page
    counters in place of the two names ("第 " counter(page) " 页 / 共 " counter(pages) " 页")."""
    parts = []
    for piece in re.split(r"(\{pages?\})", _("Page {page} of {pages}")):
        if piece == "{page}":
            parts.append("counter(page)")
        elif piece == "{pages}":
            parts.append("counter(pages)")
        elif piece:
            parts.append(_css_string(piece))
    return " ".join(parts)


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _css_header(text: str) -> str:
    return _css_string(" ".join(text.split()))


def report_html(report: Report) -> str:
    """The report as the HTML WeasyPrint prints, in the report's language."""
    with translation.override(report.language):
        context = body_context(report)
        context |= {
            "font": FONT_FAMILY,
            "lang": report.language,
            "header_left": mark_safe(  # noqa: S308 — a quoted CSS string we built
                _css_header(f"{report.scope_label} · {context['month_label']}")
            ),
            "header_right": mark_safe(_css_header(report.title)),  # noqa: S308
            "page_counter": mark_safe(page_counter_css()),  # noqa: S308
        }
        return render_to_string("reports/report_pdf.html", context)


def report_pdf(report: Report) -> bytes:
    """`report` as the bytes of an A4 PDF with its font embedded."""
    from weasyprint import HTML

    pdf = HTML(string=report_html(report)).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf


__all__ = ["body_context", "report_html", "report_pdf", "shown"]
