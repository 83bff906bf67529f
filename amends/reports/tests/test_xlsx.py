"""The report as an Excel workbook, opened again with openpyxl: the right numbers in the right
cells, numbers as numbers (percentages as fractions shown with "%"), dates as dates, times in
the venue's zone, empty cells for no figure, a bold totals row, frozen headers, valid sheet
names, and Excel's own charts."""

from __future__ import annotations

import io
from datetime import datetime

from django.utils import translation
from openpyxl import load_workbook
from openpyxl.chart import BarChart, LineChart
from openpyxl.workbook.workbook import Workbook

from amends.reports.tests import handmade
from amends.reports.xlsx import report_xlsx, sheet_name


def opened(language: str = "zh-hans") -> Workbook:
    return load_workbook(io.BytesIO(report_xlsx(handmade.report(language=language))))


def named(text: str, language: str = "zh-hans") -> str:
    with translation.override(language):
        return translation.gettext(text)


def test_every_sheet_says_which_report_it_is_from() -> None:
    book = opened()
    assert book.sheetnames == [
        named("Summary"),
        named("Charts"),
        "顾客投诉分类统计表",
        "重复出现的问题（同一类别、同一门店、同一事由）",
        named("Chart data"),
    ]
    for sheet in book:
        assert sheet["A1"].value.startswith("GYM1 静安健身会所 2026年11月 投诉月报")
        assert sheet["A2"].value == "静安健身会所 · 2026年11月"
        assert "2026-12-01 08:00" in sheet["A3"].value  # made at
        assert "2026-12-01 07:55" in sheet["A3"].value  # rollups current to
        assert "Asia/Shanghai" in sheet["A3"].value


def test_the_summary_holds_each_figure_against_its_target_with_its_colour() -> None:
    sheet = opened()[named("Summary")]
    assert sheet.freeze_panes == "A6"
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=6, max_row=10)]
    assert rows == [
        ["受理投诉", 20, None, None, -0.048, 0.429],
        ["平均首次响应（小时）", 6.8, 12.0, named("On target"), -0.105, None],
        ["解决率", 0.95, 0.98, named("Close to target"), None, None],
        ["满意率（4–5分）", 0.8, 0.95, named("Off target"), None, None],
        ["净推荐值", None, None, None, None, None],  # no figure yet: empty, not 0
    ]
    assert isinstance(sheet["B6"].value, int) and sheet["B6"].number_format == "0"
    assert sheet["B8"].number_format == "0.0%"  # 95.0 % is 0.95 shown as a percentage
    assert sheet["E6"].number_format == "+0.0%;-0.0%;0.0%"
    assert sheet["D7"].fill.fgColor.rgb.endswith("C6EFCE")  # green
    assert sheet["D8"].fill.fgColor.rgb.endswith("FFEB9C")  # amber
    assert sheet["D9"].fill.fgColor.rgb.endswith("FFC7CE")  # red
    assert sheet["D10"].fill.fill_type is None


def test_a_table_is_a_sheet_of_numbers_with_a_bold_total() -> None:
    sheet = opened()["顾客投诉分类统计表"]
    assert sheet.freeze_panes == "A6"
    assert [c.value for c in sheet[5]][:6] == ["投诉类别", "紧急", "重要", "一般", "合计", "占比"]
    first = [c.value for c in sheet[6]]
    assert first == ["设施设备", 2, 3, 4, 9, 0.45, 3.5, 1280.5, 4.25, 0.125]
    formats = [c.number_format for c in sheet[6]]
    assert formats == [
        "General",
        "0",
        "0",
        "0",
        "0",
        "0.0%",
        "0.0",
        "#,##0.00",
        "0.00",
        "+0.0%;-0.0%;0.0%",
    ]
    assert all(isinstance(v, int) for v in first[1:5])
    assert all(isinstance(v, float) for v in first[5:])
    hygiene = [c.value for c in sheet[8]]
    assert hygiene == ["卫生环境", 1, 0, 3, 4, 0.2, None, 99.9, None, None]
    total = sheet[9]
    assert [c.value for c in total][:5] == ["合计", 3, 5, 12, 20]
    assert all(c.font.b for c in total) and not any(c.font.b for c in sheet[6])
    assert sheet["A11"].value == "按本月受理的投诉统计（上海时间），已合并的投诉不计。"
    assert sheet.column_dimensions["A"].width >= 10  # wide enough for the Chinese labels


def test_dates_are_dates_and_times_are_the_venues_local_time() -> None:
    sheet = opened()["重复出现的问题（同一类别、同一门店、同一事由）"]
    first, last = sheet["B6"], sheet["C6"]
    assert first.is_date and first.value == datetime(2026, 11, 2)
    assert first.number_format == "yyyy-mm-dd"
    # 21:45 in Shanghai (13:45 UTC): Excel has no zones, so the local time is written.
    assert last.is_date and last.value == datetime(2026, 11, 28, 21, 45)
    assert last.number_format == "yyyy-mm-dd hh:mm"
    assert sheet["C7"].value is None


def test_the_charts_are_excels_own_drawn_from_the_chart_data_sheet() -> None:
    book = opened()
    charts = book[named("Charts")]._charts
    assert len(charts) == 4
    trend, categories, pareto, times = charts
    assert isinstance(trend, BarChart) and isinstance(pareto, BarChart)
    # The line of the trend and of the Pareto is combined on a second axis (id 200).
    assert [type(c) for c in pareto._charts] == [BarChart, LineChart]
    assert pareto._charts[1].y_axis.axId == 200
    assert len(categories.series) == 2 and len(times.series) == 1
    data = book[named("Chart data")]
    assert [c.value for c in data[5]][:1] == ["月度投诉趋势"]
    assert [c.value for c in data[6]] == [None, "受理", "按时响应率 %"]
    assert [c.value for c in data[7]] == ["2025-11", 14, 92]
    assert [c.value for c in data[9]] == ["2026-01", None, None]  # a gap, not a zero


def test_sheet_names_are_valid_and_unique() -> None:
    taken: set[str] = set()
    long = "重复出现的问题（同一类别、同一门店、同一事由）以及它们各自的原因和整改措施的情况"
    first = sheet_name(long, taken)
    second = sheet_name(long, taken)
    assert len(first) == 31 and len(second) == 31 and first != second
    assert second.endswith(" (2)")
    assert sheet_name("Staff / coaches: [all]?", taken) == "Staff   coaches   all"
    assert sheet_name("staff   COACHES   all", taken) == "staff   COACHES   all (2)"
    assert sheet_name("", taken, "classification") == "classification"


def test_an_english_report_has_english_words_around_the_same_numbers() -> None:
    book = opened("en")
    assert book.sheetnames[0] == "Summary"
    assert book["Summary"]["A5"].value == "Figure"
    assert book["Summary"]["B8"].value == 0.95


def test_a_subject_typed_like_a_formula_stays_text() -> None:
    from dataclasses import replace

    from amends.reports.structure import Row

    table = handmade.recurring()
    typed = replace(table, rows=(Row(('=HYPERLINK("http://evil.example","x")', None, None, 2)),))
    book = load_workbook(io.BytesIO(report_xlsx(handmade.report(tables=(typed,)))))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value]
    formula = next(c for c in cells if "HYPERLINK" in str(c.value))
    assert (formula.data_type, formula.value) == ("s", '=HYPERLINK("http://evil.example","x")')
