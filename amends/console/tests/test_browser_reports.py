"""The reports in a real browser, in Chinese and English, on a 1366×768 screen: the director
reads this month's KPI board, opens the complaints behind a figure, asks for an Excel export
and waits for its download link, then reads a venue's monthly report with its charts.

The live server runs on the real clock (a travelled clock does not cross threads), so the
complaints are recorded now, through the services, and the board shows the current month.
Besides the numbered shots of the story, the four pages a person checks by eye are saved as
test-artifacts/browser/reports-{kpi,monthly}-{zh,en}.png."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from amends.complaints.tests.stories import drive
from amends.complaints.transitions import State
from amends.conftest import Cast
from amends.console.tests.browser import LANGS, Console, tr
from amends.core import clock, jobs
from amends.core.tests.chromium import ARTIFACTS
from amends.reports.models import ReportExport

S = State
SCREEN = {"width": 1366, "height": 768}
SHORT = {"zh-hans": "zh", "en": "en"}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path  # the export's file, not in the project's var/media


def _save(c: Console, name: str) -> None:
    """A full-page screenshot under the name a person looks for."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    c.page.screenshot(path=str(ARTIFACTS / f"reports-{name}-{SHORT[c.lang]}.png"), full_page=True)


def _rows(c: Console) -> list[str]:
    return c.page.locator("table.list tbody tr[data-reference]").evaluate_all(
        "rows => rows.map(r => r.dataset.reference)"
    )


@pytest.mark.parametrize("lang", LANGS)
def test_the_director_reads_the_figures_and_takes_the_complaints_behind_one(
    lang: str, console_for: Any, cast: Cast
) -> None:
    zh = lang == "zh-hans"
    answered = drive(cast, S.INVESTIGATING, category=cast.category("facility_equipment"))
    shower = cast.receive(
        description="淋浴间没有热水。" if zh else "No hot water in the showers.",
        category="hygiene_environment",
    )
    again = cast.receive(
        description="淋浴间还是没有热水。" if zh else "Still no hot water in the showers.",
        category="hygiene_environment",
        phone="13700137000",
    )
    pudong = cast.receive(actor=cast.outsider, venue=cast.gym2)
    with clock.travel(clock.now() - timedelta(days=40)):  # an earlier month's, unanswered
        forgotten = cast.receive(description="储物柜的锁坏了。" if zh else "The locker is broken.")
    c: Console = console_for(lang, "reports")
    c.page.set_viewport_size(SCREEN)
    c.sign_in(cast.director)

    # The navigation leads to the board of this month: every venue, then the company.
    c.open("/console/reports/", "kpi")
    month = c.page.locator("table.kpi").get_attribute("data-month")
    board = c.page.locator("table.kpi")
    expect(board.locator("tbody tr")).to_have_count(4)
    gym = board.locator("tr[data-venue='GYM1']")
    received = gym.locator("td[data-figure='received'] a")
    expect(received).to_have_text("3")
    expect(board.locator("tr[data-venue='GYM2'] td[data-figure='received'] a")).to_have_text("1")
    expect(board.locator("tr.total td[data-figure='received'] a")).to_have_text("4")
    # One of an earlier month was never answered: overdue now, red, and said in words.
    overdue = gym.locator("td[data-figure='overdue']")
    expect(overdue).to_have_attribute("data-rag", "red")
    expect(overdue.locator("a")).to_have_text("1")
    expect(overdue.locator(".verdict")).to_contain_text(tr(lang, "Off target"))
    # Answered at once: green, and it says so in words.
    quick = gym.locator("td[data-figure='avg_first_response_hours']")
    expect(quick).to_have_attribute("data-rag", "green")
    expect(quick.locator(".verdict")).to_be_visible()
    # The table fits the screen: no column runs off to the right, hidden in its scroller.
    _save(c, "kpi")
    wrap = c.page.locator(".table-wrap:has(table.kpi)")
    sizes = wrap.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert sizes[0] <= sizes[1], f"the board is cut off: {sizes}"

    # A figure opens exactly the complaints behind it.
    with c.page.expect_navigation():
        received.click()
    c.check_lang()
    c.shot("received-complaints")
    assert sorted(_rows(c)) == sorted([answered.reference, shower.reference, again.reference])
    assert pudong.reference not in _rows(c) and forgotten.reference not in _rows(c)

    # Exported to Excel in the background: the progress box waits, then offers the file.
    with c.page.expect_navigation():
        c.page.locator("form.downloads button[value=xlsx]").click()
    c.shot("export-waiting")
    box = c.page.locator("#export-progress")
    expect(box).to_have_attribute("data-status", "pending")
    jobs.run("reports.run_exports")
    expect(box).to_have_attribute("data-status", "done")  # htmx asked again by itself
    link = box.locator("a[download]")
    expect(link).to_be_visible()
    c.shot("export-ready")
    with c.page.expect_download(timeout=90_000) as download:
        link.click()
    export = ReportExport.objects.get(requested_by=cast.director)
    assert (
        download.value.suggested_filename
        == export.file_name
        == f"complaints-GYM1-{month}-{export.pk}.xlsx"
    )
    assert export.file_name.endswith(".xlsx") and export.rows == 3

    # The gym's monthly report: the headline figures, the four charts, the tables.
    c.open("/console/reports/monthly/?venue=GYM1", "monthly")
    expect(c.page.locator("figure.chart svg")).to_have_count(4)
    for chart in c.page.locator("figure.chart svg").all():
        box_size = chart.bounding_box()
        assert box_size is not None and box_size["width"] > 300 and box_size["height"] > 120
    expect(c.page.locator("section[data-table='classification'] tbody tr").first).to_be_visible()
    expect(c.page.locator("tr[data-figure='received'] td.value a")).to_have_text("3")
    expect(c.page.locator("a[data-format=xlsx]")).to_have_text(tr(lang, "Download Excel"))
    expect(c.page.locator("a[data-format=pdf]")).to_have_text(tr(lang, "Download PDF"))
    width = c.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= SCREEN["width"], width
    _save(c, "monthly")
    # A PDF with CJK fonts takes WeasyPrint several seconds when the machine is busy.
    with c.page.expect_download(timeout=90_000) as pdf:
        c.page.locator("a[data-format=pdf]").click()
    assert pdf.value.suggested_filename.startswith(
        "GYM1-"
    ) and pdf.value.suggested_filename.endswith(".pdf")

    # On a phone the board stays a table (figures under their headings), scrolled sideways.
    c.page.set_viewport_size({"width": 390, "height": 844})
    c.open("/console/reports/", "phone-kpi")
    row = c.page.locator("table.kpi tbody tr").first
    assert row.evaluate("tr => getComputedStyle(tr).display") == "table-row"
    expect(c.page.locator("table.kpi thead")).to_be_visible()
    assert c.page.evaluate("() => document.documentElement.scrollWidth") <= 390
