"""Pages of a long list without counting every match: the page's rows and one more (is there a
next page?), and the size of the list up to `CAP + 1` rows (shown "1,000+" beyond `CAP`). Both
cost the same whatever the list's length, where Django's `Paginator` counts every match."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connections, transaction
from django.db.models import QuerySet

from amends.complaints.selectors import COUNT_CAP
from amends.core import clock

CAP = COUNT_CAP  # one cap for every count the console shows "1,000+"
# A list ordered newest first is looked for among the rows of these last days first (see
# `window`): the newest rows of a common word are found without sorting three years of them.
RECENT_DAYS = (30, 365)


@dataclass(frozen=True)
class Window:
    """One page of a list: its rows, its number and whether pages come before and after.
    `total` is the list's size up to `CAP + 1`; `capped` says it is more than `CAP`."""

    rows: list[Any]
    number: int
    per: int
    has_next: bool
    total: int

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def capped(self) -> bool:
        return self.total > CAP

    @property
    def num_pages(self) -> int | None:
        """How many pages there are, known only under the cap (None beyond it)."""
        return None if self.capped else max(1, -(-self.total // self.per))


def window(
    rows: QuerySet[Any],
    *,
    page: str | None,
    per: int,
    now: datetime | None = None,
    walk_time: bool = False,
    total: int | None = None,
) -> Window:
    """Page `page` (1 when missing or not a number) of the ordered `rows`, `per` to a page: the
    capped count and the page — two queries for a list of up to `CAP` rows.

    A longer list ordered newest first (by `received_at`) is looked for among the rows of the
    last `RECENT_DAYS` first: those are the head of the whole list, so when they hold the page
    and one more row, they are the page — read through the time index instead of fetching and
    sorting every match (a common word over a million complaints). When they do not, the next
    span is tried, then the whole list. `walk_time`: read each span by walking the time index
    (`_newest`) — for keyword search, whose matches the planner misjudges; a queue's filters
    (owner, state) it judges well. `total`: the list's size when the caller knows it (a queue's
    cached count), instead of the count query."""
    number = int(page) if page and page.isdigit() and int(page) > 0 else 1
    start = (number - 1) * per
    # The ids only: the rows' annotations (the running deadline, whether the reader makes the
    # revisit) are not worked out for a thousand rows only to be counted.
    if total is None:
        total = rows.order_by().values("pk")[: CAP + 1].count()
    found: list[Any] | None = None
    if total > CAP and tuple(rows.query.order_by[:1]) == ("-received_at",):
        moment = now or clock.now()
        for days in RECENT_DAYS:
            span = rows.filter(received_at__gte=moment - timedelta(days=days))
            part = span[start : start + per + 1]
            head = _newest(part) if walk_time else list(part)
            if len(head) > per:
                found = head
                break
    if found is None:
        found = list(rows[start : start + per + 1])
    return Window(rows=found[:per], number=number, per=per, has_next=len(found) > per, total=total)


def _newest(rows: QuerySet[Any]) -> list[Any]:
    """The rows of a span, newest first, read by walking the time index back from now.

    On PostgreSQL without bitmap scans for this one statement: the planner takes the AND of a
    long word's character pairs for a rare match (it multiplies their frequencies, but the pairs
    of one word come together), fetches every page holding any of them — 28,000 pages for a
    common phrase at a million complaints, 170 ms — and sorts; walking the recent end of the
    time index and stopping at the page's last row takes 5 ms. `SET LOCAL` lasts to the end of
    the transaction, so the setting is put back at once (on an error, the rollback of this
    block puts it back)."""
    connection = connections[rows.db]
    if connection.vendor != "postgresql":
        return list(rows)
    with transaction.atomic(using=rows.db), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        found = list(rows)
        cursor.execute("RESET enable_bitmapscan")
        return found
