"""`amends bench tick`: how long the tick takes over N due reminders and N due escalations.

On the seeded company (docs/benchmarks.md), in one transaction rolled back at the end, so the
bench leaves the data as it found it:

1. Take N open, assigned complaints (lowest ids first) and make their reminder and their next
   escalation due one minute before the bench's moment, a working morning (the next weekday at
   10:00 in the venue's zone, so escalations really climb the ladder). Every other reminder and
   escalation the seed left due is put out of reach for the run: only the N are measured.
2. Run `remind_due`, then `escalate_overdue`, as the tick runs them: chunks of `tick.CHUNK`,
   `SKIP LOCKED` on PostgreSQL, a savepoint per complaint.
3. Report seconds, milliseconds and statements per complaint, and what was written.
"""

from __future__ import annotations

import os
import platform
import time as timer
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import django
from django.db import connection, transaction

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


def run(*, due: int = 2500, now: datetime | None = None) -> dict[str, Any]:
    """Time the tick over `due` reminders and `due` escalations; return the figures."""
    if due < 1:
        raise BenchError("--due must be 1 or more")
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
        "at": moment.isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "node": platform.node(),
            "load_average_before": [round(x, 2) for x in os.getloadavg()],
        },
        "versions": {"python": platform.python_version(), "django": django.get_version()},
        "database": {"vendor": connection.vendor, "name": connection.settings_dict["NAME"]},
    }
    try:
        with transaction.atomic():
            armed = moment - timedelta(minutes=1)
            # Only the N are due in this run: what else the seed left due waits (rolled back).
            open_ones.filter(remind_at__lte=moment).exclude(pk__in=ids).update(remind_at=None)
            open_ones.filter(next_escalation_at__lte=moment).exclude(pk__in=ids).update(
                next_escalation_at=None
            )
            Complaint.objects.filter(pk__in=ids).update(
                remind_at=armed, next_escalation_at=armed, escalation_level=0
            )
            events_before = ComplaintEvent.objects.count()
            outbox_before = Outbox.objects.count()
            cpu_began = timer.process_time()
            reminding, escalating = _Counter(), _Counter()
            with connection.execute_wrapper(reminding):
                began = timer.perf_counter()
                reminded = remind_due(now=moment)
                reminders_s = timer.perf_counter() - began
            cpu_middle = timer.process_time()
            with connection.execute_wrapper(escalating):
                began = timer.perf_counter()
                escalated = escalate_overdue(now=moment)
                escalations_s = timer.perf_counter() - began
            cpu_end = timer.process_time()
            figures.update(
                reminded=reminded,
                escalated=escalated,
                reminders_s=round(reminders_s, 2),
                escalations_s=round(escalations_s, 2),
                total_s=round(reminders_s + escalations_s, 2),
                reminder_ms_each=round(reminders_s * 1000 / max(reminded, 1), 2),
                escalation_ms_each=round(escalations_s * 1000 / max(escalated, 1), 2),
                reminder_queries_each=round(reminding.count / max(reminded, 1), 1),
                escalation_queries_each=round(escalating.count / max(escalated, 1), 1),
                reminder_cpu_ms_each=round((cpu_middle - cpu_began) * 1000 / max(reminded, 1), 2),
                escalation_cpu_ms_each=round((cpu_end - cpu_middle) * 1000 / max(escalated, 1), 2),
                events_written=ComplaintEvent.objects.count() - events_before,
                messages_written=Outbox.objects.count() - outbox_before,
            )
            raise _RolledBack
    except _RolledBack:
        pass
    figures["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return figures


def table(figures: dict[str, Any]) -> str:
    """The figures as lines for a person."""
    return "\n".join(
        [
            f"tick over {figures['due']:,} due of {figures['complaints']:,} complaints "
            f"({figures['database']['vendor']}, chunks of {figures['chunk']}, at {figures['at']})",
            f"  reminders    {figures['reminded']:>6,} in {figures['reminders_s']:7.2f} s: "
            f"{figures['reminder_ms_each']} ms, {figures['reminder_queries_each']} statements "
            f"and {figures['reminder_cpu_ms_each']} ms CPU each",
            f"  escalations  {figures['escalated']:>6,} in {figures['escalations_s']:7.2f} s: "
            f"{figures['escalation_ms_each']} ms, {figures['escalation_queries_each']} statements "
            f"and {figures['escalation_cpu_ms_each']} ms CPU each",
            f"  total {figures['total_s']} s; {figures['events_written']:,} events and "
            f"{figures['messages_written']:,} messages written (rolled back)",
        ]
    )
