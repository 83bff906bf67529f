"""The append-only, hash-chained timeline of a complaint.

Each event's hash is HMAC-SHA256(AMENDS_TIMELINE_KEY, previous hash + canonical JSON of the
event). The key is a secret kept outside the database, so someone who can edit rows but not read
the environment cannot forge a consistent chain. Callers must hold the complaint's row lock
(they run inside `complaint_transition` or another service that locked it).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models.signals import post_save

from amends.complaints.models import Complaint, ComplaintEvent
from amends.core import clock
from amends.core.principals import Principal, PrincipalKind, as_principal
from amends.core.rows import update_each
from amends.orgs.models import User

if TYPE_CHECKING:
    from amends.complaints.integrity import ChainBreak

GENESIS = "0" * 64


@dataclass
class _Unit:
    """The events of one complaint held back by `deferred`, and whether its row was changed."""

    complaint: Complaint
    seq: int
    hash: str
    events: list[ComplaintEvent] = field(default_factory=list)
    saved: bool = False
    handlers: list[int] = field(default_factory=list)


@dataclass
class _Deferral:
    """What `deferred` holds back: the complaint `only` (its pk), or every complaint (None)."""

    only: int | None
    units: dict[int, _Unit] = field(default_factory=dict)

    def unit_for(self, complaint: Complaint) -> _Unit | None:
        if self.only is not None and complaint.pk != self.only:
            return None
        unit = self.units.get(complaint.pk)
        if unit is None:
            unit = _Unit(complaint=complaint, seq=complaint.head_seq, hash=complaint.head_hash)
            self.units[complaint.pk] = unit
        return unit


_DEFERRAL: ContextVar[_Deferral | None] = ContextVar("amends_timeline_deferral", default=None)


@contextmanager
def deferred(complaint: Complaint | None = None) -> Iterator[None]:
    """Hold back the timeline writes of `complaint` (None: of every complaint) inside the
    block: events are chained in memory and inserted at the end, all in one statement; the
    handlers added (`add_handler`) in another; then the rows (head, seal and every change a
    service saved with its event), each once and all of them in one statement per set of
    changed columns (`core.rows.update_each`). The caller holds the rows' locks for the whole
    block, or the rows are its own:

    - intake, between the new complaint's insert and its commit (nobody else can see the row),
      where the received event, the acknowledgement and the assignment would otherwise be six
      statements;
    - the tick, over a chunk of complaints it has locked (`tick._in_chunks`).

    The events' `post_save` listeners are told at the end, in order, before the rows are
    written (a listener may change its complaint: the sensitive flags); each row's listeners
    once, as for a save. When the block raises, nothing is written (the caller's transaction
    is rolled back). Events must not be read back inside the block: they are not there yet."""
    if _DEFERRAL.get() is not None:
        raise RuntimeError("timeline writes are already deferred")
    if complaint is not None:
        remember_stored(complaint)
    deferral = _Deferral(only=complaint.pk if complaint is not None else None)
    token = _DEFERRAL.set(deferral)
    try:
        yield
    finally:
        _DEFERRAL.reset(token)
    _flush(list(deferral.units.values()))


def _flush(units: list[_Unit]) -> None:
    """Write what `deferred` held back: the events in one insert, the new handlers in another,
    then each changed row's columns (`rows.update_each`: one statement per set of columns),
    telling each listener as a save would."""
    from amends.complaints.integrity import _row_values, seal

    events = [event for unit in units for event in unit.events]
    if events:
        ComplaintEvent.objects.bulk_create(events)
        token = _FLUSHING.set({unit.complaint.pk: unit for unit in units})
        try:
            for event in events:
                tell_saved(event, created=True)
        finally:
            _FLUSHING.reset(token)
    joined = [
        Complaint.handlers.through(complaint_id=unit.complaint.pk, user_id=user)
        for unit in units
        for user in dict.fromkeys(unit.handlers)
    ]
    if joined:  # a handler already there is left as it is, as `handlers.add` leaves it
        Complaint.handlers.through.objects.bulk_create(joined, ignore_conflicts=True)
    changes: list[tuple[int, dict[str, Any]]] = []
    written: list[_Unit] = []
    for unit in units:
        if not unit.events and not unit.saved:
            continue
        complaint = unit.complaint
        complaint.head_seq, complaint.head_hash = unit.seq, unit.hash
        seal(complaint)
        values = _row_values(complaint)
        stored: dict[str, Any] | None = complaint.__dict__.pop(_STORED, None)
        if stored is not None:  # only what changed since it was read (the head always has)
            values = {name: value for name, value in values.items() if stored.get(name) != value}
        changes.append((complaint.pk, values))
        written.append(unit)
    update_each(Complaint, changes)
    for unit in written:
        if unit.saved:
            tell_saved(unit.complaint, created=False)


# The units being flushed, while their events' listeners are told (`_flush`).
_FLUSHING: ContextVar[dict[int, _Unit] | None] = ContextVar("amends_timeline_flush", default=None)


def held_row(complaint_id: int) -> Complaint | None:
    """The in-memory complaint whose row is written at the end of a `deferred` block (inside
    it, or while its events' listeners are told), else None: a listener that changes that
    object has its change written with the rest, in the same update."""
    units = _FLUSHING.get()
    if units is None:
        deferral = _DEFERRAL.get()
        units = deferral.units if deferral is not None else None
    unit = units.get(complaint_id) if units is not None else None
    return unit.complaint if unit is not None else None


def save_row(complaint: Complaint) -> None:
    """Seal and save the whole in-memory complaint: at once, or with the rest of its writes
    when they are held back (`deferred`)."""
    deferral = _DEFERRAL.get()
    unit = deferral.unit_for(complaint) if deferral is not None else None
    if unit is None:
        from amends.complaints.integrity import seal

        seal(complaint)
        complaint.save()
    else:
        unit.complaint, unit.saved = complaint, True


def add_handler(complaint: Complaint, user: User) -> None:
    """`user` becomes one of `complaint`'s handlers: at once, or with the rest of its writes
    when they are held back (`deferred`)."""
    deferral = _DEFERRAL.get()
    unit = deferral.unit_for(complaint) if deferral is not None else None
    if unit is None:
        complaint.handlers.add(user)
    else:
        unit.handlers.append(user.pk)


_STORED = "_amends_stored_row"


def remember_stored(complaint: Complaint) -> None:
    """Note `complaint`'s columns as they are stored now (it was just read or saved), so that a
    deferred write (`deferred`) updates only the columns changed since: a reminder writes its
    handful, not the row's seventy. A copy, so that a list or a dict changed in place still
    counts as changed."""
    from amends.complaints.integrity import _row_values

    complaint.__dict__[_STORED] = {
        name: copy.deepcopy(value) if isinstance(value, list | dict) else value
        for name, value in _row_values(complaint).items()
    }


def tell_saved(instance: Complaint | ComplaintEvent, *, created: bool) -> None:
    """What `Model.save()` tells its listeners (the queue counts' cache, the sensitive flags),
    for a row written by an update or a bulk insert instead."""
    post_save.send(
        sender=type(instance),
        instance=instance,
        created=created,
        update_fields=None,
        raw=False,
        using=instance._state.db or "default",
    )


def normalise(data: dict[str, Any]) -> dict[str, Any]:
    """Turn values into plain JSON (datetimes, decimals, lazy strings → str) so the stored
    JSON reads back exactly as hashed."""
    result: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return result


def event_hash(
    *,
    prev_hash: str,
    complaint_id: int,
    seq: int,
    kind: str,
    actor_id: int | None,
    at: datetime,
    data: dict[str, Any],
    actor_kind: str = "",
    actor_ref: int | None = None,
    actor_name: str = "",
) -> str:
    content: dict[str, Any] = {
        "complaint": complaint_id,
        "seq": seq,
        "kind": kind,
        "actor": actor_id,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "data": data,
    }
    # A staff member is named by `actor`, as before principals; anyone else (the customer, an
    # API key, a named part of the system) is hashed as kind, id and name.
    if actor_kind not in ("", PrincipalKind.STAFF) and (actor_ref is not None or actor_name):
        content["principal"] = [actor_kind, actor_ref, actor_name]
    payload = json.dumps(
        content,
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    key = settings.AMENDS_TIMELINE_KEY.encode()
    return hmac.new(key, (prev_hash + payload).encode(), hashlib.sha256).hexdigest()


def event_append(
    *,
    complaint: Complaint,
    kind: str,
    actor: User | Principal | None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
    save: bool = False,
) -> ComplaintEvent:
    """Append one event to `complaint`'s timeline. The caller holds the complaint's row lock.
    `actor` is the principal who acted (a user is a staff principal; None is the system).
    `save`: the in-memory complaint is also saved, whole, in the head's update (the caller has
    changed it and not saved it yet: `services.gate.save_recording`).

    Two statements: the head's update, conditional on the head the in-memory complaint holds,
    and the event's insert. When this instance's head is not the row's (another instance of the
    complaint appended meanwhile), the last event is read and the update made again."""
    moment = (at or clock.now()).astimezone(UTC)
    clean = normalise(data or {})
    principal = as_principal(actor)
    actor_id = principal.ref if principal.is_staff else None
    name = "" if principal.is_staff else principal.name[:100]

    # integrity imports this module: import it here. Its digest of a stored event is the one
    # the chain is verified with, so an event is hashed as it will be checked.
    from amends.complaints.integrity import _event_digest, head_advance, seal

    def build(seq: int, prev: str) -> ComplaintEvent:
        event = ComplaintEvent(
            complaint=complaint,
            seq=seq,
            kind=kind,
            actor_id=actor_id,
            actor_kind=principal.kind,
            actor_ref=principal.ref,
            actor_name=name,
            at=moment,
            data=clean,
            prev_hash=prev,
        )
        event.hash = _event_digest(event, prev)
        return event

    deferral = _DEFERRAL.get()
    unit = deferral.unit_for(complaint) if deferral is not None else None
    if unit is not None:
        # Held back (`deferred`): chained on the unit's own head, written at its end.
        event = build(unit.seq + 1, unit.hash if unit.seq else GENESIS)
        unit.seq, unit.hash, unit.complaint = event.seq, event.hash, complaint
        complaint.head_seq, complaint.head_hash = event.seq, event.hash
        unit.saved = unit.saved or save
        unit.events.append(event)
        return event

    held_seq, held_hash = complaint.head_seq, complaint.head_hash
    event = build(held_seq + 1, held_hash if held_seq else GENESIS)
    if not head_advance(complaint, event, expected=(held_seq, held_hash), whole_row=save):
        last = (
            ComplaintEvent.objects.filter(complaint=complaint)
            .order_by("-seq")
            .values("seq", "hash")
            .first()
        )
        event = build(last["seq"] + 1, last["hash"]) if last else build(1, GENESIS)
        if save:
            complaint.head_seq, complaint.head_hash = event.seq, event.hash
            seal(complaint)
            complaint.save()
        else:
            head_advance(complaint, event)
    event.save(force_insert=True)
    return event


def verify_complaint(complaint: Complaint) -> ChainBreak | None:
    """Verify one complaint: its chain, its sealed head, its checkpoints (`integrity.py`)."""
    from amends.complaints import integrity  # integrity reads this module: import it late

    return integrity.verify_complaint(complaint)


def verify_all() -> tuple[int, list[ChainBreak]]:
    """Verify every complaint and the checkpoint log (`integrity.verify_all`)."""
    from amends.complaints import integrity

    return integrity.verify_all()
