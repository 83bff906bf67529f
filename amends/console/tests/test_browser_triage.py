"""Triage at the desk in a real browser, in Chinese and in English, on 20 November 2026: the
receiver types what happened, the panel suggests (urgent, with the words behind it), one click
accepts the suggestions into the form, and the recorded complaint has the suggested category
and severity; its page shows the triage card and the reply script.

Screenshots go to test-artifacts/browser/<lang>/triage-intake/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from amends.complaints.models import Complaint
from amends.conftest import Cast, local
from amends.console.tests.browser import LANGS, Console, console_factory, tr
from amends.core import clock
from amends.orgs.models import User, Venue

TEXT = {
    "zh-hans": ("跑步机皮带突然打滑，我摔倒了，膝盖流血。", "请尽快把跑步机修好。"),
    "en": (
        "The treadmill belt slipped suddenly and I fell and cut my knee.",
        "Fix the treadmill please.",
    ),
}
ALERTS = (
    "Saving this complaint alerts the venue's managers at once, whatever severity you choose. "
    "Ask the customer now: is anyone hurt, is anyone still at risk?"
)


@pytest.fixture(autouse=True)
def _setup(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def named(cast: Cast) -> Cast:
    User.objects.filter(pk=cast.desk.pk).update(
        display_name="张晓雯", display_name_en="Zhang Xiaowen"
    )
    Venue.objects.filter(pk=cast.gym.pk).update(name_en="Jing'an Club")
    cast.desk.refresh_from_db()
    return cast


@pytest.fixture
def console_for(browser: Browser, live_server: Any, named: Cast) -> Iterator[Any]:
    yield from console_factory(browser, live_server.url, named.company)


@pytest.mark.parametrize("lang", LANGS)
def test_the_desk_takes_the_triage_suggestion(lang: str, console_for: Any, named: Cast) -> None:
    c: Console = console_for(lang, "triage-intake")
    c.sign_in(named.desk)
    page = c.open("/console/new/", "intake-form")
    page.fill("[name=customer_name]", "王芳" if lang == "zh-hans" else "Wang Fang")
    page.fill("[name=phone]", "13800138000")
    if lang == "en":
        page.locator("details.more > summary").click()
        page.select_option("form.intake [name=language]", "zh-hans")  # wrong: triage offers English
        page.locator("details.more > summary").click()
    description, request = TEXT[lang]

    # Typing what happened asks triage (a POST; the text is never in an address).
    with page.expect_response(lambda r: r.url.endswith("/console/new/triage/")) as answered:
        page.locator("[name=description]").press_sequentially(description, delay=5)
    assert answered.value.request.method == "POST"
    assert description[:4] not in answered.value.url
    panel = page.locator("#triage-panel [data-triage-panel]")
    expect(panel).to_be_visible()
    expect(page.locator("#triage-panel [data-urgent]")).to_contain_text(tr(lang, ALERTS))
    expect(panel.locator("tr[data-field=severity]")).to_have_attribute("data-code", "urgent")
    expect(panel.locator("tr[data-field=category] .why")).to_contain_text(tr(lang, "Why:"))
    with page.expect_response(lambda r: r.url.endswith("/console/new/triage/")):
        page.fill("[name=customer_request]", request)
    c.shot("suggestion")
    category_code = panel.locator("tr[data-field=category]").get_attribute("data-code")
    psychology = panel.locator("tr[data-field=psychology]").get_attribute("data-code")

    # One click fills the selects (and shows them); the panel marks them chosen.
    page.locator("[data-triage-accept-all]").click()
    expect(page.locator("details.more")).to_have_attribute("open", "")
    expect(page.locator("[name=severity]")).to_have_value("urgent")
    expect(page.locator("[name=psychology]")).to_have_value(psychology or "")
    expect(page.locator("form.intake [name=language]")).to_have_value(lang)
    expect(page.locator("#triage-panel [data-triage-accept-all]")).to_have_count(0)
    expect(page.locator("#triage-panel tr[data-field=severity] .chosen")).to_be_visible()
    c.shot("accepted")

    with page.expect_navigation():
        page.locator(".submit-bar button.primary").click()
    c.shot("read-back")
    with clock.travel(local(2026, 11, 20, 10, 0)), page.expect_navigation():
        page.locator("button.primary[name=confirm]").click()
    c.shot("recorded")

    complaint = Complaint.objects.get(description=description)
    assert complaint.category is not None and complaint.category.code == category_code
    assert complaint.severity == "urgent" and complaint.psychology == psychology
    assert complaint.language == lang
    assert complaint.triage["applied"] == []  # the receiver chose, by accepting

    card = c.complaint(complaint.reference, "complaint-triage").locator("section.triage")
    expect(card).to_contain_text(tr(lang, "Suggested reply"))
    expect(card.locator("blockquote.script")).to_contain_text(complaint.reference)
    expect(card).to_contain_text(tr(lang, "The complaint is classified as triage suggested."))
    card.scroll_into_view_if_needed()
    c.shot("complaint-triage-card")


@pytest.mark.parametrize("lang", LANGS)
def test_the_director_words_a_reply_script(lang: str, console_for: Any, named: Cast) -> None:
    c: Console = console_for(lang, "reply-scripts")
    c.sign_in(named.director)
    page = c.page
    page.locator("header.top nav a[href='/console/scripts/']").click()
    page.wait_for_load_state()
    c.shot("scripts")
    row = page.locator("#script-service_attitude-respect")
    page.locator("nav.card a[href='#category-service_attitude']").click()
    with page.expect_navigation():
        row.locator("td[data-language='zh-hans'] a").click()
    page.fill("[name=text]", "{name}您好，我是{venue}的值班经理，这件事由我负责到底。")
    c.shot("script-edit")
    with page.expect_navigation():
        page.locator("#form-script button.primary").click()
    c.shot("script-saved")
    expect(page.locator(".messages li.success")).to_have_text(tr(lang, "The script is saved."))
    zh = page.locator("#script-service_attitude-respect td[data-language='zh-hans']")
    expect(zh).to_have_attribute("data-source", "own")
    expect(zh).to_contain_text("值班经理")
