"""The one source of "now" for the domain.

Services never call `timezone.now()` directly; they call `clock.now()`, which the demo builder
(and tests) can move with `clock.travel(dt)` to build history "as it happened". Always aware, UTC.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from datetime import UTC, datetime

from django.utils import timezone

_fixed: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("amends_now", default=None)


def now() -> datetime:
    fixed = _fixed.get()
    return fixed if fixed is not None else timezone.now()


@contextlib.contextmanager
def travel(moment: datetime) -> Iterator[None]:
    """Make `now()` return `moment` inside the block (must be timezone-aware)."""
    if timezone.is_naive(moment):
        raise ValueError("clock.travel needs an aware datetime")
    token = _fixed.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _fixed.reset(token)
