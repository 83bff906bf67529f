"""Pages of a long list without counting every match: the page's rows and one more (is there a
next page?), and the size of the list up to `CAP + 1` rows (shown "1,000+" beyond `CAP`). Both
cost the same whatever the list's length, where Django's `Paginator` counts every match."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from amends.complaints.selectors import COUNT_CAP

CAP = COUNT_CAP  # one cap for every count the console shows "1,000+"


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


def window(rows: QuerySet[Any], *, page: str | None, per: int) -> Window:
    """Page `page` (1 when missing or not a number) of the ordered `rows`, `per` to a page: two
    queries, the page and the capped count."""
    number = int(page) if page and page.isdigit() and int(page) > 0 else 1
    start = (number - 1) * per
    found = list(rows[start : start + per + 1])
    total = rows.order_by()[: CAP + 1].count()
    return Window(rows=found[:per], number=number, per=per, has_next=len(found) > per, total=total)
