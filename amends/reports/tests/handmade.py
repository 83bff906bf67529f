"""A monthly report built by hand, as `build_monthly_report` would build it for 静安健身会所 in
November 2026 (Chinese): every kind of column, None values, a totals row and the four charts.
The renderers' tests read it, so they test the renderers alone, on figures known here."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from amends.reports.structure import Chart, Column, Figure, Report, Row, Series, Table

SHANGHAI = ZoneInfo("Asia/Shanghai")

TITLE = "GYM1 静安健身会所 2026年11月 投诉月报"
CATEGORY = "设施设备"  # the first category of the classification table


def classification() -> Table:
    return Table(
        key="classification",
        title="顾客投诉分类统计表",
        columns=(
            Column("category", "投诉类别", "text"),
            Column("urgent", "紧急", "count"),
            Column("important", "重要", "count"),
            Column("general", "一般", "count"),
            Column("total", "合计", "count"),
            Column("share", "占比", "percent"),
            Column("avg_response", "平均首次响应（小时）", "hours"),
            Column("compensation", "补偿金额（元）", "money"),
            Column("satisfaction", "满意度", "score"),
            Column("change", "环比", "delta"),
        ),
        rows=(
            Row(
                (
                    CATEGORY,
                    2,
                    3,
                    4,
                    9,
                    Decimal("45.0"),
                    Decimal("3.5"),
                    Decimal("1280.50"),
                    Decimal("4.25"),
                    Decimal("12.5"),
                ),
                link={"category": "facility_equipment"},
            ),
            Row(
                (
                    "课程与教练",
                    0,
                    2,
                    5,
                    7,
                    Decimal("35.0"),
                    Decimal("11.2"),
                    Decimal("0.00"),
                    Decimal("3.80"),
                    Decimal("-20.0"),
                ),
                link={"category": "course_coach"},
            ),
            Row(
                ("卫生环境", 1, 0, 3, 4, Decimal("20.0"), None, Decimal("99.90"), None, None),
                link={"category": "hygiene"},
            ),
            Row(
                (
                    "合计",
                    3,
                    5,
                    12,
                    20,
                    Decimal("100.0"),
                    Decimal("6.8"),
                    Decimal("1380.40"),
                    Decimal("4.05"),
                    Decimal("-4.8"),
                ),
                total=True,
            ),
        ),
        note="按本月受理的投诉统计（上海时间），已合并的投诉不计。",
    )


def recurring() -> Table:
    return Table(
        key="recurring_problems_in_the_same_category_and_venue",  # longer than a sheet name
        title="重复出现的问题（同一类别、同一门店、同一事由）",
        columns=(
            Column("subject", "事由", "text"),
            Column("first", "首次受理", "date"),
            Column("last", "最近一次受理", "datetime"),
            Column("count", "次数", "count"),
        ),
        rows=(
            Row(
                (
                    "跑步机皮带打滑",
                    date(2026, 11, 2),
                    datetime(2026, 11, 28, 21, 45, tzinfo=SHANGHAI),
                    3,
                )
            ),
            Row(("淋浴间没有热水", date(2026, 11, 5), None, 2)),
        ),
    )


def charts() -> tuple[Chart, ...]:
    months = (
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
        "2026-03",
        "2026-04",
        "2026-05",
        "2026-06",
        "2026-07",
        "2026-08",
        "2026-09",
        "2026-10",
        "2026-11",
    )
    return (
        Chart(
            key="trend",
            title="月度投诉趋势",
            labels=months,
            series=(
                Series("受理", (14, 12, None, 9, 15, 18, 20, 17, 16, 21, 19, 21, 20), "bar"),
                Series(
                    "按时响应率 %",
                    (
                        92.0,
                        95.5,
                        None,
                        100.0,
                        93.3,
                        88.9,
                        90.0,
                        94.1,
                        100.0,
                        95.2,
                        94.7,
                        90.5,
                        95.0,
                    ),
                    "line",
                    "right",
                ),
            ),
            y_label="投诉数",
            y2_label="%",
        ),
        Chart(
            key="categories",
            title="投诉类别",
            labels=(CATEGORY, "课程与教练", "卫生环境"),
            series=(Series("本月", (9, 7, 4)), Series("上月", (6, 10, 5))),
            y_label="投诉数",
        ),
        Chart(
            key="pareto",
            title="投诉原因排列图",
            labels=(CATEGORY, "课程与教练", "卫生环境"),
            series=(
                Series("投诉数", (9, 7, 4)),
                Series("累计占比 %", (45.0, 80.0, 100.0), "line", "right"),
            ),
            y_label="投诉数",
            y2_label="累计 %",
        ),
        Chart(
            key="response_times",
            title="首次响应时间分布",
            labels=("≤1小时", "1–4小时", "4–12小时", "12–24小时", ">24小时"),
            series=(Series("投诉数", (6, 8, 3, 2, 1)),),
            y_label="投诉数",
        ),
    )


def report(**changes: object) -> Report:
    values: dict[str, object] = {
        "title": TITLE,
        "scope_label": "静安健身会所",
        "venue_code": "GYM1",
        "month": date(2026, 11, 1),
        "period_start": datetime(2026, 11, 1, tzinfo=SHANGHAI),
        "period_end": datetime(2026, 12, 1, tzinfo=SHANGHAI),
        "time_zone": "Asia/Shanghai",
        "language": "zh-hans",
        "generated_at": datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI),
        "current_to": datetime(2026, 12, 1, 7, 55, tzinfo=SHANGHAI),
        "figures": (
            Figure(
                "received",
                "受理投诉",
                20,
                "count",
                change=Decimal("-4.8"),
                change_year=Decimal("42.9"),
            ),
            Figure(
                "avg_first_response_hours",
                "平均首次响应（小时）",
                Decimal("6.8"),
                "hours",
                target=Decimal("12.0"),
                rag="green",
                change=Decimal("-10.5"),
            ),
            Figure(
                "resolution_rate",
                "解决率",
                Decimal("95.0"),
                "percent",
                target=Decimal("98.0"),
                rag="amber",
            ),
            Figure(
                "positive_rate",
                "满意率（4–5分）",
                Decimal("80.0"),
                "percent",
                target=Decimal("95.0"),
                rag="red",
            ),
            Figure("nps", "净推荐值", None, "score"),
        ),
        "tables": (classification(), recurring()),
        "charts": charts(),
    }
    values.update(changes)
    return Report(**values)  # type: ignore[arg-type]
