"""Erasing personal text from an append-only, chained timeline (docs/architecture.md,
"Privacy operations").

A purge cannot rewrite a chain: every later hash, the sealed head, the checkpoints and the
checkpoint file would all disagree. So a redacted event keeps its `hash` and `prev_hash` — the
chain still links — and only its `data` changes: each personal string (`PERSONAL_KEYS`, and the
before/after of free-text fields in `fields_changed`) becomes "", and `data["_redaction"]`
records which keys were blanked, when, and a seal:

    seal = HMAC(redaction key, [prev hash, complaint id, seq, kind, actor id, actor kind,
                                actor ref, actor name, at, original hash, redacted data])

— every input of the event hash except the original data, so nothing but the personal strings
can change once an event is redacted. An event is sealed only while its data still matches its
hash (or carries a valid redaction): a purge never launders earlier tampering (`Tampered`).

The redaction key is derived from AMENDS_TIMELINE_KEY like the other timeline keys, so someone
who can edit rows but not read the environment can neither redact nor forge a redaction. The
verifier (`integrity`) accepts an event whose content no longer matches its hash only when
`redaction_valid(event)`.

Callers hold the complaint's row lock. Events are redacted only once the verifier reads
redactions (`enabled()`: `integrity.ACCEPTS_REDACTIONS`), so that no purge ever makes a
timeline look tampered with.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from amends.complaints.models import ComplaintEvent

MARK = "_redaction"
# The keys of event data that hold what someone wrote or a person's name.
PERSONAL_KEYS = frozenset(
    {
        "text",
        "summary",
        "interviewee",
        "name",
        "description",
        "comment",
        "notes",
        "note",
        "reason",
        "customer_request",
        "consequence",
        "words",
    }
)
# Free-text fields of the complaint whose before/after a `fields_changed` event holds.
TEXT_FIELDS = frozenset(
    {
        "description",
        "consequence",
        "customer_request",
        "people_involved",
        "subject_text",
        "location",
        "investigation_report",
        "booking_reference",
        "responsible_party",
    }
)


def enabled() -> bool:
    """Whether the timeline verifier accepts sealed redactions (then purges redact events)."""
    from amends.complaints import integrity  # integrity may read this module: import it late

    return bool(getattr(integrity, "ACCEPTS_REDACTIONS", False))


def _key() -> bytes:
    root = settings.AMENDS_TIMELINE_KEY.encode()
    return hmac.new(root, b"amends.timeline.redaction", hashlib.sha256).digest()


class Tampered(Exception):
    """The event's data no longer matches its hash: it is not sealed (it stays visibly altered)."""

    def __init__(self, event: ComplaintEvent) -> None:
        super().__init__(f"event {event.seq} of complaint {event.complaint_id} was altered")
        self.event = event


def _seal(event: ComplaintEvent, data: dict[str, Any]) -> str:
    at = event.at.astimezone(UTC).isoformat(timespec="microseconds") if event.at else None
    payload = json.dumps(
        [
            event.prev_hash,
            event.complaint_id,
            event.seq,
            event.kind,
            event.actor_id,
            event.actor_kind,
            event.actor_ref,
            event.actor_name,
            at,
            event.hash,
            data,
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hmac.new(_key(), payload.encode(), hashlib.sha256).hexdigest()


def _blank(text: str) -> str:
    return ""


def redacted(
    data: dict[str, Any], change: Callable[[str], str] = _blank
) -> tuple[dict[str, Any], list[str]]:
    """`data` with `change` applied to its personal strings (default: blanked), and the keys
    it changed (dotted for nested)."""
    out: dict[str, Any] = {}
    keys: list[str] = []
    for key, value in data.items():
        if key == MARK:
            out[key] = value
        elif key in PERSONAL_KEYS and isinstance(value, str) and value:
            out[key] = change(value)
            if out[key] != value:
                keys.append(key)
        elif key in TEXT_FIELDS and isinstance(value, dict):
            inner = dict(value)
            for side in ("before", "after"):
                if isinstance(inner.get(side), str) and inner[side]:
                    inner[side] = change(inner[side])
                    if inner[side] != value[side]:
                        keys.append(f"{key}.{side}")
            out[key] = inner
        else:
            out[key] = value
    return out, keys


def redact_event(
    event: ComplaintEvent, *, now: datetime, change: Callable[[str], str] = _blank
) -> int:
    """Apply `change` (default: blank) to the personal strings of `event` and seal the
    redaction; the number of strings changed (0: the event is left as it is)."""
    data = event.data if isinstance(event.data, dict) else {}
    clean, keys = redacted(data, change)
    if not keys:
        return 0
    if not (intact(event) or redaction_valid(event)):
        raise Tampered(event)
    before = data.get(MARK)
    done = list(before.get("keys", [])) if isinstance(before, dict) else []
    mark: dict[str, Any] = {
        "at": now.astimezone(UTC).isoformat(timespec="seconds"),
        "keys": sorted(set(done) | set(keys)),
    }
    clean[MARK] = mark
    sealed = _seal(event, clean)
    clean[MARK] = {**mark, "seal": sealed}
    ComplaintEvent.objects.filter(pk=event.pk).update(data=clean)
    event.data = clean
    return len(keys)


def intact(event: ComplaintEvent) -> bool:
    """Whether the event's content (its data as stored) still matches its hash."""
    from amends.complaints.timeline import event_hash

    digest = event_hash(
        prev_hash=event.prev_hash,
        complaint_id=event.complaint_id,
        seq=event.seq,
        kind=event.kind,
        actor_id=event.actor_id,
        at=event.at,
        data=event.data if isinstance(event.data, dict) else {},
        actor_kind=event.actor_kind,
        actor_ref=event.actor_ref,
        actor_name=event.actor_name,
    )
    return hmac.compare_digest(digest, event.hash)


def redaction_valid(event: ComplaintEvent) -> bool:
    """Whether `event` carries a redaction made with the timeline key, over its current data."""
    data = event.data if isinstance(event.data, dict) else {}
    mark = data.get(MARK)
    if not isinstance(mark, dict) or not isinstance(mark.get("seal"), str):
        return False
    unsealed = {**data, MARK: {k: v for k, v in mark.items() if k != "seal"}}
    return hmac.compare_digest(_seal(event, unsealed), mark["seal"])


def redact_timeline(
    complaint_id: int,
    *,
    now: datetime,
    change: Callable[[str], str] = _blank,
    altered: list[int] | None = None,
) -> int:
    """Redact every event of one complaint (`change`: blank, or e.g. mask); the number of
    strings changed. An altered event is left as it is (it shows as altered) and its seq is
    appended to `altered` when given."""
    changed = 0
    for event in ComplaintEvent.objects.filter(complaint_id=complaint_id).order_by("seq"):
        try:
            changed += redact_event(event, now=now, change=change)
        except Tampered:
            if altered is not None:
                altered.append(event.seq)
    return changed
