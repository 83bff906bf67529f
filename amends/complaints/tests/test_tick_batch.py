"""The tick in chunks: due complaints claimed a chunk at a time, each reminder and escalation
done exactly once however many runners work at once, a failure costing only its own complaint,
and an exhausted ladder disarmed so no tick claims it again."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from amends.complaints import tick as tick_module
from amends.complaints.integrity import verify_complaint
from amends.complaints.models import Complaint, ComplaintEvent
from amends.complaints.tick import escalate_overdue, remind_due, tick
from amends.conftest import Cast, local
from amends.core import clock
from amends.orgs.roles import ESCALATION_LADDER

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="real row locks between connections: PostgreSQL"
)


def urgent_faults(cast: Cast, count: int) -> list[Complaint]:
    """`count` urgent faults received at 10:00: reminders due at 13:00, escalations at 14:00."""
    with clock.travel(local(2026, 11, 20, 10, 0)):
        return [
            cast.receive(
                category="facility_equipment",
                severity="urgent",
                phone=f"1380013{n:04d}",
                description=f"{n} 号跑步机的急停按钮失灵。",
            )
            for n in range(count)
        ]


def kinds(kind: str, complaints: list[Complaint]) -> dict[int, int]:
    counted = {c.pk: 0 for c in complaints}
    for pk in ComplaintEvent.objects.filter(complaint__in=complaints, kind=kind).values_list(
        "complaint_id", flat=True
    ):
        counted[pk] += 1
    return counted


def test_it_works_through_more_due_complaints_than_one_chunk(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tick_module, "CHUNK", 3)
    faults = urgent_faults(cast, 7)
    assert remind_due(now=local(2026, 11, 20, 13, 0)) == 7
    assert remind_due(now=local(2026, 11, 20, 13, 1)) == 0
    assert escalate_overdue(now=local(2026, 11, 20, 14, 0)) == 7
    assert set(kinds("reminder", faults).values()) == {1}
    assert set(kinds("escalated", faults).values()) == {1}
    for c in faults:
        assert verify_complaint(c) is None


def test_a_chunk_writes_its_events_and_messages_together(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seven due reminders in chunks of five: per chunk one insert of every event, one of
    every message and one update of every row, no savepoint per complaint; the chains
    verify."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(tick_module, "CHUNK", 5)
    faults = urgent_faults(cast, 7)
    with CaptureQueriesContext(connection) as queries:
        assert remind_due(now=local(2026, 11, 20, 13, 0)) == 7
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum('INTO "complaints_complaintevent"' in q for q in sql) == 2
    assert sum('INTO "notifications_outbox"' in q for q in sql) == 2
    assert sum('UPDATE "complaints_complaint" SET' in q for q in sql) == 2
    assert sum(q.startswith("SAVEPOINT") for q in sql) == 2  # a chunk's transaction each
    # Claimed in due-time order, the second chunk from where the first ended.
    claims = [q for q in sql if 'ORDER BY "complaints_complaint"."remind_at" ASC' in q]
    assert len(claims) == 2
    assert '"complaints_complaint"."remind_at" >=' in claims[1]
    assert set(kinds("reminder", faults).values()) == {1}
    assert not Complaint.objects.filter(pk__in=[c.pk for c in faults], remind_at__isnull=False)
    # Escalations: the venue's holders of the rung, with their load, read once a run; the new
    # handlers joined in one insert a chunk.
    with CaptureQueriesContext(connection) as queries:
        assert escalate_overdue(now=local(2026, 11, 20, 14, 0)) == 7
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum('AS "open_load"' in q for q in sql) == 1
    assert sum('INTO "complaints_complaint_handlers"' in q for q in sql) == 2
    assert sum('UPDATE "complaints_complaint" SET' in q for q in sql) == 2
    assert set(kinds("escalated", faults).values()) == {1}
    for c in faults:
        c.refresh_from_db()
        assert c.escalation_level == 1 and c.escalated_to_id is not None
        assert c.handlers.filter(pk=c.escalated_to_id).exists()
    for c in faults:
        assert verify_complaint(c) is None


def test_a_failure_costs_only_its_own_complaint(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tick_module, "CHUNK", 2)
    faults = urgent_faults(cast, 5)
    broken = faults[2]
    notify = tick_module.notify_staff_each

    def failing(complaint: Complaint, **kwargs: Any) -> Any:
        if complaint.pk == broken.pk:
            raise RuntimeError("the outbox is unreachable")
        return notify(complaint, **kwargs)

    monkeypatch.setattr(tick_module, "notify_staff_each", failing)
    with pytest.raises(RuntimeError):
        remind_due(now=local(2026, 11, 20, 13, 0))
    reminded = kinds("reminder", faults)
    assert reminded == {c.pk: 0 if c.pk == broken.pk else 1 for c in faults}
    broken.refresh_from_db()
    assert broken.remind_at is not None  # still due: the next tick tries again
    monkeypatch.setattr(tick_module, "notify_staff_each", notify)
    assert remind_due(now=local(2026, 11, 20, 13, 1)) == 1
    assert set(kinds("reminder", faults).values()) == {1}
    assert verify_complaint(broken) is None


def test_an_exhausted_ladder_disarms_its_escalation(cast: Cast) -> None:
    [c] = urgent_faults(cast, 1)
    assert tick(now=local(2026, 11, 20, 14, 0)).escalations == 1
    assert tick(now=local(2026, 11, 20, 18, 0)).escalations == 1
    c.refresh_from_db()
    # The gym has no general manager: the second step reached the director, the top.
    assert c.escalation_level == len(ESCALATION_LADDER)
    assert c.next_escalation_at is None
    # A complaint left armed at the top (as rows written before this rule are): the next tick
    # disarms it instead of claiming it again every minute.
    Complaint.objects.filter(pk=c.pk).update(next_escalation_at=local(2026, 11, 20, 19, 0))
    assert tick(now=local(2026, 11, 20, 20, 0)).escalations == 0
    c.refresh_from_db()
    assert c.next_escalation_at is None
    assert c.due_at == c.running_due()
    assert not Complaint.objects.filter(next_escalation_at__isnull=False, pk=c.pk).exists()
    assert verify_complaint(c) is None


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_several_ticks_at_once_do_each_reminder_and_escalation_once(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tick_module, "CHUNK", 2)
    faults = urgent_faults(cast, 12)
    runners = 3
    start = threading.Barrier(runners)
    reports: list[Any] = []

    def run() -> None:
        try:
            start.wait()
            reports.append(tick(now=local(2026, 11, 20, 14, 0)))
        except Exception as failure:
            reports.append(failure)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(runners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(isinstance(r, Exception) for r in reports), reports
    assert sum(r.reminders for r in reports) == 12
    assert sum(r.escalations for r in reports) == 12
    assert set(kinds("reminder", faults).values()) == {1}
    assert set(kinds("escalated", faults).values()) == {1}
    for c in faults:
        assert verify_complaint(c) is None


@on_postgresql
def test_a_claim_reads_the_due_index_from_where_the_last_chunk_ended(cast: Cast) -> None:
    """The claim walks the partial index (due time, id) — not the whole table in id order,
    where the due complaints (the newest, open ones) come after every closed one."""
    from datetime import timedelta

    from django.db import transaction

    from amends.complaints.tick import _claim

    faults = urgent_faults(cast, 3)
    now = local(2026, 11, 20, 13, 0)
    due = Complaint.objects.filter(pk__in=[c.pk for c in faults], remind_at__lte=now)
    with transaction.atomic():
        first, last = _claim(due, "remind_at", None)
        assert [c.pk for c in first] == sorted(
            (c.pk for c in faults), key=lambda pk: (Complaint.objects.get(pk=pk).remind_at, pk)
        )
        assert last == (first[-1].remind_at, first[-1].pk)
        rest, _ = _claim(due, "remind_at", (first[0].remind_at, first[0].pk))
        assert [c.pk for c in rest] == [c.pk for c in first[1:]]
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        moment = first[0].remind_at - timedelta(minutes=1)
        plan = (
            Complaint.objects.filter(remind_at__lte=now, remind_at__gte=moment)
            .order_by("remind_at", "pk")[:100]
            .explain()
        )
        assert "complaint_remind_claim" in plan, plan
