"""A per-process cache of configuration: what every intake, every clock and every event reads,
and what changes a few times a year (routing rules, time-limit policies, the national calendar,
departments — `workflow/cache.py` — and webhook subscriptions — `notifications/webhooks.py`).

Entries are kept in this process, keyed by company and two generation numbers: the company's
(routing rules, time-limit policies, departments) and the global one (calendar overrides). The
numbers live in Django's cache, so with a shared cache (Redis, `AMENDS_CACHE_URL`) a change made
in one process reaches every other within `GENERATION_TTL` (a second: a process reads the
numbers again after that long). `bump()` raises them; it is called by the
services that change configuration and, for the admin and every other writer, by the model
signals the owners of the rows connect (a `QuerySet.update()` sends none: call `bump()` after
one). With the per-process default cache (locmem) other processes learn of a change within
`MAX_AGE`.

Contract: values handed out are shared between callers and threads — never mutate them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache as shared
from django.db import transaction

T = TypeVar("T")

# How long a process trusts an entry without seeing a generation change (seconds): the bound on
# staleness when the generation numbers are not shared between processes.
MAX_AGE = 60.0
GLOBAL = 0  # the "company" of the national calendar
_PREFIX = "amends.workflow.generation"

# How long a process trusts a generation number it has read (seconds). Every entry handed out
# reads two of them: an intake reads about a dozen entries, and with Redis each read is a round
# trip (26 of them, 3–4 ms an intake). A bump in this process forgets them at once; one in
# another process is seen within this long.
GENERATION_TTL = 1.0

_lock = threading.Lock()
_entries: dict[tuple[str, int], tuple[tuple[int, int], float, Any]] = {}
_generations: dict[int, tuple[int, float]] = {}  # company → (number, when read)


def _generation(company_id: int) -> int:
    now = time.monotonic()
    seen = _generations.get(company_id)
    if seen is not None and now - seen[1] < GENERATION_TTL:
        return seen[0]
    value = shared.get(f"{_PREFIX}.{company_id}")
    number = int(value) if value is not None else 0
    _generations[company_id] = (number, now)
    return number


def bump(company_id: int | None = None) -> None:
    """Configuration of `company_id` (None: the national calendar, which every company reads)
    changed: every process reads it afresh. Also run at commit, so no process refills its
    cache from the old rows in between."""
    key = f"{_PREFIX}.{company_id if company_id is not None else GLOBAL}"

    def raise_it() -> None:
        try:
            shared.incr(key)
        except ValueError:
            # Never counted yet: start from a value no process can have cached.
            shared.set(key, int(time.time() * 1000), timeout=None)
        with _lock:
            _entries.clear()  # this process at once, whatever the shared cache does
            _generations.clear()

    raise_it()
    transaction.on_commit(raise_it)


def cached(kind: str, company_id: int, load: Callable[[], T]) -> T:
    """The value of `kind` for `company_id`, loaded with `load()` when this process has none
    for the current generations (or one older than `MAX_AGE`)."""
    generations = (_generation(company_id), _generation(GLOBAL))
    key = (kind, company_id)
    now = time.monotonic()
    with _lock:
        entry = _entries.get(key)
    if entry is not None and entry[0] == generations and now - entry[1] < MAX_AGE:
        return entry[2]
    value = load()
    with _lock:
        _entries[key] = (generations, now, value)
    return value


def clear() -> None:
    """Forget every entry of this process (tests, after bulk loads)."""
    with _lock:
        _entries.clear()
        _generations.clear()
