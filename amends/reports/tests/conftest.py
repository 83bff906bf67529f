"""The November story (`data.py`) as a fixture: built once per test through the services."""

from __future__ import annotations

from typing import Any

import pytest

from amends.conftest import Cast
from amends.reports.tests.data import November, build_november


@pytest.fixture
def november(cast: Cast) -> November:
    return build_november(cast)


@pytest.fixture(autouse=True)
def _english_and_chinese(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"
