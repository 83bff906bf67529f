"""The console as people use it, over HTTP: the all-complaints view, the one search box, the
approvals inbox, the dashboard against its targets, the navigation and the notification bell.
Every page checks who is asking; lists cost the same queries for few rows as for many."""

from __future__ import annotations

import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from amends.complaints import services
from amends.complaints.models import Survey
from amends.complaints.selectors import TILES, windows
from amends.complaints.tests.stories import act, drive
from amends.complaints.transitions import State
from amends.conftest import Cast, local
from amends.core import clock, config_cache
from amends.notifications.models import Outbox
from amends.orgs.models import User
from amends.orgs.services import venue_create
from amends.workflow.models import PersonalAuthorityLimit, ServiceTargets
from amends.workflow.services import workflow_install_defaults

S = State


def as_(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def page(name: str, *args: str) -> str:
    return reverse(f"console:{name}", args=args)


def listed(response: HttpResponse) -> list[str]:
    """The references a list page (queue, all complaints, search) shows, in its order."""
    assert response.status_code == 200, response.status_code
    return re.findall(r'<td[^>]*><a href="/console/c/([^/"]+)/">', response.content.decode())


def queries(client: Client, url: str) -> int:
    cache.clear()  # the queue counts counted afresh: the page's full cost
    config_cache.clear()  # and the reader's grants read again
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# --- access -----------------------------------------------------------------------------------


def test_it_sends_a_stranger_to_the_sign_in_page_from_every_new_page(
    client: Client, cast: Cast
) -> None:
    urls = [
        page("queue", "all"),
        page("search") + "?q=13800138000",
        page("notifications"),
        page("notification_open", "1"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/console/login/" in response["Location"], url
    assert client.post(page("notifications_read")).status_code == 302


# --- all complaints -----------------------------------------------------------------------------


def test_it_shows_each_role_every_complaint_of_its_scope_open_and_closed(
    client: Client, cast: Cast
) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        closed = drive(cast, S.CLOSED)
        shower = cast.receive(description="淋浴没有热水", category="hygiene_environment")
        pudong = cast.receive(actor=cast.outsider, venue=cast.gym2, description="前台态度差")
        expected = {
            "desk": [shower.reference, closed.reference],
            "specialist": [shower.reference, closed.reference],
            "director": [pudong.reference, shower.reference, closed.reference],
            "auditor": [pudong.reference, shower.reference, closed.reference],
            "outsider": [pudong.reference],
            "courses": [],
            "stranger": [],
        }
        for who, references in expected.items():
            client.logout()
            found = listed(as_(client, getattr(cast, who)).get(page("queue", "all")))
            assert sorted(found) == sorted(references), who
        # Closed ones are there, and the state filter narrows the view as in the queues.
        as_(client, cast.desk)
        assert listed(client.get(page("queue", "all"), {"state": "closed"})) == [closed.reference]


def test_it_keeps_a_complaint_in_sight_of_someone_who_handled_it_after_it_moved_on(
    client: Client, cast: Cast
) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        # A service complaint (the customer-service department's) the front desk first gives
        # to the course supervisor, then the manager gives to a specialist.
        c = drive(cast, S.ACKNOWLEDGED)
        act("assign", c, cast.desk, assignee=cast.courses.pk)
        act("assign", c, cast.manager, assignee=cast.specialist.pk)
        c.refresh_from_db()
        assert c.assignee == cast.specialist and c.department.code == "customer_service"
        assert c.owner != cast.courses and c.received_by != cast.courses
        as_(client, cast.courses)
        assert listed(client.get(page("queue", "all"))) == [c.reference]
        assert client.get(page("complaint", c.reference)).status_code == 200
        # Someone who never handled it still does not see it.
        client.logout()
        as_(client, cast.maintenance)
        assert listed(client.get(page("queue", "all"))) == []
        assert client.get(page("complaint", c.reference)).status_code == 404


def test_the_all_complaints_view_costs_the_same_queries_for_5_rows_as_for_40(
    client: Client, cast: Cast
) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        as_(client, cast.manager)
        for _ in range(5):
            cast.receive(category="service_quality", severity="general")
        url = page("queue", "all") + "?per=50"
        few = queries(client, url)
        assert len(listed(client.get(url))) == 5
        for _ in range(35):
            cast.receive(category="service_attitude", severity="urgent", subject_staff=cast.coach)
        assert len(listed(client.get(url))) == 40
        assert queries(client, url) == few


# --- the search box -----------------------------------------------------------------------------


def test_it_finds_every_complaint_of_a_phone_however_it_is_written(
    client: Client, cast: Cast
) -> None:
    with clock.travel(local(2026, 11, 18, 10, 0)):
        old = drive(cast, S.CLOSED, phone="13912345678")
    with clock.travel(local(2026, 11, 20, 9, 0)):
        new = cast.receive(phone="139 1234 5678", description="更衣柜坏了")
        other = cast.receive(phone="13800138000", email="")
        pudong = cast.receive(actor=cast.outsider, venue=cast.gym2, phone="13912345678")
        as_(client, cast.desk)
        for written in ("13912345678", "+86 139-1234-5678", "139 1234 5678"):
            found = listed(client.get(page("search"), {"q": written}))
            assert found == [new.reference, old.reference], written
        html = client.get(page("search"), {"q": "13912345678"}).content.decode()
        assert other.reference not in html and pudong.reference not in html  # not hers / not here
        # The front desk reads out the state in words, the owner and the deadline.
        row = re.search(rf'<tr data-reference="{old.reference}">.*?</tr>', html, re.S)
        assert row is not None
        assert '<td data-label="State" class="state">' not in row.group(0)  # zh-Hans labels
        assert f'class="state">{S.CLOSED.label}<' in row.group(0).replace("结案", "结案")
        assert str(old.owner) in row.group(0)
        # A number that is not hers finds nothing; a partial phone is not a phone search.
        assert listed(client.get(page("search"), {"q": "13912345670"})) == []


def test_it_opens_a_complaint_at_once_from_its_whole_reference(client: Client, cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        c = cast.receive()
        pudong = cast.receive(actor=cast.outsider, venue=cast.gym2)
        as_(client, cast.desk)
        response = client.get(page("search"), {"q": c.reference.lower()})
        assert response.status_code == 302 and response["Location"] == page(
            "complaint", c.reference
        )
        # Another venue's reference is not revealed: nothing is found.
        assert listed(client.get(page("search"), {"q": pudong.reference})) == []


def test_it_finds_todays_complaint_by_its_number_alone(client: Client, cast: Cast) -> None:
    with clock.travel(local(2026, 11, 19, 15, 0)):
        yesterday = cast.receive()
    with clock.travel(local(2026, 11, 20, 9, 0)):
        first = cast.receive()
        second = cast.receive()
        assert first.reference.endswith("-20261120-0001") and yesterday.reference.endswith("-0001")
        as_(client, cast.desk)
        assert listed(client.get(page("search"), {"q": "0002"})) == [second.reference]
        assert listed(client.get(page("search"), {"q": "1"})) == [first.reference]


def test_todays_number_follows_each_venues_own_day(client: Client, cast: Cast) -> None:
    """At 23:30 in Shanghai it is already 00:30 on the next day in Tokyo: number 1 is today's
    first complaint of each venue, as each venue's references count the day."""
    tokyo = venue_create(company=cast.company, code="TYO1", name="东京店", timezone="Asia/Tokyo")
    workflow_install_defaults(company=cast.company)
    with clock.travel(local(2026, 11, 20, 23, 30)):
        shanghai_first = cast.receive()
        tokyo_first = cast.receive(actor=cast.director, venue=tokyo)
        assert shanghai_first.reference == "GYM1-20261120-0001"
        assert tokyo_first.reference == "TYO1-20261121-0001"
        as_(client, cast.director)
        found = listed(client.get(page("search"), {"q": "1"}))
    assert sorted(found) == ["GYM1-20261120-0001", "TYO1-20261121-0001"]


def test_it_finds_a_member_number_exactly_and_words_in_both_languages(
    client: Client, cast: Cast
) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        member = cast.receive(member_number="VIP-0088", description="私教课教练迟到")
        english = cast.receive(
            description="The coach shouted at me", language="en", phone="13700137000", email=""
        )
        closed = drive(cast, S.CLOSED, description="淋浴没有热水，教练也不管")
        as_(client, cast.desk)
        assert listed(client.get(page("search"), {"q": "vip-0088"})) == [member.reference]
        assert listed(client.get(page("search"), {"q": "VIP-008"})) == []
        assert listed(client.get(page("search"), {"q": "教练"})) == [
            closed.reference,
            member.reference,
        ]
        assert listed(client.get(page("search"), {"q": "COACH shouted"})) == [english.reference]


def test_the_search_page_costs_the_same_queries_for_3_results_as_for_30(
    client: Client, cast: Cast
) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        as_(client, cast.manager)
        for _ in range(3):
            cast.receive(description="教练迟到")
        url = page("search") + "?q=教练"
        few = queries(client, url)
        for _ in range(22):
            cast.receive(description="教练不在", severity="urgent", subject_staff=cast.coach)
        assert len(listed(client.get(url))) == 25
        assert queries(client, url) == few


# --- approvals ----------------------------------------------------------------------------------


def test_the_approvals_inbox_shows_what_the_approver_needs(client: Client, cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        c = drive(
            cast,
            S.APPROVAL_PENDING,
            amount=800,
            severity="important",
            customer_request="退还本节私教课费用",
        )
        as_(client, cast.manager)
        html = client.get(page("approvals")).content.decode()
        card = re.search(
            rf'<section class="card approval" data-reference="{c.reference}">.*?</section>',
            html,
            re.S,
        )
        assert card is not None
        text = re.sub(r"\s+", " ", card.group(0))
        assert '<span class="badge important">重要</span>' in text
        assert '<dd class="asks">退还本节私教课费用</dd>' in text
        assert '<dd class="finding">属实: 教练确实迟到。</dd>' in text
        assert '<dd class="responsibility">员工' in text
        assert '<dd class="limit">¥2000.00</dd>' in text
        assert "¥800.00" in text and "在您 ¥2000.00 的处理权限内" in text
        # A personal limit set in the admin is the one shown.
        PersonalAuthorityLimit.objects.create(user=cast.manager, limit=Decimal("1000"))
        html = client.get(page("approvals")).content.decode()
        assert '<dd class="limit">¥1000.00</dd>' in html


# --- dashboard ----------------------------------------------------------------------------------


def tile(html: str, name: str) -> tuple[str, int, str]:
    """A dashboard tile: its link, how many complaints it counts, its figure."""
    found = re.search(
        rf'data-tile="{name}" data-count="(\d+)" href="([^"]+)">\s*<span class="n">([^<]*)</span>',
        html,
    )
    assert found is not None, name
    return found.group(2).replace("&amp;", "&"), int(found.group(1)), found.group(3)


def tile_number(html: str, name: str) -> str:
    return tile(html, name)[2]


def test_each_dashboard_tile_links_to_exactly_its_complaints(client: Client, cast: Cast) -> None:
    with clock.travel(local(2026, 10, 31, 23, 30)):  # last month: in no tile of this month
        cast.receive()
    with clock.travel(local(2026, 11, 19, 23, 50)):  # yesterday, late
        late = cast.receive(severity="general")
        answered = drive(cast, S.INVESTIGATING)
    with clock.travel(local(2026, 11, 20, 8, 0)):
        drive(cast, S.CLOSED, complaint=answered)
        survey = Survey.objects.get(complaint=answered)
        services.survey_answer(token=survey.token, satisfaction=2, nps=3, comment="还是不满意")
    with clock.travel(local(2026, 11, 21, 0, 10)):  # today, just after midnight
        today = cast.receive(severity="urgent")
    with clock.travel(local(2026, 11, 21, 9, 0)):
        as_(client, cast.manager)
        html = client.get(page("dashboard")).content.decode()
        shown = re.findall(r'data-tile="([a-z_]+)"', html)
        assert set(shown) == set(TILES) - {"received_month"}
        counts = {}
        for name in shown:
            link, count, _figure = tile(html, name)
            separator = "&" if "?" in link else "?"
            counts[name] = listed(client.get(f"{link}{separator}per=100"))
            assert count == len(counts[name]), name  # the tile counts what its link lists
        assert counts["new_today"] == [today.reference]
        # Resolved (the feedback counts), or past its resolution deadline: only the one.
        assert counts["resolvable_month"] == [answered.reference]
        assert counts["responded_month"] == [answered.reference]
        assert counts["surveyed_month"] == [answered.reference]
        # Yesterday's general complaint is still unanswered after 24 h: a late response.
        assert counts["late_month"] == [late.reference]
        assert tile_number(html, "new_today") == "1" and tile_number(html, "late_month") == "1"
        assert tile_number(html, "resolvable_month") == "100.0%"  # resolved: 1 of 1
        assert tile_number(html, "surveyed_month") == "0.0%"  # one answer, 2 of 5


def test_the_dashboard_measures_against_the_companys_own_targets(
    client: Client, cast: Cast
) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        c = drive(cast, S.ASSIGNED)
    with clock.travel(local(2026, 11, 20, 17, 0)):  # answered after 8 hours
        act("accept", c, cast.specialist)
        as_(client, cast.manager)
        html = client.get(page("dashboard")).content.decode()
        assert tile_number(html, "responded_month") == "8.0 h"
        assert "目标：≤ 12 h" in html
        tile = re.search(r'<a class="figure( off)?" data-tile="responded_month"', html)
        assert tile is not None and tile.group(1) is None
        ServiceTargets.objects.create(company=cast.company, average_response_hours=Decimal("6"))
        html = client.get(page("dashboard")).content.decode()
        assert "目标：≤ 6 h" in html
        tile = re.search(r'<a class="figure off" data-tile="responded_month".*?</a>', html, re.S)
        assert tile is not None and '<span class="verdict">未达标</span>' in tile.group(0)


def test_it_bounds_today_and_this_month_in_the_venues_time_zone() -> None:
    # 00:30 on 1 November in Shanghai is still 31 October in UTC.
    span = windows(tz=ZoneInfo("Asia/Shanghai"), now=local(2026, 11, 1, 0, 30))
    assert span.day == (local(2026, 11, 1), local(2026, 11, 2))
    assert span.month == (local(2026, 11, 1), local(2026, 12, 1))


# --- navigation ---------------------------------------------------------------------------------


def test_the_navigation_marks_the_page_you_are_on(client: Client, cast: Cast) -> None:
    as_(client, cast.manager)
    for url, label in [
        (page("dashboard"), "工作台"),
        (page("queue", "all"), "全部投诉"),
        (page("queue", "overdue"), "工作队列"),
        (page("approvals"), "审批"),
    ]:
        html = client.get(url).content.decode()
        nav = re.search(r'<nav aria-label="[^"]*">(.*?)</nav>', html, re.S)
        assert nav is not None
        current = re.findall(r'aria-current="page"[^>]*>([^<]+)<', nav.group(1))
        assert current == [label], (url, current)


# --- the notification bell ----------------------------------------------------------------------


def bell(html: str) -> str:
    found = re.search(r'<b class="count">(\d+)</b>', html)
    assert found is not None
    return found.group(1)


def test_the_bell_counts_unread_notifications_and_opens_their_complaints(
    client: Client, cast: Cast
) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        first = drive(cast, S.ACKNOWLEDGED)
        second = drive(cast, S.ACKNOWLEDGED, phone="13700137000")
        act("assign", first, cast.desk, assignee=cast.specialist2.pk)
        act("assign", second, cast.desk, assignee=cast.specialist2.pk)
        mine = Outbox.objects.filter(recipient_user=cast.specialist2, channel="in_app")
        assert mine.count() == 2
        as_(client, cast.specialist2)
        assert bell(client.get(page("dashboard")).content.decode()) == "2"
        html = client.get(page("notifications")).content.decode()
        assert html.count('<li class="unread k-assignment">') == 2
        # Opening one reads it and shows its complaint.
        item = mine.get(reference=first.reference)
        response = client.get(page("notification_open", str(item.pk)))
        assert response["Location"] == page("complaint", first.reference)
        item.refresh_from_db()
        assert item.read_at == clock.now()
        assert bell(client.get(page("dashboard")).content.decode()) == "1"
        # Mark all read.
        client.post(page("notifications_read"))
        assert bell(client.get(page("dashboard")).content.decode()) == "0"
        assert not mine.filter(read_at__isnull=True).exists()
        # Nobody reads another person's notifications.
        client.logout()
        as_(client, cast.desk)
        response = client.get(page("notification_open", str(item.pk)))
        assert response["Location"] == page("notifications")
        assert "已致电" not in client.get(page("notifications")).content.decode()
        assert '<li class="unread' not in client.get(page("notifications")).content.decode()


def test_an_administrator_sets_the_targets_in_the_admin(client: Client, cast: Cast) -> None:
    User.objects.filter(pk=cast.director.pk).update(is_staff=True, is_superuser=True)
    as_(client, cast.director)
    add = "/admin/workflow/servicetargets/add/"
    assert client.get(add).status_code == 200
    response = client.post(
        add,
        {
            "company": cast.company.pk,
            "respond_within_hours": "12",
            "average_response_hours": "4",
            "resolution_rate": "99",
            "positive_rate": "90",
            "on_time_rate": "90",
            "reopen_rate": "3",
            "nps": "20",
            "amber_margin": "10",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    targets = ServiceTargets.objects.get(company=cast.company)
    assert (targets.average_response_hours, targets.positive_rate) == (Decimal(4), Decimal(90))
    html = client.get(page("dashboard")).content.decode()
    assert "未在 12 小时内首次响应" in html and "目标：≤ 4 h" in html and "目标：≥ 90%" in html


def test_every_list_page_offers_the_next_page_when_there_is_one(client: Client, cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        for n in range(26):
            cast.receive(description=f"第{n}次：淋浴没有热水。")
        as_(client, cast.desk)
        for url, params in (
            (page("queue", "all"), {}),
            (page("search"), {"q": "淋浴"}),
        ):
            first = client.get(url, params)
            html = first.content.decode()
            assert len(listed(first)) == 25, url
            assert "第 1 页，共 2 页" in html, url
            assert "page=2" in html, url
            second = client.get(url, {**params, "page": 2})
            assert len(listed(second)) == 1, url
