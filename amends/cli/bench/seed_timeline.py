"""The timelines of seeded complaints: the events a complaint in its state went through, chained
and sealed as `timeline.event_append` and `integrity.seal` would have left them, so that
`amends verify-timeline` passes on a seeded data set and the timeline pages have something to
tell.

A complaint's path is the gate's own: from "received", the actions of `PATHS[state]` (every step
checked against `transitions.ACTIONS`: a path the gate would refuse raises at import), with the
payloads of the event catalogue (`events.Received`, `events.Transition`, `events.Escalated`),
stored as those classes store them. Times follow the complaint's columns: assigned at
`assigned_at`, accepted at `responded_at`, resolved at `resolved_at`, closed at `closed_at`; steps
between them are spread evenly; escalations fall on the hour after the response was due, one per
rung reached.

Not replayed: reminders, notes, calls, evidence, reopenings, surveys answered (the columns say
how often a complaint was reopened; its timeline does not).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from amends.complaints.events import Escalated, EventKind, Received, Transition
from amends.complaints.integrity import SEALED_FIELDS, seal_digest
from amends.complaints.timeline import GENESIS, event_hash, normalise
from amends.complaints.transitions import ACTIONS, State
from amends.core.principals import PrincipalKind, SystemPart
from amends.orgs.roles import Role
from amends.workflow.taxonomy import Channel

S = State

_TO_INVESTIGATION = ("acknowledge", "assign", "accept")
_INVALID = (*_TO_INVESTIGATION, "mark_invalid", "explain")
_REMEDY = (*_TO_INVESTIGATION, "propose_remedy", "submit_remedy", "approve")
_CARRIED_OUT = (*_REMEDY, "record_acceptance", "execute", "give_feedback", "record_revisit")

# The actions after "received" that bring a complaint to its state. A closed complaint found
# invalid went the way of `CLOSED_INVALID`.
PATHS: dict[str, tuple[str, ...]] = {
    S.RECEIVED: (),
    S.ACKNOWLEDGED: ("acknowledge",),
    S.ASSIGNED: ("acknowledge", "assign"),
    S.INVESTIGATING: _TO_INVESTIGATION,
    S.INVALID: _INVALID[:-1],
    S.EXPLAINED: _INVALID,
    S.REMEDY_PROPOSED: _REMEDY[:-2],
    S.APPROVAL_PENDING: _REMEDY[:-1],
    S.APPROVED: _REMEDY,
    S.REJECTED: (*_REMEDY[:-1], "reject"),
    S.CUSTOMER_ACCEPTED: _CARRIED_OUT[:-3],
    S.CUSTOMER_DECLINED: (*_REMEDY, "record_refusal"),
    S.REMEDY_EXECUTED: _CARRIED_OUT[:-2],
    S.FEEDBACK_GIVEN: _CARRIED_OUT[:-1],
    S.REVISIT_DONE: _CARRIED_OUT,
    S.CLOSED: (*_CARRIED_OUT, "close"),
    S.DECLINED: ("acknowledge", "decline"),
    S.MERGED: ("acknowledge", "merge"),
}
CLOSED_INVALID = (*_INVALID, "close")

# Who takes each action: the venue's manager; the receiver (or the manager); else the handler.
_BY_MANAGER = {"assign", "approve", "reject", "record_revisit", "decline", "merge"}
# The step each time column marks.
_ANCHORS = {"assign": "assigned_at", "accept": "responded_at", "close": "closed_at"}
_RESOLVING = {"explain", "give_feedback"}
_ENDING = {"decline", "merge"}
# Escalation rungs, from the first.
_RUNGS = (Role.MANAGER, Role.GENERAL_MANAGER, Role.DIRECTOR)
_SYSTEM_NAMES = {Channel.WEB: SystemPart.WEB_FORM, Channel.EMAIL: SystemPart.EMAIL}


def _walk(path: tuple[str, ...]) -> tuple[tuple[str, str, str], ...]:
    """(action, from, to) of each step, as the gate would take them; raises on a step the gate
    refuses."""
    state, steps = S.RECEIVED, []
    for name in path:
        action = ACTIONS[name]
        if state not in action.sources:
            raise ValueError(f"{name} cannot be taken in {state}")
        target = S.APPROVAL_PENDING if S.APPROVAL_PENDING in action.targets else min(action.targets)
        steps.append((name, str(state), str(target)))
        state = target
    return tuple(steps)


_STEPS = {state: _walk(path) for state, path in PATHS.items()}
_STEPS_CLOSED_INVALID = _walk(CLOSED_INVALID)
for _state, _steps in _STEPS.items():  # every path ends where it says
    assert not _steps or _steps[-1][2] == _state, _state
assert _STEPS_CLOSED_INVALID[-1][2] == S.CLOSED


class Timelines:
    """Events for seeded complaint rows (dicts of column values), and their heads and seals."""

    def __init__(self, *, now: datetime, defaults: Mapping[str, Any]) -> None:
        self.now = now
        self.defaults = defaults  # the complaint columns' defaults, for the fields a row lacks
        self._data: dict[tuple[Any, ...], dict[str, Any]] = {}

    def _transition(self, action: str, source: str, target: str, assignee: int | None) -> Any:
        if action != "assign":
            assignee = None
        key = (action, source, target, assignee)
        data = self._data.get(key)
        if data is None:
            step = Transition(action=action, from_=source, to=target)
            if action == "assign":
                step = Transition(action=action, from_=source, to=target, assignee=assignee)
            data = step.data()
            self._data[key] = data = normalise(data)
        return data

    def _times(self, c: Mapping[str, Any], steps: tuple[tuple[str, str, str], ...]) -> list[Any]:
        """A moment for each step, in order: the columns where they mark a step, the rest
        spread evenly between them (after the last column, over at most two days, never past
        now)."""
        known: list[datetime | None] = []
        floor = c["received_at"]
        for action, _source, _target in steps:
            column = _ANCHORS.get(action)
            if action in _RESOLVING and c.get("resolved_at"):
                column = "resolved_at"
            elif action in _ENDING:
                column = "closed_at"
            moment = c.get(column) if column else None
            if moment is not None and moment >= floor:
                floor = moment
                known.append(moment)
            else:
                known.append(None)
        times: list[datetime] = []
        previous, i = c["received_at"], 0
        while i < len(known):
            anchor = known[i]
            if anchor is not None:
                previous = anchor
                times.append(anchor)
                i += 1
                continue
            j = i
            while j < len(known) and known[j] is None:
                j += 1
            if j < len(known):
                end = known[j]
            else:
                end = previous + max(timedelta(0), min(self.now - previous, timedelta(days=2)))
            run = j - i
            for k in range(1, run + 1):
                times.append(previous + (end - previous) * (k / (run + 1)))
            i = j
        return times

    def build(
        self, c: dict[str, Any], *, manager: int | None, category_code: str, department_code: str
    ) -> list[dict[str, Any]]:
        """The event rows of complaint row `c`; sets its `head_seq`, `head_hash` and `seal`."""
        state = c["state"]
        steps = (
            _STEPS_CLOSED_INVALID
            if state == S.CLOSED and c.get("validity") == "invalid"
            else _STEPS[state]
        )
        handler = c.get("assignee_id") or c.get("owner_id")
        receiver = c.get("received_by_id")
        received = Received(
            reference=c["reference"],
            channel=c["channel"],
            customer=c["customer_id"],
            category=category_code,
            severity=c["severity"],
            department=department_code,
            role=c.get("route_role") or "",
            respond_due=c["respond_due"],
            resolve_due=c["resolve_due"],
            duty_owner=None if receiver else c.get("owner_id"),
        )
        entries: list[tuple[datetime, str, int | None, Any, str]] = [
            (
                c["received_at"],
                EventKind.RECEIVED,
                receiver,
                normalise(received.data()),
                "" if receiver else _SYSTEM_NAMES.get(c["channel"], ""),
            )
        ]
        for (action, source, target), moment in zip(steps, self._times(c, steps), strict=True):
            actor = (
                manager
                if action in _BY_MANAGER
                else (receiver or manager)
                if action == "acknowledge"
                else handler
            )
            data = self._transition(action, source, target, handler)
            entries.append((moment, EventKind.TRANSITION, actor, data, ""))
        level = c.get("escalation_level") or 0
        for rung in range(level):
            moment = c["respond_due"] + timedelta(hours=rung + 1)
            if moment >= self.now:
                break
            escalated = Escalated(
                level=rung + 1,
                role=str(_RUNGS[min(rung, len(_RUNGS) - 1)]),
                to=c.get("escalated_to_id") if rung == level - 1 else None,
                automatic=True,
                overdue_since=c["respond_due"],
            )
            entries.append((moment, EventKind.ESCALATED, None, normalise(escalated.data()), ""))
        entries.sort(key=lambda entry: entry[0])  # stable: a step and a rung at once keep order

        rows: list[dict[str, Any]] = []
        prev = GENESIS
        for seq, (moment, kind, actor, data, system_name) in enumerate(entries, start=1):
            actor_kind = PrincipalKind.STAFF if actor else PrincipalKind.SYSTEM
            digest = event_hash(
                prev_hash=prev,
                complaint_id=c["id"],
                seq=seq,
                kind=str(kind),
                actor_id=actor,
                at=moment,
                data=data,
                actor_kind=str(actor_kind),
                actor_ref=actor,
                actor_name=str(system_name),
            )
            rows.append(
                {
                    "complaint_id": c["id"],
                    "seq": seq,
                    "kind": str(kind),
                    "actor_id": actor,
                    "actor_kind": str(actor_kind),
                    "actor_ref": actor,
                    "actor_name": str(system_name),
                    "at": moment,
                    "data": data,
                    "prev_hash": prev,
                    "hash": digest,
                }
            )
            prev = digest
        c["head_seq"], c["head_hash"] = len(rows), prev
        c["seal"] = seal_digest(
            pk=c["id"],
            values={name: c.get(name, self.defaults.get(name)) for name in SEALED_FIELDS},
            head_seq=c["head_seq"],
            head_hash=c["head_hash"],
        )
        return rows
