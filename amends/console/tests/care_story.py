"""The story of the console's member-care tests (test_care_console*.py): the Jing'an gym in
late November 2026, its staff reading English, two members with their specialists and a joining
campaign whose call to Wang Fang is due on the 26th at 10:00; and the helpers that visit pages
as one of them, on that day."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from amends.care import services
from amends.care.models import RevisitCampaign
from amends.care.tests.stories import campaign, member
from amends.conftest import Cast, local
from amends.core import clock
from amends.orgs.models import User

NOW = local(2026, 11, 26, 11, 0)
PHONE = "13900001234"


def as_(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def page(name: str, *args: Any) -> str:
    return reverse(f"console:{name}", args=args)


def text(response: Any) -> str:
    return response.content.decode()


def get(client: Client, url: str) -> Any:
    with clock.travel(NOW):
        return client.get(url)


def post(client: Client, url: str, data: dict[str, Any]) -> Any:
    with clock.travel(NOW):
        return client.post(url, data)


@pytest.fixture(autouse=True)
def _no_lockout_records(settings: Any) -> None:
    # force_login's request has no address; axes would record "unknown" as an IP (refused by
    # PostgreSQL's inet column). Sign-in lockout is not what these pages test.
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def _in_english(cast: Cast) -> None:
    """The staff read English here, so the messages are matched as written (zh is the
    browser test's)."""
    User.objects.filter(company=cast.company).update(language="en")


@pytest.fixture
def story(cast: Cast) -> dict[str, Any]:
    """Wang Fang joined on 20 November, Li Lei's specialist is specialist2; the joining
    campaign's call to Wang Fang is due on the 23rd + 3 days = the 26th at 10:00."""
    c = campaign(cast)
    wang = member(cast, "A001", name="王芳", phone=PHONE)
    wang = services.specialist_assign(
        member=wang, specialist=cast.specialist, now=local(2026, 11, 20, 9, 0)
    )
    li = member(cast, "A002", name="李雷", expires_on="2026-12-10")
    li = services.specialist_assign(
        member=li, specialist=cast.specialist2, now=local(2026, 11, 20, 9, 0)
    )
    call = services.campaign_trigger(
        venue=cast.gym,
        trigger=RevisitCampaign.Trigger.JOINING,
        member=wang,
        at=local(2026, 11, 23, 10, 0),
        key="joining:2026-11-23",
    )
    assert call is not None and call.due_at == local(2026, 11, 26, 10, 0)
    return {"campaign": c, "wang": wang, "li": li, "call": call}
