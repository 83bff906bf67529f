"""Fixtures of the browser tests (test_browser*.py): one headless Debian Chromium per module
(amends/core/tests/chromium.py), and a factory of signed-in consoles in a language."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from amends.core.tests.chromium import chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from chromium()


@pytest.fixture
def console_for(browser: Any, live_server: Any, cast: Any) -> Iterator[Callable[..., Any]]:
    from amends.console.tests.browser import console_factory

    yield from console_factory(browser, live_server.url, cast.company)
