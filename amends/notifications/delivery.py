"""Delivering the outbox: claim due rows, hand each to its transport, record what happened.

The contract (the job `notifications.deliver` runs `deliver_due` every AMENDS_DELIVERY_SECONDS,
on as many workers as you like):

1. **Claim.** `claim()` takes due rows — pending with `available_at` ≤ now, or `sending` whose
   claim expired (a worker killed half-way) — and marks them `sending` with
   `claimed_until = now + LEASE`, atomically: on PostgreSQL one transaction of
   `SELECT … FOR UPDATE SKIP LOCKED` and an UPDATE (concurrent workers skip each other's rows);
   elsewhere (SQLite) a compare-and-set UPDATE per row (`WHERE pk = ? AND status = ? AND …`),
   so of two workers that saw the same row only one changes it. MANUAL rows are never claimed.
2. **Hold.** Right before its transport runs, a row's lease is renewed with the same
   compare-and-set (still ours? then `claimed_until = now + LEASE`). A worker that took longer
   than the lease over earlier rows of its batch finds the row taken by another and skips it,
   instead of sending it a second time. Every transport's timeout is well inside the lease.
3. **Send**, outside any transaction (no database lock is held while a server answers).
4. **Record**, in its own short transaction right after the transport returns: a
   `DeliveryAttempt` (number, duration, the answer or the error), `attempts` + 1, and the row
   `sent` (with `sent_at`), or back to `pending` at `now + backoff` (1, 2, 4 … minutes with
   ±10 % jitter, at most an hour), or `failed` with `last_error` after
   AMENDS_DELIVERY_MAX_ATTEMPTS tries or a permanent refusal — where the admin shows it.

Exactly once towards the outside, as far as it can be: two live workers never send one row
(the claim, then the hold). What remains is at-least-once in one window: a crash after the
remote side accepted (SMTP 250, HTTP 2xx) and before step 4 commits. The row's lease then
expires and it is sent again. The window is one round trip to the database; and the resend is
recognisable: an email carries the same Message-ID (fixed at enqueue), a webhook the same
X-Amends-Delivery, an SMS request the same Idempotency-Key.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Q

from amends.core import clock
from amends.notifications.models import DeliveryAttempt, Outbox
from amends.notifications.transports import DeliveryError, GiveUp, NotTried, Sent, Transports

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=settings.AMENDS_DELIVERY_LEASE_SECONDS)  # 2 minutes by default
FIRST_RETRY = timedelta(seconds=settings.AMENDS_DELIVERY_FIRST_RETRY_SECONDS)  # 1 minute
LONGEST_RETRY = timedelta(hours=1)
JITTER = 0.1

S = Outbox.Status


def backoff(attempts: int, *, rand: Callable[[], float] = random.random) -> timedelta:
    """How long to wait after the `attempts`-th failed try: 1 min, 2, 4, 8 … (±10 %), at most
    an hour. The jitter spreads a burst of failures so they do not retry all at once."""
    base = min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)
    spread = base * (1 + JITTER * (2 * rand() - 1))
    return min(spread, LONGEST_RETRY)


def _due(now: datetime) -> Q:
    return Q(status=S.PENDING, available_at__lte=now) | Q(status=S.SENDING, claimed_until__lt=now)


def claim(batch: int, now: datetime) -> list[Outbox]:
    """Claim up to `batch` due rows for this worker (see the module's step 1); oldest first.
    Returned rows are `sending` with `claimed_until` set; no other worker gets them until the
    lease has passed."""
    due = Outbox.objects.filter(_due(now)).exclude(channel=Outbox.Channel.MANUAL)
    due = due.order_by("available_at", "pk")
    until = now + LEASE
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            rows = list(due.select_for_update(skip_locked=True)[:batch])
            Outbox.objects.filter(pk__in=[row.pk for row in rows]).update(
                status=S.SENDING, claimed_until=until
            )
    else:
        candidates = due.only("pk", "status", "claimed_until")[:batch]
        won = [candidate.pk for candidate in candidates if take(candidate, now=now, until=until)]
        rows = list(Outbox.objects.filter(pk__in=won).order_by("available_at", "pk"))
    for row in rows:
        row.status, row.claimed_until = S.SENDING, until
    return rows


def take(candidate: Outbox, *, now: datetime, until: datetime) -> bool:
    """Claim one row seen due, by compare-and-set: only if it is still as it was seen (same
    status, and for an expired claim the same `claimed_until`) and still due. Of two workers
    that saw the same row, one wins."""
    same = Q(pk=candidate.pk, status=candidate.status)
    if candidate.status == S.SENDING:
        same &= Q(claimed_until=candidate.claimed_until)
    taken = Outbox.objects.filter(same & _due(now)).update(status=S.SENDING, claimed_until=until)
    return bool(taken)


def _hold(row: Outbox) -> bool:
    """Renew `row`'s lease if it is still ours (compare-and-set on status and claimed_until)."""
    until = max(clock.now() + LEASE, row.claimed_until or clock.now())
    held = Outbox.objects.filter(
        pk=row.pk, status=S.SENDING, claimed_until=row.claimed_until
    ).update(claimed_until=until)
    if held:
        row.claimed_until = until
    return bool(held)


OUTCOMES = ("sent", "retry", "failed", "skipped", "postponed")


def deliver_due(now: datetime, batch: int = 50) -> dict[str, int]:
    """Claim up to `batch` due rows and deliver them one by one; counts of what became of them:
    sent, retry (back to pending), failed, skipped (taken by another worker meanwhile),
    postponed (not tried: its server was unreachable earlier in this run).

    Idempotent and safe to run on several workers at once. Call it outside a transaction: each
    row's outcome is committed on its own, right after its transport returns."""
    counts = dict.fromkeys(OUTCOMES, 0)
    rows = claim(batch, now)
    transports = Transports()
    try:
        for row in rows:
            counts[deliver_one(row, transports)] += 1
    finally:
        transports.close()
    return counts


def deliver_one(row: Outbox, transports: Transports) -> str:
    """Deliver one claimed row and record it; returns the outcome's name."""
    if not _hold(row):
        return "skipped"
    started = clock.now()
    began = time.monotonic()
    outcome: Sent | DeliveryError
    try:
        outcome = transports.deliver(row)
    except DeliveryError as failure:
        outcome = failure
    except Exception as exc:  # a bug in a transport must not stop the batch nor lose the row
        log.exception("delivering outbox row %s failed unexpectedly", row.pk)
        outcome = DeliveryError(f"{type(exc).__name__}: {exc}")
    took = int((time.monotonic() - began) * 1000)
    return _record(row, outcome, started=started, duration_ms=took)


def _record(
    row: Outbox, outcome: Sent | DeliveryError, *, started: datetime, duration_ms: int
) -> str:
    now = clock.now()
    with transaction.atomic():
        current = (
            Outbox.objects.select_for_update()
            .filter(pk=row.pk, status=S.SENDING, claimed_until=row.claimed_until)
            .first()
        )
        if current is None:
            # Our lease ran out during the send and another worker took the row: what we did
            # is logged; the row's state belongs to the other worker now.
            log.warning("outbox row %s: lease lost while delivering (%s)", row.pk, outcome)
            return "skipped"
        if isinstance(outcome, NotTried):
            Outbox.objects.filter(pk=current.pk).update(status=S.PENDING, claimed_until=None)
            row.status, row.claimed_until = S.PENDING, None
            return "postponed"
        # `attempts` counts the tries since the row was queued or retried by hand; the log's
        # numbers run on across a retry by hand.
        number = current.attempts + 1
        last = current.delivery_attempts.aggregate(last=Max("number"))["last"] or 0
        DeliveryAttempt.objects.create(
            outbox=current,
            number=last + 1,
            started_at=started,
            duration_ms=duration_ms,
            ok=isinstance(outcome, Sent),
            response=outcome.response[:500],
            error="" if isinstance(outcome, Sent) else outcome.error,
        )
        fields: dict[str, object] = {"attempts": number, "claimed_until": None}
        if isinstance(outcome, Sent):
            fields |= {"status": S.SENT, "sent_at": now, "last_error": ""}
            result = "sent"
        elif isinstance(outcome, GiveUp) or number >= settings.AMENDS_DELIVERY_MAX_ATTEMPTS:
            fields |= {"status": S.FAILED, "last_error": _error(outcome)}
            result = "failed"
        else:
            fields |= {
                "status": S.PENDING,
                "available_at": now + backoff(number),
                "last_error": _error(outcome),
            }
            result = "retry"
        Outbox.objects.filter(pk=current.pk).update(**fields)
    for name, value in fields.items():
        setattr(row, name, value)
    return result


def _error(failure: DeliveryError) -> str:
    return f"{failure.error} — {failure.response}" if failure.response else failure.error


# --- by hand (the admin's actions) -------------------------------------------------------------


def outbox_retry_now(*, ids: list[int]) -> int:
    """Failed (or waiting) rows back to pending, due now, with a fresh count of attempts so
    they get the full number of tries again. Sent and cancelled rows are left alone."""
    return Outbox.objects.filter(pk__in=ids, status__in=[S.FAILED, S.PENDING]).update(
        status=S.PENDING, available_at=clock.now(), attempts=0, claimed_until=None
    )


def outbox_mark_done_by_hand(*, ids: list[int]) -> int:
    """A person sent these MANUAL messages (a letter, a post on social media): mark them sent."""
    return Outbox.objects.filter(
        pk__in=ids, channel=Outbox.Channel.MANUAL, status__in=[S.PENDING, S.FAILED]
    ).update(status=S.SENT, sent_at=clock.now(), last_error="")


def outbox_cancel_by_hand(*, ids: list[int], reason: str) -> int:
    """Never send these: pending and failed rows become cancelled (a row being sent right now,
    and a sent one, are left alone)."""
    return Outbox.objects.filter(pk__in=ids, status__in=[S.PENDING, S.FAILED]).update(
        status=S.CANCELLED, claimed_until=None, last_error=reason[:500]
    )
