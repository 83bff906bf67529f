"""Webhooks as an integration sees them: every timeline event of its company POSTed, signed so
it can check the sender, retried until its server answers, only the kinds it asked for, and
never a customer's personal data; the messages for a complaint its API key recorded; a test
event on request."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any

import pytest

from amends.core import clock
from amends.notifications.models import Outbox, WebhookSubscription
from amends.notifications.services import outbox_enqueue
from amends.notifications.tests.helpers import SECRET, WHEN, run, subscribe
from amends.notifications.tests.receiver import Receiver, Request
from amends.notifications.webhooks import (
    sign,
    verify_signature,
    webhook_enqueue_event,
    webhook_fan_out,
    webhook_test_send,
)
from amends.orgs.services import api_key_create


def verified(request: Request, secret: str = SECRET) -> bool:
    """What the integration does on arrival: recompute the HMAC over "<timestamp>.<body>"."""
    timestamp = request.headers["X-Amends-Timestamp"]
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(f"sha256={expected}", request.headers["X-Amends-Signature"])


def test_an_unreachable_integration_costs_one_try_per_run(cast: Any, receiver: Receiver) -> None:
    down = subscribe(cast, receiver, name="Down", url="http://127.0.0.1:9/hook")
    up = subscribe(cast, receiver, name="Up")
    with clock.travel(WHEN):
        for _ in range(2):
            webhook_test_send(down)
        webhook_test_send(up)
    assert run(WHEN) == {"sent": 1, "retry": 1, "failed": 0, "skipped": 0, "postponed": 1}
    assert len(receiver.requests) == 1  # the other integration is not held up
    tried = Outbox.objects.filter(context__subscription=down.pk).order_by("pk")
    assert [row.attempts for row in tried] == [1, 0]
    assert "unreachable" in tried[0].last_error


def test_a_signature_is_checked_for_its_body_secret_and_age() -> None:
    body = b'{"event": "received"}'
    at = int(WHEN.timestamp())
    header = sign(SECRET, at, body)
    assert verify_signature(SECRET, at, body, header, now=at + 10)
    assert verify_signature(SECRET, str(at), body.decode(), header, now=at)
    assert not verify_signature(SECRET, at, body + b" ", header, now=at)  # altered body
    assert not verify_signature("another-secret", at, body, header, now=at)
    assert not verify_signature(SECRET, at, body, header, now=at + 301)  # a replay
    assert not verify_signature(SECRET, "yesterday", body, header, now=at)
    assert not verify_signature(SECRET, at, body, "", now=at)


def test_a_failing_integration_is_retried_until_it_answers(cast: Any, receiver: Receiver) -> None:
    subscription = subscribe(cast, receiver, events=["received"])
    with clock.travel(WHEN):
        cast.receive()
    receiver.answer((500, "internal error"))
    assert run(WHEN)["retry"] == 1  # (the customer's acknowledgement went out meanwhile)
    row = Outbox.objects.get(context__subscription=subscription.pk)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.delivery_attempts.get().response == "HTTP 500: internal error"
    assert run(WHEN + timedelta(minutes=2))["sent"] == 1
    first, second = receiver.requests
    assert first.body == second.body  # the same event, the same delivery id
    assert first.headers["X-Amends-Delivery"] == second.headers["X-Amends-Delivery"]
    assert verified(second)
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 2)


def test_a_company_without_subscriptions_costs_no_query_once_it_is_known(
    cast: Any, django_assert_num_queries: Any
) -> None:
    def enqueue() -> list[Outbox]:
        return webhook_enqueue_event(
            company_id=cast.company.pk,
            kind="received",
            payload={},
            reference="GYM1-20261120-0001",
            complaint_id=None,
        )

    with django_assert_num_queries(1):  # the first event of the process reads the subscriptions
        assert enqueue() == []
    with django_assert_num_queries(0):  # every later one finds them in the process's cache
        assert enqueue() == []


def test_a_subscription_added_changed_or_removed_counts_from_the_next_event(
    cast: Any, receiver: Receiver
) -> None:
    """The subscriptions are cached per process; the admin's save or delete is seen at once."""

    def enqueue(event_id: str, kind: str = "received") -> int:
        return len(
            webhook_enqueue_event(
                company_id=cast.company.pk,
                kind=kind,
                payload={},
                reference="GYM1-20261120-0001",
                complaint_id=None,
                event_id=event_id,
            )
        )

    assert enqueue("1.1") == 0  # cached: nobody subscribed
    subscription = subscribe(cast, receiver)
    assert enqueue("1.2") == 1
    subscription.events = ["closed"]
    subscription.save()  # as the admin saves it: only closures from now on
    assert (enqueue("1.3"), enqueue("1.4", kind="closed")) == (0, 1)
    subscription.is_active = False
    subscription.save()
    assert enqueue("1.5", kind="closed") == 0
    subscription.is_active = True
    subscription.save()
    assert enqueue("1.6", kind="closed") == 1
    subscription.delete()
    assert enqueue("1.7", kind="closed") == 0


