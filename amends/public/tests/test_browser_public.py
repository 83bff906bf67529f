"""A customer's whole story on a phone (390×844), in Chinese and in English, in a real browser:
the poster's QR code leads to the venue's form; they file a complaint with a photo, follow it,
write to us; customer service (through the catalogue, as the console would) replies, proposes a
remedy and has it approved; the customer accepts it; staff carry it out, give feedback, revisit
and close; the customer answers the survey.

Screenshots go to test-artifacts/browser/public/public-<lang>-NN-<step>.png."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from playwright.sync_api import Browser, BrowserContext, Page, expect

from amends.complaints.models import Complaint, Survey
from amends.complaints.tests.stories import act, drive
from amends.complaints.tests.test_evidence import png_bytes
from amends.complaints.transitions import State
from amends.conftest import Cast
from amends.core.tests.chromium import ARTIFACTS, TIMEOUT_MS
from amends.orgs.models import Venue
from amends.public import poster
from amends.public.tests.test_poster import matrix_of, modules

S = State
PHONE = {"width": 390, "height": 844}
ACCEPT_LANGUAGE = {"zh-hans": "zh-CN", "en": "en-US"}
SHOTS = ARTIFACTS / "public"


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh-hans" else en


class Customer:
    """One customer on their phone: the page, the language, numbered screenshots."""

    def __init__(self, browser: Browser, lang: str) -> None:
        self.lang = lang
        self.count = 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.context: BrowserContext = browser.new_context(
            locale=ACCEPT_LANGUAGE[lang],
            timezone_id="Asia/Shanghai",
            viewport=PHONE,
            device_scale_factor=1,
            is_mobile=True,
            has_touch=True,
        )
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page: Page = self.context.new_page()

    def shot(self, name: str, page: Page | None = None) -> None:
        self.count += 1
        path = SHOTS / f"public-{self.lang}-{self.count:02d}-{name}.png"
        (page or self.page).screenshot(path=str(path), full_page=True)

    def check(self) -> None:
        """The page speaks the customer's language and shows no error."""
        expect(self.page.locator("html")).to_have_attribute("lang", self.lang)
        expect(self.page.locator(".alert, .error")).to_have_count(0)

    def submit(self, form: str, name: str) -> None:
        with self.page.expect_navigation():
            self.page.locator(f"{form} button[type=submit]").click()
        self.page.wait_for_load_state()
        self.check()
        self.shot(name)


@pytest.fixture(scope="module", autouse=True)
def _fresh_shots() -> None:
    """This module's screenshots from an earlier run are removed first."""
    for old in SHOTS.glob("public-*.png"):
        old.unlink()


@pytest.fixture
def named(cast: Cast) -> Cast:
    Venue.objects.filter(pk=cast.gym.pk).update(name_en="Jing'an Club")
    cast.gym.refresh_from_db()
    return cast


@pytest.fixture
def customer_for(browser: Browser, live_server: Any, settings: Any) -> Iterator[Any]:
    settings.AMENDS_PUBLIC_URL = live_server.url
    opened: list[Customer] = []

    def make(lang: str) -> Customer:
        customer = Customer(browser, lang)
        opened.append(customer)
        return customer

    yield make
    for customer in opened:
        customer.context.close()


