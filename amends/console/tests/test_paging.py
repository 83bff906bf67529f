"""Pages of a long list: the same rows whether they are found among the recent ones or in the
whole list, and for a long list ordered newest first, found among the recent ones."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from amends.complaints.models import Complaint
from amends.conftest import Cast, local
from amends.console import paging

NOW = local(2026, 11, 20, 15, 0)


@pytest.fixture
def many(cast: Cast) -> list[int]:
    """Forty complaints of the gym: every nine days back from now, then two from last year —
    copies of one real complaint, as a long list at small scale."""
    from amends.core import clock

    with clock.travel(local(2026, 11, 20, 9, 0)):
        model = cast.receive(category="facility_equipment", phone="13800000001")
    fields = {
        f.attname: getattr(model, f.attname)
        for f in Complaint._meta.concrete_fields
        if f.attname not in ("id", "reference", "received_at")
    }
    moments = [NOW - timedelta(days=9 * n, hours=1) for n in range(38)]
    moments += [NOW - timedelta(days=400), NOW - timedelta(days=401)]
    Complaint.objects.bulk_create(
        Complaint(**fields, reference=f"GYM1-2026XXXX-{n:04d}", received_at=at)
        for n, at in enumerate(moments)
    )
    return [c.pk for c in Complaint.objects.all()]


def selects_in(queries: CaptureQueriesContext) -> int:
    return sum(q["sql"].startswith("SELECT") for q in queries)


def ordered() -> Any:
    return Complaint.objects.order_by("-received_at", "-pk")


@pytest.mark.parametrize("cap", [5, 1000])
@pytest.mark.parametrize("walk", [False, True])
def test_every_page_holds_the_rows_the_whole_list_holds_there(
    many: list[int], monkeypatch: pytest.MonkeyPatch, cap: int, walk: bool
) -> None:
    monkeypatch.setattr(paging, "CAP", cap)
    everything = [c.pk for c in ordered()]
    assert len(everything) == 41
    for number in range(1, 13):
        page = paging.window(ordered(), page=str(number), per=4, now=NOW, walk_time=walk)
        assert [c.pk for c in page] == everything[(number - 1) * 4 : number * 4], number
        assert page.has_next == (number * 4 < 41)
        assert page.total == min(41, cap + 1)


def test_a_long_list_is_read_among_the_recent_rows(
    many: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paging, "CAP", 5)
    with CaptureQueriesContext(connection) as first:
        paging.window(ordered(), page="1", per=2, now=NOW)
    # The capped count, then the page among the last 30 days (on PostgreSQL between the
    # planner setting and its reset: see the last test).
    selects = [q["sql"] for q in first if q["sql"].startswith("SELECT")]
    assert len(selects) == 2
    assert "received_at" in selects[1].split("WHERE", 1)[1]
    # Page 9 of 2 lies beyond 30 days (four rows there): the year is tried, and holds it.
    with CaptureQueriesContext(connection) as deep:
        page = paging.window(ordered(), page="9", per=2, now=NOW)
    assert selects_in(deep) == 3 and len(page) == 2
    # Beyond a year: the whole list.
    with CaptureQueriesContext(connection) as deepest:
        page = paging.window(ordered(), page="21", per=2, now=NOW)
    assert selects_in(deepest) == 4 and len(page) == 1 and not page.has_next


def test_a_short_list_costs_two_queries(many: list[int]) -> None:
    with CaptureQueriesContext(connection) as queries:
        paging.window(ordered(), page="1", per=4, now=NOW)
    assert len(queries) == 2


def test_the_planner_setting_is_put_back_after_the_page(
    many: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL reads a recent span without bitmap scans; the next statement has them again."""
    monkeypatch.setattr(paging, "CAP", 5)
    with CaptureQueriesContext(connection) as queries:
        page = paging.window(ordered(), page="1", per=2, now=NOW, walk_time=True)
    assert len(page) == 2
    if connection.vendor != "postgresql":
        return
    sql = [q["sql"] for q in queries]
    assert "SET LOCAL enable_bitmapscan = off" in sql and "RESET enable_bitmapscan" in sql
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_bitmapscan")
        assert cursor.fetchone()[0] == "on"
