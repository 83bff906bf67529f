"""Fixtures of the browser tests (test_browser*.py): one headless Debian Chromium per module,
driven by Playwright, and a factory of signed-in consoles in a language."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Playwright's sync API keeps an asyncio loop running on this thread, and Django refuses
    database calls from a thread with a running loop. The test's own database calls (the cast,
    tick(), the checks) are plain synchronous code between browser steps, so allow them while
    the browser is up — and only then. Never a silent skip without Chromium."""
    from playwright.sync_api import expect, sync_playwright

    from amends.console.tests.browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS

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


@pytest.fixture
def console_for(browser: Any, live_server: Any, cast: Any) -> Iterator[Callable[..., Any]]:
    from amends.console.tests.browser import console_factory

    yield from console_factory(browser, live_server.url, cast.company)
