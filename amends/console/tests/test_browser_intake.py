"""Intake at the desk in a real browser, in Chinese and in English, on a phone and a desktop:
the essentials first and "more details" folded, the button in view, a photo attached when the
complaint is recorded, a member number filling the name, a validation message that goes when
the field is fixed, and the timeline telling the hand-off in words with names and departments.

Screenshots go to test-artifacts/browser/<lang>/<story>/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from amends.complaints.models import Complaint, Evidence
from amends.complaints.tests.stories import received
from amends.complaints.tests.test_evidence import png_bytes
from amends.conftest import Cast, local
from amends.console.tests.browser import LANGS, Console, console_factory
from amends.core import clock
from amends.members.services import customer_find_or_create, member_link
from amends.orgs.models import User, Venue

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(autouse=True)
def _setup(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def _name(user: User, zh: str, en: str) -> None:
    User.objects.filter(pk=user.pk).update(display_name=zh, display_name_en=en)


@pytest.fixture
def named(cast: Cast) -> Cast:
    _name(cast.desk, "张晓雯", "Zhang Xiaowen")
    _name(cast.specialist, "陈静", "Chen Jing")
    Venue.objects.filter(pk=cast.gym.pk).update(name_en="Jing'an Club")
    for user in (cast.desk, cast.specialist):
        user.refresh_from_db()
    return cast


@pytest.fixture
def console_for(browser: Browser, live_server: Any, named: Cast) -> Iterator[Any]:
    yield from console_factory(browser, live_server.url, named.company)


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh-hans" else en


def _in_view(page: Any, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_desk_records_a_complaint_with_a_photo(
    lang: str, size: str, console_for: Any, named: Cast, tmp_path: Path
) -> None:
    c: Console = console_for(lang, f"intake-photo-{size}")
    c.page.set_viewport_size(PHONE if size == "phone" else DESKTOP)
    c.sign_in(named.desk)
    page = c.open("/console/new/", "intake-form")

    # The essentials are open, the rest folded, and the button is in view without scrolling.
    more = page.locator("details.more")
    expect(more).not_to_have_attribute("open", "")
    expect(page.locator("[name=severity]")).to_be_hidden()
    assert _in_view(page, ".submit-bar button.primary")
    page.fill("[name=customer_name]", _t(lang, "王芳", "Wang Fang"))
    page.fill("[name=phone]", "13800138000")
    description = _t(lang, "淋浴间地面湿滑，我摔了一跤。", "The shower floor was slippery; I fell.")
    page.fill("[name=description]", description)
    page.fill("[name=customer_request]", _t(lang, "加防滑垫。", "Put down non-slip mats."))
    assert _in_view(page, ".submit-bar button.primary")
    c.shot("essentials-filled")
    more.locator("> summary").click()
    expect(page.locator("[name=severity]")).to_be_visible()
    page.select_option("[name=severity]", "important")
    c.shot("more-details-open")
    with page.expect_navigation():
        page.locator(".submit-bar button.primary").click()

    # Read it back, then attach the photo the customer shows and record it all at once.
    expect(page.locator("dl.summary")).to_contain_text(description)
    photo = tmp_path / "floor.png"
    photo.write_bytes(png_bytes())
    page.set_input_files("input[name=photos]", str(photo))
    c.shot("read-back-with-photo")
    with clock.travel(local(2026, 11, 20, 10, 0)), page.expect_navigation():
        page.locator("button.primary[name=confirm]").click()
    expect(page.locator(".messages li.success")).to_have_text(
        _t(lang, "已附加文件：1 个。", "Files attached: 1.")
    )
    c.shot("recorded")
    complaint = Complaint.objects.get(description=description)
    assert list(
        Evidence.objects.filter(complaint=complaint).values_list("original_name", "content_type")
    ) == [("floor.png", "image/png")]
    assert complaint.severity == "important"


@pytest.mark.parametrize("lang", LANGS)
def test_a_member_number_fills_the_name_and_fixed_fields_lose_their_message(
    lang: str, console_for: Any, named: Cast
) -> None:
    customer, _ = customer_find_or_create(company=named.company, name="赵敏", phone="13911112222")
    member_link(customer=customer, venue=named.gym, number="JA-0087")
    c: Console = console_for(lang, "intake-member")
    c.sign_in(named.desk)
    page = c.open("/console/new/", "intake-form")

    # Nothing filled in: the form says what is missing, next to each field.
    with page.expect_navigation():
        page.locator(".submit-bar button.primary").click()
    description = page.locator(".field.has-error:has([name=description]) .error")
    expect(description).to_have_text(_t(lang, "这个字段是必填项。", "This field is required."))
    c.shot("missing")

    # The member's number fills in the name from the member record.
    with page.expect_response(lambda r: "/console/new/member/" in r.url):
        page.fill("[name=member_number]", "JA-0087")
    expect(page.locator("[name=customer_name]")).to_have_value("赵敏")
    expect(page.locator("#member-found")).to_have_text(
        _t(lang, "已找到会员：赵敏（已填入姓名）。", "Member found: 赵敏 (name filled in).")
    )
    # Typing what happened takes that field's message away, and only that one.
    page.fill("[name=description]", _t(lang, "更衣柜门坏了。", "The locker door is broken."))
    expect(page.locator(".field:has([name=description]) .error")).to_have_count(0)
    expect(page.locator("[data-clears]")).to_have_count(0)
    c.shot("member-filled-and-fixed")


@pytest.mark.parametrize("lang", LANGS)
def test_the_timeline_tells_the_hand_off_in_words(lang: str, console_for: Any, named: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        complaint = received(named)
    c: Console = console_for(lang, "timeline-words")
    c.sign_in(named.desk)
    c.complaint(complaint.reference, "received")
    c.act("acknowledge", "acknowledged")
    c.act("assign", "assigned", {"assignee": named.specialist.pk})
    timeline = c.page.locator("ol.timeline")
    assigned = _t(lang, "已分派给陈静（客服部）", "Assigned to Chen Jing (Customer service)")
    expect(timeline.locator("li").filter(has_text=assigned)).to_have_count(1)
    expect(timeline).to_contain_text(
        _t(
            lang,
            "在处理人接手之前，张晓雯（前台）仍是首接负责人。",
            "Zhang Xiaowen (Front office) stays the owner until the assignee accepts.",
        )
    )
    c.sign_in(named.specialist)
    page = c.complaint(complaint.reference, "specialist-opens")
    c.act("accept", "accepted")
    accepted = page.locator("ol.timeline li").filter(
        has_text=_t(lang, "已接手并开始调查", "Accepted and started investigating")
    )
    expect(accepted).to_contain_text(
        _t(lang, "已从张晓雯（前台）处接手", "Took over from Zhang Xiaowen (Front office)")
    )
    expect(page.locator("ol.timeline li.k-handoff_accepted")).to_have_count(0)
    text = page.locator("ol.timeline").inner_text()
    assert str(named.specialist.pk) not in text.replace("2026", "")
    if lang == "zh-hans":
        assert "Zhang" not in text and "Chen Jing" not in text
    else:
        assert "张晓雯" not in text and "陈静" not in text
    c.shot("timeline")
