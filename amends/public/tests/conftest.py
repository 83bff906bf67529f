"""Fixtures of the customer pages' tests: evidence files in a temporary folder, rate-limit
counters forgotten between tests, and (for test_browser*.py) one headless Debian Chromium per
module, driven by Playwright.

The browser fixture follows amends/console/tests/conftest.py; it is not imported from there
because the faces are independent layers (import-linter: public may not import console)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
TIMEOUT_MS = 10_000


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
    """Debian's Chromium, headless. Playwright's sync API keeps an asyncio loop running on this
    thread and Django refuses database calls from such a thread: the test's own (synchronous)
    database calls between browser steps are allowed while the browser is up, and only then.
    Never a silent skip without Chromium."""
    from playwright.sync_api import expect, sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(
            f"browser tests need Debian's chromium at {CHROMIUM} "
            "(apt-get install chromium fonts-noto-cjk; .ci/run installs them)"
        )
    expect.set_options(timeout=TIMEOUT_MS)
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous
