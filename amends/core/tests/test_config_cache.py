"""The per-process configuration cache: an entry is loaded once, and loaded again when its
company's generation number moves — at once for a change made in this process, within
`GENERATION_TTL` for one made in another (which only moves the shared number)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from amends.core import config_cache

COMPANY = 7


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def monotonic(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(config_cache.time, "monotonic", clock)
    return clock


def another_process_bumps(company_id: int) -> None:
    """What `bump()` does to the shared number, without touching this process's memory."""
    key = f"{config_cache._PREFIX}.{company_id}"
    cache.set(key, int(cache.get(key) or 0) + 1, timeout=None)


def test_an_entry_is_loaded_once_and_its_numbers_read_once_a_second(
    monotonic: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads: list[int] = []
    reads: list[str] = []
    real_get = cache.get

    def counted_get(key: str, *args: Any, **kwargs: Any) -> Any:
        reads.append(key)
        return real_get(key, *args, **kwargs)

    monkeypatch.setattr(config_cache.shared, "get", counted_get)

    def value() -> str:
        return config_cache.cached("rules", COMPANY, lambda: loads.append(1) or "rules")

    assert [value() for _ in range(50)] == ["rules"] * 50
    assert len(loads) == 1
    assert len(reads) == 2  # the company's number and the calendar's, once
    monotonic.now += config_cache.GENERATION_TTL + 0.1
    value()
    assert (len(loads), len(reads)) == (1, 4)


def test_a_change_here_applies_at_once_and_one_elsewhere_within_a_second(
    monotonic: Clock, db: None
) -> None:
    version = ["first"]

    def value() -> str:
        return config_cache.cached("rules", COMPANY, lambda: version[0])

    assert value() == "first"
    version[0] = "second"
    config_cache.bump(COMPANY)  # this process changed it
    assert value() == "second"
    version[0] = "third"
    another_process_bumps(COMPANY)
    assert value() == "second"  # not yet: the number read under a second ago is trusted
    monotonic.now += config_cache.GENERATION_TTL + 0.1
    assert value() == "third"
    version[0] = "fourth"
    another_process_bumps(config_cache.GLOBAL)  # the national calendar, every company's
    monotonic.now += config_cache.GENERATION_TTL + 0.1
    assert value() == "fourth"
