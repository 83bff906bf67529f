"""The staff console over HTTP: every page and action checks who is asking, lists cost the same
number of queries for 10 rows as for 30, and bad input is re-shown, never lost."""

from __future__ import annotations

import io
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from amends.complaints import services
from amends.complaints.models import Complaint, ComplaintEvent
from amends.complaints.selectors import QUEUES
from amends.complaints.tests.stories import drive
from amends.complaints.tests.test_evidence import png_bytes
from amends.complaints.transitions import State
from amends.conftest import Cast
from amends.core import config_cache
from amends.orgs.models import User

S = State
PAGES = ["dashboard", "intake", "approvals", "revisits", "settings"]


def as_(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def page(name: str, *args: str) -> str:
    return reverse(f"console:{name}", args=args)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_every_page_needs_a_signed_in_person(client: Client, cast: Cast) -> None:
    c = drive(cast, S.ACKNOWLEDGED)
    urls = [page(p) for p in PAGES] + [page("queue", q) for q in QUEUES]
    urls += [page("complaint", c.reference), page("intake_duplicates")]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/console/login/" in response["Location"], url
    assert client.post(page("act", c.reference, "note"), {"text": "x"}).status_code == 302
    assert not ComplaintEvent.objects.filter(complaint=c, kind="note").exists()


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("desk", {"dashboard", "intake"}),
        ("specialist", {"dashboard", "intake", "approvals", "revisits"}),
        ("manager", {"dashboard", "intake", "approvals", "revisits"}),
        ("maintenance", {"dashboard", "intake"}),
        ("coach", {"dashboard", "intake"}),
        ("director", {"dashboard", "intake", "approvals", "revisits"}),
        ("auditor", {"dashboard"}),
    ],
)
def test_each_role_opens_only_its_pages(
    client: Client, cast: Cast, who: str, allowed: set[str]
) -> None:
    as_(client, getattr(cast, who))
    for name in PAGES:
        status = client.get(page(name)).status_code
        assert status == (200 if name in allowed else 403), (who, name, status)
    for queue in QUEUES:
        assert client.get(page("queue", queue)).status_code == 200


def test_settings_open_for_an_administrator(client: Client, cast: Cast) -> None:
    User.objects.filter(pk=cast.director.pk).update(is_staff=True)
    cast.director.refresh_from_db()
    assert as_(client, cast.director).get(page("settings")).status_code == 200


def test_a_complaint_page_is_only_for_people_who_may_see_it(client: Client, cast: Cast) -> None:
    c = drive(cast, S.INVESTIGATING)  # a service-quality complaint at GYM1
    for who, status in [
        ("desk", 200),
        ("specialist", 200),
        ("director", 200),
        ("auditor", 200),
        ("maintenance", 404),
        ("coach", 404),
        ("outsider", 404),
        ("stranger", 404),
    ]:
        response = as_(client, getattr(cast, who)).get(page("complaint", c.reference))
        assert response.status_code == status, who
        if status == 200:
            assert c.reference in response.content.decode()
            assert "139****5678" in response.content.decode()
            assert "13912345678" not in response.content.decode()


def test_an_action_refuses_the_wrong_role_and_changes_nothing(client: Client, cast: Cast) -> None:
    c = drive(cast, S.INVESTIGATING)
    before = (c.version, ComplaintEvent.objects.filter(complaint=c).count())
    response = as_(client, cast.auditor).post(
        page("act", c.reference, "decline"), {"version": c.version, "reason": "abusive"}
    )
    assert response.status_code == 403
    response = as_(client, cast.outsider).post(
        page("act", c.reference, "decline"), {"version": c.version, "reason": "abusive"}
    )
    assert response.status_code == 404
    c.refresh_from_db()
    assert (c.version, ComplaintEvent.objects.filter(complaint=c).count()) == before
    response = as_(client, cast.manager).post(
        page("act", c.reference, "decline"), {"version": c.version, "reason": "第三次恶意投诉"}
    )
    assert response.status_code == 302
    assert Complaint.objects.get(pk=c.pk).state == S.DECLINED


