"""The dashboard and the approvals inbox cost a fixed number of queries: the figures are
aggregates in the database (three passes), and the inbox reads its rows' proposals and the
approver's authority for the whole page at once — no permission check per row."""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from amends.complaints import selectors
from amends.complaints.tests.stories import drive, received
from amends.complaints.transitions import State
from amends.conftest import Cast, local
from amends.core import clock, config_cache

S = State


def queries(client: Client, url: str) -> tuple[int, str]:
    cache.clear()  # the queue counts counted afresh: the page's full cost
    config_cache.clear()  # and the reader's grants read again
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_the_dashboard_costs_the_same_queries_for_5_complaints_as_for_50(
    client: Client, cast: Cast
) -> None:
    client.force_login(cast.manager)
    url = reverse("console:dashboard")
    with clock.travel(local(2026, 11, 20, 10, 0)):
        for _ in range(5):
            received(cast, severity="urgent")
        few, html = queries(client, url)
        assert 'data-tile="open" data-count="5"' in html
        for _ in range(45):
            received(cast, severity="general")
        many, html = queries(client, url)
    assert 'data-tile="open" data-count="50"' in html
    assert 'data-tile="new_today" data-count="50"' in html
    assert many == few


def test_the_figures_are_three_aggregates(cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        for _ in range(3):
            received(cast, severity="urgent")
        drive(cast, S.INVESTIGATING, severity="urgent")
    selectors.scope_of(cast.manager)  # who the manager is: read once per request anyway
    with clock.travel(local(2026, 11, 20, 13, 0)), CaptureQueriesContext(connection) as read:
        figures = selectors.figures_for_actor(actor=cast.manager, venue=cast.gym)
    aggregates = [q["sql"] for q in read if "COUNT(" in q["sql"].upper()]
    assert len(aggregates) == 3, aggregates
    assert len(read) <= 6, [q["sql"][:100] for q in read]
    assert (figures.open, figures.due_soon, figures.new_today) == (4, 3, 4)
    assert (figures.responded_month, figures.resolvable_month) == (1, 0)


def test_the_approvals_inbox_costs_the_same_queries_for_5_rows_as_for_15(
    client: Client, cast: Cast
) -> None:
    more = 10
    client.force_login(cast.manager)
    url = reverse("console:approvals")
    with clock.travel(local(2026, 11, 20, 10, 0)):
        for _ in range(5):
            drive(cast, S.APPROVAL_PENDING, amount=500)  # above the specialist's ¥200
        few, html = queries(client, url)
        assert html.count('class="card approval"') == 5
        for _ in range(more):
            drive(cast, S.APPROVAL_PENDING, amount=500)
        many, html = queries(client, url)
    assert html.count('class="card approval"') == 5 + more
    assert many == few


def test_the_inbox_offers_only_what_the_approver_may_decide(cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        small = drive(cast, S.APPROVAL_PENDING, amount=500)  # the manager's (≤ ¥2,000)
        large = drive(cast, S.APPROVAL_PENDING, amount=5000)  # the director's
    manager = {row.complaint.pk: row for row in selectors.approvals_inbox(actor=cast.manager)}
    director = {row.complaint.pk: row for row in selectors.approvals_inbox(actor=cast.director)}
    assert list(manager) == [small.pk]
    assert [p.amount for p in manager[small.pk].pending] == [500]
    assert manager[small.pk].limit == 2000
    assert large.pk in director and director[large.pk].limit is None
    assert selectors.approvals_inbox(actor=cast.outsider) == []
    assert selectors.decidable_proposal_ids(actor=cast.manager, complaint=large) == set()