def test_the_same_event_is_queued_once_per_subscription(cast: Any, receiver: Receiver) -> None:
    subscribe(cast, receiver)
    for _ in range(2):
        webhook_enqueue_event(
            company_id=cast.company.pk,
            kind="note",
            payload={},
            reference="GYM1-20261120-0001",
            complaint_id=None,
            event_id="7.3",
        )
    assert Outbox.objects.filter(channel=Outbox.Channel.WEBHOOK).count() == 1


def test_messages_for_an_integrations_complaint_go_to_each_of_its_subscriptions(
    cast: Any, receiver: Receiver
) -> None:
    with clock.travel(WHEN):
        key, _raw = api_key_create(
            actor=None, company=cast.company, name="mini-program", scopes=["complaints:write"]
        )
    app = subscribe(cast, receiver, name="App", events=["transition"], api_key_id=key.pk)
    backup = subscribe(cast, receiver, name="App backup", url=f"{receiver.url}/backup")
    WebhookSubscription.objects.filter(pk=backup.pk).update(api_key=key)
    subscribe(cast, receiver, name="Unrelated", url=f"{receiver.url}/unrelated")
    with clock.travel(WHEN):
        message = outbox_enqueue(
            kind=Outbox.Kind.FEEDBACK,
            channel=Outbox.Channel.WEBHOOK,
            subject="我们的处理结果",
            body="我们已更换跑步机皮带。",
            language="zh-hans",
            reference="GYM1-20261120-0001",
            context={"api_key": key.pk},
        )
    assert message is not None
    receiver.answer(200, 503)  # the backup is down the first time

    # The row becomes one per subscription of the key, delivered by the next run.
    assert run(WHEN) == {"sent": 1, "retry": 0, "failed": 0, "skipped": 0, "postponed": 0}
    message.refresh_from_db()
    assert message.status == "sent"
    assert message.delivery_attempts.get().response == "fanned out to 2 subscription(s)"
    assert receiver.requests == []
    assert run(WHEN + timedelta(seconds=10)) == {
        "sent": 1,
        "retry": 1,
        "failed": 0,
        "skipped": 0,
        "postponed": 0,
    }
    assert run(WHEN + timedelta(minutes=2))["sent"] == 1  # the backup, once more
    paths = [r.path for r in receiver.requests]
    assert paths == ["/hooks/amends", "/backup", "/backup"]
    body = receiver.requests[0].json()
    assert body["event"] == "feedback"
    assert body["data"] == {
        "subject": "我们的处理结果",
        "text": "我们已更换跑步机皮带。",
        "language": "zh-hans",
    }
    assert receiver.requests[0].headers["X-Amends-Event"] == "feedback"
    assert verified(receiver.requests[0]) and app.api_key_id == key.pk
    assert run(WHEN + timedelta(hours=2))["sent"] == 0  # nothing twice


