"""The report's charts as SVG: legible anywhere (text drawn as outlines in the CJK font), named
for a screen reader, the same bytes every time and from every thread, gaps where there is no
figure, and the Pareto's cumulative % on a second axis."""

from __future__ import annotations

import re
import threading
from dataclasses import replace

from amends.reports.charts import chart_svg, describe
from amends.reports.structure import Chart, Series
from amends.reports.tests import handmade


def test_it_draws_each_chart_as_an_inline_svg_element_named_for_a_screen_reader() -> None:
    for chart in handmade.charts():
        svg = chart_svg(chart)
        assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
        assert "<?xml" not in svg and "<!DOCTYPE" not in svg
        assert f'aria-label="{chart.title}"' in svg and 'role="img"' in svg
        assert f"<title>{chart.title}</title>" in svg
        # No date, no tool metadata, no inline CSS (a strict CSP page shows it as drawn).
        assert "<metadata>" not in svg and "dc:date" not in svg and "style=" not in svg


def test_its_chinese_text_is_drawn_in_noto_sans_cjk_so_no_font_is_needed_to_read_it() -> None:
    svg = chart_svg(handmade.charts()[2])  # 投诉原因排列图
    assert "<text" not in svg  # every letter is an outline
    glyphs = re.findall(r'<path id="pareto-([^"]+)"', svg)
    assert any("NotoSansCJK" in glyph for glyph in glyphs)
    # The words are still there for a screen reader and a search: the data in the description.
    assert "<desc>投诉数: 设施设备 9; 课程与教练 7; 卫生环境 4 | 累计占比 %: 设施设备 45;" in svg


def test_the_same_chart_gives_the_same_bytes_every_time_and_in_every_thread() -> None:
    charts = handmade.charts()
    alone = [chart_svg(chart) for chart in charts]
    drawn: dict[int, list[str]] = {}

    def draw(number: int) -> None:
        drawn[number] = [chart_svg(chart) for chart in charts]

    threads = [threading.Thread(target=draw, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(result == alone for result in drawn.values())


def test_two_charts_on_one_page_never_share_an_element_id() -> None:
    ids = [set(re.findall(r'\bid="([^"]+)"', chart_svg(chart))) for chart in handmade.charts()]
    for number, these in enumerate(ids):
        for other in ids[number + 1 :]:
            assert not these & other
    # … and every reference points at an id of its own chart.
    svg = chart_svg(handmade.charts()[0])
    own = set(re.findall(r'\bid="([^"]+)"', svg))
    assert set(re.findall(r'(?:href="#|url\(#)([^"\)]+)', svg)) <= own


def _bars(svg: str, key: str) -> int:
    return len(re.findall(rf'<g id="{key}-patch_\d+"', svg))


def test_a_month_without_a_figure_is_a_gap_not_a_zero() -> None:
    trend = handmade.charts()[0]
    counts = trend.series[0]
    filled = replace(trend, series=(replace(counts, values=(14,) * 13), trend.series[1]))
    assert _bars(chart_svg(filled), "trend") == _bars(chart_svg(trend), "trend") + 1
    assert "2026-01 —" in describe(trend)


def test_the_cumulative_share_has_its_own_axis_on_the_right() -> None:
    pareto = chart_svg(handmade.charts()[2])
    categories = chart_svg(handmade.charts()[1])
    assert 'id="pareto-axes_2"' in pareto  # the second axis, 0–100 %
    assert 'id="categories-axes_2"' not in categories


def test_a_chart_with_only_lines_and_an_empty_chart_are_drawn_too() -> None:
    lines = Chart("nps", "NPS", ("9月", "10月"), (Series("NPS", (12.5, None), "line"),))
    assert chart_svg(lines).startswith("<svg")
    empty = Chart("empty", "没有数据", (), ())
    assert "<title>没有数据</title>" in chart_svg(empty)
