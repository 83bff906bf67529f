"""A queue page reads its rows with the columns a row shows (`selectors.as_list_rows`) and costs
the same queries for 3 rows as for 12, whatever the rows show: a category, an assignee, a
sensitive description withheld, a deadline met late, a repeat. A column the list starts to show
without being read would cost a query per row here. And a choice's label (state, channel,
severity) is the one Django's own `get_<field>_display` gives, in either language."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from amends.complaints import selectors
from amends.complaints.models import Complaint, Revisit
from amends.complaints.tests.stories import drive, received
from amends.complaints.transitions import State
from amends.conftest import Cast, local
from amends.core import clock, config_cache
from amends.core.choices import label_of
from amends.orgs.models import User

S = State
HURT = "孩子在泳池边滑倒，膝盖流血了。"


def queue_page(client: Client, reader: User, language: str) -> tuple[int, str]:
    User.objects.filter(pk=reader.pk).update(language=language)  # the console speaks it
    client.force_login(reader)
    cache.clear()  # the queue counts counted afresh: the page's full cost
    config_cache.clear()  # and the reader's grants read again
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("console:queue", args=["all"]))
    assert response.status_code == 200
    return len(captured), response.content.decode()


def rows_of_every_kind(cast: Cast) -> None:
    """A received complaint, one assigned, one whose description is withheld from the
    reader, one answered and resolved three days after its deadlines."""
    received(cast, severity="urgent")
    drive(cast, S.ASSIGNED, severity="important")
    received(cast, description=HURT)
    late = received(cast, severity="urgent")
    with clock.travel(local(2026, 11, 23, 10, 0)):
        drive(cast, S.EXPLAINED, complaint=late)


def test_a_queue_page_costs_the_same_queries_for_3_rows_as_for_12(
    client: Client, cast: Cast
) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        received(cast)
        received(cast)
        received(cast)
    with clock.travel(local(2026, 11, 23, 12, 0)):
        few, _ = queue_page(client, cast.specialist2, "zh-hans")
    with clock.travel(local(2026, 11, 20, 10, 0)):
        for _ in range(2):
            rows_of_every_kind(cast)
        received(cast, channel="phone")
    with clock.travel(local(2026, 11, 23, 12, 0)):
        many, html = queue_page(client, cast.specialist2, "zh-hans")
    assert html.count("<tr data-reference=") == 12
    assert many == few
    # What the rows show, read with the page's own queries.
    specialist = cast.specialist.name_in("zh-hans")
    assert html.count(f'<td data-label="处理人">{specialist}</td>') == 2 + 2  # assigned, late
    assert html.count("▇▇▇") == 2  # specialist2 sees the venue's, handles neither hurt child's
    assert HURT not in html
    assert html.count('data-late="respond"') + html.count('data-late="resolve"') >= 2
    assert "电话" in html and "服务质量" in html


def test_whoever_makes_a_hurt_childs_revisit_reads_it_in_the_list(
    client: Client, cast: Cast
) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        hurt = received(cast, description=HURT)
        other = received(cast, description=HURT.replace("孩子", "女儿"))
        Revisit.objects.create(
            complaint=hurt, assignee=cast.specialist2, due_at=local(2026, 11, 25, 10, 0)
        )
        Revisit.objects.create(  # another person's revisit reads nothing for specialist2
            complaint=other, assignee=cast.specialist, due_at=local(2026, 11, 25, 10, 0)
        )
    with clock.travel(local(2026, 11, 23, 12, 0)):
        _, html = queue_page(client, cast.specialist2, "zh-hans")
    assert HURT in html
    assert html.count("▇▇▇") == 1


def test_the_page_reads_in_english_what_it_reads_in_chinese(client: Client, cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        rows_of_every_kind(cast)
    with clock.travel(local(2026, 11, 23, 12, 0)):
        zh_queries, zh = queue_page(client, cast.specialist2, "zh-hans")
        en_queries, en = queue_page(client, cast.specialist2, "en")
    assert zh_queries == en_queries
    assert "已向客户解释" in zh and "Explained to customer" in en and "已向客户解释" not in en
    assert "紧急" in zh and "Urgent" in en
    assert "Service quality" in en


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_label_is_the_one_django_gives(language: str) -> None:
    django_display = Complaint._meta.get_field("state")
    with translation.override(language):
        for field_name in ("state", "channel", "severity"):
            field = Complaint._meta.get_field(field_name)
            expected = dict(field.flatchoices)
            for value, label in expected.items():
                assert label_of(field, value) == str(label)
                assert isinstance(label_of(field, value), str)
        assert label_of(django_display, "no_such_state") == "no_such_state"
        assert label_of(django_display, None) is None
        complaint = Complaint(state=State.EXPLAINED, channel="phone", severity="")
        assert complaint.get_state_display() == str(dict(django_display.flatchoices)["explained"])


def listed(html: str) -> tuple[int, int]:
    """(the count the page states, the rows it lists)."""
    stated = int(html.split('data-count="', 1)[1].split('"', 1)[0])
    return stated, html.count("<tr data-reference=")


def test_an_unfiltered_queue_states_the_count_its_tab_has_and_lists_that_many(
    client: Client, cast: Cast
) -> None:
    """The whole queue's size is the tab's count (not counted a second time): for every queue
    and two people, the page states it and lists exactly that many rows."""
    with clock.travel(local(2026, 11, 20, 10, 0)):
        rows_of_every_kind(cast)
        drive(cast, S.APPROVAL_PENDING, amount=500)
        drive(cast, S.APPROVED)
    names = [n for n in selectors.QUEUES if n != "low_scores"]
    seen = {}
    for reader in (cast.specialist, cast.manager):
        client.force_login(reader)
        cache.clear()
        with clock.travel(local(2026, 11, 20, 11, 0)):
            counts = selectors.queue_counts(actor=reader, venue_id=None)
            for name in names:
                html = client.get(
                    reverse("console:queue", args=[name]) + "?per=100"
                ).content.decode()
                assert listed(html) == (counts[name], counts[name]), (reader, name)
        seen[reader.username] = counts
    assert seen[cast.specialist.username]["mine"] == 4  # all but the received and the hurt
    manager = seen[cast.manager.username]
    assert (manager["all"], manager["unassigned"], manager["approvals"]) == (6, 2, 1)
    assert manager["waiting_customer"] == 1


def test_an_unfiltered_queue_is_not_counted_twice_a_filtered_one_is(
    client: Client, cast: Cast
) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        rows_of_every_kind(cast)
    client.force_login(cast.manager)
    url = reverse("console:queue", args=["all"])
    with clock.travel(local(2026, 11, 20, 11, 0)):
        client.get(url)  # the tabs' counts, counted and kept
        with CaptureQueriesContext(connection) as whole:
            html = client.get(url).content.decode()
        assert listed(html) == (4, 4)
        with CaptureQueriesContext(connection) as filtered:
            html = client.get(url + "?severity=urgent").content.decode()
        assert listed(html) == (2, 2)  # counted for the filter, not the tab's 4
    counted = [q["sql"] for q in whole if q["sql"].startswith('SELECT COUNT(*) FROM (SELECT "')]
    assert counted == []
    counted = [
        q["sql"] for q in filtered if "COUNT(" in q["sql"] and "complaints_complaint" in q["sql"]
    ]
    assert len(counted) == 1
