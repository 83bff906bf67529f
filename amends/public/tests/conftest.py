"""Fixtures of the customer pages' tests: evidence files in a temporary folder, rate-limit
counters forgotten between tests, and (for test_browser*.py) one headless Debian Chromium per
module, driven by Playwright.

The browser comes from amends/core/tests/chromium.py, shared with the console's tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from amends.core.tests.chromium import chromium


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    """The rate limits count in the cache: each test starts with none counted."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from chromium()
