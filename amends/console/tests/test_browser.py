"""Whole complaints walked through the staff console in a real browser, in Chinese and in
English: intake and read-back, routing, the overdue escalation, investigation, remedies and
their approval, consent, execution, feedback, revisit, closure, the invalid path and reopening.

Each story signs people in through the login page, acts only through the console's forms, and
checks the outcome both on the page and in the database. Every page visited is saved as a
screenshot under test-artifacts/browser/<lang>/<story>/ for a person to look at."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from amends.console.tests.browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, Console, tr

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)",
)

from playwright.sync_api import Browser, expect, sync_playwright  # noqa: E402

from amends.complaints.models import Complaint, ComplaintEvent, RemedyProposal  # noqa: E402
from amends.complaints.tick import tick  # noqa: E402
from amends.complaints.transitions import State  # noqa: E402
from amends.conftest import Cast  # noqa: E402
from amends.orgs.models import User  # noqa: E402

LANGS = ["zh-hans", "en"]
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
S = State


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Playwright's sync API keeps an asyncio loop running on this thread, and Django refuses
    # database calls from a thread with a running loop. The test's own database calls (the
    # cast, tick(), the checks) are plain synchronous code between browser steps, so allow
    # them while the browser is up — and only then.
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture(autouse=True)
def _expect_timeout() -> None:
    expect.set_options(timeout=TIMEOUT_MS)


def _speak(cast: Cast, lang: str) -> None:
    """Every staff member of the cast works in `lang` (remembered on their account)."""
    User.objects.filter(company=cast.company).update(language=lang)


@pytest.fixture
def console_for(browser: Browser, live_server: Any, cast: Cast, request: Any) -> Iterator[Any]:
    opened: list[Console] = []

    def make(lang: str, story: str) -> Console:
        _speak(cast, lang)
        console = Console(browser, live_server.url, lang, story)
        opened.append(console)
        return console

    yield make
    for console in opened:
        console.close()


def _record(
    c: Console,
    cast: Cast,
    *,
    name: str,
    phone: str,
    description: str,
    category: str,
    severity: str,
    **more: str,
) -> Complaint:
    """The front desk records a complaint: type it, read it back, confirm, tell the reference."""
    page = c.open("/console/new/", "intake-form")
    category_obj = cast.category(category)
    option = page.locator(f"select[name=category] option[value='{category_obj.pk}']")
    expect(option).to_have_text(
        category_obj.name_zh if c.lang == "zh-hans" else category_obj.name_en
    )
    page.fill("[name=customer_name]", name)
    with page.expect_response(lambda r: "/console/new/duplicates/" in r.url):
        page.fill("[name=phone]", phone)
        page.locator("[name=phone]").press("Tab")
    page.fill("[name=description]", description)
    page.select_option("[name=channel]", "front_desk")
    page.select_option("[name=category]", str(category_obj.pk))
    page.select_option("[name=severity]", severity)
    for field, value in more.items():
        page.fill(f"[name={field}]", value)
    c.shot("intake-filled")
    with page.expect_navigation():
        page.locator("form.intake button.primary").click()
    # Read it back: what was typed, in words, before anything is recorded.
    expect(page.locator("dl.summary")).to_contain_text(description)
    expect(page.locator("dl.summary")).to_contain_text(str(category_obj))
    c.check_lang()
    c.shot("read-it-back")
    assert not Complaint.objects.filter(description=description).exists()
    with page.expect_navigation():
        page.locator("button.primary[name=confirm]").click()
    reference = page.locator(".done .ref").inner_text().strip()
    complaint = Complaint.objects.get(reference=reference)
    assert complaint.description == description
    assert complaint.category == category_obj and complaint.severity == severity
    assert complaint.received_by == cast.desk and complaint.channel == "front_desk"
    # The customer is told the reference and by when they will hear back (venue time).
    due = complaint.respond_due.astimezone(ZoneInfo(complaint.venue.timezone))
    expect(page.locator(".done .say")).to_contain_text(due.strftime("%Y-%m-%d %H:%M"))
    c.shot("recorded")
    return complaint


def _text(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh-hans" else en


# --- 1. treadmill injury ----------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_treadmill_injury_escalates_and_is_put_right(lang: str, console_for: Any, cast: Cast):
    c: Console = console_for(lang, "treadmill")
    c.sign_in(cast.desk)
    complaint = _record(
        c,
        cast,
        name=_text(lang, "王芳", "Wang Fang"),
        phone="13800138000",
        description=_text(
            lang,
            "跑步机皮带突然打滑，我摔倒了，膝盖流血。",
            "The treadmill belt suddenly slipped; I fell and my knee is bleeding.",
        ),
        category="facility_equipment",
        severity="urgent",
    )
    ref = complaint.reference

    # Routing: equipment goes to maintenance, who sees it assigned to them — and leaves it.
    assert complaint.state == S.ASSIGNED and complaint.assignee == cast.maintenance
    c.sign_in(cast.maintenance)
    page = c.complaint(ref, "maintenance-sees-it")
    c.expect_state(S.ASSIGNED)
    expect(page.locator("dl.facts")).to_contain_text(str(cast.maintenance))
    expect(c.available("accept")).to_be_visible()

    # Four hours pass without a response: the minute job escalates it to the manager.
    report = tick(now=complaint.respond_due + timedelta(minutes=1))
    assert report.escalations == 1
    complaint.refresh_from_db()
    assert complaint.escalation_level == 1 and complaint.escalated_to == cast.manager

    c.sign_in(cast.manager)
    page = c.complaint(ref, "manager-sees-escalation")
    c.expect_state(S.ASSIGNED)
    expect(page.locator("header.complaint-head .state")).to_have_text(tr(lang, S.ASSIGNED.label))
    escalated = page.locator("ol.timeline li.k-escalated")
    expect(escalated).to_have_count(1)
    expect(escalated).to_contain_text(str(cast.manager))

    # The customer's contact is masked until the manager asks to see it (an audited event).
    contact = page.locator("#contact")
    expect(contact).to_contain_text("138****8000")
    assert "13800138000" not in page.content()
    assert not ComplaintEvent.objects.filter(
        complaint=complaint, kind="personal_data_viewed"
    ).exists()
    contact.locator("button").click()
    expect(page.locator("#contact")).to_contain_text("13800138000")
    expect(page.locator("#contact button")).to_have_count(0)
    c.shot("contact-revealed")
    assert ComplaintEvent.objects.filter(
        complaint=complaint, kind="personal_data_viewed", actor=cast.manager
    ).exists()

    # Maintenance takes it up and puts it right.
    c.sign_in(cast.maintenance)
    c.complaint(ref, "maintenance-back")
    c.act("accept", "accepted")
    c.expect_state(S.INVESTIGATING)
    c.act(
        "investigation",
        "investigation-recorded",
        {
            "report": _text(
                lang,
                "皮带磨损，未按计划保养。已停用该跑步机。",
                "The belt was worn and missed its service; the treadmill is out of use.",
            ),
            "validity": "valid",
            "responsibility": "department",
        },
    )
    c.expect_state(S.INVESTIGATING)
    c.act(
        "propose_remedy",
        "apology-proposed",
        {
            "kind": "apology",
            "description": _text(lang, "当面致歉并陪同就医", "Apologise in person"),
            "amount": "0",
        },
    )
    c.expect_state(S.REMEDY_PROPOSED)
    c.act("submit_remedy", "remedy-submitted")
    c.expect_state(S.APPROVED)  # ¥0 is within anyone's authority

    c.sign_in(cast.desk)
    c.complaint(ref, "desk-before-consent")
    c.act("consent", "consent-recorded", {"accepted": "yes", "method": "signature"})
    c.expect_state(S.CUSTOMER_ACCEPTED)

    c.sign_in(cast.maintenance)
    c.complaint(ref, "maintenance-executes")
    c.act(
        "execute",
        "remedy-executed",
        {"note": _text(lang, "已当面致歉，皮带已更换。", "Apologised; the belt is replaced.")},
    )
    c.expect_state(S.REMEDY_EXECUTED)
    c.act(
        "feedback",
        "feedback-given",
        {
            "message": _text(
                lang,
                "跑步机已修好，再次向您致歉。",
                "The treadmill is repaired; we apologise again.",
            )
        },
    )
    c.expect_state(S.FEEDBACK_GIVEN)
    complaint.refresh_from_db()
    assert complaint.state == S.FEEDBACK_GIVEN
    assert complaint.owner == cast.maintenance
    assert complaint.validity == "valid" and complaint.responsibility == "department"
    proposal = RemedyProposal.objects.get(complaint=complaint)
    assert proposal.kind == "apology" and proposal.amount == 0 and proposal.status == "approved"
    assert complaint.consents.get().accepted is True
    assert complaint.revisits.filter(done_at__isnull=True).count() == 1
