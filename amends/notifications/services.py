"""Writing to the outbox. Delivery (email, SMS) is done by workers in a later layer."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import router, transaction
from django.db.models.constants import OnConflict

from amends.core import clock
from amends.notifications.models import Outbox
from amends.orgs.models import User


def new_message_id() -> str:
    """A globally unique RFC 5322 Message-ID in amends' own mail domain."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "amends.localhost"
    return f"<{uuid.uuid4().hex}@{domain}>"


_BATCH: ContextVar[list[Outbox] | None] = ContextVar("amends_outbox_batch", default=None)


@contextmanager
def batched() -> Iterator[None]:
    """Hold back the messages queued inside the block and insert them at its end, all in one
    statement (a message whose dedupe key is taken is left out, as one at a time). Inside the
    block `outbox_enqueue` returns the message unsaved: for callers that do not use what it
    returns (the tick's notices, `complaints.tick`). When the block raises, nothing is
    written."""
    if _BATCH.get() is not None:
        raise RuntimeError("the outbox is already batched")
    rows: list[Outbox] = []
    token = _BATCH.set(rows)
    try:
        yield
    finally:
        _BATCH.reset(token)
    if rows:
        Outbox.objects.bulk_create(rows, ignore_conflicts=True)


def outbox_enqueue(
    *,
    kind: str,
    channel: str,
    subject: str,
    body: str,
    language: str,
    recipient_user: User | None = None,
    address: str = "",
    complaint_id: int | None = None,
    reference: str = "",
    context: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
) -> Outbox | None:
    """Queue one message, inside the caller's transaction.

    Returns None (and writes nothing) when a row with the same `dedupe_key` already exists.
    """
    if recipient_user is None and not address and channel not in ("manual", "webhook"):
        raise ValueError("a message needs a staff recipient or an address")
    now = clock.now()
    row = Outbox(
        kind=kind,
        channel=channel,
        subject=subject[:300],
        body=body,
        language=language,
        recipient_user=recipient_user,
        recipient_address=address,
        complaint_id=complaint_id,
        reference=reference,
        context=context or {},
        dedupe_key=dedupe_key or None,  # blank is no key: NULLs never collide
        message_id=new_message_id() if channel == Outbox.Channel.EMAIL else None,
        available_at=now,
        created_at=now,
    )
    batch = _BATCH.get()
    if batch is not None:
        batch.append(row)
        return row
    if not dedupe_key:
        row.save(force_insert=True)
        return row
    # One statement, whoever else queues the same message at the same moment: the insert that
    # finds the key taken does nothing and returns no row (ON CONFLICT DO NOTHING; SQLite's
    # INSERT OR IGNORE) — no look-up first, no savepoint around an IntegrityError.
    fields = [f for f in Outbox._meta.concrete_fields if not f.primary_key]
    returned = Outbox._base_manager._insert(  # type: ignore[attr-defined]  # as Model.save does
        [row],
        fields=fields,
        returning_fields=[Outbox._meta.pk],
        on_conflict=OnConflict.IGNORE,
    )
    if not returned or returned[0] is None or returned[0][0] is None:
        return None
    row.pk = returned[0][0]
    row._state.adding = False
    row._state.db = router.db_for_write(Outbox)
    return row


def outbox_reencrypt(*, batch: int = 500) -> int:
    """Re-encrypt every outbox address with the first key of AMENDS_FIELD_KEYS."""
    count = 0
    pks = list(Outbox.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), batch):
        with transaction.atomic():
            rows = list(
                Outbox.objects.select_for_update().filter(pk__in=pks[start : start + batch])
            )
            Outbox.objects.bulk_update(rows, ["recipient_address"])
            count += len(rows)
    return count


def outbox_cancel(*, ids: Iterable[int], reason: str) -> int:
    """Make pending messages never to be sent (e.g. the demo's messages to made-up people).
    Sent messages are left as they are. Returns how many were cancelled."""
    pending = Outbox.objects.filter(pk__in=list(ids), status=Outbox.Status.PENDING)
    return pending.update(status=Outbox.Status.CANCELLED, last_error=reason[:500])


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark `user`'s unread console notifications read: those of `ids`, or all of them.
    Only the user's own rows are touched; already-read rows keep their first read time.
    Returns how many were marked."""
    unread = Outbox.objects.filter(
        recipient_user_id=user.pk,
        channel__in=(Outbox.Channel.IN_APP, Outbox.Channel.CALL),  # selectors.CONSOLE_CHANNELS
        read_at__isnull=True,
    )
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=clock.now())
