"""The console around reopen, repeats and duplicates: the intake's duplicate warning, the
complaint page's repeat badge, duplicate warning and merged-into banner, and the low-scores
queue with its one-click reopen."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from amends.complaints import services
from amends.complaints.models import Complaint, ComplaintEvent
from amends.complaints.tests.stories import drive, received
from amends.complaints.transitions import State
from amends.conftest import Cast, local
from amends.core import clock
from amends.orgs.models import User

S = State


def as_(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def page(name: str, *args: str) -> str:
    return reverse(f"console:{name}", args=args)


def test_it_offers_a_duplicate_within_72_hours_at_intake(client: Client, cast: Cast) -> None:
    with clock.travel(local(2026, 12, 1, 10, 0)):
        original = received(cast)
    with clock.travel(local(2026, 12, 3, 18, 0)):  # 56 h later
        html = (
            as_(client, cast.desk)
            .post(page("intake_duplicates"), {"phone": "139 1234 5678"})
            .content.decode()
        )
    assert 'data-duplicates="1"' in html and original.reference in html
    assert "可能重复：该客户近几天有一条未结案的投诉。" in html
    with clock.travel(local(2026, 12, 4, 10, 1)):  # 72 h and a minute later
        late = as_(client, cast.desk).post(page("intake_duplicates"), {"phone": "13912345678"})
    assert late.content.strip() == b""


def test_it_shows_the_duplicate_warning_until_someone_decides(client: Client, cast: Cast) -> None:
    with clock.travel(local(2026, 12, 1, 10, 0)):
        original = received(cast)
    with clock.travel(local(2026, 12, 1, 11, 0)):
        twice = received(cast, channel="phone")
    browser = as_(client, cast.specialist)
    with clock.travel(local(2026, 12, 2, 9, 0)):
        html = browser.get(page("complaint", twice.reference)).content.decode()
        assert f'data-duplicate-of="{original.reference}"' in html
        assert f"合并到 {original.reference}" in html and "不是重复投诉" in html
        # Still there the next day: nobody decided yet.
        html = browser.get(page("complaint", twice.reference)).content.decode()
        assert f'data-duplicate-of="{original.reference}"' in html
        response = browser.post(
            page("act", twice.reference, "not_duplicate"), {"version": twice.version}
        )
        assert response.status_code == 302
        html = browser.get(page("complaint", twice.reference)).content.decode()
    assert "data-duplicate-of" not in html
    assert ComplaintEvent.objects.filter(complaint=twice, kind="not_duplicate").count() == 1
    # Judged a different matter: a repeat of the original, shown with its badge.
    assert 'data-repeat="1"' in html and "重复投诉 ×1" in html


def test_it_merges_from_the_warning_and_names_the_survivor(client: Client, cast: Cast) -> None:
    with clock.travel(local(2026, 12, 1, 10, 0)):
        original = received(cast)
    with clock.travel(local(2026, 12, 1, 11, 0)):
        twice = received(cast, channel="phone", description="电话里又说了一遍教练迟到。")
    browser = as_(client, cast.specialist)
    html = browser.get(page("complaint", twice.reference)).content.decode()
    assert 'name="reason" value="同一事项重复受理。"' in html
    response = browser.post(
        page("act", twice.reference, "merge"),
        {"version": twice.version, "into": original.reference, "reason": "同一事项重复受理。"},
    )
    assert response.status_code == 302
    merged = browser.get(page("complaint", twice.reference)).content.decode()
    assert (
        f'已合并到 <a href="{page("complaint", original.reference)}">{original.reference}</a>'
        in merged
    )
    survivor = browser.get(page("complaint", original.reference)).content.decode()
    assert f"投诉 {twice.reference} 已合并至本投诉" in survivor
    assert "投诉内容：电话里又说了一遍教练迟到。" in survivor


def test_it_shows_the_repeat_count_in_the_queue(client: Client, cast: Cast) -> None:
    with clock.travel(local(2026, 11, 2, 10, 0)):
        drive(cast, S.CLOSED)
    with clock.travel(local(2026, 11, 30, 10, 0)):  # day 28
        again = received(cast)
        html = as_(client, cast.manager).get(page("queue", "all")).content.decode()
    row = html.split(f'data-reference="{again.reference}"')[1].split("</tr>")[0]
    assert '<span class="badge repeat" data-repeat="1">重复投诉 ×1</span>' in row


def test_a_2_of_5_survey_reaches_the_managers_queue_and_reopens_in_one_click(
    client: Client, cast: Cast
) -> None:
    with clock.travel(local(2026, 11, 23, 10, 0)):
        c = drive(cast, S.CLOSED)
    with clock.travel(local(2026, 11, 24, 20, 0)):
        services.survey_answer(token=c.survey.token, satisfaction=2, nps=7, comment="退款太慢")
    manager = as_(client, cast.manager)
    with clock.travel(local(2026, 11, 25, 9, 0)):
        queue = manager.get(page("queue", "low_scores")).content.decode()
        assert f'data-reference="{c.reference}"' in queue
        html = manager.get(page("complaint", c.reference)).content.decode()
        assert "满意度调查分数低：满意度 2/5，推荐意愿 7/10" in html
        assert '<input type="hidden" name="reason" value="退款太慢">' in html
        response = manager.post(
            page("act", c.reference, "reopen"), {"version": c.version, "reason": "退款太慢"}
        )
        assert response.status_code == 302
        queue = manager.get(page("queue", "low_scores")).content.decode()
    c = Complaint.objects.get(pk=c.pk)
    assert c.state == S.INVESTIGATING and c.severity == "important"
    assert f'data-reference="{c.reference}"' not in queue