def test_a_fan_out_interrupted_and_run_again_writes_each_copy_once(
    cast: Any, receiver: Receiver
) -> None:
    with clock.travel(WHEN):
        key, _raw = api_key_create(
            actor=None, company=cast.company, name="mini-program", scopes=["complaints:write"]
        )
    subscribe(cast, receiver, api_key_id=key.pk)
    subscribe(cast, receiver, name="Backup", api_key_id=key.pk)
    with clock.travel(WHEN):
        message = outbox_enqueue(
            kind=Outbox.Kind.MESSAGE,
            channel=Outbox.Channel.WEBHOOK,
            subject="s",
            body='{"text": "already JSON"}',
            language="en",
            context={"api_key": key.pk},
        )
    assert message is not None
    # A worker fanned it out and died before marking it sent; the next one fans out again.
    assert webhook_fan_out(message) == webhook_fan_out(message) == 2
    copies = Outbox.objects.filter(context__fanned_out_from=message.pk)
    assert copies.count() == 2
    assert {c.body for c in copies} == {'{"text": "already JSON"}'}  # a JSON body is kept


def test_a_message_for_a_key_without_subscriptions_fails_visibly(cast: Any) -> None:
    with clock.travel(WHEN):
        key, _raw = api_key_create(
            actor=None, company=cast.company, name="kiosk", scopes=["complaints:write"]
        )
        message = outbox_enqueue(
            kind=Outbox.Kind.FEEDBACK,
            channel=Outbox.Channel.WEBHOOK,
            subject="s",
            body="b",
            language="en",
            context={"api_key": key.pk},
        )
    assert message is not None
    assert run(WHEN)["failed"] == 1
    message.refresh_from_db()
    assert message.status == "failed"
    assert message.last_error == f"API key {key.pk} has no active webhook subscription"


def test_a_test_event_is_sent_on_request(cast: Any, receiver: Receiver) -> None:
    subscription = subscribe(cast, receiver, events=["note"])
    with clock.travel(WHEN):
        row = webhook_test_send(subscription)
    assert (row.kind, row.channel, row.context["event"]) == ("test", "webhook", "test")
    run(WHEN)
    (request,) = receiver.requests
    assert request.headers["X-Amends-Event"] == "test"
    assert verified(request)
    assert json.loads(request.body)["data"]["subscription"] == "CRM"


def test_a_deleted_subscription_fails_its_deliveries(cast: Any, receiver: Receiver) -> None:
    subscription = subscribe(cast, receiver)
    with clock.travel(WHEN):
        row = webhook_test_send(subscription)
    subscription.delete()
    assert run(WHEN)["failed"] == 1
    row.refresh_from_db()
    assert row.last_error == "the webhook subscription was deleted"
    assert receiver.requests == []


@pytest.mark.django_db
def test_a_redirect_is_not_followed(receiver: Receiver) -> None:
    from amends.notifications.transports import http_post

    receiver.answer((302, ""))
    answer = http_post(f"{receiver.url}/hook", body=b"{}", headers={})
    assert answer.status == 302
    assert len(receiver.requests) == 1


def test_a_webhook_never_reaches_amends_own_network(
    cast: Any, receiver: Receiver, settings
) -> None:
    """A company administrator points a subscription at the machine amends runs on (or a cloud
    metadata address): nothing is sent, the row fails with the reason."""
    subscription = subscribe(cast, receiver)
    settings.AMENDS_WEBHOOK_ALLOW_PRIVATE = False
    for url in (f"{receiver.url}/hooks/amends", "http://169.254.169.254/latest/", "ftp://x.cn/"):
        WebhookSubscription.objects.filter(pk=subscription.pk).update(url=url)
        with clock.travel(WHEN):
            row = webhook_test_send(subscription)
        assert run(WHEN)["failed"] == 1
        row.refresh_from_db()
        assert row.status == Outbox.Status.FAILED and row.last_error
    assert receiver.requests == []
