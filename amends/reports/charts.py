"""A report's charts as SVG, drawn by matplotlib: the same SVG is embedded in the console's page
and printed into the PDF, so the two cannot differ.

Choices, and why:

- **Text as paths** (`svg.fonttype = "path"`): every letter is drawn as an outline, so the chart
  reads the same in any browser, in WeasyPrint and in an email client, whether or not the
  machine has a Chinese font — nothing refers to a font at all. The cost is a larger file and
  text that cannot be selected inside the chart; the figures themselves are in the report's
  tables as text, and each SVG carries a `<title>`, an `aria-label` and a `<desc>` naming its
  data, so a screen reader and a search still have the words. (Embedding the font in an SVG,
  `svg.fonttype = "none"` plus an @font-face, would need the whole CJK font — megabytes — in
  every page, or a subsetter we do not otherwise need.)
- **Fonts**: "Noto Sans CJK SC" (Debian's fonts-noto-cjk, the same font the PDF embeds), then
  "DejaVu Sans" (matplotlib's own) for any glyph the first lacks.
- **No pyplot**: each call builds its own `matplotlib.figure.Figure` with its own SVG canvas, so
  charts drawn in several threads at once share no state. The SVG settings are process-wide
  matplotlib defaults (`rcParams`); they are set once, to constants, when this module is
  imported, and never changed afterwards, so no thread can see another's.
- **Deterministic**: a fixed hash salt (element ids are derived from the content, not random),
  no date in the metadata; the ids are then prefixed with the chart's key, so several charts
  inline in one page never share an id. The same chart gives the same bytes every time.
- None values are gaps: a bar is not drawn, a line is broken there.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable
from html import escape
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no GUI toolkit, ever (a server); we never use pyplot anyway

from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from amends.reports.structure import Chart, Series

FONTS = ["Noto Sans CJK SC", "DejaVu Sans"]
HASH_SALT = "amends-report"
PALETTE = ("#1f5f7a", "#e07b39", "#6a9f58", "#b5485d", "#7d6aa8", "#8c8c8c")
LINE_PALETTE = ("#b5485d", "#1f5f7a", "#e07b39", "#6a9f58")
WIDTH_IN, HEIGHT_IN = 7.2, 3.4

matplotlib.rcParams.update(
    {
        "svg.fonttype": "path",
        "svg.hashsalt": HASH_SALT,
        "font.family": "sans-serif",
        "font.sans-serif": FONTS,
        "axes.unicode_minus": False,
        "font.size": 9,
    }
)


def chart_svg(chart: Chart, *, width: float = WIDTH_IN, height: float = HEIGHT_IN) -> str:
    """`chart` as an inline `<svg>` element (no XML declaration): bars and lines over its
    labels, series with axis="right" on a second axis (the Pareto's cumulative %)."""
    figure = Figure(figsize=(width, height), dpi=72)
    FigureCanvasSVG(figure)
    left = figure.add_subplot(1, 1, 1)
    right = None
    if any(series.axis == "right" for series in chart.series):
        right = left.twinx()
    positions = list(range(len(chart.labels)))

    bars = [series for series in chart.series if series.kind == "bar"]
    lines = [series for series in chart.series if series.kind == "line"]
    slot = 0.8 / max(len(bars), 1)
    handles: list[Any] = []
    for index, series in enumerate(bars):
        axes = right if series.axis == "right" and right is not None else left
        offset = (index - (len(bars) - 1) / 2) * slot
        shown = [(x + offset, v) for x, v in zip(positions, series.values, strict=False) if _is(v)]
        handle = axes.bar(
            [x for x, _v in shown],
            [float(v) for _x, v in shown if v is not None],
            width=slot * 0.92,
            color=PALETTE[index % len(PALETTE)],
            label=series.name,
            zorder=2,
        )
        handles.append(handle)
    for index, series in enumerate(lines):
        axes = right if series.axis == "right" and right is not None else left
        values = [float(v) if v is not None and _is(v) else math.nan for v in series.values]
        values += [math.nan] * (len(positions) - len(values))
        (line,) = axes.plot(
            positions,
            values[: len(positions)],
            color=LINE_PALETTE[index % len(LINE_PALETTE)],
            marker="o",
            markersize=3.5,
            linewidth=1.6,
            label=series.name,
            zorder=3,
        )
        handles.append(line)

    left.set_xticks(positions)
    long_labels = sum(len(label) for label in chart.labels) > 60 or len(chart.labels) > 8
    left.set_xticklabels(
        chart.labels, rotation=35 if long_labels else 0, ha="right" if long_labels else "center"
    )
    if positions:
        left.set_xlim(-0.6, len(positions) - 0.4)
    left.set_title(chart.title, fontsize=11, loc="left")
    if chart.y_label:
        left.set_ylabel(chart.y_label)
    left.grid(axis="y", color="#e4e7eb", linewidth=0.8, zorder=0)
    left.set_axisbelow(True)
    for spine in ("top", "right"):
        left.spines[spine].set_visible(False)
    if left.get_ylim()[0] < 0 < left.get_ylim()[1] or left.get_ylim()[0] >= 0:
        left.set_ylim(bottom=min(0, left.get_ylim()[0]))
    if right is not None:
        right.set_ylim(0, max(100.0, right.get_ylim()[1]))
        if chart.y2_label:
            right.set_ylabel(chart.y2_label)
        right.spines["top"].set_visible(False)
    if _whole(series for series in chart.series if series.axis == "left"):
        left.yaxis.set_major_locator(MaxNLocator(integer=True))
    if len(handles) > 1:  # above the plot, right of the title: never over the data
        left.legend(
            handles=handles,
            labels=[h.get_label() for h in handles],
            loc="lower right",
            bbox_to_anchor=(1.0, 1.0),
            ncol=len(handles),
            frameon=False,
            fontsize=8,
        )
    figure.tight_layout()

    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None})
    return _inline(out.getvalue(), chart)


