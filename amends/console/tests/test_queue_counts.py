"""The queue counts every console page shows: one pass over the open complaints, kept per person
and venue for a short time and counted afresh after any write; "overdue" and "due soon" read the
stored running deadline; "all complaints" and a queue's pages never count every match."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from amends.complaints import selectors, services
from amends.complaints.models import Complaint
from amends.complaints.tests.stories import drive, received
from amends.complaints.transitions import State
from amends.conftest import Cast, local
from amends.console import paging
from amends.core import clock

S = State


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def counted(cast: Cast, actor=None) -> dict[str, int]:
    return selectors.queue_counts(actor=actor or cast.manager, venue_id=cast.gym.pk)


def test_it_counts_the_queues_in_one_pass_and_keeps_them(cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        urgent = received(cast, severity="urgent")  # a reply due at 14:00
        received(cast, severity="general")  # due tomorrow 18:00
        drive(cast, S.INVESTIGATING, severity="general")  # the specialist's
    with clock.travel(local(2026, 11, 20, 12, 0)), CaptureQueriesContext(connection) as first:
        counts = counted(cast)
    assert counts == {
        "all": 3,
        "mine": 0,
        "team": 3,  # routed to the manager's customer-service team
        "unassigned": 2,
        "due_soon": 1,
        "overdue": 0,
        "approvals": 0,
        "waiting_customer": 0,
        "revisits": 0,
        "low_scores": 0,
    }
    # The open pass, "all" capped, revisits, low scores — and what scope and venues need.
    assert len(first) <= 7, [q["sql"][:120] for q in first]
    with clock.travel(local(2026, 11, 20, 12, 0)), CaptureQueriesContext(connection) as again:
        assert counted(cast) == counts
    assert len(again) == 0  # kept
    with clock.travel(local(2026, 11, 20, 12, 0)):
        soon = selectors.queue_for_actor(actor=cast.manager, name="due_soon")
        assert [c.pk for c in soon] == [urgent.pk]


def test_a_write_shows_in_the_counts_on_the_next_page(cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = received(cast)
        assert counted(cast)["unassigned"] == 1
        services.complaint_assign(complaint=c, actor=cast.desk, assignee=cast.specialist)
        assert counted(cast)["unassigned"] == 0  # the gate's save
        assert counted(cast, cast.specialist)["mine"] == 1
        received(cast)
        assert counted(cast)["unassigned"] == 1  # an intake
        assert counted(cast)["all"] == 2


def test_overdue_and_due_soon_follow_the_stored_running_deadline(cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = received(cast, severity="urgent")  # a reply due at 14:00

    def queue(name: str, hour: int, minute: int = 0) -> list[str]:
        with clock.travel(local(2026, 11, 20, hour, minute)):
            return [x.reference for x in selectors.queue_for_actor(actor=cast.manager, name=name)]

    assert (queue("due_soon", 9, 59), queue("overdue", 9, 59)) == ([], [])  # not within 4 h yet
    assert (queue("due_soon", 10, 1), queue("overdue", 10, 1)) == ([c.reference], [])
    assert (queue("due_soon", 14, 0), queue("overdue", 14, 0)) == ([], [c.reference])
    # The queues read the stored column (the index), not the deadlines computed anew.
    Complaint.objects.filter(pk=c.pk).update(due_at=local(2026, 11, 20, 20, 0))
    assert (queue("due_soon", 17, 0), queue("overdue", 17, 0)) == ([c.reference], [])
    with clock.travel(local(2026, 11, 20, 14, 30)):
        waiting = drive(cast, S.APPROVED, severity="urgent")  # the clock waits on the customer
    assert waiting.reference not in queue("overdue", 23, 0) + queue("due_soon", 23, 0)


def test_overdue_lists_the_most_overdue_first(client: Client, cast: Cast) -> None:
    made = []
    for hour in (11, 9, 10):  # received in this order, due 4 h later
        with clock.travel(local(2026, 11, 20, hour, 0)):
            made.append(received(cast, severity="urgent").reference)
    client.force_login(cast.manager)
    with clock.travel(local(2026, 11, 21, 9, 0)):
        html = client.get(reverse("console:queue", args=["overdue"])).content.decode()
    shown = re.findall(r'<tr data-reference="([^"]+)"', html)
    assert shown == [made[1], made[2], made[0]]


def test_all_complaints_counts_no_further_than_the_cap(
    client: Client, cast: Cast, monkeypatch
) -> None:
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    monkeypatch.setattr(paging, "CAP", 3)
    for _ in range(5):
        received(cast)
    assert counted(cast)["all"] == 4  # three, and the one that says "more"
    assert counted(cast)["unassigned"] == 5  # an open queue is counted exactly
    client.force_login(cast.manager)
    html = client.get(reverse("console:queue", args=["all"]) + "?per=25").content.decode()
    assert html.count("1,000+") == 2  # the tab and the list's count


def test_a_queues_pages_link_on_without_a_count_of_pages(client: Client, cast: Cast) -> None:
    for _ in range(27):
        received(cast)
    client.force_login(cast.manager)
    url = reverse("console:queue", args=["all"])
    first = client.get(url).content.decode()
    assert first.count('<tr data-reference="') == 25
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get(url + "?page=2").content.decode()
    assert second.count('<tr data-reference="') == 2
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert 'data-count="27"' in first  # counted, as it is under the cap


def test_every_queue_and_count_is_the_actors_own(cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        received(cast)
        cast.receive(actor=cast.director, venue=cast.hotel)
    assert counted(cast, cast.outsider)["all"] == 0
    assert selectors.queue_counts(actor=cast.manager, venue_id=None)["all"] == 1
    assert selectors.queue_counts(actor=cast.director, venue_id=None)["all"] == 2
