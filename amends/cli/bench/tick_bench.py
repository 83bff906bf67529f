"""`amends bench tick`: how long the tick takes over N due reminders and N due escalations.

On the seeded company (docs/benchmarks.md), in one transaction rolled back at the end, so the
bench leaves the data as it found it:

1. Take N open, assigned complaints (lowest ids first) and make their reminder and their next
   escalation due one minute before the bench's moment, a working morning (the next weekday at
   10:00 in the venue's zone, so escalations really climb the ladder). Every other reminder and
   escalation the seed left due is put out of reach for the run: only the N are measured.
2. Run `remind_due`, then `escalate_overdue`, as the tick runs them: chunks of `tick.CHUNK`,
   `SKIP LOCKED` on PostgreSQL, the chunk's writes made together.
3. Report seconds, milliseconds and statements per complaint, and what was written.

With `--workers N` (PostgreSQL), N processes run each job at once, as N Celery workers would
when beat hands them the same job: they claim disjoint chunks (`SKIP LOCKED`), all start the
reminders together, then all the escalations. Processes cannot share a transaction, so the
set-up is committed and undone afterwards instead: the rows it touches are copied first and
written back, and every event, message and handler added is deleted (also when a worker
fails).
"""

from __future__ import annotations

import multiprocessing
import os
import platform
import time as timer
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import django
from django.db import connection, connections, transaction
from django.db.models import QuerySet

from amends.cli.bench.seed import BENCH_CODE
from amends.complaints.models import Complaint, ComplaintEvent
from amends.complaints.tick import CHUNK, escalate_overdue, remind_due
from amends.complaints.transitions import OPEN_STATES
from amends.core import clock
from amends.notifications.models import Outbox
from amends.orgs.models import Company


class BenchError(Exception):
    """The bench cannot run here (no seeded company, too few open complaints)."""


class _Counter:
    """Counts the statements run on the connection (Django's captured list keeps 9,000 only)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


class _RolledBack(Exception):
    """Raised to leave the bench's transaction without keeping anything."""


def working_morning(after: datetime, zone: ZoneInfo) -> datetime:
    """The next weekday at 10:00 in `zone` after `after`."""
    day = after.astimezone(zone).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(10, 0), tzinfo=zone)


