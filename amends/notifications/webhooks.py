"""Webhooks: a company's integrations told of what happens to its complaints, by a signed POST.

Writing: `webhook_enqueue_event()` queues one outbox row (channel WEBHOOK, kind EVENT) per active
subscription of the company that wants the event's kind, in the caller's transaction — the
complaints' event writer (`complaints.events.record`) calls it for every timeline event, with
only the non-personal fields of the event (see docs/webhooks.md for the exact list). With no
subscription this costs one indexed query and writes nothing.

Delivering: `webhook_post()` (the WEBHOOK transport) POSTs the row's JSON body to the
subscription's current URL with

    Content-Type: application/json
    X-Amends-Event: <kind>
    X-Amends-Delivery: <outbox id>          (the same on every retry: dedupe on it)
    X-Amends-Timestamp: <unix seconds>
    X-Amends-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>

and a 2xx answer is delivered; anything else is retried with backoff (`delivery.py`).

Feedback to the integration that recorded a complaint: a WEBHOOK row carrying
`context["api_key"]` and no `context["subscription"]` (written by the complaint's messages) is
fanned out when it is delivered: `webhook_fan_out()` writes one row per active subscription of
that API key (dedupe keys make it once), and the original row is marked sent with how many it
became. Each copy is then retried on its own, so one integration that is down never makes
another receive the same message twice. A writer that prefers to fan out at once calls
`webhook_enqueue_for_api_key()`.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import urllib.parse
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from amends.core import clock, config_cache
from amends.notifications.models import Outbox, WebhookSubscription
from amends.notifications.services import outbox_enqueue
from amends.notifications.transports import (
    GiveUp,
    Sent,
    TryAgain,
    Unreachable,
    http_post,
    snippet,
)

TEST_EVENT = "test"
SIGNATURE_PREFIX = "sha256="

# The event kinds a subscription may ask for: declared by the layer that owns them
# (`complaints.events` declares its EventKind), so this layer needs no import from above.
EVENT_KINDS: dict[str, Any] = {}


def declare_event_kinds(kinds: Iterable[tuple[str, Any]]) -> None:
    """Make `kinds` ((code, label) pairs) offered in the subscription's `events` choice."""
    EVENT_KINDS.update(dict(kinds))


def refuse_private(url: str) -> None:
    """Raise GiveUp unless `url` is http(s) to a public address. A webhook URL is set by a
    company's administrators, not by amends' operators: it must not reach amends' own network
    (loopback, private, link-local — cloud metadata —, reserved addresses). The name is
    resolved here; AMENDS_WEBHOOK_ALLOW_PRIVATE lifts the rule (tests, an intranet CRM)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise GiveUp("a webhook URL must be http:// or https://")
    if settings.AMENDS_WEBHOOK_ALLOW_PRIVATE:
        return
    try:
        found = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise Unreachable(f"unreachable: {exc}") from exc
    for *_rest, address in found:
        ip = ipaddress.ip_address(str(address[0]).split("%", 1)[0])
        if not ip.is_global:
            raise GiveUp(f"refused: {parts.hostname} is not a public address")


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def webhook_subscription_create(
    *,
    company_id: int,
    name: str,
    url: str,
    events: Iterable[str] = (),
    api_key_id: int | None = None,
    secret: str = "",
) -> tuple[WebhookSubscription, str]:
    """Subscribe `url` to the company's events (`events` empty: all). Returns the subscription
    and its signing secret (`secret`, or a new random one), to be shown this once."""
    signing = secret or new_secret()
    subscription = WebhookSubscription.objects.create(
        company_id=company_id,
        name=name,
        url=url,
        secret=signing,
        events=list(events),
        api_key_id=api_key_id,
        created_at=clock.now(),
    )
    return subscription, signing


# --- signing -----------------------------------------------------------------------------------


def sign(secret: str, timestamp: int | str, body: bytes | str) -> str:
    """The X-Amends-Signature value of `body` sent at `timestamp` (unix seconds)."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + raw, hashlib.sha256)
    return SIGNATURE_PREFIX + digest.hexdigest()


def verify_signature(
    secret: str,
    timestamp: int | str,
    body: bytes | str,
    header: str,
    tolerance: int = 300,
    *,
    now: float | None = None,
) -> bool:
    """True when `header` (X-Amends-Signature) signs `body` at `timestamp` (X-Amends-Timestamp)
    with `secret`, and the timestamp is within `tolerance` seconds of now (a replay of an old
    delivery is refused). Compare in constant time; never raise on a malformed header."""
    try:
        sent = int(str(timestamp).strip())
    except ValueError:
        return False
    moment = clock.now().timestamp() if now is None else now
    if abs(moment - sent) > tolerance:
        return False
    expected = sign(secret, sent, body)
    return hmac.compare_digest(expected.encode(), (header or "").strip().encode())


# --- what an event tells ----------------------------------------------------------------------

