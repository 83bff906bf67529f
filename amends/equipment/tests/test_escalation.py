"""The clock running out: maintenance warned at 80 %, the managers told at 100 %, each once."""

import threading

import pytest
from django.db import connection, connections

from amends.conftest import local
from amends.core import clock, jobs
from amends.equipment import services
from amends.equipment.tests.helpers import add_asset, fresh, report
from amends.notifications.models import Outbox


def run(when):
    return jobs.run("equipment.escalate", now=when).counts


def test_maintenance_is_warned_at_80_percent_and_managers_told_at_100_percent_once(cast):
    tm = add_asset(cast)
    wo = report(cast, tm, local(2026, 11, 23, 10, 0))  # due 12:00, 80 % at 11:36
    assert wo.warn_at == local(2026, 11, 23, 11, 36)
    assert run(local(2026, 11, 23, 11, 35)) == {"warnings": 0, "escalations": 0}
    assert run(local(2026, 11, 23, 11, 36)) == {"warnings": 1, "escalations": 0}
    assert run(local(2026, 11, 23, 11, 50)) == {"warnings": 0, "escalations": 0}
    warning = Outbox.objects.get(kind="reminder")
    assert warning.recipient_user == cast.maintenance and wo.number in warning.subject
    assert run(local(2026, 11, 23, 12, 0)) == {"warnings": 0, "escalations": 1}
    assert run(local(2026, 11, 23, 13, 0)) == {"warnings": 0, "escalations": 0}
    escalation = Outbox.objects.get(kind="escalation")
    assert escalation.recipient_user == cast.manager
    wo = fresh(wo)
    assert wo.escalation_level == 2
    assert list(
        wo.events.filter(kind__in=["warned", "escalated"]).values_list("kind", flat=True)
    ) == [
        "warned",
        "escalated",
    ]
    # the level is not an edit anybody saw: a page opened before still reacts
    assert wo.version == 1
    with clock.travel(local(2026, 11, 23, 13, 5)):
        services.work_order_react(actor=cast.maintenance, work_order=wo, version=1)


def test_without_maintenance_people_the_warning_goes_to_the_managers(cast):
    tm = add_asset(cast)
    cast.maintenance.is_active = False
    cast.maintenance.save(update_fields=["is_active"])
    wo = report(cast, tm, local(2026, 11, 23, 10, 0))
    assert wo.assignee is None
    assert run(local(2026, 11, 23, 11, 36)) == {"warnings": 1, "escalations": 0}
    warned = {m.recipient_user_id for m in Outbox.objects.filter(kind="reminder")}
    assert cast.manager.pk in warned


def test_a_late_run_warns_and_escalates_at_once_and_a_reaction_stops_it(cast):
    tm = add_asset(cast)
    late = report(cast, tm, local(2026, 11, 23, 10, 0))
    on_time = report(cast, tm, local(2026, 11, 23, 10, 1))
    with clock.travel(local(2026, 11, 23, 10, 30)):
        services.work_order_react(actor=cast.maintenance, work_order=on_time, version=1)
    assert run(local(2026, 11, 23, 15, 0)) == {"warnings": 1, "escalations": 1}
    assert fresh(late).escalation_level == 2 and fresh(on_time).escalation_level == 0


def test_the_clock_waits_overnight(cast):
    tm = add_asset(cast)
    wo = report(cast, tm, local(2026, 11, 23, 21, 50))  # due 07:50 next day
    assert run(local(2026, 11, 24, 2, 0)) == {"warnings": 0, "escalations": 0}
    assert run(local(2026, 11, 24, 7, 50)) == {"warnings": 1, "escalations": 1}
    assert fresh(wo).escalation_level == 2


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_warn_once(cast):
    if connection.vendor != "postgresql":
        pytest.skip("real row locks between two connections: PostgreSQL")
    tm = add_asset(cast)
    report(cast, tm, local(2026, 11, 23, 10, 0))
    barrier = threading.Barrier(2)
    counts = []

    def go():
        try:
            barrier.wait()
            counts.append(run(local(2026, 11, 23, 12, 30)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(c["warnings"] for c in counts) == 1
    assert sum(c["escalations"] for c in counts) == 1


@pytest.mark.django_db(transaction=True)
def test_two_reports_at_once_get_two_numbers(cast):
    if connection.vendor != "postgresql":
        pytest.skip("real row locks between two connections: PostgreSQL")
    tm = add_asset(cast)
    barrier = threading.Barrier(2)
    numbers = []

    def go():
        try:
            barrier.wait()
            numbers.append(report(cast, tm, local(2026, 11, 23, 10, 0)).number)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(numbers) == ["WO-GYM1-2026-000001", "WO-GYM1-2026-000002"]
