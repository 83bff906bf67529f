"""A mail gateway hands over received emails: each becomes a complaint (or a reply) once."""

from __future__ import annotations

import base64
from email.message import EmailMessage

import pytest

from amends.api.tests.conftest import NOW, Api, Keys
from amends.complaints.models import Complaint
from amends.conftest import Cast
from amends.core import clock

pytestmark = pytest.mark.usefixtures("at_ten")


def email(message_id: str = "<m1@example.com>") -> bytes:
    mail = EmailMessage()
    mail["From"] = "Zhao Min <zhao.min@example.com>"
    mail["To"] = "service@gym1.example.com"
    mail["Subject"] = "淋浴间没有热水"
    mail["Message-ID"] = message_id
    mail["Date"] = "Fri, 20 Nov 2026 10:00:00 +0800"
    mail.set_content("昨天晚上淋浴间没有热水，等了二十分钟。请尽快处理。")
    return bytes(mail)


def test_the_gateway_posts_a_raw_email_once(cast: Cast, keys: Keys) -> None:
    app = Api(keys.app)
    post = app.client.post(
        "/api/v1/inbound/email", email(), content_type="message/rfc822", headers=app.headers()
    )
    assert post.status_code == 202, post.content
    answer = post.json()
    assert answer["status"] == "complaint"
    complaint = Complaint.objects.get(reference=answer["reference"])
    assert (complaint.venue, complaint.channel) == (cast.gym, "email")
    again = app.client.post(
        "/api/v1/inbound/email",
        {"raw": base64.b64encode(email()).decode()},
        content_type="application/json",
        headers=app.headers(),
    )
    assert again.status_code == 202
    assert again.json()["reference"] == answer["reference"]
    assert Complaint.objects.count() == 1


def test_a_company_key_names_the_venue(cast: Cast, keys: Keys) -> None:
    crm = Api(keys.crm)
    raw = email("<m2@example.com>")
    unnamed = crm.client.post(
        "/api/v1/inbound/email", raw, content_type="message/rfc822", headers=crm.headers()
    )
    assert (unnamed.status_code, unnamed.json()["code"]) == (422, "venue_required")
    with clock.travel(NOW):
        named = crm.client.post(
            "/api/v1/inbound/email?venue=HTL1",
            raw,
            content_type="application/octet-stream",
            headers=crm.headers(),
        )
    assert named.status_code == 202, named.content
    assert Complaint.objects.get(reference=named.json()["reference"]).venue == cast.hotel


def test_it_needs_the_write_scope_and_a_readable_body(cast: Cast, keys: Keys) -> None:
    reader = Api(keys.reader)
    refused = reader.client.post(
        "/api/v1/inbound/email?venue=GYM1",
        email(),
        content_type="message/rfc822",
        headers=reader.headers(),
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "scope_missing")
    app = Api(keys.app)
    for content, kind in ((b"", "message/rfc822"), (b'{"raw": "%%%"}', "application/json")):
        bad = app.client.post(
            "/api/v1/inbound/email", content, content_type=kind, headers=app.headers()
        )
        assert (bad.status_code, bad.json()["code"]) == (400, "malformed_request")
    other = app.client.post(
        "/api/v1/inbound/email?venue=GYM2",
        email(),
        content_type="message/rfc822",
        headers=app.headers(),
    )
    assert (other.status_code, other.json()["code"]) == (404, "venue_not_found")
    assert not Complaint.objects.exists()


def test_a_venue_keys_gateway_cannot_reach_another_venues_complaint(cast: Cast, keys: Keys) -> None:
    """The other gym's gateway hands over an email naming a GYM1 complaint, from that complaint's
    customer: it opens a complaint at GYM2 and learns nothing of GYM1's."""
    gym1 = cast.receive(customer_name="赵敏", email="zhao.min@example.com", channel="email")
    mail = EmailMessage()
    mail["From"] = "Zhao Min <zhao.min@example.com>"
    mail["To"] = "service@gym2.example.com"
    mail["Subject"] = f"Re: {gym1.reference}"
    mail["Message-ID"] = "<probe@example.com>"
    mail.set_content("还有一件事。")
    gym2 = Api(keys.gym2)
    post = gym2.client.post(
        "/api/v1/inbound/email", bytes(mail), content_type="message/rfc822", headers=gym2.headers()
    )
    assert post.status_code == 202, post.content
    answer = post.json()
    assert answer["status"] == "complaint" and answer["reference"] != gym1.reference
    assert Complaint.objects.get(reference=answer["reference"]).venue == cast.gym2
    assert not gym1.events.filter(kind="customer_message").exists()
