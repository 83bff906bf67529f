"""The tick: reminders before the deadline, the escalation ladder after it, retention — each
exactly once however often (and however concurrently) it runs."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections

from amends.complaints import services
from amends.complaints.models import ComplaintEvent
from amends.complaints.tests.stories import drive
from amends.complaints.tick import tick
from amends.complaints.transitions import State
from amends.conftest import local
from amends.core import clock
from amends.members.models import Customer
from amends.notifications.models import Outbox

S = State


def urgent_fault(cast):
    with clock.travel(local(2026, 11, 20, 10, 0)):
        return cast.receive(category="facility_equipment", severity="urgent")


def kinds(c, kind):
    return ComplaintEvent.objects.filter(complaint=c, kind=kind)


def test_it_reminds_the_owner_at_three_quarters_of_the_time_once(cast):
    c = urgent_fault(cast)
    assert tick(now=local(2026, 11, 20, 12, 59)).reminders == 0
    assert tick(now=local(2026, 11, 20, 13, 0)).reminders == 1
    assert tick(now=local(2026, 11, 20, 13, 5)).reminders == 0
    reminded = set(
        Outbox.objects.filter(complaint_id=c.pk, kind="reminder", channel="in_app").values_list(
            "recipient_user__username", flat=True
        )
    )
    assert reminded == {"desk", "maintenance"}
    assert kinds(c, "reminder").count() == 1


def test_it_escalates_an_overdue_complaint_up_the_ladder_one_step_at_a_time(cast):
    c = urgent_fault(cast)
    assert tick(now=local(2026, 11, 20, 13, 59)).escalations == 0
    assert tick(now=local(2026, 11, 20, 14, 0)).escalations == 1
    c.refresh_from_db()
    assert (c.escalation_level, c.escalated_to) == (1, cast.manager)
    assert c.next_escalation_at == local(2026, 11, 20, 18, 0)
    assert tick(now=local(2026, 11, 20, 15, 0)).escalations == 0
    assert tick(now=local(2026, 11, 20, 18, 0)).escalations == 1
    c.refresh_from_db()
    # The gym has no general manager: that rung is skipped, the step goes to the director.
    assert (c.escalation_level, c.escalated_to) == (3, cast.director)
    assert tick(now=local(2026, 11, 25, 9, 0)).escalations == 0
    steps = [
        (e.data["level"], e.data["role"], e.actor) for e in kinds(c, "escalated").order_by("seq")
    ]
    assert steps == [(1, "manager", None), (3, "director", None)]
    escalated_to = set(
        Outbox.objects.filter(complaint_id=c.pk, kind="escalation", channel="in_app").values_list(
            "recipient_user__username", flat=True
        )
    )
    assert escalated_to == {"manager", "director"}


def test_it_lets_people_escalate_by_hand_with_a_reason(cast):
    c = urgent_fault(cast)
    c = services.complaint_escalate(complaint=c, actor=cast.desk, reason="会员情绪激动，要求见经理")
    assert (c.escalation_level, c.escalated_to) == (1, cast.manager)
    assert c in cast.manager.escalated_complaints.all()


def test_it_does_not_escalate_while_waiting_on_the_customer(cast):
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = drive(cast, S.APPROVED)
    report = tick(now=local(2026, 12, 20, 10, 0))
    assert (report.reminders, report.escalations) == (0, 0)
    assert not kinds(c, "escalated").exists()


def test_it_anonymises_the_customer_after_retention_unless_on_legal_hold(cast):
    with clock.travel(local(2026, 11, 20, 10, 0)):
        kept = drive(cast, S.CLOSED, phone="13911112222", customer_name="赵四")
        purged = drive(cast, S.CLOSED, email="li.na@example.com")
    assert (purged.customer.name, purged.customer.email) == ("李娜", "li.na@example.com")
    services.complaint_set_legal_hold(
        complaint=kept, actor=cast.auditor, hold=True, reason="诉讼中"
    )
    assert tick(now=local(2029, 11, 20, 12, 0)).anonymised == 0
    assert tick(now=local(2029, 11, 21, 12, 0)).anonymised == 1
    purged.customer.refresh_from_db()
    assert (purged.customer.name, purged.customer.phone, purged.customer.email) == ("", "", "")
    assert purged.customer.anonymised_at == local(2029, 11, 21, 12, 0)
    held = Customer.objects.get(pk=kept.customer_id)
    assert (held.name, held.phone, held.anonymised_at) == ("赵四", "+8613911112222", None)
    assert tick(now=local(2029, 11, 22, 12, 0)).anonymised == 0


def test_the_tick_command_prints_what_it_did(cast, capsys):
    urgent_fault(cast)
    with clock.travel(local(2026, 11, 20, 13, 30)):
        call_command("tick")
    assert "reminders=1 escalations=0" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_it_is_safe_to_run_twice_at_once(cast):
    if connection.vendor != "postgresql":
        pytest.skip("real row locks between two connections: PostgreSQL")
    c = urgent_fault(cast)
    barrier = threading.Barrier(2)
    reports = []

    def run():
        try:
            barrier.wait()
            reports.append(tick(now=local(2026, 11, 20, 14, 0)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.reminders for r in reports) == 1
    assert sum(r.escalations for r in reports) == 1
    assert kinds(c, "escalated").count() == 1
    assert kinds(c, "reminder").count() == 1


def test_a_manual_escalation_waits_for_the_deadline_before_the_next_step(cast):
    with clock.travel(local(2026, 11, 20, 10, 0)):
        # Respond by 21 Nov 18:00: 24 of the club's opening hours (06:00–22:00).
        c = cast.receive(category="service_quality", severity="general")
        c = services.complaint_escalate(complaint=c, actor=cast.desk, reason="客户要求经理出面")
    assert c.next_escalation_at == local(2026, 11, 21, 18, 0)
    assert tick(now=local(2026, 11, 21, 10, 0)).escalations == 0
    assert tick(now=local(2026, 11, 21, 18, 0)).escalations == 1


def test_automatic_assignment_always_acknowledges_first(cast):
    from amends.complaints.services import Intake, complaint_receive

    c = complaint_receive(
        actor=cast.desk,
        venue=cast.gym,
        acknowledge=False,
        intake=Intake(channel="phone", description="储物柜坏了", phone="13800138000"),
    )
    assert c.state == S.ASSIGNED
    assert Outbox.objects.filter(complaint_id=c.pk, kind="acknowledgement").count() == 1
    assigned = ComplaintEvent.objects.get(complaint=c, kind="transition", data__action="assign")
    assert assigned.data["automatic"] is True and assigned.data["reason"] == ""
