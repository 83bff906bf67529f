"""Text messages through an HTTP SMS gateway (a real local HTTP server stands in for it): sent
on 2xx with the gateway's id kept, retried on 5xx, failed at once on 4xx; without a gateway,
each message is written as a file."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from amends.core import clock
from amends.notifications.models import Outbox
from amends.notifications.services import outbox_enqueue
from amends.notifications.tests.helpers import WHEN, run
from amends.notifications.tests.receiver import Receiver

REF = "GYM1-20261120-0001"


def by_text(**fields: Any) -> Outbox:
    message: dict[str, Any] = {
        "kind": Outbox.Kind.ACKNOWLEDGEMENT,
        "channel": Outbox.Channel.SMS,
        "address": "+8613912345678",
        "subject": "您的投诉已受理",
        "body": f"感谢您向我们反映情况。投诉编号为 {REF}。",
        "language": "zh-hans",
        "reference": REF,
    }
    message.update(fields)
    with clock.travel(WHEN):
        row = outbox_enqueue(**message)
    assert row is not None
    return row


@pytest.fixture
def gateway(receiver: Receiver, settings: Any) -> Receiver:
    settings.AMENDS_SMS_GATEWAY_URL = f"{receiver.url}/send"
    settings.AMENDS_SMS_GATEWAY_TOKEN = "gw-token-123"
    receiver.default = (200, '{"id": "gw-{n}", "status": "queued"}')
    return receiver


@pytest.mark.django_db
def test_a_text_message_goes_to_the_gateway_with_the_token(gateway: Receiver) -> None:
    row = by_text()
    assert run(WHEN)["sent"] == 1
    (request,) = gateway.requests
    assert request.path == "/send"
    assert request.headers["Authorization"] == "Bearer gw-token-123"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Idempotency-Key"] == f"amends-outbox-{row.pk}"
    assert request.json() == {"to": "+8613912345678", "text": row.body}  # no subject
    row.refresh_from_db()
    assert row.status == "sent"
    assert row.delivery_attempts.get().response == "HTTP 200 id=gw-1"


@pytest.mark.django_db
def test_a_long_text_is_cut_to_five_hundred_characters(gateway: Receiver) -> None:
    by_text(body="诉" * 800)
    run(WHEN)
    text = gateway.requests[0].json()["text"]
    assert len(text) == 500 and text.endswith("…")


@pytest.mark.django_db
def test_a_gateway_error_is_retried_and_a_refusal_is_final(gateway: Receiver) -> None:
    busy, refused = by_text(), by_text(address="+8613900000000")
    gateway.answer((503, '{"error": "busy"}'), (400, '{"error": "invalid number"}'))
    assert run(WHEN) == {"sent": 0, "retry": 1, "failed": 1, "skipped": 0, "postponed": 0}
    busy.refresh_from_db()
    refused.refresh_from_db()
    assert (busy.status, busy.attempts) == ("pending", 1)
    assert "503" in busy.last_error and "busy" in busy.last_error
    assert (refused.status, refused.attempts) == ("failed", 1)
    assert "refused" in refused.last_error and "invalid number" in refused.last_error
    # The retry goes through; the refused one is never sent again.
    assert run(WHEN + timedelta(minutes=2)) == {
        "sent": 1,
        "retry": 0,
        "failed": 0,
        "skipped": 0,
        "postponed": 0,
    }
    assert [r.json()["to"] for r in gateway.requests] == [
        "+8613912345678",
        "+8613900000000",
        "+8613912345678",
    ]


@pytest.mark.django_db
def test_an_unreachable_gateway_is_retried(settings: Any) -> None:
    settings.AMENDS_SMS_GATEWAY_URL = "http://127.0.0.1:9/send"  # nothing listens there
    row = by_text()
    assert run(WHEN)["retry"] == 1
    row.refresh_from_db()
    assert "unreachable" in row.last_error


@pytest.mark.django_db
def test_without_a_gateway_each_text_is_written_as_a_file(settings: Any, tmp_path: Any) -> None:
    settings.AMENDS_SMS_GATEWAY_URL = ""
    settings.AMENDS_SMS_DIR = tmp_path / "sms"
    row = by_text()
    assert run(WHEN)["sent"] == 1
    (written,) = list((tmp_path / "sms").iterdir())
    content = written.read_text(encoding="utf-8")
    assert content.startswith("To: +8613912345678\n")
    assert f"Reference: {REF}" in content
    assert content.rstrip().endswith(row.body)
    row.refresh_from_db()
    assert row.status == "sent" and written.name in row.delivery_attempts.get().response