def _whole(series: Iterable[Series]) -> bool:
    """Every value of these series is a whole number (counts): whole ticks on their axis."""
    values = [v for s in series for v in s.values if _is(v)]
    return bool(values) and all(float(v) == int(v) for v in values if v is not None)


def _is(value: float | None) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


_STYLE = re.compile(r'\sstyle="([^"]*)"')


def _attributes(match: re.Match[str]) -> str:
    pairs = []
    for declaration in match.group(1).split(";"):
        name, _colon, value = declaration.partition(":")
        if name.strip() and value.strip():
            pairs.append(f'{name.strip()}="{value.strip()}"')
    return (" " + " ".join(pairs)) if pairs else ""


_ID = re.compile(r'(\bid="|url\(#|href="#)([^"\)]+)')


def _inline(svg: str, chart: Chart) -> str:
    """The `<svg>` element alone, its ids prefixed with the chart's key, with a title, a
    description of its data and an accessible name."""
    start = svg.index("<svg")
    svg = svg[start:].strip()
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", chart.key) or "chart"
    svg = _ID.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)
    # Presentation attributes instead of style attributes: the same drawing, and nothing a
    # page's Content-Security-Policy (no inline styles) or WeasyPrint's HTML CSS would refuse.
    svg = _STYLE.sub(_attributes, svg)
    # Drop matplotlib's RDF metadata block (tool name and version): not needed on a page. And
    # its <style> element (round line joins), which the page's policy refuses: console/reports.css
    # gives `svg.chart` the same rule.
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r"<style\b[^>]*>.*?</style>\s*", "", svg, flags=re.S)
    label = escape(chart.title, quote=True)
    opening_end = svg.index(">")
    opening = svg[:opening_end]
    opening += f' role="img" aria-label="{label}" class="chart chart-{prefix}"'
    described = f"<title>{escape(chart.title)}</title><desc>{escape(describe(chart))}</desc>"
    return opening + ">" + described + svg[opening_end + 1 :]


def describe(chart: Chart) -> str:
    """The chart's data in words, for a screen reader: 'series: label value; …' per series."""
    parts = []
    for series in chart.series:
        pairs = "; ".join(
            f"{label} {_number(value)}"
            for label, value in zip(chart.labels, series.values, strict=False)
        )
        parts.append(f"{series.name}: {pairs}")
    return " | ".join(parts)


def _number(value: float | None) -> str:
    if not _is(value):
        return "—"
    assert value is not None
    return f"{value:g}" if float(value) != int(value) else str(int(value))


__all__ = ["Chart", "Series", "chart_svg", "describe"]
