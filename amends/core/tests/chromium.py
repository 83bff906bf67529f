"""Debian's Chromium for every browser test (the console's and the customer pages'), driven by
Playwright's sync API — never a browser Playwright downloads. Each face's conftest turns
`chromium()` into its module-scoped `browser` fixture; the faces are independent layers, so the
one launcher lives here, below both."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

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
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "browser"
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


def chromium() -> Iterator[Any]:
    """A headless Chromium for the duration of the generator.

    Playwright's sync API keeps an asyncio loop running on this thread, and Django refuses
    database calls from a thread with a running loop. The test's own database calls (the cast,
    the jobs, the checks) are plain synchronous code between browser steps, so they are allowed
    while the browser is up — and only then. Without Chromium the test fails, never skips."""
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
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous
