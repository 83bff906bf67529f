"""The console as people find their way around it, in a real browser, in Chinese and English:
the all-complaints view, the one search box (by phone and by reference), the notification bell,
and a dashboard tile that opens exactly its complaints — then the same pages on a phone.

The live server runs on the real clock (a travelled clock does not cross threads), so the
complaints are recorded now, through the services. Every page visited is saved as a screenshot
under test-artifacts/browser/<lang>/<story>/ for a person to look at."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from amends.complaints.models import Complaint
from amends.complaints.tests.stories import act, drive
from amends.complaints.transitions import State
from amends.conftest import Cast
from amends.console.tests.browser import LANGS, Console, tr
from amends.notifications.models import Outbox

S = State


def _text(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh-hans" else en


def _find(c: Console, text: str, name: str) -> None:
    """Type into the header's search box and press Enter, as the front desk does."""
    box = c.page.locator("header.top form.find input[name=q]")
    box.fill(text)
    with c.page.expect_navigation():
        box.press("Enter")
    c.page.wait_for_load_state()
    c.check_lang()
    c.shot(name)


def _rows(c: Console) -> list[str]:
    return c.page.locator("table.list tbody tr[data-reference]").evaluate_all(
        "rows => rows.map(r => r.dataset.reference)"
    )


@pytest.mark.parametrize("lang", LANGS)
def test_the_front_desk_answers_what_happened_to_my_complaint(
    lang: str, console_for: Any, cast: Cast
) -> None:
    closed = drive(cast, S.CLOSED, phone="13912345678", description="私教课迟到二十分钟。")
    waiting = cast.receive(
        phone="139 1234 5678",
        email="",
        description=_text(lang, "更衣柜的锁坏了。", "The locker's lock is broken."),
    )
    someone_else = cast.receive(phone="13800138000", email="")
    pudong = cast.receive(actor=cast.outsider, venue=cast.gym2, phone="13912345678", email="")
    c: Console = console_for(lang, "search")
    c.sign_in(cast.desk)

    # A customer on the phone gives her number, written the way she says it.
    _find(c, "139-1234-5678", "found-by-phone")
    assert _rows(c) == [waiting.reference, closed.reference]
    closed_row = c.page.locator(f"tr[data-reference='{closed.reference}']")
    expect(closed_row.locator("td.state")).to_have_text(tr(lang, S.CLOSED.label))
    expect(closed_row).to_contain_text(str(Complaint.objects.get(pk=closed.pk).owner))
    waiting_row = c.page.locator(f"tr[data-reference='{waiting.reference}']")
    expect(waiting_row.locator("td.state")).to_have_text(tr(lang, S(waiting.state).label))
    assert someone_else.reference not in c.page.content()
    assert pudong.reference not in c.page.content()  # another venue: not the desk's

    # Another reads out her reference: the complaint opens at once.
    _find(c, closed.reference, "found-by-reference")
    expect(c.page.locator("header.complaint-head")).to_have_attribute(
        "data-reference", closed.reference
    )
    c.expect_state(S.CLOSED)

    # The all-complaints view lists open and closed ones, and the nav says where we are.
    c.page.locator("header.top nav a[href='/console/queue/all/']").click()
    c.page.wait_for_load_state()
    c.shot("all-complaints")
    expect(c.page.locator("header.top nav a[aria-current=page]")).to_have_text(
        tr(lang, "All complaints")
    )
    assert sorted(_rows(c)) == sorted([closed.reference, waiting.reference, someone_else.reference])
    c.page.select_option("select[name=state]", S.CLOSED.value)
    with c.page.expect_navigation():
        c.page.locator("form.filters button.primary").click()
    c.shot("all-complaints-closed")
    assert _rows(c) == [closed.reference]

    # On a phone the list becomes cards with their labels, and a complaint shows what can be
    # done before its story.
    c.page.set_viewport_size({"width": 390, "height": 844})
    c.open("/console/queue/all/", "phone-all-complaints")
    first = c.page.locator("table.list tbody tr").first
    assert first.evaluate("tr => getComputedStyle(tr).display") == "block"
    expect(c.page.locator("table.list thead")).not_to_be_in_viewport()
    c.complaint(waiting.reference, "phone-complaint")
    actions_top = c.page.locator("section.actions").bounding_box()
    story_top = c.page.locator(".main-col").bounding_box()
    assert actions_top is not None and story_top is not None
    assert actions_top["y"] < story_top["y"]


@pytest.mark.parametrize("lang", LANGS)
def test_the_bell_and_a_dashboard_tile_lead_to_the_work(
    lang: str, console_for: Any, cast: Cast
) -> None:
    first = drive(cast, S.ACKNOWLEDGED)
    second = drive(cast, S.ACKNOWLEDGED, phone="13700137000")
    act("assign", first, cast.desk, assignee=cast.specialist2.pk)
    act("assign", second, cast.desk, assignee=cast.specialist2.pk)
    c: Console = console_for(lang, "bell")
    c.sign_in(cast.specialist2)

    bell = c.page.locator("header.top a.bell")
    expect(bell.locator(".count")).to_have_text("2")
    with c.page.expect_navigation():
        bell.click()
    c.shot("notifications")
    expect(c.page.locator("ul.notices li.unread")).to_have_count(2)
    expect(c.page.locator("ul.notices li").first).to_contain_text(
        tr(lang, Outbox.Kind.ASSIGNMENT.label)
    )
    item = c.page.locator(f"ul.notices li:has-text('{first.reference}') a")
    with c.page.expect_navigation():
        item.click()
    expect(c.page.locator("header.complaint-head")).to_have_attribute(
        "data-reference", first.reference
    )
    c.shot("notification-opened")
    expect(bell.locator(".count")).to_have_text("1")
    with c.page.expect_navigation():
        bell.click()
    with c.page.expect_navigation():
        c.page.locator("form.mark-read button").click()
    c.shot("all-read")
    expect(bell.locator(".count")).to_have_text("0")
    expect(c.page.locator("ul.notices li.unread")).to_have_count(0)

    # The manager's dashboard: a tile opens exactly the complaints it counts.
    c.sign_in(cast.manager)
    tile = c.page.locator("a.figure[data-tile=new_today]")
    count = int(tile.get_attribute("data-count") or "-1")
    assert count == 2
    expect(tile.locator(".n")).to_have_text("2")
    with c.page.expect_navigation():
        tile.click()
    c.shot("tile-received-today")
    expect(c.page.locator(".tile-filter")).to_contain_text(tr(lang, "Received today"))
    assert sorted(_rows(c)) == sorted([first.reference, second.reference])
