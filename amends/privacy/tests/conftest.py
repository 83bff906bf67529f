"""The privacy stories' extra cast: the company's privacy officer; media in a temporary folder."""

from __future__ import annotations

from typing import Any

import pytest

from amends.conftest import Cast, local
from amends.core import clock
from amends.orgs.models import User
from amends.orgs.roles import Role
from amends.orgs.services import role_grant, staff_create


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def officer(cast: Cast) -> User:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        user = staff_create(
            company=cast.company,
            username="officer",
            password="amends-test",
            display_name="Officer",
        )
        role_grant(user=user, role=Role.PRIVACY_OFFICER, venue=None)
    return user