def test_the_page_offers_only_what_the_viewer_may_do_now(client: Client, cast: Cast) -> None:
    c = drive(cast, S.ASSIGNED)
    html = as_(client, cast.specialist).get(page("complaint", c.reference)).content.decode()
    assert 'id="act-accept"' in html and 'id="act-close"' not in html
    html = as_(client, cast.desk).get(page("complaint", c.reference)).content.decode()
    assert 'id="act-accept"' not in html and 'id="act-assign"' in html


def test_a_stale_form_is_refused_with_a_clear_message(client: Client, cast: Cast) -> None:
    c = drive(cast, S.INVESTIGATING)
    User.objects.filter(pk=cast.specialist.pk).update(language="en")
    seen = c.version
    as_(client, cast.specialist).post(
        page("act", c.reference, "note"), {"version": seen, "text": "已联系客户"}
    )
    response = client.post(
        page("act", c.reference, "investigation"),
        {"version": seen, "report": "覆盖", "validity": "valid"},
    )
    assert response.status_code == 409
    assert "Someone else changed this complaint" in response.content.decode()
    assert Complaint.objects.get(pk=c.pk).investigation_report == ""


def opened_form(html: str, name: str) -> str:
    """The action form `name` as the page shows it, opened because it needs attention."""
    start = html.index(f'<details id="act-{name}" open>')
    return html[start : html.index("</details>", start)]


NOT_NOW = "投诉处于“调查中”状态时不能执行此操作。"


def test_missing_input_is_re_shown_with_the_message(client: Client, cast: Cast) -> None:
    c = drive(cast, S.INVESTIGATING)
    closed = drive(cast, S.CLOSED)
    as_(client, cast.specialist)
    # A field left empty: the form comes back open, with the field's message.
    response = client.post(page("act", closed.reference, "reopen"), {"version": closed.version})
    assert response.status_code == 400
    form = opened_form(response.content.decode(), "reopen")
    assert '<p class="error" id="reopen-reason_error" role="alert">这个字段是必填项。</p>' in form
    # An action the state does not allow: refused as a conflict, saying why.
    response = client.post(
        page("act", c.reference, "explain"), {"version": c.version, "message": "x"}
    )
    assert response.status_code == 409
    assert (
        '<li class="error">投诉处于“调查中”状态时不能执行此操作。</li>' in response.content.decode()
    )
    # Data the step needs is missing on the complaint: the form comes back open, saying what.
    response = client.post(page("act", c.reference, "mark_invalid"), {"version": c.version})
    assert response.status_code == 400
    form = opened_form(response.content.decode(), "mark_invalid")
    assert '<p class="error" role="alert">请先填写调查报告。</p>' in form
    assert Complaint.objects.get(pk=c.pk).state == S.INVESTIGATING
    assert Complaint.objects.get(pk=closed.pk).state == S.CLOSED


def test_it_says_why_when_it_refuses_input_for_an_action_not_offered_now(
    client: Client, cast: Cast
) -> None:
    c = drive(cast, S.INVESTIGATING)  # "reopen" is not offered: the complaint is open
    response = as_(client, cast.specialist).post(
        page("act", c.reference, "reopen"), {"version": c.version}
    )
    # There is no form to correct: the refusal says why, before the input is judged.
    assert response.status_code == 409
    assert (
        '<li class="error">投诉处于“调查中”状态时不能执行此操作。</li>' in response.content.decode()
    )
    assert Complaint.objects.get(pk=c.pk).version == c.version


def test_a_field_error_is_announced_with_its_field(client: Client, cast: Cast) -> None:
    closed = drive(cast, S.CLOSED)
    response = as_(client, cast.specialist).post(
        page("act", closed.reference, "reopen"), {"version": closed.version}
    )
    form = opened_form(response.content.decode(), "reopen")
    described_by = re.search(r'<textarea name="reason"[^>]* aria-describedby="([^"]+)"', form)
    assert described_by is not None
    assert f'id="{described_by.group(1)}" role="alert">这个字段是必填项。</p>' in form


