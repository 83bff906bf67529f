"""The time-based work on complaints: reminders, escalations, retention. Each is a job of the
registry (declared in `complaints/jobs.py`, run on its own schedule by the embedded runner or by
Celery beat at scale); `tick()` runs all three at once, as tests and the demo do.

Reminders and escalations work in chunks: one transaction claims up to `CHUNK` due complaints
with one indexed query that locks their rows (`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL,
in due-time order), acts on each with the chunk's writes made together at its end (when
anything fails, the chunk is done again one complaint at a time, each in a savepoint, so one
failure costs only its own work) and commits. A second runner at the same moment skips the
rows the first holds and claims others; a row handled is no longer due, so nothing is done
twice. On SQLite the database lock serialises runners anyway. Retention still handles each
complaint in its own transaction that locks its row and re-checks the condition. Outbox rows
carry dedupe keys too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Q, QuerySet

from amends.complaints import clocks, routing, timeline
from amends.complaints.events import Anonymised, Reminder, record
from amends.complaints.messages import notify_staff_each
from amends.complaints.models import Complaint
from amends.complaints.services.exceptions import escalate
from amends.complaints.services.gate import lock, save, save_recording
from amends.complaints.transitions import OPEN_STATES, TERMINAL_STATES
from amends.core import clock
from amends.notifications import services as outbox
from amends.notifications.models import Outbox
from amends.orgs.models import User
from amends.orgs.roles import ESCALATION_LADDER

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    reminders: int = 0
    escalations: int = 0
    anonymised: int = 0

    def __str__(self) -> str:
        return (
            f"reminders={self.reminders} escalations={self.escalations} "
            f"anonymised={self.anonymised}"
        )


def tick(*, now: datetime | None = None) -> TickReport:
    """Reminders, escalations and retention at `now` (default: the clock), in that order."""
    moment = now or clock.now()
    return TickReport(
        reminders=remind_due(now=moment),
        escalations=escalate_overdue(now=moment),
        anonymised=anonymise_expired(now=moment),
    )


# How many due complaints one transaction claims: large enough that commits are rare, small
# enough that a chunk's locks are held for well under a second and a crash redoes little.
CHUNK = 100


def remind_due(*, now: datetime) -> int:
    """Remind owner and assignee of every open complaint whose reminder time has come; the count."""
    due = Complaint.objects.filter(
        state__in=list(OPEN_STATES), paused_at__isnull=True, remind_at__lte=now
    )
    return _in_chunks(due, "remind_at", _remind, now)


def escalate_overdue(*, now: datetime) -> int:
    """Take every open complaint whose next escalation time has come one step up the ladder."""
    due = Complaint.objects.filter(
        state__in=list(OPEN_STATES), paused_at__isnull=True, next_escalation_at__lte=now
    )
    return _in_chunks(due, "next_escalation_at", _escalate_overdue, now)


def _in_chunks(
    due: QuerySet[Complaint],
    column: str,
    act: Callable[[Complaint, datetime], int],
    now: datetime,
) -> int:
    """Claim the `due` complaints `CHUNK` at a time and `act` on each; the sum of what it returns.

    1. In one transaction, lock the next chunk of due rows not locked by anyone else, in the
       order of their due time (`column`) and id, after the last one seen: read off the partial
       index `(column, id)` from where the last chunk ended, whatever the table's size (in id
       order, the due rows — the newest, open ones — were found by walking past every older,
       closed complaint: 830 ms a chunk at a million). A row left due — it failed — is not
       claimed again in this run, and a row acted on is no longer due: the run always ends.
    2. `act` on every locked complaint with the chunk's writes held back and made together at
       its end (`_act_together`): every event in one insert, every message in another, each
       row updated once.
    3. When anything in the chunk fails, roll it back and do it again one complaint at a time,
       each in a savepoint (`_act_alone`): a failure is logged and rolled back alone.
    4. Commit, and claim the next chunk until none is left; then raise the first failure, if
       any, so the run is recorded as failed (the rest of the work is done and committed).
    """
    done = 0
    after: tuple[datetime, int] | None = None
    failures: list[Exception] = []
    with clock.travel(now), routing.rung_holders_kept():
        while True:
            try:
                with transaction.atomic():
                    chunk, last = _claim(due, column, after)
                    done_here = _act_together(chunk, act, now)
            except Exception:  # done again one by one, where it is logged
                with transaction.atomic():
                    chunk, last = _claim(due, column, after)
                    done_here = _act_alone(chunk, act, now, failures)
            done += done_here
            if len(chunk) < CHUNK or last is None:
                if failures:
                    raise failures[0]
                return done
            after = last


def _claim(
    due: QuerySet[Complaint], column: str, after: tuple[datetime, int] | None
) -> tuple[list[Complaint], tuple[datetime, int] | None]:
    """The next chunk of `due` after `after` (due time, id), locked; and where it ends."""
    if after is not None:
        moment, pk = after
        due = due.filter(Q(**{f"{column}__gt": moment}) | Q(**{column: moment, "pk__gt": pk}))
        due = due.filter(**{f"{column}__gte": moment})  # where the index range starts
    skip = connection.features.has_select_for_update_skip_locked
    chunk = list(
        due.select_for_update(skip_locked=skip, of=("self",))
        .select_related("venue", "customer", "company", "owner", "assignee")
        .order_by(column, "pk")[:CHUNK]
    )
    for complaint in chunk:
        timeline.remember_stored(complaint)  # its update writes only what the tick changed
    last = (getattr(chunk[-1], column), chunk[-1].pk) if chunk else None
    return chunk, last


def _act_together(
    chunk: list[Complaint], act: Callable[[Complaint, datetime], int], now: datetime
) -> int:
    done = 0
    with timeline.deferred(), outbox.batched():
        for complaint in chunk:
            done += act(complaint, now)
    return done


def _act_alone(
    chunk: list[Complaint],
    act: Callable[[Complaint, datetime], int],
    now: datetime,
    failures: list[Exception],
) -> int:
    done = 0
    for complaint in chunk:
        try:
            with transaction.atomic():
                done += act(complaint, now)
        except Exception as failure:
            log.exception("tick: %s failed on %s", act.__name__, complaint.reference)
            failures.append(failure)
    return done


# The purge that privacy operations register (`amends.privacy`, from its AppConfig.ready: a
# lower layer never imports it). It applies the company's retention rules per data class and
# legal holds, and returns its counts with "anonymised" among them.
Purge = Callable[..., dict[str, int]]
_purge: Purge | None = None


def purge_register(func: Purge | None) -> None:
    """Make `func(now=...)` the retention purge run by `anonymise_expired` (None: the basic
    one below, when privacy operations are not installed)."""
    global _purge
    _purge = func


def purge_expired(*, now: datetime) -> dict[str, int]:
    """Run the retention purge at `now`: its counts ("anonymised": complaints finished)."""
    if _purge is not None:
        return _purge(now=now)
    return {"anonymised": _anonymise_basic(now=now)}


def anonymise_expired(*, now: datetime) -> int:
    """Erase personal data of finished complaints past retention (not on hold): how many
    complaints were anonymised."""
    return purge_expired(now=now).get("anonymised", 0)


def _anonymise_basic(*, now: datetime) -> int:
    """Without privacy operations: the customer's fields of finished complaints past their
    `retention_until`, not on hold."""
    done = 0
    with clock.travel(now):
        for pk in Complaint.objects.filter(
            state__in=list(TERMINAL_STATES),
            retention_until__lt=now.date(),
            legal_hold=False,
            anonymised_at__isnull=True,
        ).values_list("pk", flat=True):
            done += _anonymise(pk, now)
    return done


def _remind(complaint: Complaint, now: datetime) -> int:
    """Remind the owner (and the assignee) of a locked complaint whose reminder time has come."""
    pk = complaint.pk
    if complaint.remind_at is None or complaint.remind_at > now or complaint.paused_at is not None:
        return 0  # another runner did it, or the clock moved
    due = clocks.active_due(complaint)
    complaint.remind_at = None
    save_recording(complaint, None, Reminder(due=due, owner=complaint.owner_id))
    key = f"remind:{pk}:{due.isoformat() if due else ''}"
    people: list[tuple[User, str | None]] = [(complaint.owner, key)]
    if (
        complaint.assignee_id
        and complaint.assignee_id != complaint.owner_id
        and complaint.assignee is not None
    ):
        people.append((complaint.assignee, f"{key}:assignee"))
    notify_staff_each(complaint, people=people, kind=Outbox.Kind.REMINDER)
    return 1


def _escalate_overdue(complaint: Complaint, now: datetime) -> int:
    """Take a locked, overdue complaint one step up the ladder. One that cannot go further (the
    ladder exhausted, or nothing running late) is disarmed, so no tick claims it again."""
    if (
        complaint.next_escalation_at is None
        or complaint.next_escalation_at > now
        or complaint.paused_at is not None
    ):
        return 0
    due = clocks.active_due(complaint)
    if due is None or complaint.escalation_level >= len(ESCALATION_LADDER):
        # Nothing is running late (the stage that was due is done), or the top of the ladder
        # was reached: nothing left to escalate until a person or the clocks re-arm it.
        complaint.next_escalation_at = None
        save(complaint)
        return 0
    if not clocks.is_working_time(complaint, now):
        # Never escalate outside the clock's working time (a night, a holiday): wait for the
        # next opening of a working day.
        complaint.next_escalation_at = clocks.working_time(complaint, now)
        save(complaint)
        return 0
    escalated = escalate(complaint, actor=None, reason="", now=now, overdue_since=due)
    return 1 if escalated else 0


@transaction.atomic
def _anonymise(pk: int, now: datetime) -> int:
    """Past its retention date and not on hold: the customer's personal data is erased unless
    another complaint still within retention needs it. The complaint's facts stay for statistics."""
    complaint = lock(Complaint(pk=pk))
    if complaint.anonymised_at is not None or complaint.legal_hold:
        return 0
    customer = complaint.customer
    still_needed = (
        Complaint.objects.filter(customer=customer, anonymised_at__isnull=True)
        .exclude(pk=complaint.pk)
        .exists()
    )
    if not still_needed and customer.anonymised_at is None:
        customer.name = customer.phone = customer.email = ""
        customer.phone_index = customer.email_index = ""
        customer.anonymised_at = now
        customer.save()
    complaint.anonymised_at = now
    save(complaint)
    record(complaint, None, Anonymised(customer_erased=not still_needed))
    return 1
