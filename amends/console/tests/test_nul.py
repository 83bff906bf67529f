"""A NUL character anywhere in the address or a form is a 400 with the reason — never a 500,
on SQLite and PostgreSQL (which cannot even compare text holding one)."""

from __future__ import annotations

import pytest
from django.test import Client

from amends.conftest import Cast


@pytest.mark.parametrize(
    "url",
    [
        "/console/reports/complaints/?venue=GYM%00&month=2026-11",
        "/console/reports/monthly/?venue=GYM1%00&month=2026-11",
        "/console/improvements/review/?venue=G%00",
        "/console/improvements/new/?category=a%00",
        "/console/c/GYM1-20261101-0001%00/",
        "/console/search/?q=%E8%B7%91%00",
    ],
)
def test_a_nul_in_the_address_is_refused_with_the_reason(
    client: Client, cast: Cast, url: str
) -> None:
    client.force_login(cast.director)
    response = client.get(url)
    assert response.status_code == 400 and b"nul_character" in response.content


def test_a_nul_in_a_posted_field_is_refused_before_any_view(client: Client, cast: Cast) -> None:
    client.force_login(cast.manager)
    response = client.post("/console/reports/exports/", {"venue": "G\x00", "format": "csv"})
    assert response.status_code == 400 and b"nul_character" in response.content


def test_the_api_answers_a_nul_in_its_error_shape(client: Client, db: None) -> None:
    response = client.get("/api/v1/complaints?updated_after=2026%00")
    assert response.status_code == 400
    assert response.json()["code"] == "nul_character"