def test_the_front_desk_records_a_complaint_in_three_steps(client: Client, cast: Cast) -> None:
    as_(client, cast.desk)
    form = {
        "venue": cast.gym.pk,
        "channel": "front_desk",
        "customer_name": "王芳",
        "phone": "138 0013 8000",
        "language": "zh-hans",
        "description": "跑步机皮带打滑，摔倒了",
        "severity": "urgent",
        "category": cast.category("facility_equipment").pk,
    }
    assert client.get(page("intake")).status_code == 200
    review = client.post(page("intake"), {**form, "review": "1"})
    assert review.status_code == 200 and "跑步机皮带打滑" in review.content.decode()
    assert not Complaint.objects.exists()
    done = client.post(page("intake"), {**form, "confirm": "1"}, follow=True)
    complaint = Complaint.objects.get()
    assert done.status_code == 200 and complaint.reference in done.content.decode()
    assert complaint.assignee == cast.maintenance and complaint.severity == "urgent"


def test_bad_intake_is_re_shown_and_nothing_is_recorded(client: Client, cast: Cast) -> None:
    as_(client, cast.desk)
    form = {
        "venue": cast.gym.pk,
        "channel": "phone",
        "customer_name": "王芳",
        "phone": "12345",
        "language": "zh-hans",
        "description": "淋浴没有热水",
        "confirm": "1",
    }
    response = client.post(page("intake"), form)
    assert response.status_code == 400
    html = response.content.decode()
    phone = html[html.index('<label for="id_phone">') :]
    phone = phone[: phone.index("</div>")]
    assert 'value="12345"' in phone
    assert '<p class="error" role="alert">请输入有效的电话号码。</p>' in phone
    assert 'id="id_description">\n淋浴没有热水</textarea>' in html
    assert not Complaint.objects.exists()
    response = client.post(page("intake"), {**form, "phone": "", "customer_name": "", "email": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert '<p class="error" role="alert">请填写客户姓名、电话或电子邮件。</p>' in html
    assert 'id="id_description">\n淋浴没有热水</textarea>' in html
    assert not Complaint.objects.exists()


def test_it_warns_of_an_open_complaint_from_the_same_phone(client: Client, cast: Cast) -> None:
    c = cast.receive(phone="13800138000")
    html = (
        as_(client, cast.desk)
        .post(page("intake_duplicates"), {"phone": "+86 138 0013 8000"})
        .content.decode()
    )
    assert c.reference in html
    assert (
        as_(client, cast.desk)
        .post(page("intake_duplicates"), {"phone": "13700000000"})
        .content.strip()
        == b""
    )


def test_unmasking_is_an_audited_click_for_allowed_roles_only(client: Client, cast: Cast) -> None:
    c = cast.receive(category="facility_equipment")
    assert (
        as_(client, cast.maintenance).post(page("reveal_contact", c.reference)).status_code == 403
    )
    response = as_(client, cast.specialist).post(page("reveal_contact", c.reference))
    assert response.status_code == 200 and "+8613800138000" in response.content.decode()
    assert ComplaintEvent.objects.filter(
        complaint=c, kind="personal_data_viewed", actor=cast.specialist
    ).exists()


def test_evidence_is_served_only_to_people_who_may_see_the_complaint(
    client: Client, cast: Cast
) -> None:
    c = cast.receive(category="service_quality")
    as_(client, cast.desk).post(
        page("act", c.reference, "evidence"),
        {"version": c.version, "file": io.BytesIO(png_bytes()), "description": "照片"},
    )
    evidence = c.evidence.get()
    response = client.get(page("evidence", str(evidence.pk)))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert as_(client, cast.outsider).get(page("evidence", str(evidence.pk))).status_code == 404
    assert as_(client, cast.maintenance).get(page("evidence", str(evidence.pk))).status_code == 404


def test_search_matches_a_two_character_chinese_word_and_english(
    client: Client, cast: Cast
) -> None:
    coach = cast.receive(description="私教课教练迟到二十分钟")
    shower = cast.receive(description="淋浴没有热水")
    english = cast.receive(description="The coach shouted at me", language="en")
    as_(client, cast.manager)
    html = client.get(page("queue", "team"), {"q": "教练"}).content.decode()
    assert coach.reference in html and shower.reference not in html
    html = client.get(page("queue", "team"), {"q": "COACH"}).content.decode()
    assert english.reference in html and coach.reference not in html


def test_language_is_remembered_on_the_account(client: Client, cast: Cast) -> None:
    as_(client, cast.desk)
    assert 'lang="zh-hans"' in client.get(page("dashboard")).content.decode()
    client.post(page("language"), {"language": "en", "next": page("dashboard")})
    cast.desk.refresh_from_db()
    assert cast.desk.language == "en"
    assert 'lang="en"' in client.get(page("dashboard")).content.decode()


def listed(response: HttpResponse) -> list[str]:
    """The references a queue page lists, in its order."""
    assert response.status_code == 200
    return re.findall(r'<td><a href="/console/c/([^/"]+)/">', response.content.decode())


def test_the_queue_filters_by_venue_and_state(client: Client, cast: Cast) -> None:
    here = cast.receive()
    there = cast.receive(actor=cast.outsider, venue=cast.gym2)
    as_(client, cast.director)
    # Both were assigned as they were received: nobody waits for an assignee.
    assert listed(client.get(page("queue", "unassigned"), {"venue": cast.gym2.pk, "per": 50})) == []
    Complaint.objects.update(assignee=None)
    assert listed(client.get(page("queue", "unassigned"))) == [there.reference, here.reference]
    assert listed(client.get(page("queue", "unassigned"), {"venue": cast.gym2.pk})) == [
        there.reference
    ]
    assert listed(client.get(page("queue", "unassigned"), {"state": "closed"})) == []


def test_a_person_in_several_venues_switches_between_them(client: Client, cast: Cast) -> None:
    here = cast.receive()
    there = cast.receive(actor=cast.outsider, venue=cast.gym2)
    for actor in (cast.desk, cast.manager):  # up the ladder to the director
        here = services.complaint_escalate(complaint=here, actor=actor, reason="客户要求上级处理")
    assert here.escalated_to == cast.director
    as_(client, cast.director)
    assert listed(client.get(page("queue", "unassigned"))) == []
    assert listed(client.get(page("queue", "mine") + "?state=")) == [here.reference]
    client.post(page("venue"), {"venue": cast.gym2.pk})
    assert listed(client.get(page("queue", "mine") + "?state=")) == []
    dashboard = client.get(page("dashboard")).content.decode()
    assert f"<h1>{cast.gym2.name} · " in dashboard
    assert f'<option value="{cast.gym2.pk}" selected>{cast.gym2.name}</option>' in dashboard
    Complaint.objects.filter(pk__in=[here.pk, there.pk]).update(assignee=None)
    assert listed(client.get(page("queue", "unassigned"))) == [there.reference]
    client.post(page("venue"), {"venue": cast.hotel.pk + 999})  # not theirs: back to all venues
    assert listed(client.get(page("queue", "unassigned"))) == [there.reference, here.reference]


def queries(client: Client, url: str) -> int:
    cache.clear()  # the queue counts counted afresh: the page's full cost
    config_cache.clear()  # and the reader's grants read again
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_a_queue_costs_the_same_queries_for_10_rows_as_for_100(client: Client, cast: Cast) -> None:
    as_(client, cast.manager)
    for _ in range(10):
        cast.receive(category="service_quality", severity="general")
    url = page("queue", "team") + "?per=100"
    few = queries(client, url)
    assert client.get(url).content.decode().count("/console/c/") == 10
    for _ in range(90):
        cast.receive(category="service_attitude", severity="urgent", subject_staff=cast.coach)
    assert client.get(url).content.decode().count("/console/c/") == 100
    assert queries(client, url) == few


def test_a_complaint_page_costs_the_same_queries_however_long_its_story(
    client: Client, cast: Cast
) -> None:
    # Both are being investigated, so the page offers the same actions; the long one has been
    # through a remedy, a revisit and a survey before the customer had it reopened.
    short = drive(cast, S.INVESTIGATING)
    long = services.complaint_reopen(
        complaint=drive(cast, S.CLOSED), actor=cast.specialist, reason="客户对退款金额不满意"
    )
    for text in ("已致电客户", "客户要求全额退款", "已与教练核实"):
        services.complaint_add_note(complaint=long, actor=cast.specialist, text=text)
    assert (short.state, long.state) == (S.INVESTIGATING, S.INVESTIGATING)
    as_(client, cast.manager)
    assert queries(client, page("complaint", long.reference)) == queries(
        client, page("complaint", short.reference)
    )


def test_unmasking_works_without_javascript_too(client: Client, cast: Cast) -> None:
    c = cast.receive()
    response = as_(client, cast.specialist).post(page("reveal_contact", c.reference))
    html = response.content.decode()
    assert response.status_code == 200 and "+8613800138000" in html and c.reference in html
    partial = client.post(
        page("reveal_contact", c.reference), headers={"HX-Request": "true"}
    ).content.decode()
    assert "+8613800138000" in partial and "<html" not in partial


def test_the_sign_in_page_switches_language_before_signing_in(client: Client) -> None:
    assert 'lang="zh-hans"' in client.get(page("login")).content.decode()
    client.post(page("language"), {"language": "en", "next": page("login")})
    assert 'lang="en"' in client.get(page("login")).content.decode()


GARBAGE = {
    "version": "abc",
    "proposal": "x",
    "until": "not a date",
    "amount": "-1e99",
    "assignee": "999999",
    "category": "nope",
    "severity": "extreme",
    "validity": "maybe",
    "kind": "gold",
    "method": "pigeon",
    "accepted": "perhaps",
    "reached": "?",
    "into": "NO-SUCH-REF",
    "staff": "-3",
    "text": "",
    "reason": "",
    "message": "",
    "interviewee_role": "alien",
    "per": "7",
}


@pytest.mark.parametrize(
    "state", [S.ASSIGNED, S.INVESTIGATING, S.APPROVAL_PENDING, S.FEEDBACK_GIVEN]
)
def test_no_garbage_makes_an_action_fail_with_a_server_error(
    client: Client, cast: Cast, state: State
) -> None:
    from amends.console.forms import ACTION_FORMS

    c = drive(cast, state)
    before = (
        Complaint.objects.get(pk=c.pk).version,
        ComplaintEvent.objects.filter(complaint=c).count(),
    )
    as_(client, cast.manager)
    for name in [*ACTION_FORMS, "unknown"]:
        for data in (GARBAGE, {}):
            status = client.post(page("act", c.reference, name), data).status_code
            assert 400 <= status < 500, (name, data, status)
    assert client.get(page("queue", "team"), GARBAGE).status_code == 200
    assert (
        Complaint.objects.get(pk=c.pk).version,
        ComplaintEvent.objects.filter(complaint=c).count(),
    ) == before
    for name in ACTION_FORMS:  # a bare version: some actions need nothing more, none may fail
        version = Complaint.objects.get(pk=c.pk).version
        status = client.post(page("act", c.reference, name), {"version": version}).status_code
        assert status < 500, (name, status)


def test_the_record_button_pressed_twice_records_one_complaint(client: Client, cast: Cast) -> None:
    """The form carries a token made when it was shown, through the read-back; sent again (the
    answer was lost, the desk pressed again) it opens the complaint the first one recorded."""
    as_(client, cast.desk)
    shown = client.get(page("intake")).content.decode()
    token = re.search(r'name="submission" value="([0-9a-f]{32})"', shown)
    assert token is not None
    form = {
        "venue": cast.gym.pk,
        "channel": "front_desk",
        "customer_name": "王芳",
        "phone": "13800138000",
        "language": "zh-hans",
        "description": "淋浴间的热水一直不够热。",
        "submission": token.group(1),
        "review": "1",
    }
    review = client.post(page("intake"), form).content.decode()
    assert f'name="submission" value="{token.group(1)}"' in review
    first = client.post(page("intake"), {**form, "confirm": "1"})
    again = client.post(page("intake"), {**form, "confirm": "1"})
    complaint = Complaint.objects.get()
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == page("intake_done", complaint.reference)
    # A fresh form is another complaint.
    other = re.search(
        r'name="submission" value="([0-9a-f]{32})"', client.get(page("intake")).content.decode()
    )
    assert other is not None and other.group(1) != token.group(1)
    client.post(page("intake"), {**form, "submission": other.group(1), "confirm": "1"})
    assert Complaint.objects.count() == 2