# The payload keys a webhook may carry: codes, states, dates, amounts, scores, ids of rows and
# references — nothing that names or reaches a person. Left out on purpose: free text (text,
# note, notes, reason, comment, description, summary, customer_request: people write names and
# phone numbers into them), the customer's id, staff ids (assignee, owner, to of an escalation
# … any key the payload marks as staff), evidence file names and interviewees' names, the
# details of a change (fields_changed) and calendar warnings. Listed in docs/webhooks.md.
PUBLIC_KEYS = frozenset(
    {
        "reference", "channel", "category", "severity", "department", "role",
        "respond_due", "resolve_due", "action", "from", "to", "within_authority",
        "approval_role", "automatic", "into", "method", "revisit", "reached", "satisfied",
        "via", "interview", "evidence", "type", "size", "proposal", "kind", "amount",
        "consequence", "due", "after_closure", "satisfaction", "nps", "duplicate", "earlier",
        "window_days", "severity_before", "severity_after", "of", "window_hours", "level",
        "overdue_since", "skipped", "deadline", "before", "after", "respond_before",
        "respond_after", "resolve_before", "resolve_after", "hold", "customer_erased",
    }
)  # fmt: skip


def public_event_data(data: dict[str, Any], *, staff_keys: Iterable[str] = ()) -> dict[str, Any]:
    """The keys of an event's stored `data` a webhook may carry (PUBLIC_KEYS, less those the
    payload marks as staff ids)."""
    hidden = set(staff_keys)
    return {key: value for key, value in data.items() if key in PUBLIC_KEYS and key not in hidden}


# --- writing -----------------------------------------------------------------------------------


def event_body(
    *,
    event_id: str,
    kind: str,
    created_at: datetime,
    reference: str,
    data: dict[str, Any],
) -> str:
    return json.dumps(
        {
            "id": event_id,
            "event": kind,
            "created_at": created_at.isoformat(),
            "reference": reference,
            "data": data,
        },
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        sort_keys=True,
    )


def active_subscriptions(company_id: int) -> tuple[WebhookSubscription, ...]:
    """The company's active subscriptions, from the per-process configuration cache (read on
    every event; changed rarely, and every save or delete of one makes processes read afresh).
    The instances are shared: never change them."""
    return config_cache.cached(
        "webhooks",
        company_id,
        lambda: tuple(
            WebhookSubscription.objects.filter(company_id=company_id, is_active=True).order_by("pk")
        ),
    )


def _subscription_changed(sender: Any, instance: WebhookSubscription, **kwargs: Any) -> None:
    config_cache.bump(instance.company_id)


post_save.connect(_subscription_changed, sender=WebhookSubscription, dispatch_uid="webhooks.s")
post_delete.connect(_subscription_changed, sender=WebhookSubscription, dispatch_uid="webhooks.d")


def webhook_enqueue_event(
    *,
    company_id: int,
    kind: str,
    payload: dict[str, Any],
    reference: str,
    complaint_id: int | None,
    event_id: str | None = None,
    occurred_at: datetime | None = None,
) -> list[Outbox]:
    """Queue event `kind` with `payload` (non-personal data only: the caller chooses) for every
    active subscription of the company that wants it, inside the caller's transaction.

    No query when the company has no subscription: the active ones are kept per process
    (`active_subscriptions`). `event_id` (stable, e.g.
    "<complaint>.<seq>") is the body's "id" and makes the rows idempotent: the same event is
    queued once per subscription however often this is called."""
    subscriptions = [s for s in active_subscriptions(company_id) if s.wants(kind)]
    if not subscriptions:
        return []
    identifier = event_id or uuid.uuid4().hex
    body = event_body(
        event_id=identifier,
        kind=kind,
        created_at=occurred_at or clock.now(),
        reference=reference,
        data=payload,
    )
    rows = []
    for subscription in subscriptions:
        row = _enqueue(
            subscription,
            kind=Outbox.Kind.EVENT,
            event=kind,
            subject=f"{kind} {reference}".strip(),
            body=body,
            reference=reference,
            complaint_id=complaint_id,
            dedupe_key=f"webhook:{identifier}:{subscription.pk}" if event_id else None,
        )
        if row is not None:
            rows.append(row)
    return rows


def webhook_test_send(subscription: WebhookSubscription) -> Outbox:
    """Queue a test event to `subscription` (the admin's "Send a test event"), delivered by the
    next run like any other, so its delivery log shows whether the integration answers."""
    now = clock.now()
    identifier = f"test-{uuid.uuid4().hex}"
    body = event_body(
        event_id=identifier,
        kind=TEST_EVENT,
        created_at=now,
        reference="",
        data={"subscription": subscription.name, "message": "amends test event"},
    )
    row = _enqueue(
        subscription,
        kind=Outbox.Kind.TEST,
        event=TEST_EVENT,
        subject=f"{TEST_EVENT} {subscription.name}",
        body=body,
        reference="",
        complaint_id=None,
        dedupe_key=None,
    )
    assert row is not None  # no dedupe key: always written
    return row


