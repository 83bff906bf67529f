"""A timeline that proves itself: every complaint carries an authenticated head, and the heads
are checkpointed to an append-only, chained log (optionally copied to a file outside the database).

What each piece catches (the break kinds `verify_all` reports by name):

- each event's HMAC chain (`timeline.py`): an event edited (`event_altered`) or removed from the
  middle (`event_missing`);
- the complaint's head (`head_seq`, `head_hash`) and `seal` = HMAC(seal key, protected fields +
  head + pk): the protected fields edited (`row_altered`), the last events deleted
  (`chain_truncated`), every event deleted (`chain_deleted`), a row older or newer than its
  events (`rolled_back`);
- checkpoints (`TimelineCheckpoint` + entries, chained by HMAC): a complaint and its events rolled
  back together to an older consistent state, after a checkpoint saw the newer head
  (`rolled_back`), a complaint row deleted after a checkpoint saw it (`complaint_deleted`), the
  checkpoint log itself edited (`checkpoint_altered`);
- the checkpoint file (AMENDS_CHECKPOINT_FILE, on append-only storage): the whole database,
  checkpoints included, restored from an old backup (`checkpoint_altered`, and `rolled_back` /
  `complaint_deleted` for each complaint the file saw newer).

The keys are derived from AMENDS_TIMELINE_KEY, which lives outside the database: someone who can
edit rows cannot compute a seal or a checkpoint hash. Limits: a complaint deleted (or rolled back)
before any checkpoint saw it is only caught through its row or chain; with the key, anything can
be forged.

Contracts: `seal(complaint)` is called on the in-memory complaint right before every save of the
row (the gate's `save()`, intake); `head_advance` right after every event is inserted (the end of
`timeline.event_append`), by a caller that holds the row lock. Services save or append last, so
the stored seal always matches the stored row.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery

from amends.complaints import redaction, search
from amends.complaints.models import (
    Complaint,
    ComplaintEvent,
    TimelineCheckpoint,
    TimelineCheckpointEntry,
)
from amends.complaints.timeline import GENESIS, event_hash, tell_saved
from amends.core import clock

# Purges redact personal text from events with a sealed redaction (complaints/redaction.py):
# such an event keeps its hash, and is accepted when its redaction seal is valid.
ACCEPTS_REDACTIONS = True

# The fields the seal protects. Changing this tuple changes every seal: add a migration that
# reseals (as 0004_timeline_integrity does) and point test_integrity at it.
SEALED_FIELDS: tuple[str, ...] = (
    "reference",
    "company_id",
    "venue_id",
    "customer_id",
    "state",
    "version",
    "channel",
    "received_by_id",
    "received_at",
    "description",
    "customer_request",
    "category_id",
    "severity",
    "department_id",
    "owner_id",
    "assignee_id",
    "respond_due",
    "resolve_due",
    "stage",
    "stage_due",
    "responded_at",
    "resolved_at",
    "closed_at",
    "paused_at",
    "escalation_level",
    "extension_count",
    "reopen_count",
    "merged_into_id",
    "retention_until",
    "legal_hold",
    "anonymised_at",
)

BATCH = 1000


class Break(StrEnum):
    EVENT_ALTERED = "event_altered"
    EVENT_MISSING = "event_missing"
    CHAIN_TRUNCATED = "chain_truncated"
    CHAIN_DELETED = "chain_deleted"
    ROW_ALTERED = "row_altered"
    ROLLED_BACK = "rolled_back"
    COMPLAINT_DELETED = "complaint_deleted"
    CHECKPOINT_ALTERED = "checkpoint_altered"


@dataclass(frozen=True)
class ChainBreak:
    """One break: `kind` names it, `reference` the complaint ("" for the checkpoint log itself),
    `seq` the event (or checkpoint) concerned, 0 when none, `reason` says what was seen."""

    complaint_id: int | None
    reference: str
    seq: int
    reason: str
    kind: Break

    def __str__(self) -> str:
        where = self.reference or "checkpoints"
        at = f" at {'checkpoint' if self.kind == Break.CHECKPOINT_ALTERED else 'event'} {self.seq}"
        return f"{where}{at if self.seq else ''}: {self.kind} — {self.reason}"


# --- keys and digests -----------------------------------------------------------------------


def _key(purpose: str) -> bytes:
    """A sub-key of AMENDS_TIMELINE_KEY per purpose, so a seal is never a valid event hash."""
    root = settings.AMENDS_TIMELINE_KEY.encode()
    return hmac.new(root, f"amends.timeline.{purpose}".encode(), hashlib.sha256).digest()


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def seal_digest(*, pk: int | None, values: Mapping[str, Any], head_seq: int, head_hash: str) -> str:
    """The seal of a complaint whose protected fields are `values` (field name → value)."""
    payload = _dumps(
        {
            "pk": pk,
            "fields": {name: _canonical(value) for name, value in values.items()},
            "head": [head_seq, head_hash],
        }
    )
    return hmac.new(_key("seal"), payload.encode(), hashlib.sha256).hexdigest()


def seal_of(complaint: Complaint) -> str:
    return seal_digest(
        pk=complaint.pk,
        values={name: getattr(complaint, name) for name in SEALED_FIELDS},
        head_seq=complaint.head_seq,
        head_hash=complaint.head_hash,
    )


def seal(complaint: Complaint) -> None:
    """Set `complaint.seal` from the in-memory complaint. Call right before saving the row.

    Every save passes here, so the stored derived columns are brought up to date here too:
    `due_at`, the deadline now running (the queues' index); `search_tokens`, what keyword
    search finds it by (so an edited or erased text is found by its new words only)."""
    complaint.due_at = complaint.running_due()
    complaint.search_tokens = search.complaint_tokens(complaint)
    complaint.seal = seal_of(complaint)


def head_advance(
    complaint: Complaint,
    event: ComplaintEvent,
    *,
    expected: tuple[int, str] | None = None,
    whole_row: bool = False,
) -> bool:
    """Record `event` as the head of `complaint`'s timeline, in memory and in the row, and reseal.
    With `expected` (head_seq, head_hash), only if the row's head is still that one: returns
    whether the row was updated (the in-memory complaint is left as it was when it was not).
    With `whole_row`, every column is written from the in-memory complaint in the same update
    (a service's save and its event's head in one statement; the save's signals are sent).

    Precondition: the caller holds the row lock and the in-memory complaint matches its row
    (services save before they append, save again after, or append with `whole_row`)."""
    before = complaint.head_seq, complaint.head_hash, complaint.seal, complaint.due_at
    complaint.head_seq, complaint.head_hash = event.seq, event.hash
    seal(complaint)
    rows = Complaint.objects.filter(pk=complaint.pk)
    if expected is not None:
        rows = rows.filter(head_seq=expected[0], head_hash=expected[1])
    if whole_row:
        values = _row_values(complaint)
    else:
        values = {
            "head_seq": complaint.head_seq,
            "head_hash": complaint.head_hash,
            "seal": complaint.seal,
            "due_at": complaint.due_at,  # `seal` recomputed it: keep the stored one in step
        }
    updated = rows.update(**values)
    if not updated:
        complaint.head_seq, complaint.head_hash, complaint.seal, complaint.due_at = before
    elif whole_row:
        tell_saved(complaint, created=False)
    return bool(updated)


def _row_values(complaint: Complaint) -> dict[str, Any]:
    """Every stored column of the in-memory complaint, as `save()` would write it."""
    return {
        field.attname: field.pre_save(complaint, False)
        for field in Complaint._meta.local_concrete_fields
        if not field.primary_key and not getattr(field, "generated", False)
    }


def _event_digest(event: ComplaintEvent, prev: str) -> str:
    return event_hash(
        prev_hash=prev,
        complaint_id=event.complaint_id,
        seq=event.seq,
        kind=event.kind,
        actor_id=event.actor_id,
        at=event.at,
        data=event.data,
        actor_kind=event.actor_kind,
        actor_ref=event.actor_ref,
        actor_name=event.actor_name,
    )


def _checkpoint_header(seq: int, at: datetime, count: int) -> str:
    return _dumps({"seq": seq, "at": _canonical(at), "count": count})


def _entry_line(complaint_id: int, reference: str, head_seq: int, head_hash: str) -> str:
    return _dumps([complaint_id, reference, head_seq, head_hash]) + "\n"


# --- checkpoints ----------------------------------------------------------------------------


def _latest_entries() -> QuerySet[TimelineCheckpointEntry]:
    return TimelineCheckpointEntry.objects.filter(complaint_id=OuterRef("pk")).order_by(
        "-checkpoint_id"
    )


def _with_checkpoint(queryset: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """Annotate each complaint with the head the latest checkpoint recorded (None if never)."""
    latest = _latest_entries()
    return queryset.annotate(
        cp_seq=Subquery(latest.values("head_seq")[:1]),
        cp_hash=Subquery(latest.values("head_hash")[:1]),
    )


def checkpoint_write(*, now: datetime | None = None) -> TimelineCheckpoint | None:
    """Append a checkpoint holding the head of every complaint that moved since its last entry.

    One indexed pass over the complaints; entries are written in batches. The checkpoint is
    chained to the previous one by HMAC; with AMENDS_CHECKPOINT_FILE it is also appended to that
    file (header line, then one line per entry) before the transaction commits, so the database
    never holds a checkpoint the file lacks. Safe to run twice at once: the second run waits for
    the first's lock, or loses the race for the next seq and returns None.
    """
    try:
        with transaction.atomic():
            return _checkpoint_write(now or clock.now())
    except IntegrityError:
        return None  # another runner wrote this checkpoint


def _checkpoint_write(now: datetime) -> TimelineCheckpoint:
    last = TimelineCheckpoint.objects.select_for_update().order_by("-seq").first()
    prev_hash = last.hash if last else GENESIS
    checkpoint = TimelineCheckpoint.objects.create(
        seq=(last.seq + 1) if last else 1, at=now, count=0, prev_hash=prev_hash, hash=""
    )
    digest = hmac.new(_key("checkpoint"), prev_hash.encode(), hashlib.sha256)
    moved = (
        _with_checkpoint(Complaint.objects.filter(head_seq__gt=0))
        .filter(Q(cp_seq__isnull=True) | ~Q(cp_seq=F("head_seq")) | ~Q(cp_hash=F("head_hash")))
        .order_by("pk")
        .values_list("pk", "reference", "head_seq", "head_hash")
    )
    batch: list[TimelineCheckpointEntry] = []
    for pk, reference, head_seq, head_hash in moved.iterator(chunk_size=BATCH):
        digest.update(_entry_line(pk, reference, head_seq, head_hash).encode())
        batch.append(
            TimelineCheckpointEntry(
                checkpoint=checkpoint,
                complaint_id=pk,
                reference=reference,
                head_seq=head_seq,
                head_hash=head_hash,
            )
        )
        checkpoint.count += 1
        if len(batch) >= BATCH:
            TimelineCheckpointEntry.objects.bulk_create(batch)
            batch = []
    TimelineCheckpointEntry.objects.bulk_create(batch)
    digest.update(_checkpoint_header(checkpoint.seq, now, checkpoint.count).encode())
    checkpoint.hash = digest.hexdigest()
    checkpoint.save(update_fields=["count", "hash"])
    _file_append(checkpoint)
    return checkpoint


def _checkpoint_file() -> Path | None:
    name = getattr(settings, "AMENDS_CHECKPOINT_FILE", "")
    return Path(name) if name else None


def _file_append(checkpoint: TimelineCheckpoint) -> None:
    path = _checkpoint_file()
    if path is None:
        return
    header = {
        "checkpoint": checkpoint.seq,
        "at": _canonical(checkpoint.at),
        "count": checkpoint.count,
        "prev_hash": checkpoint.prev_hash,
        "hash": checkpoint.hash,
    }
    entries = checkpoint.entries.order_by("complaint_id").values_list(
        "complaint_id", "reference", "head_seq", "head_hash"
    )
    with path.open("a", encoding="utf-8") as out:
        out.write(_dumps(header) + "\n")
        for row in entries.iterator(chunk_size=BATCH):
            out.write(_entry_line(*row))
        out.flush()


# --- verification ---------------------------------------------------------------------------

T = TypeVar("T")


class _Peek(Generic[T]):
    """An iterator one can look one item ahead in (to walk two sorted streams together)."""

    def __init__(self, items: Iterable[T]) -> None:
        self._items: Iterator[T] = iter(items)
        self._next: T | None = None
        self._done = False
        self._advance()

    def _advance(self) -> None:
        try:
            self._next = next(self._items)
        except StopIteration:
            self._next, self._done = None, True

    def peek(self) -> T | None:
        return None if self._done else self._next

    def pop(self) -> T:
        item = self._next
        assert item is not None and not self._done
        self._advance()
        return item


def _complaints(*, checkpoints: bool = True) -> QuerySet[Complaint]:
    fields = ("pk", "head_seq", "head_hash", "seal", *SEALED_FIELDS)
    complaints = Complaint.objects.only(*(f.removesuffix("_id") for f in fields))
    return _with_checkpoint(complaints) if checkpoints else complaints


def _complaint_breaks(complaint: Complaint, events: Iterable[ComplaintEvent]) -> list[ChainBreak]:
    """Every break of one complaint. `complaint` carries `cp_seq`/`cp_hash` (the latest
    checkpoint's head for it); `events` are its events in seq order."""
    found: list[ChainBreak] = []

    def add(kind: Break, seq: int, reason: str) -> None:
        found.append(ChainBreak(complaint.pk, complaint.reference, seq, reason, kind))

    cp_seq: int | None = getattr(complaint, "cp_seq", None)
    cp_hash: str | None = getattr(complaint, "cp_hash", None)
    last_seq, last_hash, prev, intact = 0, GENESIS, GENESIS, True
    for event in events:
        if not intact:
            pass  # past a break the chain proves nothing more; only follow it to its end
        elif event.seq != last_seq + 1:
            add(Break.EVENT_MISSING, last_seq + 1, f"the next event is {event.seq}")
            intact = False
        elif event.prev_hash != prev:
            add(Break.EVENT_ALTERED, event.seq, "previous hash does not match")
            intact = False
        elif not hmac.compare_digest(
            _event_digest(event, prev), event.hash
        ) and not redaction.redaction_valid(event):
            add(Break.EVENT_ALTERED, event.seq, "content does not match its hash")
            intact = False
        elif cp_seq == event.seq and cp_hash != event.hash:
            add(Break.ROLLED_BACK, event.seq, "the event differs from the one checkpointed")
            intact = False
        prev = last_hash = event.hash
        last_seq = event.seq
    if not hmac.compare_digest(seal_of(complaint), complaint.seal):
        add(Break.ROW_ALTERED, 0, "the complaint row does not match its seal")
    head = complaint.head_seq
    if head > 0 and last_seq == 0:
        add(Break.CHAIN_DELETED, head, f"the head is event {head} but no event is left")
    elif head > last_seq:
        add(Break.CHAIN_TRUNCATED, last_seq + 1, f"the head is event {head}, the last {last_seq}")
    elif intact and head < last_seq:
        add(Break.ROLLED_BACK, head, f"the row's head is event {head}, the timeline {last_seq}")
    elif intact and head == last_seq and head and complaint.head_hash != last_hash:
        add(Break.ROLLED_BACK, head, "the row's head is not the last event")
    if cp_seq is not None and (
        head < cp_seq or (head == cp_seq and cp_hash != complaint.head_hash)
    ):
        add(Break.ROLLED_BACK, head, f"a checkpoint saw event {cp_seq}, the head is {head}")
    return found


def verify_complaint(complaint: Complaint) -> ChainBreak | None:
    """Verify one complaint (read afresh from the database); return its first break or None."""
    fresh = _complaints().filter(pk=complaint.pk).first()
    if fresh is None:
        return ChainBreak(
            complaint.pk, complaint.reference, 0, "the row is gone", Break.COMPLAINT_DELETED
        )
    events = ComplaintEvent.objects.filter(complaint_id=complaint.pk).order_by("seq")
    found = _complaint_breaks(fresh, events.iterator())
    return found[0] if found else None


def verify_all() -> tuple[int, list[ChainBreak]]:
    """Verify the checkpoint log, every complaint, and the checkpoint file.

    Streams: complaints and events are read once each, both in complaint order, and walked
    together, so memory holds one complaint's state at a time whatever the table sizes. Returns
    (complaints checked, breaks found), each break once per complaint and kind.
    """
    breaks: list[ChainBreak] = []
    seen: set[tuple[str, Break]] = set()

    def add(found: Iterable[ChainBreak]) -> None:
        for item in found:
            key = (item.reference or f"#{item.seq}", item.kind)
            if key not in seen:
                seen.add(key)
                breaks.append(item)

    # The checkpoint log first: when it is broken its entries prove nothing, so the complaints
    # are then compared with the checkpoint file only.
    add(_checkpoint_breaks())
    trusted = not breaks
    checked = 0
    events = _Peek(ComplaintEvent.objects.order_by("complaint_id", "seq").iterator(BATCH))
    for complaint in _complaints(checkpoints=trusted).order_by("pk").iterator(BATCH):
        checked += 1
        while (head := events.peek()) is not None and head.complaint_id < complaint.pk:
            events.pop()  # an event of no complaint cannot exist: the foreign key forbids it

        def own(pk: int = complaint.pk) -> Iterator[ComplaintEvent]:
            while (item := events.peek()) is not None and item.complaint_id == pk:
                yield events.pop()

        add(_complaint_breaks(complaint, own()))
    if trusted:
        add(_deleted_breaks())
    add(_file_breaks())
    return checked, breaks


def _checkpoint_breaks() -> list[ChainBreak]:
    """Recompute the checkpoint chain: every checkpoint, each with all its entries."""
    found: list[ChainBreak] = []
    entries = _Peek(
        TimelineCheckpointEntry.objects.order_by("checkpoint_id", "complaint_id")
        .values_list("checkpoint_id", "complaint_id", "reference", "head_seq", "head_hash")
        .iterator(BATCH)
    )
    prev, expected = GENESIS, 1
    for checkpoint in TimelineCheckpoint.objects.order_by("seq").iterator(BATCH):
        digest = hmac.new(_key("checkpoint"), checkpoint.prev_hash.encode(), hashlib.sha256)
        count = 0
        while (row := entries.peek()) is not None and row[0] <= checkpoint.pk:
            entries.pop()
            if row[0] == checkpoint.pk:
                digest.update(_entry_line(*row[1:]).encode())
                count += 1
        digest.update(_checkpoint_header(checkpoint.seq, checkpoint.at, count).encode())

        def broken(reason: str, seq: int = checkpoint.seq) -> None:
            found.append(ChainBreak(None, "", seq, reason, Break.CHECKPOINT_ALTERED))

        if checkpoint.seq != expected:
            broken(f"checkpoint {expected} is missing", expected)
        elif checkpoint.prev_hash != prev:
            broken("previous hash does not match")
        elif count != checkpoint.count or not hmac.compare_digest(
            digest.hexdigest(), checkpoint.hash
        ):
            broken("content does not match its hash")
        prev, expected = checkpoint.hash, checkpoint.seq + 1
        if found:
            break  # past a break the chain proves nothing more
    return found


def _deleted_breaks() -> Iterator[ChainBreak]:
    """Complaints a checkpoint saw whose row is gone."""
    gone = (
        TimelineCheckpointEntry.objects.exclude(complaint_id__in=Complaint.objects.values("pk"))
        .values_list("complaint_id", "reference")
        .distinct()
        .order_by("complaint_id")
    )
    for pk, reference in gone.iterator(BATCH):
        yield ChainBreak(
            pk, reference, 0, "a checkpoint saw it; the row is gone", Break.COMPLAINT_DELETED
        )


# --- the checkpoint file ----------------------------------------------------------------------


def _file_breaks() -> list[ChainBreak]:
    """Compare the checkpoint file with the database.

    Every checkpoint of the file must be in the database with the same hash, and every
    checkpoint of the database after the file's first must be in the file. Where the database
    lacks (or differs from) a checkpoint of the file, it was rolled back: each entry of that
    checkpoint is checked against the complaints as they are now."""
    path = _checkpoint_file()
    if path is None:
        return []
    found: list[ChainBreak] = []

    def broken(seq: int, reason: str) -> None:
        found.append(ChainBreak(None, "", seq, reason, Break.CHECKPOINT_ALTERED))

    if not path.exists():
        if TimelineCheckpoint.objects.exists():
            broken(0, f"the checkpoint file {path} is missing")
        return found
    first, last = 0, 0
    for header, entries in _read_file(path):
        seq = int(header["checkpoint"])
        first, last = first or seq, seq
        digest = hmac.new(_key("checkpoint"), str(header["prev_hash"]).encode(), hashlib.sha256)
        for entry in entries:
            digest.update(_entry_line(*entry).encode())
        at = datetime.fromisoformat(str(header["at"]))
        digest.update(_checkpoint_header(seq, at, len(entries)).encode())
        if header.get("count") != len(entries) or not hmac.compare_digest(
            digest.hexdigest(), str(header["hash"])
        ):
            broken(seq, "the file's copy does not match its hash")
            continue
        stored = TimelineCheckpoint.objects.filter(seq=seq).values_list("hash", flat=True).first()
        if stored == header["hash"]:
            continue
        broken(seq, "missing from the database" if stored is None else "differs from the file")
        found.extend(_heads_behind(entries))
    extra = TimelineCheckpoint.objects.filter(seq__gt=last) if first else None
    if extra is not None and extra.exists():
        broken(last + 1, "in the database but not in the file")
    return found


def _read_file(path: Path) -> Iterator[tuple[dict[str, Any], list[list[Any]]]]:
    """Each checkpoint of the file with its entries. A file's checkpoint is held in memory one
    at a time: it holds the heads that moved in one period only."""
    header: dict[str, Any] | None = None
    entries: list[list[Any]] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            if isinstance(item, dict):
                if header is not None:
                    yield header, entries
                header, entries = item, []
            else:
                entries.append(item)
    if header is not None:
        yield header, entries


def _heads_behind(entries: list[list[Any]]) -> Iterator[ChainBreak]:
    """Compare heads a checkpoint recorded with the complaints now: each must still be there,
    with the same head or a later one whose timeline passes through the recorded event."""
    for start in range(0, len(entries), BATCH):
        chunk = entries[start : start + BATCH]
        ids = [int(entry[0]) for entry in chunk]
        heads = {
            pk: (seq, digest)
            for pk, seq, digest in Complaint.objects.filter(pk__in=ids).values_list(
                "pk", "head_seq", "head_hash"
            )
        }
        passed = {
            (pk, seq): digest
            for pk, seq, digest in ComplaintEvent.objects.filter(
                complaint_id__in=ids, seq__in={int(entry[2]) for entry in chunk}
            ).values_list("complaint_id", "seq", "hash")
        }
        for pk, reference, seq, digest in chunk:
            if pk not in heads:
                yield ChainBreak(
                    pk, reference, 0, "the file saw it; the row is gone", Break.COMPLAINT_DELETED
                )
            elif heads[pk][0] < seq or passed.get((pk, seq)) != digest:
                yield ChainBreak(
                    pk,
                    reference,
                    heads[pk][0],
                    f"the checkpoint file saw event {seq}, the head is {heads[pk][0]}",
                    Break.ROLLED_BACK,
                )
