"""The timeline tells the company's integrations (the hook in `events.record`): one signed
webhook delivery per event to every subscription that wants its kind, carrying the event's
non-personal fields only."""

from __future__ import annotations

import hashlib
import hmac

from amends.complaints import services
from amends.complaints.models import ComplaintEvent
from amends.conftest import Cast
from amends.core import clock
from amends.notifications.models import Outbox, WebhookSubscription
from amends.notifications.tests.helpers import SECRET, WHEN, run, subscribe
from amends.notifications.tests.receiver import Receiver, Request, receiver
from amends.notifications.webhooks import webhook_subscription_create

__all__ = ["receiver"]  # the fixture

# The customer's name, phone (clear and masked), email, and words of their description.
PERSONAL = ("王芳", "13800138000", "138****8000", "wang.fang", "跑步机皮带", "膝盖")


def verified(request: Request) -> bool:
    """What the integration does on arrival: recompute the HMAC over "<timestamp>.<body>"."""
    timestamp = request.headers["X-Amends-Timestamp"]
    expected = hmac.new(
        SECRET.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(f"sha256={expected}", request.headers["X-Amends-Signature"])


def test_every_event_is_posted_signed_and_without_personal_data(
    cast: Cast, receiver: Receiver
) -> None:
    subscribe(cast, receiver)
    with clock.travel(WHEN):
        complaint = cast.receive()
        services.complaint_add_note(
            complaint=complaint, actor=cast.desk, text="王芳 13800138000 膝盖擦伤"
        )
    events = list(ComplaintEvent.objects.filter(complaint=complaint).order_by("seq"))
    rows = Outbox.objects.filter(channel=Outbox.Channel.WEBHOOK).order_by("pk")
    assert len(rows) == len(events) >= 3

    assert run(WHEN)["sent"] >= len(events)
    posted = [r for r in receiver.requests if r.path == "/hooks/amends"]
    assert len(posted) == len(events)
    for request, event in zip(posted, events, strict=True):
        assert verified(request)
        assert request.headers["Content-Type"] == "application/json"
        assert request.headers["X-Amends-Event"] == event.kind
        body = request.json()
        assert body["id"] == f"{complaint.pk}.{event.seq}"
        assert body["event"] == event.kind
        assert body["reference"] == complaint.reference
        assert body["data"]["seq"] == event.seq
        for clear in PERSONAL:
            assert clear not in request.body.decode(), (event.kind, clear)
    received = posted[0].json()
    assert received["data"]["details"]["reference"] == complaint.reference
    assert received["data"]["details"]["channel"] == "front_desk"
    assert "customer" not in received["data"]["details"]
    assert "duty_owner" not in received["data"]["details"]  # staff ids stay inside
    note = next(r.json() for r in posted if r.json()["event"] == "note")
    assert note["data"]["details"] == {}  # a note's text never leaves
    delivered = rows.first()
    assert delivered is not None
    assert {r.headers["X-Amends-Delivery"] for r in posted} == {str(r.pk) for r in rows}


def test_each_subscription_gets_only_the_events_it_asked_for(
    cast: Cast, receiver: Receiver
) -> None:
    everything = subscribe(cast, receiver, name="Everything")
    transitions = subscribe(cast, receiver, name="Transitions", events=["transition"])
    notes = subscribe(cast, receiver, name="Notes", events=["note"])
    WebhookSubscription.objects.filter(pk=notes.pk).update(is_active=False)
    with clock.travel(WHEN):
        other = webhook_subscription_create(
            company_id=cast.stranger.company_id,
            name="Other company",
            url=f"{receiver.url}/other",
        )[0]
        complaint = cast.receive()
    kinds = list(ComplaintEvent.objects.filter(complaint=complaint).values_list("kind", flat=True))

    def wanted(subscription: WebhookSubscription) -> list[str]:
        rows = Outbox.objects.filter(context__subscription=subscription.pk).order_by("pk")
        return [row.context["event"] for row in rows]

    assert wanted(everything) == kinds
    assert wanted(transitions) == [k for k in kinds if k == "transition"] != []
    assert wanted(notes) == wanted(other) == []