def run(*, due: int = 2500, now: datetime | None = None, workers: int = 1) -> dict[str, Any]:
    """Time the tick over `due` reminders and `due` escalations; return the figures."""
    if due < 1:
        raise BenchError("--due must be 1 or more")
    if workers < 1:
        raise BenchError("--workers must be 1 or more")
    if workers > 1 and connection.vendor != "postgresql":
        raise BenchError("--workers needs PostgreSQL: SQLite lets one writer in at a time")
    company = Company.objects.filter(code=BENCH_CODE).first()
    if company is None:
        raise BenchError(f"no seeded company {BENCH_CODE}: run `amends bench seed` first")
    open_ones = Complaint.objects.filter(
        company=company, state__in=list(OPEN_STATES), paused_at__isnull=True
    )
    ids = list(
        open_ones.filter(assignee__isnull=False).order_by("pk").values_list("pk", flat=True)[:due]
    )
    if len(ids) < due:
        raise BenchError(f"only {len(ids):,} open assigned complaints: seed more first")
    first = Complaint.objects.select_related("venue").get(pk=ids[0])
    moment = working_morning(now or clock.now(), ZoneInfo(first.venue.timezone))
    figures: dict[str, Any] = {
        "bench": "tick",
        "complaints": Complaint.objects.filter(company=company).count(),
        "due": due,
        "chunk": CHUNK,
        "workers": workers,
        "at": moment.isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "node": platform.node(),
            "load_average_before": [round(x, 2) for x in os.getloadavg()],
        },
        "versions": {"python": platform.python_version(), "django": django.get_version()},
        "database": {"vendor": connection.vendor, "name": connection.settings_dict["NAME"]},
    }
    if workers == 1:
        try:
            with transaction.atomic():
                _arm(open_ones, ids, moment)
                figures.update(_written(lambda: [_timed(moment)]))
                raise _RolledBack
        except _RolledBack:
            pass
    else:
        with _undone_afterwards(open_ones, ids, moment):
            _arm(open_ones, ids, moment)
            figures.update(_written(lambda: _in_processes(moment, workers)))
    figures["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return figures


def _arm(open_ones: QuerySet[Complaint], ids: list[int], moment: datetime) -> None:
    """Make the reminders and next escalations of `ids` due a minute before `moment`; every
    other one the seed left due waits."""
    armed = moment - timedelta(minutes=1)
    open_ones.filter(remind_at__lte=moment).exclude(pk__in=ids).update(remind_at=None)
    open_ones.filter(next_escalation_at__lte=moment).exclude(pk__in=ids).update(
        next_escalation_at=None
    )
    Complaint.objects.filter(pk__in=ids).update(
        remind_at=armed, next_escalation_at=armed, escalation_level=0
    )


def _timed(moment: datetime, barrier: Any = None) -> dict[str, float]:
    """Run the reminders, then the escalations, in this process: durations, CPU, counts."""
    reminding, escalating = _Counter(), _Counter()
    if barrier is not None:
        barrier.wait()
    cpu_began = timer.process_time()
    with connection.execute_wrapper(reminding):
        began = timer.perf_counter()
        reminded = remind_due(now=moment)
        reminders_s = timer.perf_counter() - began
    cpu_middle = timer.process_time()
    if barrier is not None:
        barrier.wait()
    cpu_waited = timer.process_time()
    with connection.execute_wrapper(escalating):
        began = timer.perf_counter()
        escalated = escalate_overdue(now=moment)
        escalations_s = timer.perf_counter() - began
    cpu_end = timer.process_time()
    return {
        "reminded": reminded,
        "escalated": escalated,
        "reminders_s": reminders_s,
        "escalations_s": escalations_s,
        "reminder_statements": reminding.count,
        "escalation_statements": escalating.count,
        "reminder_cpu_s": cpu_middle - cpu_began,
        "escalation_cpu_s": cpu_end - cpu_waited,
    }


def _in_processes(moment: datetime, workers: int) -> list[dict[str, float]]:
    """`_timed` in `workers` forked processes at once, each on its own connection."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(workers)
    results = context.Queue()
    connections.close_all()  # no child may use the parent's socket

    def work() -> None:
        try:
            results.put(_timed(moment, barrier))
        except BaseException as exc:  # reported to the parent, which raises it
            barrier.abort()
            results.put({"error": f"{type(exc).__name__}: {exc}"})
        finally:
            connections.close_all()

    processes = [context.Process(target=work) for _ in range(workers)]
    for process in processes:
        process.start()
    shares = [results.get(timeout=3600) for _ in processes]
    for process in processes:
        process.join()
    failed = [share["error"] for share in shares if "error" in share]
    if failed:
        raise BenchError(f"a worker failed: {failed[0]}")
    return shares


def _written(measure: Callable[[], list[dict[str, float]]]) -> dict[str, Any]:
    """Run `measure` and sum its processes' shares: the slowest process's time is the wall."""
    events_before = ComplaintEvent.objects.count()
    outbox_before = Outbox.objects.count()
    shares = measure()
    reminded = sum(int(share["reminded"]) for share in shares)
    escalated = sum(int(share["escalated"]) for share in shares)
    reminders_s = max(share["reminders_s"] for share in shares)
    escalations_s = max(share["escalations_s"] for share in shares)

    def each(key: str, count: int, scale: float = 1.0) -> float:
        return round(sum(share[key] for share in shares) * scale / max(count, 1), 2)

    return {
        "reminded": reminded,
        "escalated": escalated,
        "reminders_s": round(reminders_s, 2),
        "escalations_s": round(escalations_s, 2),
        "total_s": round(reminders_s + escalations_s, 2),
        "reminder_ms_each": round(reminders_s * 1000 / max(reminded, 1), 2),
        "escalation_ms_each": round(escalations_s * 1000 / max(escalated, 1), 2),
        "reminder_queries_each": round(each("reminder_statements", reminded), 1),
        "escalation_queries_each": round(each("escalation_statements", escalated), 1),
        "reminder_cpu_ms_each": each("reminder_cpu_s", reminded, 1000),
        "escalation_cpu_ms_each": each("escalation_cpu_s", escalated, 1000),
        "events_written": ComplaintEvent.objects.count() - events_before,
        "messages_written": Outbox.objects.count() - outbox_before,
    }


@contextmanager
def _undone_afterwards(
    open_ones: QuerySet[Complaint], ids: list[int], moment: datetime
) -> Iterator[None]:
    """Copy the rows the bench will change, and afterwards write them back and delete what
    the tick added (events, messages, handlers): the data is left as it was found."""
    touched = set(ids)
    touched.update(open_ones.filter(remind_at__lte=moment).values_list("pk", flat=True))
    touched.update(open_ones.filter(next_escalation_at__lte=moment).values_list("pk", flat=True))
    handlers = Complaint.handlers.through
    last = {
        model: model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for model in (ComplaintEvent, Outbox, handlers)
    }
    columns = [
        f.column
        for f in Complaint._meta.local_concrete_fields
        if not f.primary_key and not getattr(f, "generated", False)
    ]
    table = Complaint._meta.db_table
    quote = connection.ops.quote_name
    copy = "bench_tick_rows"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {copy}")
        cursor.execute(
            f"CREATE TABLE {copy} AS SELECT * FROM {quote(table)} WHERE id = ANY(%s)",  # noqa: S608
            [sorted(touched)],
        )
    try:
        yield
    finally:
        connections.close_all()  # the workers may have left this process's connection stale
        with transaction.atomic():
            for model, pk in last.items():
                model.objects.filter(pk__gt=pk).delete()
            assignments = ", ".join(f"{quote(c)} = {copy}.{quote(c)}" for c in columns)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {quote(table)} SET {assignments} FROM {copy} "  # noqa: S608
                    f"WHERE {quote(table)}.id = {copy}.id"
                )
                cursor.execute(f"DROP TABLE {copy}")


def table(figures: dict[str, Any]) -> str:
    """The figures as lines for a person."""
    return "\n".join(
        [
            f"tick over {figures['due']:,} due of {figures['complaints']:,} complaints "
            f"({figures['database']['vendor']}, chunks of {figures['chunk']}, "
            f"{figures['workers']} process{'es' if figures['workers'] > 1 else ''}, "
            f"at {figures['at']})",
            f"  reminders    {figures['reminded']:>6,} in {figures['reminders_s']:7.2f} s: "
            f"{figures['reminder_ms_each']} ms, {figures['reminder_queries_each']} statements "
            f"and {figures['reminder_cpu_ms_each']} ms CPU each",
            f"  escalations  {figures['escalated']:>6,} in {figures['escalations_s']:7.2f} s: "
            f"{figures['escalation_ms_each']} ms, {figures['escalation_queries_each']} statements "
            f"and {figures['escalation_cpu_ms_each']} ms CPU each",
            f"  total {figures['total_s']} s; {figures['events_written']:,} events and "
            f"{figures['messages_written']:,} messages written "
            f"({'rolled back' if figures['workers'] == 1 else 'undone afterwards'})",
        ]
    )