def webhook_enqueue_for_api_key(
    *,
    api_key_id: int,
    kind: str,
    subject: str,
    body: str,
    reference: str = "",
    complaint_id: int | None = None,
    language: str = "en",
    dedupe_key: str | None = None,
) -> list[Outbox]:
    """Queue `body` (JSON) to every active subscription of API key `api_key_id` at once (the
    enqueue-time alternative to a row with context["api_key"], which is fanned out when
    delivered). `dedupe_key`, when given, is made per subscription."""
    rows = []
    for subscription in WebhookSubscription.objects.filter(api_key_id=api_key_id, is_active=True):
        row = _enqueue(
            subscription,
            kind=kind,
            event=kind,
            subject=subject,
            body=body,
            reference=reference,
            complaint_id=complaint_id,
            dedupe_key=f"{dedupe_key}:{subscription.pk}" if dedupe_key else None,
            language=language,
        )
        if row is not None:
            rows.append(row)
    return rows


def _enqueue(
    subscription: WebhookSubscription,
    *,
    kind: str,
    event: str,
    subject: str,
    body: str,
    reference: str,
    complaint_id: int | None,
    dedupe_key: str | None,
    language: str = "en",
    extra: dict[str, Any] | None = None,
) -> Outbox | None:
    return outbox_enqueue(
        kind=kind,
        channel=Outbox.Channel.WEBHOOK,
        subject=subject,
        body=body,
        language=language,
        # The address is the URL at the time of queueing (for the admin's log); delivery posts
        # to the subscription's current URL.
        address=subscription.url,
        complaint_id=complaint_id,
        reference=reference,
        context={**(extra or {}), "subscription": subscription.pk, "event": event},
        dedupe_key=dedupe_key,
    )


def webhook_fan_out(row: Outbox) -> int:
    """Turn a WEBHOOK row meant for an API key's integration (context["api_key"], no
    subscription) into one row per active subscription of that key; returns how many. Atomic
    and idempotent (a dedupe key per subscription): a worker that dies half-way and runs again
    writes no second copy. Raises GiveUp when the key has no active subscription."""
    context = dict(row.context or {})
    try:
        api_key_id = int(context.pop("api_key"))
    except (KeyError, TypeError, ValueError):
        raise GiveUp("no webhook subscription and no API key to find one") from None
    subscriptions = list(
        WebhookSubscription.objects.filter(api_key_id=api_key_id, is_active=True).order_by("pk")
    )
    if not subscriptions:
        raise GiveUp(f"API key {api_key_id} has no active webhook subscription")
    body = message_body(row)
    with transaction.atomic():
        for subscription in subscriptions:
            _enqueue(
                subscription,
                kind=row.kind,
                event=str(context.get("event") or row.kind),
                subject=row.subject,
                body=body,
                reference=row.reference,
                complaint_id=row.complaint_id,
                dedupe_key=f"fanout:{row.pk}:{subscription.pk}",
                language=row.language,
                extra={**context, "fanned_out_from": row.pk},
            )
    return len(subscriptions)


def message_body(row: Outbox) -> str:
    """The JSON body of a message to the customer that goes out through their integration:
    the row's body when it is a JSON object already, else the envelope every event has, with
    the message in `data` (subject, text, language) — the integration shows it to its user."""
    try:
        if isinstance(json.loads(row.body), dict):
            return row.body
    except ValueError:
        pass
    return event_body(
        event_id=f"message-{row.pk}",
        kind=row.kind,
        created_at=row.created_at,
        reference=row.reference,
        data={"subject": row.subject, "text": row.body, "language": row.language},
    )


# --- delivering --------------------------------------------------------------------------------


def webhook_post(row: Outbox) -> Sent:
    """The WEBHOOK transport: POST the row's body, signed, to its subscription."""
    context = row.context or {}
    if not context.get("subscription"):
        count = webhook_fan_out(row)
        return Sent(f"fanned out to {count} subscription(s)")
    subscription = WebhookSubscription.objects.filter(pk=context["subscription"]).first()
    if subscription is None:
        raise GiveUp("the webhook subscription was deleted")
    if not subscription.is_active:
        raise GiveUp("the webhook subscription is not active")
    refuse_private(subscription.url)
    body = row.body.encode("utf-8")
    timestamp = int(clock.now().timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "amends-webhooks/1",
        "X-Amends-Event": str(context.get("event") or row.kind),
        "X-Amends-Delivery": str(row.pk),
        "X-Amends-Timestamp": str(timestamp),
        "X-Amends-Signature": sign(subscription.secret, timestamp, body),
    }
    answer = http_post(subscription.url, body=body, headers=headers)
    said = f"HTTP {answer.status}: {snippet(answer.text)}".rstrip(": ")
    if 200 <= answer.status < 300:
        return Sent(said)
    # Any other answer (a 4xx too: an integration being redeployed, a proxy in between) is
    # retried until the attempts run out; the log shows what it said.
    raise TryAgain(f"the webhook answered {answer.status}", response=said)
