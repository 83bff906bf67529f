"""Whole complaints walked through the staff console in a real browser, in Chinese and in
English: intake and read-back, routing, the overdue escalation, investigation, remedies and
their approval, consent, execution, feedback, revisit, closure, the invalid path and reopening.

Each story signs people in through the login page, acts only through the console's forms, and
checks the outcome both on the page and in the database. Every page visited is saved as a
screenshot under test-artifacts/browser/<lang>/<story>/ for a person to look at."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from amends.complaints.models import Complaint, ComplaintEvent, RemedyProposal
from amends.complaints.tests.stories import drive
from amends.complaints.tick import tick
from amends.complaints.transitions import ACTIONS, State
from amends.conftest import Cast
from amends.console.tests.browser import LANGS, Console, tr

S = State


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
    category_name = category_obj.name_zh if c.lang == "zh-hans" else category_obj.name_en
    expect(option).to_have_text(category_name)
    page.fill("[name=customer_name]", name)
    with page.expect_response(lambda r: "/console/new/duplicates/" in r.url):
        page.fill("[name=phone]", phone)
        page.locator("[name=phone]").press("Tab")
    page.fill("[name=description]", description)
    page.select_option("[name=channel]", "front_desk")
    page.locator("details.more > summary").click()  # category and severity are folded
    page.select_option("[name=category]", str(category_obj.pk))
    page.select_option("[name=severity]", severity)
    for field, value in more.items():
        page.fill(f"[name={field}]", value)
    c.shot("intake-filled")
    with page.expect_navigation():
        page.locator("form.intake button.primary").click()
    # Read it back: what was typed, in words, before anything is recorded.
    expect(page.locator("dl.summary")).to_contain_text(description)
    expect(page.locator("dl.summary")).to_contain_text(category_name)
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
    assert proposal.kind == "apology" and proposal.amount == 0 and proposal.status == "executed"
    assert complaint.consents.get().accepted is True
    assert complaint.revisits.filter(done_at__isnull=True).count() == 1


# --- 2. a coach's attitude: the remedy needs the manager's approval ---------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_coach_attitude_refund_approved_by_manager_then_revisited_and_closed(
    lang: str, console_for: Any, cast: Cast
):
    c: Console = console_for(lang, "coach-attitude")
    c.sign_in(cast.desk)
    complaint = _record(
        c,
        cast,
        name=_text(lang, "李娜", "Li Na"),
        phone="13912345678",
        description=_text(
            lang,
            "私教课上教练一直看手机，我提问时他很不耐烦。",
            "The coach kept looking at his phone in my PT session and was rude when I asked.",
        ),
        category="service_attitude",
        severity="important",
        subject_text=_text(lang, "张教练", "Coach Zhang"),
    )
    ref = complaint.reference

    # Routing sends service attitude to the customer-service manager, who hands it to the
    # specialist.
    handler = complaint.assignee
    assert handler is not None
    if handler == cast.manager:
        c.sign_in(cast.manager)
        c.complaint(ref, "manager-gets-it")
        c.act("assign", "reassigned", {"assignee": cast.specialist.pk, "reason": "请跟进"})
        c.expect_state(S.ASSIGNED)
        complaint.refresh_from_db()
        assert complaint.assignee == cast.specialist
    handler = complaint.assignee
    assert handler is not None

    c.sign_in(handler)
    c.complaint(ref, "handler-opens")
    c.act("accept", "accepted")
    c.expect_state(S.INVESTIGATING)
    c.act(
        "investigation",
        "investigation-recorded",
        {
            "report": _text(
                lang,
                "监控与教练本人确认：课上使用手机，回应不耐烦。",
                "CCTV and the coach confirm he used his phone and answered impatiently.",
            ),
            "validity": "valid",
            "responsibility": "staff",
            "responsible_party": _text(lang, "张教练", "Coach Zhang"),
            "cause": "subjective",
        },
    )
    c.act(
        "propose_remedy",
        "refund-proposed",
        {
            "kind": "refund",
            "description": _text(lang, "退还该节私教课费用", "Refund the PT session"),
            "amount": "500",
        },
    )
    c.expect_state(S.REMEDY_PROPOSED)
    page = c.act("submit_remedy", "remedy-submitted")
    # ¥500 is above the specialist's ¥200: it waits for the manager.
    c.expect_state(S.APPROVAL_PENDING)
    expect(page.locator("header.complaint-head .state")).to_have_text(
        tr(lang, S.APPROVAL_PENDING.label)
    )
    complaint.refresh_from_db()
    assert complaint.state == S.APPROVAL_PENDING and complaint.approval_role == "manager"
    proposal = RemedyProposal.objects.get(complaint=complaint)
    assert proposal.status == "pending" and proposal.amount == 500

    # The other specialist has nothing to approve: not in the inbox, and the proposal on the
    # complaint page cannot be approved by them.
    c.sign_in(cast.specialist2)
    page = c.open("/console/approvals/", "approvals-specialist2")
    expect(page.locator(f"a[href='/console/c/{ref}/']")).to_have_count(0)
    page = c.complaint(ref, "specialist2-sees-pending")
    approve = page.locator("section[aria-labelledby=h-remedies] button.primary")
    if approve.count():
        # The console offers the button (see test_approve_button_only_within_authority);
        # the service still refuses.
        with page.expect_navigation():
            approve.click()
        c.shot("specialist2-refused")
        expect(page.locator(".messages li.error")).to_be_visible()
        c.expect_state(S.APPROVAL_PENDING)
    proposal.refresh_from_db()
    assert proposal.status == "pending"

    # The manager approves from the inbox, with a comment.
    c.sign_in(cast.manager)
    page = c.open("/console/approvals/", "approvals-manager")
    decide = page.locator(f"form.decide:has(input[name=proposal][value='{proposal.pk}'])")
    expect(decide).to_contain_text("500")
    comment = _text(lang, "同意退款，教练需参加培训", "Refund approved; the coach gets training")
    decide.locator("input[name=comment]").fill(comment)
    c.shot("approval-comment")
    with page.expect_navigation():
        decide.locator("button.primary").click()
    c.shot("approved")
    c.expect_state(S.APPROVED)
    expect(page.locator("ol.timeline li.k-remedy_approved")).to_contain_text(comment)
    proposal.refresh_from_db()
    assert proposal.status == "approved" and proposal.decided_by == cast.manager
    assert proposal.decision_comment == comment

    c.sign_in(cast.desk)
    c.complaint(ref, "desk-before-consent")
    c.act("consent", "consent-recorded", {"accepted": "yes", "method": "signature"})
    c.expect_state(S.CUSTOMER_ACCEPTED)

    c.sign_in(handler)
    c.complaint(ref, "handler-executes")
    c.act("execute", "refunded", {"note": _text(lang, "已原路退款¥500", "¥500 refunded")})
    c.expect_state(S.REMEDY_EXECUTED)
    c.act(
        "feedback",
        "feedback-given",
        {"message": _text(lang, "已退款并安排教练培训。", "Refunded; the coach is retrained.")},
    )
    c.expect_state(S.FEEDBACK_GIVEN)

    # The revisit is someone who neither handled the complaint nor is complained about.
    complaint.refresh_from_db()
    revisit = complaint.revisits.get(done_at__isnull=True)
    revisitor = revisit.assignee
    assert revisitor is not None and revisitor != handler
    c.sign_in(revisitor)
    c.complaint(ref, "revisitor-opens")
    c.act("revisit", "revisit-recorded", {"reached": "yes", "satisfied": "yes", "method": "phone"})
    c.expect_state(S.REVISIT_DONE)
    page = c.act("close", "closed")
    c.expect_state(S.CLOSED)
    expect(page.locator("header.complaint-head .state")).to_have_text(tr(lang, S.CLOSED.label))
    complaint.refresh_from_db()
    revisit.refresh_from_db()
    assert complaint.state == S.CLOSED and complaint.closed_at is not None
    assert revisit.done_at is not None and revisit.satisfied is True and revisit.method == "phone"
    assert complaint.consents.get().method == "signature"


# --- 3. an invalid complaint, explained and closed ---------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_invalid_complaint_is_explained_and_closed(lang: str, console_for: Any, cast: Cast):
    c: Console = console_for(lang, "invalid")
    c.sign_in(cast.desk)
    complaint = _record(
        c,
        cast,
        name=_text(lang, "赵强", "Zhao Qiang"),
        phone="13700137000",
        description=_text(
            lang,
            "储物柜坏了，我的手机从柜子里丢了。",
            "The locker is broken and my phone was taken from it.",
        ),
        category="lost_property",
        severity="general",
    )
    ref = complaint.reference
    handler = complaint.assignee
    assert handler is not None  # lost property goes to a customer-service specialist
    assert complaint.route_role == "specialist"

    c.sign_in(handler)
    c.complaint(ref, "handler-opens")
    c.act("accept", "accepted")
    c.expect_state(S.INVESTIGATING)
    c.act(
        "investigation",
        "investigation-recorded",
        {
            "report": _text(
                lang,
                "监控显示会员离开时未锁柜门，储物柜完好。",
                "CCTV shows the member left the locker unlocked; the locker works.",
            ),
            "validity": "invalid",
            "responsibility": "customer",
        },
    )
    c.act("mark_invalid", "found-invalid")
    c.expect_state(S.INVALID)
    complaint.refresh_from_db()
    version = complaint.version

    # The explanation is required: sent empty, the page comes back with the error, the form
    # still open, and nothing changed.
    page = c.act("explain", "explain-empty", {"message": ""}, ok=False)
    error = page.locator("#form-explain .error")
    expect(error).to_be_visible()
    expect(error).to_have_text(tr(lang, "This field is required."))
    expect(page.locator("details#act-explain")).to_have_attribute("open", "")
    expect(page.locator(".messages li.success")).to_have_count(0)
    c.expect_state(S.INVALID)
    complaint.refresh_from_db()
    assert complaint.state == S.INVALID and complaint.version == version

    message = _text(
        lang,
        "您好，经查看监控，离开时柜门未上锁。我们已协助报警，并提醒您使用密码锁。",
        "Hello, CCTV shows the locker was left unlocked. We helped you report it to the "
        "police and will remind members to lock their lockers.",
    )
    c.act("explain", "explained", {"message": message})
    c.expect_state(S.EXPLAINED)
    page = c.act("close", "closed")
    c.expect_state(S.CLOSED)
    state_label = page.locator("header.complaint-head .state")
    expect(state_label).to_have_text(tr(lang, S.CLOSED.label))
    if lang == "zh-hans":
        expect(state_label).to_have_text("已结案")
        expect(page.locator("ol.timeline")).to_contain_text("已结案")
    else:
        expect(state_label).to_have_text("Closed")
    complaint.refresh_from_db()
    assert complaint.state == S.CLOSED and complaint.validity == "invalid"
    assert complaint.events.filter(kind="transition", data__to=S.EXPLAINED).exists()

    # The language switch in the header: the page comes back in the other language, and the
    # choice is remembered on the account.
    other = "en" if lang == "zh-hans" else "zh-hans"
    with page.expect_navigation():
        page.locator("header.top form[action$='/language/'] button").click()
    expect(page.locator("html")).to_have_attribute("lang", other)
    expect(page.locator("header.complaint-head")).to_have_attribute("data-reference", ref)
    expect(state_label).to_have_text(tr(other, S.CLOSED.label))
    c.shot(f"switched-to-{other}")
    handler.refresh_from_db()
    assert handler.language == other


# --- 4. an unhappy customer reopens; two pages, one stale ---------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_unhappy_customer_reopens_and_a_stale_page_overwrites_nothing(
    lang: str, console_for: Any, cast: Cast
):
    c: Console = console_for(lang, "reopen")
    complaint = drive(cast, S.FEEDBACK_GIVEN)  # received by desk, handled by specialist
    ref = complaint.reference
    assert complaint.owner == cast.specialist

    c.sign_in(cast.specialist)
    c.complaint(ref, "feedback-given")
    c.expect_state(S.FEEDBACK_GIVEN)
    reason = _text(
        lang,
        "回访时客户表示退款金额不对，要求重新核实。",
        "At the revisit the customer said the refund was the wrong amount.",
    )
    page = c.act("reopen", "reopened", {"reason": reason})
    c.expect_state(S.INVESTIGATING)
    reopened = page.locator("ol.timeline li.k-transition").filter(
        has_text=tr(lang, ACTIONS["reopen"].label)
    )
    expect(reopened).to_have_count(1)
    expect(reopened).to_contain_text(reason)
    expect(reopened).to_contain_text(tr(lang, S.INVESTIGATING.label))
    complaint.refresh_from_db()
    assert complaint.state == S.INVESTIGATING and complaint.reopen_count == 1
    assert not complaint.revisits.filter(done_at__isnull=True).exists()

    # The same person has the complaint open twice. Page A saves first; page B, still showing
    # the old version, is told someone changed it and writes nothing.
    page_a = c.page
    page_b = c.context.new_page()
    c.complaint(ref, "page-a", page_a)
    c.complaint(ref, "page-b", page_b)
    report_a = _text(lang, "核对账单：少退了¥50。", "Checked the bill: ¥50 short.")
    report_b = _text(lang, "（旧页面）退款无误。", "(old page) The refund was right.")
    c.act("investigation", "page-a-saved", {"report": report_a}, page=page_a)
    complaint.refresh_from_db()
    version = complaint.version
    assert complaint.investigation_report == report_a

    c.act("investigation", "page-b-stale", {"report": report_b}, page=page_b, ok=False)
    stale = tr(lang, "Someone else changed this complaint meanwhile. Reload it and try again.")
    expect(page_b.locator(".messages li.error")).to_have_text(stale)
    expect(page_b.locator("#form-investigation .error")).to_have_text(stale)
    expect(page_b.locator("details#act-investigation")).to_have_attribute("open", "")
    c.expect_state(S.INVESTIGATING, page_b)
    complaint.refresh_from_db()
    assert complaint.investigation_report == report_a and complaint.version == version
    assert (
        not complaint.events.filter(kind="fields_changed")
        .filter(data__investigation_report__after=report_b)
        .exists()
    )

    # Reloading shows what page A saved.
    c.complaint(ref, "page-b-reloaded", page_b)
    expect(page_b.locator("dl.facts")).to_contain_text(report_a)
    expect(page_b.locator("dl.facts")).not_to_contain_text(report_b)


# --- approval buttons follow authority ----------------------------------------------------------


def test_approve_button_only_within_authority(console_for: Any, cast: Cast):
    c: Console = console_for("en", "authority")
    complaint = drive(cast, S.APPROVAL_PENDING)  # ¥500: the manager's to approve
    c.sign_in(cast.specialist2)
    page = c.complaint(complaint.reference, "specialist2-pending")
    c.expect_state(S.APPROVAL_PENDING)
    expect(page.locator("section[aria-labelledby=h-remedies]")).to_be_visible()
    expect(page.locator("section[aria-labelledby=h-remedies] button")).to_have_count(0)
