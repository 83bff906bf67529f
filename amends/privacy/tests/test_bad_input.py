"""Bad input on the privacy pages is refused with a message, never a 500: a date at the ends of
the calendar in the access-log search or a breach, an id no row can have."""

from __future__ import annotations

import pytest
from django.urls import reverse

from amends.privacy.models import Breach
from amends.privacy.tests.test_console import signed_in


@pytest.mark.parametrize(
    "url, status",
    [
        ("/console/privacy/access-log/?until=9999-12-31", 400),
        ("/console/privacy/access-log/?since=0001-01-01", 400),
        ("/console/privacy/requests/99999999999999999999999/", 404),
        ("/console/privacy/breaches/99999999999999999999999/", 404),
    ],
)
def test_a_date_or_id_out_of_range_is_refused(cast, officer, client, url, status):
    signed_in(client, officer)
    client.raise_request_exception = False
    assert client.get(url).status_code == status


def test_a_breach_discovered_in_year_one_is_refused(cast, officer, client):
    signed_in(client, officer)
    client.raise_request_exception = False
    r = client.post(
        reverse("console:privacy_breaches"),
        {
            "discovered_at": "0001-01-01T00:00",
            "description": "x",
            "data_classes": ["contact_data"],
            "people_affected": "1",
        },
    )
    assert r.status_code == 400 and not Breach.objects.exists()
    assert "2000-01-01" in r.content.decode()
