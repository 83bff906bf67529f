"""The API's cast: the company's keys, one per use, and a client that speaks JSON with a key."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from amends.conftest import Cast, local
from amends.core import clock
from amends.orgs.models import Company, Venue
from amends.orgs.services import api_key_create

NOW = local(2026, 11, 20, 10, 0)

ALL = ["complaints:read", "complaints:write", "complaints:customer", "complaints:handle"]


def make_key(company: Company, name: str, scopes: list[str], venue: Venue | None = None) -> str:
    return api_key_create(actor=None, company=company, name=name, scopes=scopes, venue=venue)[1]


@dataclass
class Keys:
    app: str  # the gym's app: records complaints and speaks for the customer (GYM1 only)
    crm: str  # the company's CRM: every scope, every venue
    reader: str  # a reporting tool: reads only
    intake: str  # a review-site monitor: records only
    gym2: str  # the other gym's app: every scope, GYM2 only
    stranger: str  # another company's key


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    """Rate-limit counters live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def keys(cast: Cast) -> Keys:
    from amends.orgs.models import Company

    other = Company.objects.get(code="OTHER")
    with clock.travel(NOW):
        return Keys(
            app=make_key(
                cast.company,
                "gym app",
                ["complaints:read", "complaints:write", "complaints:customer"],
                cast.gym,
            ),
            crm=make_key(cast.company, "crm", ALL),
            reader=make_key(cast.company, "reports", ["complaints:read"]),
            intake=make_key(cast.company, "review monitor", ["complaints:write"]),
            gym2=make_key(cast.company, "gym2 app", ALL, cast.gym2),
            stranger=make_key(other, "their app", ALL),
        )


class Reply:
    def __init__(self, response: Any) -> None:
        self.response = response
        self.status = response.status_code
        content = response.content
        is_json = "json" in response.get("Content-Type", "")
        self.json: Any = json.loads(content) if content and is_json else None

    def __getitem__(self, name: str) -> Any:
        return self.json[name]

    def __repr__(self) -> str:
        return f"<{self.status} {self.json}>"


class Api:
    """A JSON client holding one API key, speaking one language."""

    def __init__(self, key: str | None, language: str = "en") -> None:
        self.client = Client(enforce_csrf_checks=True)  # as integrations call: no CSRF token
        self.key = key
        self.language = language

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Accept-Language": self.language}
        if self.key is not None:
            headers["Authorization"] = f"Bearer {self.key}"
        return {**headers, **(extra or {})}

    def get(self, path: str, **params: Any) -> Reply:
        return Reply(self.client.get(f"/api/v1{path}", params, headers=self.headers()))

    def post(self, path: str, data: Any = None, headers: dict[str, str] | None = None) -> Reply:
        return Reply(
            self.client.post(
                f"/api/v1{path}",
                json.dumps(data if data is not None else {}),
                content_type="application/json",
                headers=self.headers(headers),
            )
        )

    def upload(self, path: str, data: dict[str, Any]) -> Reply:
        return Reply(self.client.post(f"/api/v1{path}", data, headers=self.headers()))

    def act(self, reference: str, name: str, **data: Any) -> Reply:
        if "version" not in data:
            data["version"] = self.get(f"/complaints/{reference}")["version"]
        return self.post(f"/complaints/{reference}/actions/{name}", data)


def complaint_json(**fields: Any) -> dict[str, Any]:
    """A complaint as the gym's app sends it (overridable field by field)."""
    return {
        "venue": "GYM1",
        "channel": "app",
        "description": "淋浴间没有热水，等了二十分钟。",
        "customer_name": "赵敏",
        "phone": "13700137000",
        **fields,
    }


@pytest.fixture
def at_ten() -> Iterator[None]:
    with clock.travel(NOW):
        yield
