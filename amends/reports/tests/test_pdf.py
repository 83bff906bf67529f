"""The report printed to PDF, read back with pypdf: the Chinese text comes back out (so the
report can be searched and copied), the CJK font is embedded (it prints the same anywhere),
every page names the venue and month and is numbered, and the charts are in it."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from amends.reports.pdf import report_html, report_pdf, shown
from amends.reports.structure import Row, Table
from amends.reports.tests import handmade


@pytest.fixture(scope="module")
def printed() -> PdfReader:
    return PdfReader(io.BytesIO(report_pdf(handmade.report())))


def text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def fonts(reader: PdfReader) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            found[str(font["/BaseFont"])] = descriptor.get_object() if descriptor else {}
    return found


def test_the_chinese_source_comes_back_out_of_the_pdf(printed: PdfReader) -> None:
    words = text(printed)
    assert handmade.TITLE in words
    assert "顾客投诉分类统计表" in words
    assert handmade.CATEGORY in words  # 设施设备
    assert "¥1,280.50" in words and "45.0%" in words and "+12.5%" in words
    assert "跑步机皮带打滑 2026-11-02 2026-11-28 21:45 3" in words  # a date, a local time
    assert "按本月受理的投诉统计（上海时间），已合并的投诉不计。" in words


def test_it_embeds_noto_sans_cjk(printed: PdfReader) -> None:
    embedded = fonts(printed)
    cjk = {name: d for name, d in embedded.items() if "Noto-Sans-CJK-SC" in name}
    assert cjk, embedded.keys()
    for descriptor in cjk.values():
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor


def test_every_page_names_the_venue_and_month_and_is_numbered(printed: PdfReader) -> None:
    pages = len(printed.pages)
    assert pages >= 2
    english = PdfReader(io.BytesIO(report_pdf(handmade.report(language="en"))))
    for page in printed.pages:
        assert "静安健身会所 · 2026年11月" in page.extract_text()
    for number, page in enumerate(english.pages, start=1):
        assert f"Page {number} of {len(english.pages)}" in page.extract_text()
        assert "静安健身会所 · November 2026" in page.extract_text()


def test_the_charts_are_the_same_svg_as_on_screen_and_a_long_table_repeats_its_header() -> None:
    html = report_html(handmade.report())
    for key in ("trend", "categories", "pareto", "response_times"):
        assert f'class="chart chart-{key}"' in html
    table = handmade.classification()
    many = Table(
        table.key,
        table.title,
        table.columns,
        tuple(Row((f"类别{n}", 1, 1, 1, 3) + (None,) * 5) for n in range(120)),
    )
    reader = PdfReader(io.BytesIO(report_pdf(handmade.report(tables=(many,), charts=()))))
    pages_with_header = [
        p for p in reader.pages if "投诉类别 紧急 重要 一般 合计" in p.extract_text()
    ]
    assert len(reader.pages) >= 3 and len(pages_with_header) == len(reader.pages)


def test_values_are_shown_for_the_reader() -> None:
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Asia/Shanghai")
    assert shown(12345, "count", zone) == "12,345"
    assert shown(Decimal("-20.0"), "delta", zone) == "-20.0%"
    assert shown(Decimal("4.2"), "score", zone) == "4.20"
    assert shown(None, "money", zone) == "—"