def _state(complaint: Complaint) -> str:
    return Complaint.objects.get(pk=complaint.pk).state


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_a_customer_files_follows_accepts_and_answers_on_a_phone(
    lang: str, customer_for: Any, named: Cast, tmp_path: Path
) -> None:
    cast = named
    me: Customer = customer_for(lang)
    page = me.page

    # The poster: its QR code encodes the address printed under it, which opens the form.
    html = poster.poster_html(cast.gym, lang)
    url = re.search(r'<p class="url">([^<]+)</p>', html)
    assert url is not None
    address = url.group(1).replace("&amp;", "&")
    svg = html[html.index("<svg") : html.index("</svg>") + 6]
    assert modules(svg) == matrix_of(address)
    printed = page.request.get(
        address.split("?")[0] + "poster.pdf" + ("?lang=en" if lang == "en" else "")
    )
    assert printed.ok and printed.body().startswith(b"%PDF")
    pdf = tmp_path / "poster.pdf"
    pdf.write_bytes(printed.body())
    sheet = me.context.new_page()
    sheet.set_viewport_size({"width": 800, "height": 1100})
    sheet.goto(pdf.as_uri())
    sheet.wait_for_timeout(1500)  # Chromium's PDF viewer draws the page
    me.shot("poster", sheet)
    sheet.close()

    # The form, in the poster's language.
    response = page.goto(address)
    assert response is not None and response.ok
    me.check()
    expect(page.locator("h1")).to_have_text(
        _t(lang, tr(lang, "Tell us what went wrong"), "Tell us what went wrong")
    )
    me.shot("form")
    page.fill("[name=customer_name]", _t(lang, "赵敏", "Emma Zhao"))
    page.fill("[name=phone]", "137 0000 1111")
    page.fill(
        "[name=description]",
        _t(lang, "动感单车座椅松了，差点摔倒。", "The spin bike seat was loose; I nearly fell."),
    )
    page.fill("[name=location]", _t(lang, "单车房", "Spin studio"))
    page.fill("[name=customer_request]", _t(lang, "尽快修好并道歉。", "Fix it and apologise."))
    page.set_input_files(
        "[name=attachments]", [{"name": "seat.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    page.check("[name=consent]")
    me.shot("form-filled")
    me.submit("form.complaint-form", "received")

    # The receipt: the reference, the reply time and the tracking link.
    complaint = Complaint.objects.get()
    assert complaint.language == lang and complaint.evidence.count() == 1
    expect(page.locator("#reference")).to_have_text(complaint.reference)
    expect(page.locator("#respond-due")).to_be_visible()
    with page.expect_navigation():
        page.locator("a.button.primary").click()
    me.check()
    expect(page.locator("#status")).to_have_attribute("data-reference", complaint.reference)
    me.shot("tracking")

    # The customer writes to us.
    question = _t(lang, "请问什么时候能修好？", "When will it be fixed?")
    page.fill("#form-message textarea[name=text]", question)
    me.submit("#form-message", "message-sent")
    expect(page.locator(".messages li.success")).to_be_visible()
    expect(page.locator(".thread li.mine")).to_contain_text(question)

    # Customer service answers and puts it right (the console's actions, through the catalogue).
    complaint = Complaint.objects.get(pk=complaint.pk)
    if complaint.assignee_id != cast.specialist.pk:
        act("assign", complaint, cast.manager, assignee=cast.specialist.pk)
    answer = _t(
        lang, "今天下午维修师傅会处理，给您添麻烦了。", "Our technician fixes it this afternoon."
    )
    act("reply", complaint, cast.specialist, text=answer)
    category = cast.category("service_quality").pk
    act("classify", complaint, cast.specialist, category=category, severity="general")
    drive(cast, S.APPROVED, complaint=Complaint.objects.get(pk=complaint.pk))
    assert _state(complaint) == S.APPROVED

    # The customer sees the reply and the offer, and accepts it.
    page.reload()
    me.check()
    expect(page.locator(".thread li.theirs")).to_contain_text(answer)
    expect(page.locator("#offer")).to_contain_text("退还一节课费用")
    me.shot("offer")
    me.submit("#form-accept", "accepted")
    assert _state(complaint) == S.CUSTOMER_ACCEPTED
    expect(page.locator("#status")).to_have_attribute("data-state", S.CUSTOMER_ACCEPTED)

    # Staff carry it out, tell the outcome, revisit and close: the survey is sent.
    drive(cast, S.CLOSED, complaint=Complaint.objects.get(pk=complaint.pk))
    survey = Survey.objects.get(complaint=complaint)
    page.reload()
    me.check()
    expect(page.locator("#status")).to_have_attribute("data-state", S.CLOSED)
    me.shot("closed")

    # The customer answers the survey from their tracking page.
    with page.expect_navigation():
        page.locator(f"a[href$='/s/{survey.token}/']").click()
    me.check()
    me.shot("survey")
    page.locator("input[name=satisfaction][value='5']").check()
    page.locator("input[name=nps][value='9']").check()
    page.fill("[name=comment]", _t(lang, "处理很及时。", "Quick and fair."))
    me.shot("survey-filled")
    me.submit("#form-survey", "survey-thanks")
    expect(page.locator("#survey-done")).to_be_visible()
    survey.refresh_from_db()
    assert (survey.satisfaction, survey.nps) == (5, 9)


def tr(lang: str, text: str) -> str:
    with translation.override(lang):
        return translation.gettext(text)


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_mistakes_a_stale_page_and_signing_in_with_a_code_on_a_phone(
    lang: str, customer_for: Any, named: Cast
) -> None:
    from amends.notifications.models import Outbox

    cast = named
    me: Customer = customer_for(lang)
    me.count = 20  # after the first story's pictures
    page = me.page
    form = f"/p/{cast.gym.code}/" + ("?lang=en" if lang == "en" else "")
    page.goto(me_url(page, form))

    # Sent empty: every message beside its field, the first one in words at the top.
    with page.expect_navigation():
        page.locator("form.complaint-form button[type=submit]").click()
    expect(page.locator(".alert")).to_be_visible()
    for field in ("customer_name", "phone", "description", "consent"):
        expect(page.locator(f"#id_{field}_error")).to_be_visible()
    me.shot("form-mistakes")

    page.fill("[name=customer_name]", _t(lang, "孙丽", "Sun Li"))
    page.fill("[name=phone]", "136 0000 2222")
    page.fill("[name=description]", _t(lang, "泳池水太凉。", "The pool water was cold."))
    page.check("[name=consent]")
    with page.expect_navigation():
        page.locator("form.complaint-form button[type=submit]").click()
    me.check()
    complaint = Complaint.objects.get()

    # The page goes out of date while the customer types: they are told, their words kept.
    with page.expect_navigation():
        page.locator("a.button.primary").click()
    act("note", complaint, cast.specialist, text="已通知设备部。")
    words = _t(lang, "今天还是很凉。", "Still cold today.")
    page.fill("#form-message textarea[name=text]", words)
    with page.expect_navigation():
        page.locator("#form-message button[type=submit]").click()
    expect(page.locator("#notice")).to_be_visible()
    expect(page.locator("#form-message textarea[name=text]")).to_have_value(words)
    me.shot("stale-page")
    with page.expect_navigation():
        page.locator("#form-message button[type=submit]").click()
    expect(page.locator(".thread li.mine")).to_contain_text(words)

    # Another day, without the link: the reference and the phone, then the code.
    me.context.clear_cookies()
    page.goto(me_url(page, "/t/" + ("?lang=en" if lang == "en" else "")))
    me.check()
    page.fill("[name=reference]", complaint.reference)
    page.fill("[name=phone]", "13600002222")
    me.shot("sign-in")
    me.submit("#form-sign-in", "code")
    body = Outbox.objects.filter(kind=Outbox.Kind.SIGN_IN_CODE).latest("pk").body
    code = re.search(r"\b(\d{6})\b", body)
    assert code is not None
    page.fill("[name=code]", code.group(1))
    me.submit("#form-code", "signed-in")
    expect(page.locator("#status")).to_have_attribute("data-reference", complaint.reference)
    with page.expect_navigation():
        page.locator("footer a[href='/t/mine/']").click()
    me.check()
    expect(page.locator(".mine")).to_contain_text(complaint.reference)
    me.shot("mine")

    # A mistyped link.
    response = page.goto(me_url(page, f"/c/{complaint.reference}/{'0' * 32}/"))
    assert response is not None and response.status == 404
    me.shot("not-found")


def me_url(page: Page, path: str) -> str:
    from django.conf import settings

    return str(settings.AMENDS_PUBLIC_URL) + path
