"""The improvement actions' pages as the gym's manager and maintenance lead use them: raise one
from a complaint, start it, complete it, read its effect; the list with its filters; the
quarterly process review against figures computed by hand. Every page checks who is asking."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from amends.complaints import services as complaint_services
from amends.complaints.models import Complaint, Survey
from amends.complaints.tests.stories import act, received
from amends.conftest import Cast, local
from amends.console.tests.browser import LANGS, Console, fill, tr
from amends.core import clock
from amends.improvements import services
from amends.improvements.effect import effect_of
from amends.improvements.models import ImprovementAction
from amends.improvements.tests.stories import fresh, raised_from, treadmill
from amends.orgs.models import User
from amends.reports.quarterly import quarter_review

Status = ImprovementAction.Status
NOW = local(2026, 12, 1, 10, 0)


def as_(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def page(name: str, *args: Any) -> str:
    return reverse(f"console:{name}", args=args)


def text(response: Any) -> str:
    return response.content.decode()


# --- raising -------------------------------------------------------------------------------------


def test_it_raises_an_action_from_a_complaint_prefilled(client: Client, cast: Cast) -> None:
    complaint = treadmill(cast, local(2026, 11, 20, 9, 30))
    as_(client, cast.manager)
    with clock.travel(NOW):
        form = client.get(page("improvement_new") + f"?complaint={complaint.reference}")
    assert form.status_code == 200
    html = text(form)
    assert f'data-from-complaint="{complaint.reference}"' in html
    assert f'value="{complaint.reference}"' in html  # linked
    assert re.search(r'<option value="GYM1" selected>', html)
    category = cast.category("facility_equipment")
    assert re.search(rf'<option value="{category.pk}" selected>', html)
    assert 'value="2026-12-31"' in html  # due in 30 days by default

    with clock.travel(NOW):
        done = client.post(
            page("improvement_new"),
            {
                "venue": "GYM1",
                "source": "complaint",
                "category": category.pk,
                "subject_text": "跑步机",
                "title": "跑步机皮带每周检查",
                "description": "每周一检查。",
                "owner": cast.maintenance.pk,
                "due_on": "2026-12-31",
                "complaints": complaint.reference.lower(),
            },
        )
    action = ImprovementAction.objects.get()
    assert done.status_code == 302 and done["Location"] == page("improvement", action.pk)
    assert (action.venue, action.owner, action.source) == (cast.gym, cast.maintenance, "complaint")
    assert list(action.complaints.all()) == [complaint]
    shown = text(client.get(page("improvement", action.pk)))
    assert f'href="{page("complaint", complaint.reference)}"' in shown


def test_it_prefills_a_report_line(client: Client, cast: Cast) -> None:
    as_(client, cast.manager)
    url = (
        page("improvement_new")
        + "?source=report&venue=GYM1&category=facility_equipment&label=11月+设施设备+12件"
    )
    with clock.travel(NOW):
        html = text(client.get(url))
    assert '<option value="report" selected>' in html
    assert 'value="11月 设施设备 12件"' in html
    assert re.search(r'<option value="GYM1" selected>', html)


def test_it_refuses_an_owner_from_another_venue_on_the_form(client: Client, cast: Cast) -> None:
    complaint = treadmill(cast, local(2026, 11, 20, 9, 30))
    as_(client, cast.manager)
    with clock.travel(NOW):
        response = client.post(
            page("improvement_new"),
            {
                "venue": "GYM1",
                "source": "complaint",
                "title": "跑步机皮带每周检查",
                "owner": cast.outsider.pk,
                "due_on": "2026-12-31",
                "complaints": complaint.reference,
            },
        )
    assert response.status_code == 400
    html = text(response)
    assert 'id="id_owner_error"' in html and 'value="跑步机皮带每周检查"' in html
    assert not ImprovementAction.objects.exists()


def test_it_keeps_the_front_desk_and_strangers_out(client: Client, cast: Cast) -> None:
    action = raised_from(cast, treadmill(cast, local(2026, 11, 20, 9, 30)))
    for url in (page("improvements"), page("improvement", action.pk), page("improvement_new")):
        response = Client().get(url)
        assert response.status_code == 302 and "/console/login/" in response["Location"]
    as_(client, cast.desk)
    assert client.get(page("improvement_new")).status_code == 403
    assert client.get(page("improvement", action.pk)).status_code == 200  # sees it, may not act
    started = client.post(page("improvement_act", action.pk, "start"), {"version": 1})
    assert started.status_code == 403
    assert client.get(page("quarterly_review")).status_code == 403
    for outsider in (cast.outsider, cast.stranger):
        as_(client, outsider)
        assert client.get(page("improvement", action.pk)).status_code == 404
        gone = client.post(page("improvement_act", action.pk, "start"), {"version": 1})
        assert gone.status_code == 404
    assert fresh(action).status == Status.OPEN


# --- steps ---------------------------------------------------------------------------------------


def test_it_starts_completes_and_shows_the_effect(client: Client, cast: Cast) -> None:
    for day in (5, 12, 20, 28):
        first = treadmill(cast, local(2026, 11, day, 15, 0))
    action = raised_from(cast, first, at=NOW)
    as_(client, cast.maintenance)
    with clock.travel(local(2026, 12, 2, 9, 0)):
        html = text(client.get(page("improvement", action.pk)))
        assert f'action="{page("improvement_act", action.pk, "start")}"' in html
        assert 'name="version" value="1"' in html
        assert "cancel" not in re.findall(r"/do/([a-z]+)/", html)
        started = client.post(page("improvement_act", action.pk, "start"), {"version": 1})
    assert started.status_code == 302 and fresh(action).status == Status.IN_PROGRESS
    with clock.travel(local(2026, 12, 10, 17, 0)):
        done = client.post(
            page("improvement_act", action.pk, "complete"),
            {"version": 2, "outcome": "换了皮带，建立每周检查表。"},
        )
    assert done.status_code == 302 and fresh(action).status == Status.DONE
    treadmill(cast, local(2026, 12, 15, 15, 0))

    with clock.travel(local(2026, 12, 20, 9, 0)):
        waiting = text(client.get(page("improvement", action.pk)))
    assert 'data-verdict="pending"' in waiting
    with clock.travel(local(2027, 1, 10, 9, 0)):
        judged = text(client.get(page("improvement", action.pk)))
    assert 'data-verdict="fewer"' in judged
    assert re.findall(r"<td data-count>(\d+)", judged) == ["4", "1"]


def test_a_stale_page_is_refused_with_409(client: Client, cast: Cast) -> None:
    action = raised_from(cast, treadmill(cast, local(2026, 11, 20, 9, 30)))
    with clock.travel(local(2026, 12, 2, 9, 0)):
        services.improvement_start(action=action, actor=cast.maintenance, expected_version=1)
        as_(client, cast.manager)
        response = client.post(
            page("improvement_act", action.pk, "cancel"), {"version": 1, "reason": "改为采购"}
        )
    assert response.status_code == 409
    with translation.override("zh-hans"):
        stale = gettext(
            "Someone else changed this improvement action meanwhile. Reload it and try again."
        )
    assert stale != "" and stale in text(response)
    stored = fresh(action)
    assert (stored.status, stored.version) == (Status.IN_PROGRESS, 2)


def test_cancelling_without_a_reason_re_shows_the_form(client: Client, cast: Cast) -> None:
    action = raised_from(cast, treadmill(cast, local(2026, 11, 20, 9, 30)))
    as_(client, cast.manager)
    with clock.travel(local(2026, 12, 2, 9, 0)):
        response = client.post(
            page("improvement_act", action.pk, "cancel"), {"version": 1, "reason": ""}
        )
        assert response.status_code == 400
        html = text(response)
        assert '<details id="step-cancel" open>' in html
        assert 'id="cancel-reason_error"' in html
        assert fresh(action).status == Status.OPEN
        cancelled = client.post(
            page("improvement_act", action.pk, "cancel"), {"version": 1, "reason": "改为采购新机"}
        )
    assert cancelled.status_code == 302
    assert (fresh(action).status, fresh(action).cancel_reason) == (Status.CANCELLED, "改为采购新机")


def test_it_links_a_complaint_by_reference(client: Client, cast: Cast) -> None:
    action = raised_from(cast, treadmill(cast, local(2026, 11, 20, 9, 30)))
    other = treadmill(cast, local(2026, 11, 25, 9, 30))
    elsewhere = treadmill(cast, local(2026, 11, 25, 9, 30), venue=cast.gym2)
    as_(client, cast.manager)
    with clock.travel(local(2026, 12, 2, 9, 0)):
        unseen = client.post(
            page("improvement_act", action.pk, "link"),
            {"version": 1, "complaint": elsewhere.reference},
        )
        linked = client.post(
            page("improvement_act", action.pk, "link"), {"version": 1, "complaint": other.reference}
        )
    assert unseen.status_code == 400 and 'id="link-complaint_error"' in text(unseen)
    assert linked.status_code == 302
    assert other in fresh(action).complaints.all()


# --- the list ------------------------------------------------------------------------------------


def test_the_list_filters_and_costs_the_same_for_many(client: Client, cast: Cast) -> None:
    complaint = treadmill(cast, local(2026, 11, 20, 9, 30))
    late = raised_from(cast, complaint, title="逾期的", due_on=date(2026, 12, 3))
    done = raised_from(cast, complaint, title="完成的")
    with clock.travel(NOW):
        services.improvement_complete(
            action=done, actor=cast.maintenance, expected_version=1, outcome="好了"
        )
    company = raised_from(cast, complaint, actor=cast.director, venue=None, owner=cast.director)
    as_(client, cast.director)

    def shown(query: str = "") -> set[int]:
        with clock.travel(local(2026, 12, 5, 9, 0)):
            response = client.get(page("improvements") + query)
        assert response.status_code == 200
        return {int(pk) for pk in re.findall(r'data-action="(\d+)"', text(response))}

    assert shown() == {late.pk, company.pk}  # open or in progress
    assert shown("?status=done") == {done.pk}
    assert shown("?status=all&venue=GYM1") == {late.pk, done.pk}
    assert shown("?venue=*") == {company.pk}
    assert shown("?overdue=on") == {late.pk}

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured, clock.travel(NOW):
            assert client.get(page("improvements") + "?status=all").status_code == 200
        return len(captured)

    few = queries()
    for n in range(6):
        raised_from(cast, complaint, title=f"更多 {n}")
    assert queries() == few


# --- the quarterly review ------------------------------------------------------------------------


def _handled(
    cast: Cast,
    received_at: datetime,
    phone: str,
    *,
    respond_after: timedelta | None,
    resolve_after: timedelta | None = None,
    survey: tuple[int, int] | None = None,
) -> Complaint:
    """A complaint received at the gym at `received_at`, first answered (accepted for
    investigation) after `respond_after`, resolved (explained) after `resolve_after`, closed and
    surveyed the day after with (satisfaction, NPS)."""
    with clock.travel(received_at):
        c = received(cast, phone=phone)
    if respond_after is None:
        return c
    with clock.travel(received_at + respond_after):
        act("acknowledge", c, cast.desk)
        act("assign", c, cast.desk, assignee=cast.specialist.pk)
        c = act("accept", c, cast.specialist)
    if resolve_after is None:
        return c
    with clock.travel(received_at + resolve_after):
        act("investigation", c, cast.specialist, report="查明", validity="invalid",
            responsibility="customer")  # fmt: skip
        act("mark_invalid", c, cast.specialist)
        act("explain", c, cast.specialist, message="已说明。")
        c = act("close", c, cast.specialist)
    if survey is not None:
        with clock.travel(received_at + resolve_after + timedelta(days=1)):
            token = Survey.objects.get(complaint=c).token
            complaint_services.survey_answer(token=token, satisfaction=survey[0], nps=survey[1])
    return c


def _quarters(cast: Cast) -> dict[str, ImprovementAction]:
    """Q3 and Q4 2026 at the gym (times in Beijing, every one a Tuesday at 10:00):

    | complaint | received | first response | resolved | survey (1–5, NPS) |
    |---|---|---|---|---|
    | B | Aug 11 | +4 h, on time | — | — |
    | A | Sep 8 | +2 h, on time | +1 day, on time | 3, 6 |
    | C | Oct 13 | +10 days, late | +40 days, late | 5, 10 |
    | D | Nov 3 | +1 h, on time | +1 day, on time | 4, 9 |
    | E | Nov 10 | +3 h, on time | — | — |
    | F | Nov 17 | — | — | — |
    """
    h, d = timedelta(hours=1), timedelta(days=1)
    _handled(cast, local(2026, 8, 11, 10), "13800000001", respond_after=4 * h)
    _handled(cast, local(2026, 9, 8, 10), "13800000002", respond_after=2 * h,
             resolve_after=d, survey=(3, 6))  # fmt: skip
    _handled(cast, local(2026, 10, 13, 10), "13800000003", respond_after=10 * d,
             resolve_after=40 * d, survey=(5, 10))  # fmt: skip
    first = _handled(cast, local(2026, 11, 3, 10), "13800000004", respond_after=h,
                     resolve_after=d, survey=(4, 9))  # fmt: skip
    _handled(cast, local(2026, 11, 10, 10), "13800000005", respond_after=3 * h)
    _handled(cast, local(2026, 11, 17, 10), "13800000006", respond_after=None)
    done = raised_from(cast, first, at=local(2026, 11, 1, 10), title="服务话术培训",
                       subject_text="", due_on=date(2026, 11, 30))  # fmt: skip
    with clock.travel(local(2026, 11, 10, 9)):
        services.improvement_complete(
            action=done, actor=cast.maintenance, expected_version=1, outcome="培训完成"
        )
    earlier = raised_from(cast, first, at=local(2026, 9, 1, 10), title="上季度的",
                          due_on=date(2026, 9, 30))  # fmt: skip
    with clock.travel(local(2026, 9, 20, 9)):
        services.improvement_complete(
            action=earlier, actor=cast.maintenance, expected_version=1, outcome="好了"
        )
    overdue = raised_from(cast, first, at=local(2026, 11, 1, 10), title="逾期",
                          due_on=date(2026, 11, 15))  # fmt: skip
    raised_from(cast, first, at=local(2026, 11, 1, 10), title="未到期", due_on=date(2026, 12, 20))
    return {"done": done, "overdue": overdue}


def _column(table: Any, key: str) -> list[Any]:
    index = [c.key for c in table.columns].index(key)
    return [row.values[index] for row in table.rows]


def test_the_quarterly_review_reads_figures_computed_by_hand(cast: Cast) -> None:
    actions = _quarters(cast)
    report = quarter_review(
        actor=cast.manager,
        company=cast.company,
        venue=cast.gym,
        quarter="2026-Q4",
        language="en",
        now=NOW,
    )
    sla, satisfaction = report.table("sla"), report.table("satisfaction")
    months = ["Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    assert [str(m).split()[0][:3] for m in _column(sla, "month")[:6]] == months
    assert [str(m) for m in _column(sla, "month")[6:]] == ["Q3 2026", "Q4 2026"]
    d = Decimal
    assert _column(sla, "received") == [0, 1, 1, 1, 3, 0, 2, 4]
    assert _column(sla, "response_on_time") == [
        None, d("100.0"), d("100.0"), d("0.0"), d("100.0"), None, d("100.0"), d("66.7"),
    ]  # fmt: skip
    assert _column(sla, "resolution_on_time") == [
        None, None, d("100.0"), d("0.0"), d("100.0"), None, d("100.0"), d("50.0"),
    ]  # fmt: skip
    assert _column(sla, "resolution_rate") == [
        None, d("0.0"), d("100.0"), d("100.0"), d("33.3"), None, d("50.0"), d("50.0"),
    ]  # fmt: skip
    # Q4: (240 + 1 + 3) / 3 = 81.33 h; Q3: (4 + 2) / 2 = 3 h.
    assert _column(sla, "avg_response_hours") == [
        None, d("4.0"), d("2.0"), d("240.0"), d("2.0"), None, d("3.0"), d("81.3"),
    ]  # fmt: skip
    assert _column(satisfaction, "surveyed") == [0, 0, 1, 1, 1, 0, 1, 2]
    assert _column(satisfaction, "mean") == [
        None, None, d("3.00"), d("5.00"), d("4.00"), None, d("3.00"), d("4.50"),
    ]  # fmt: skip
    assert _column(satisfaction, "positive") == [
        None, None, d("0.0"), d("100.0"), d("100.0"), None, d("0.0"), d("100.0"),
    ]  # fmt: skip
    assert _column(satisfaction, "nps") == [
        None, None, d("-100.00"), d("100.00"), d("100.00"), None, d("-100.00"), d("100.00"),
    ]  # fmt: skip
    gain = report.figure("satisfaction_gain")
    assert (gain.value, gain.target, gain.rag) == (d("100.0"), d("5"), "green")
    assert report.figure("response_on_time_rate").value == d("66.7")
    assert report.figure("response_on_time_rate").change == d("-33.3")
    assert (report.figure("actions_done").value, report.figure("actions_overdue").value) == (1, 1)

    done = report.table("actions_done")
    assert _column(done, "title") == ["服务话术培训"]
    # Service-quality complaints at the gym: C in the 30 days before Nov 1; E and F since Nov 10.
    assert (_column(done, "before"), _column(done, "after")) == ([1], [2])
    assert _column(done, "verdict") == ["Waiting for the after-window to pass"]
    overdue = report.table("actions_overdue")
    assert _column(overdue, "title") == ["逾期"]
    assert _column(overdue, "days_late") == [16]
    assert done.rows[0].link == {"improvement": str(actions["done"].pk)}


def test_the_quarterly_review_page(client: Client, cast: Cast) -> None:
    _quarters(cast)
    as_(client, cast.manager)
    with clock.travel(NOW):
        response = client.get(page("quarterly_review") + "?quarter=2026-Q4&venue=GYM1")
        assert response.status_code == 200
        html = text(response)
        for key in ("sla", "satisfaction", "actions_done", "actions_overdue"):
            assert f'data-table="{key}"' in html
        assert 'data-figure="satisfaction_gain" data-rag="green"' in html
        assert "服务话术培训" in html and "66.7%" in html
        for bad in ("2026-Q9", "9999-Q4", "0000-Q1"):
            assert client.get(page("quarterly_review") + f"?quarter={bad}").status_code == 400
        # The gym's manager may not read the whole company's review, nor another gym's.
        assert client.get(page("quarterly_review") + "?venue=GYM2").status_code == 403
        as_(client, cast.director)
        company = client.get(page("quarterly_review") + "?quarter=2026-Q4")
    assert company.status_code == 200 and "Lifeforce Fitness" in text(company)


# --- the demo ------------------------------------------------------------------------------------


def test_the_demo_has_actions_in_every_status_and_a_judged_effect(client: Client, db: Any) -> None:
    from amends import demo
    from amends.improvements.effect import effect_of

    with clock.travel(NOW):
        assert demo.build(complaints=40) is not None
    actions = ImprovementAction.objects.filter(company__code="DEMO")
    statuses = sorted(actions.values_list("status", flat=True))
    assert statuses == sorted(["done"] * 3 + ["in_progress", "open", "cancelled"])
    for action in actions.filter(status=Status.DONE):
        assert effect_of(action, now=NOW).verdict != "pending"
    overdue = actions.get(status=Status.OPEN)
    assert overdue.venue is None and overdue.due_on < NOW.date()
    as_(client, User.objects.get(username="manager"))
    with clock.travel(NOW):
        listed = client.get(page("improvements") + "?status=all")
    assert listed.status_code == 200
    shown = set(map(int, re.findall(r'data-action="(\d+)"', text(listed))))
    assert shown == set(actions.filter(venue__code="GYM1").values_list("pk", flat=True))


def test_the_edit_form_offers_the_venues_staff_and_saves(client: Client, cast: Cast) -> None:
    complaint = treadmill(cast, local(2026, 11, 20, 9, 30))
    action = raised_from(cast, complaint)
    as_(client, cast.manager)
    with clock.travel(NOW):
        html = text(client.get(page("improvement", action.pk)))
        owners = re.search(r'<select name="owner"[^>]*id="edit-owner".*?</select>', html, re.S)
        assert owners is not None
        assert f'value="{cast.maintenance.pk}" selected' in owners.group(0)
        assert f'value="{cast.outsider.pk}"' not in owners.group(0)  # works at gym2
        assert f'value="{cast.director.pk}"' in owners.group(0)  # company-wide
        saved = client.post(
            page("improvement_act", action.pk, "edit"),
            {
                "version": 1,
                "title": "跑步机皮带每日检查",
                "description": "",
                "owner": cast.specialist.pk,
                "due_on": "2026-12-20",
                "complaints": complaint.reference,
            },
        )
    assert saved.status_code == 302
    stored = fresh(action)
    assert (stored.title, stored.owner, stored.due_on, stored.version) == (
        "跑步机皮带每日检查",
        cast.specialist,
        date(2026, 12, 20),
        2,
    )


# --- in a browser --------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_in_a_browser_the_manager_raises_and_the_owner_completes(
    lang: str, console_for: Any, cast: Cast
) -> None:
    """The live server runs on the real clock, so the complaint is recorded now. Screenshots
    under test-artifacts/browser/<lang>/improvements/."""
    complaint = cast.receive(subject_text="3号跑步机", category="facility_equipment")
    c: Console = console_for(lang, "improvements")
    c.sign_in(cast.manager)
    c.open(page("improvement_new") + f"?complaint={complaint.reference}", "raise-from-complaint")
    form = c.page.locator("main form.card")
    fill(form, {"title": "跑步机皮带每周检查", "owner": cast.maintenance.pk})
    c.shot("raise-filled")
    with c.page.expect_navigation():
        form.locator("button.primary").click()
    c.shot("raised")
    action = ImprovementAction.objects.get()
    expect(c.page.locator("header.complaint-head")).to_have_attribute("data-status", "open")
    expect(c.page.locator(f"li[data-reference='{complaint.reference}'] a")).to_be_visible()

    c.sign_in(cast.maintenance)
    c.open(page("improvement", action.pk), "the-owners-page")
    for key, fields in (("start", {}), ("complete", {"outcome": "换了皮带，建立检查表。"})):
        details = c.page.locator(f"details#step-{key}")
        details.locator("> summary").click()
        step = c.page.locator(f"form#form-{key}")
        fill(step, fields)
        with c.page.expect_navigation():
            step.locator("button.primary").click()
        c.shot(f"after-{key}")
        expect(c.page.locator(".messages li.success")).to_be_visible()
    expect(c.page.locator("header.complaint-head")).to_have_attribute("data-status", "done")
    expect(c.page.locator("section[data-verdict='pending']")).to_be_visible()
    expect(c.page.locator("section[data-verdict] h2")).to_contain_text(
        tr(lang, "Waiting for the after-window to pass")
    )

    c.sign_in(cast.manager)
    c.open(page("improvements") + "?status=all", "list")
    expect(c.page.locator(f"tr[data-action='{action.pk}']")).to_have_attribute(
        "data-status", "done"
    )
    c.open(page("quarterly_review") + "?venue=GYM1", "quarterly-review")
    expect(c.page.locator("[data-table='actions_done'] tbody tr")).to_contain_text(
        "跑步机皮带每周检查"
    )


def test_the_complaint_page_shows_its_actions_and_offers_to_raise_one(
    client: Client, cast: Cast
) -> None:
    complaint = treadmill(cast, local(2026, 11, 20, 9, 30))
    raise_link = f"{page('improvement_new')}?complaint={complaint.reference}"
    with clock.travel(NOW):
        as_(client, cast.manager)
        before = text(client.get(page("complaint", complaint.reference)))
    assert raise_link in before
    assert not re.search(r'href="/console/improvements/\d+/"', before)  # none linked yet

    action = raised_from(cast, complaint, at=NOW)
    with clock.travel(NOW):
        after = text(client.get(page("complaint", complaint.reference)))
        as_(client, cast.desk)
        desk = text(client.get(page("complaint", complaint.reference)))
    assert f'href="{page("improvement", action.pk)}"' in after
    assert raise_link not in desk  # the front desk does not raise actions


def test_the_owners_notification_opens_the_action(client: Client, cast: Cast) -> None:
    from amends.notifications.selectors import notifications_for_user

    action = raised_from(cast, treadmill(cast, local(2026, 11, 20, 9, 30)), at=NOW)
    note = notifications_for_user(user=cast.maintenance).get(context__improvement=action.pk)
    as_(client, cast.maintenance)
    with clock.travel(NOW):
        opened = client.get(page("notification_open", note.pk))
    assert opened.status_code == 302 and opened["Location"] == page("improvement", action.pk)


def test_an_action_raised_from_a_recurring_place_counts_exactly_that_place(
    client: Client, cast: Cast
) -> None:
    """Two complaints about the place '3号跑步机' (told as where, not as whom) make a recurring
    problem in November's report; the manager raises an action from its line. Once done, three
    more about that place come in: the effect says more complaints, not 'the same'."""
    for day in (3, 5):
        treadmill(cast, local(2026, 11, day, 15, 0), subject_text="", location="3号跑步机")
    treadmill(cast, local(2026, 11, 6, 15, 0), subject_text="", location="更衣室")
    as_(client, cast.manager)
    with clock.travel(local(2026, 11, 20, 10, 0)):
        html = text(client.get(reverse("console:monthly_report") + "?venue=GYM1&month=2026-11"))
        link = next(
            url.replace("&amp;", "&")
            for url in re.findall(r'href="(/console/improvements/new/\?[^"]+)"', html)
            if "subject_key" in url
        )
        assert "subject_key=place%3A3%E5%8F%B7%E8%B7%91%E6%AD%A5%E6%9C%BA" in link
        form = text(client.get(link))
        assert 'name="subject_key" value="place:3号跑步机"' in form
        posted = client.post(
            page("improvement_new"),
            {
                "venue": "GYM1",
                "source": "cause",
                "category": cast.category("facility_equipment").pk,
                "subject_text": "3号跑步机",
                "subject_key": "place:3号跑步机",
                "title": "3号跑步机大修",
                "owner": cast.maintenance.pk,
                "due_on": "2026-11-30",
            },
        )
    assert posted.status_code == 302
    action = ImprovementAction.objects.get()
    assert action.subject_key == "place:3号跑步机"
    with clock.travel(local(2026, 11, 21, 9, 0)):
        services.improvement_complete(
            action=action, actor=cast.maintenance, expected_version=1, outcome="换了电机。"
        )
    for day in (23, 25, 27):
        treadmill(cast, local(2026, 11, day, 15, 0), subject_text="", location=" 3号跑步机 ")
    effect = effect_of(fresh(action), now=local(2027, 1, 30, 9, 0))
    assert (effect.before, effect.after, effect.verdict) == (2, 3, "more")
