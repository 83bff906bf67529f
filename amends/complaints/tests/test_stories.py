"""Whole complaints, told as stories."""

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest

from amends.complaints import services
from amends.complaints.models import Complaint, ComplaintEvent
from amends.complaints.tests.stories import drive, received
from amends.complaints.transitions import State
from amends.conftest import local
from amends.core import clock
from amends.core.errors import InvalidInput, InvalidTransition, PermissionDenied, StaleVersion
from amends.notifications.models import Outbox

S = State


def events(c):
    return list(ComplaintEvent.objects.filter(complaint=c).values_list("kind", flat=True))


def test_it_walks_a_valid_complaint_through_every_step_to_closure(cast):
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = drive(cast, S.INVESTIGATING)  # the specialist takes it up: the first response
    with clock.travel(local(2026, 11, 21, 15, 0)):
        c = drive(cast, S.FEEDBACK_GIVEN, complaint=c)  # the customer has the outcome
    with clock.travel(local(2026, 11, 25, 9, 30)):
        c = drive(cast, S.CLOSED, complaint=c)
    assert c.state == S.CLOSED
    assert c.responded_at == local(2026, 11, 20, 10, 0)
    assert c.resolved_at == local(2026, 11, 21, 15, 0)
    assert c.closed_at == local(2026, 11, 25, 9, 30)
    assert c.retention_until == date(2029, 11, 25)
    assert c.survey.invited_at == local(2026, 11, 25, 9, 30) and c.survey.answered_at is None
    transitions = list(
        ComplaintEvent.objects.filter(complaint=c, kind="transition").values_list(
            "data__to", flat=True
        )
    )
    assert transitions == [
        s.value
        for s in (
            S.ACKNOWLEDGED,
            S.ASSIGNED,
            S.INVESTIGATING,
            S.REMEDY_PROPOSED,
            S.APPROVAL_PENDING,
            S.APPROVED,
            S.CUSTOMER_ACCEPTED,
            S.REMEDY_EXECUTED,
            S.FEEDBACK_GIVEN,
            S.REVISIT_DONE,
            S.CLOSED,
        )
    ]
    sent = Counter(
        Outbox.objects.filter(complaint_id=c.pk).values_list(
            "kind", "channel", "recipient_user__username"
        )
    )
    assert sent == {
        ("acknowledgement", "sms", None): 1,
        ("assignment", "in_app", "specialist"): 1,
        ("approval_request", "in_app", "manager"): 1,
        # Taken in at the front desk: the offer and the outcome are told by a call (a task for
        # the owner, with the script), not by a text message.
        ("remedy_offer", "call", "specialist"): 1,
        ("feedback", "call", "specialist"): 1,
        ("revisit_assigned", "in_app", "specialist2"): 1,
        ("survey_invitation", "sms", None): 1,
    }


def test_it_explains_an_invalid_complaint_and_closes_it_without_compensation(cast):
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = drive(cast, S.EXPLAINED, channel="email", email="li.na@example.com")
    assert c.state == S.EXPLAINED and c.resolved_at == local(2026, 11, 20, 10, 0)
    explanation = Outbox.objects.get(complaint_id=c.pk, kind="explanation")
    assert explanation.channel == "email" and explanation.recipient_address == "li.na@example.com"
    assert explanation.body.split("\n\n")[0] == "经查看监控，系操作不当，已为您讲解正确用法。"
    c = services.complaint_close(complaint=c, actor=cast.specialist)
    assert c.state == S.CLOSED
    assert not c.remedies.exists()


def test_it_keeps_the_receiver_accountable_until_the_assignee_accepts(cast):
    c = drive(cast, S.ASSIGNED)
    assert c.owner == cast.desk and c.assignee == cast.specialist
    c = services.complaint_assign(
        complaint=c, actor=cast.manager, assignee=cast.specialist2, reason="专员休假"
    )
    assert c.owner == cast.desk
    with pytest.raises(PermissionDenied) as refused:
        services.complaint_accept(complaint=c, actor=cast.specialist)
    assert refused.value.code == "action_not_allowed"
    c = services.complaint_accept(complaint=c, actor=cast.specialist2)
    assert c.owner == cast.specialist2
    handoff = ComplaintEvent.objects.get(complaint=c, kind="handoff_accepted")
    assert handoff.data == {"from_owner": cast.desk.pk, "to_owner": cast.specialist2.pk}
    assigned = ComplaintEvent.objects.filter(complaint=c, kind="transition", data__action="assign")
    assert [e.data["assignee"] for e in assigned] == [cast.specialist.pk, cast.specialist2.pk]


def test_it_reopens_a_closed_complaint_when_the_customer_is_unhappy(cast):
    c = drive(cast, S.CLOSED)
    with pytest.raises(InvalidInput) as refused:
        services.complaint_reopen(complaint=c, actor=cast.specialist, reason=" ")
    assert refused.value.code == "needs_reason"
    with clock.travel(local(2026, 12, 1, 9, 0)):
        c = services.complaint_reopen(
            complaint=c, actor=cast.specialist, reason="客户对退款金额不满意"
        )
    assert c.state == S.INVESTIGATING
    assert (
        c.reopen_count == 1
        and c.closed_at is None
        and c.retention_until is None
        and c.resolved_at is None
    )
    # A reopen raises the severity one level: important counts 72 opening hours (06:00–22:00).
    assert c.severity == "important"
    assert c.resolve_due == local(2026, 12, 5, 17, 0)
    assert c.escalation_level == 0


def test_it_reopens_after_feedback_and_cancels_the_pending_revisit(cast):
    c = drive(cast, S.FEEDBACK_GIVEN)
    assert c.revisits.filter(done_at__isnull=True).count() == 1
    c = services.complaint_reopen(complaint=c, actor=cast.manager, reason="客户来电表示问题未解决")
    assert c.state == S.INVESTIGATING
    assert not c.revisits.filter(done_at__isnull=True).exists()


def test_it_merges_a_duplicate_and_keeps_both_trails(cast):
    first = drive(cast, S.INVESTIGATING)
    second = received(cast, channel="phone")
    before = events(second)
    survivor = services.complaint_merge(
        duplicate=second, into=first, actor=cast.specialist, reason="同一客户同一事项"
    )
    second.refresh_from_db()
    assert second.state == S.MERGED and second.merged_into == survivor
    assert events(second)[: len(before)] == before
    assert (
        ComplaintEvent.objects.get(complaint=survivor, kind="merged_from").data["duplicate"]
        == second.reference
    )
    third = received(cast)
    closed = drive(cast, S.CLOSED)
    with pytest.raises(InvalidTransition) as refused:
        services.complaint_merge(duplicate=third, into=closed, actor=cast.specialist, reason="dup")
    assert refused.value.code == "merge_target_closed"
    with pytest.raises(PermissionDenied) as refused:
        services.complaint_merge(duplicate=third, into=first, actor=cast.maintenance, reason="dup")
    assert refused.value.code == "action_not_allowed"
    assert Complaint.objects.get(pk=third.pk).state == S.RECEIVED


def test_it_declines_an_abusive_complaint_only_with_a_reason_and_authority(cast):
    c = received(cast)
    with pytest.raises(PermissionDenied) as refused:
        services.complaint_decline(complaint=c, actor=cast.specialist, reason="恶意投诉")
    assert refused.value.code == "action_not_allowed"
    with pytest.raises(InvalidInput) as missing:
        services.complaint_decline(complaint=c, actor=cast.manager, reason="")
    assert missing.value.code == "needs_reason"
    assert Complaint.objects.get(pk=c.pk).state == S.RECEIVED
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = services.complaint_decline(
            complaint=c, actor=cast.manager, reason="第三次以退款要挟，录音为证"
        )
    assert c.state == S.DECLINED
    assert c.closed_at == c.resolved_at == local(2026, 11, 20, 10, 0)
    assert c.retention_until == date(2029, 11, 20)


def test_it_refuses_an_illegal_transition_and_changes_nothing(cast):
    c = drive(cast, S.INVESTIGATING)
    version, count = c.version, ComplaintEvent.objects.filter(complaint=c).count()
    with pytest.raises(InvalidTransition) as refused:
        services.complaint_transition(complaint=c, to=S.CLOSED, actor=cast.manager)
    assert refused.value.code == "invalid_transition"
    with pytest.raises(InvalidInput) as missing:
        services.complaint_mark_invalid(complaint=c, actor=cast.specialist)
    assert missing.value.code == "needs_report"
    c.refresh_from_db()
    assert (c.state, c.version) == (S.INVESTIGATING, version)
    assert ComplaintEvent.objects.filter(complaint=c).count() == count


def test_it_refuses_a_write_based_on_a_stale_read(cast):
    c = drive(cast, S.ASSIGNED)
    seen = c.version
    services.complaint_add_note(complaint=c, actor=cast.specialist, text="已致电客户")
    with pytest.raises(StaleVersion) as stale:
        services.complaint_accept(complaint=c, actor=cast.specialist, expected_version=seen)
    assert stale.value.http_status == 409
    assert Complaint.objects.get(pk=c.pk).state == S.ASSIGNED


def test_it_sends_the_revisit_to_someone_not_involved(cast):
    c = received(cast, subject_staff=cast.specialist2)
    with clock.travel(local(2026, 11, 21, 15, 0)):
        c = drive(cast, S.FEEDBACK_GIVEN, complaint=c)
    revisit = c.revisits.get()
    # specialist handled it, the manager approved its remedy and specialist2 is complained
    # about: the director (company-wide) is the one left.
    assert revisit.assignee == cast.director
    assert cast.gym.revisit_days == 7
    assert c.resolved_at == local(2026, 11, 21, 15, 0)
    assert revisit.due_at == c.resolved_at + timedelta(days=cast.gym.revisit_days)
    with pytest.raises(PermissionDenied) as refused:
        services.revisit_record(
            revisit=revisit, actor=cast.maintenance, reached=True, method="phone"
        )
    assert refused.value.code == "action_not_allowed"
    revisit.refresh_from_db()
    assert (revisit.attempts, revisit.done_at) == (0, None)


def test_it_counts_unanswered_revisit_calls_and_opens_a_new_complaint_from_a_new_issue(cast):
    c = drive(cast, S.FEEDBACK_GIVEN)
    revisit = c.revisits.get()
    services.revisit_record(
        revisit=revisit, actor=revisit.assignee, reached=False, method="phone", notes="无人接听"
    )
    revisit.refresh_from_db()
    assert revisit.attempts == 1 and revisit.done_at is None
    assert Complaint.objects.get(pk=c.pk).state == S.FEEDBACK_GIVEN
    services.revisit_record(
        revisit=revisit,
        actor=revisit.assignee,
        reached=True,
        satisfied=False,
        method="phone",
        new_issue="淋浴间热水不稳定",
    )
    follow_up = Complaint.objects.get(follows=c)
    assert follow_up.customer == c.customer and follow_up.channel == "staff"
    assert Complaint.objects.get(pk=c.pk).state == S.REVISIT_DONE


def test_it_records_the_survey_answer_once_and_validates_it(cast):
    c = drive(cast, S.CLOSED)
    with pytest.raises(InvalidInput) as refused:
        services.survey_answer(token=c.survey.token, satisfaction=6, nps=9)
    assert refused.value.code == "invalid_score"
    services.survey_answer(token=c.survey.token, satisfaction=5, nps=9, comment="处理及时")
    with pytest.raises(InvalidTransition) as again:
        services.survey_answer(token=c.survey.token, satisfaction=1, nps=0)
    assert again.value.code == "survey_answered"
    assert ComplaintEvent.objects.filter(complaint=c, kind="survey_answered").count() == 1


def test_a_survey_closes_thirty_days_after_the_invitation(cast):
    with clock.travel(local(2026, 11, 2, 10, 0)):
        c = drive(cast, S.CLOSED)
    invited = c.survey.invited_at
    with (
        clock.travel(invited + timedelta(days=30, minutes=1)),
        pytest.raises(InvalidTransition) as closed,
    ):
        services.survey_answer(token=c.survey.token, satisfaction=5, nps=9)
    assert closed.value.code == "survey_closed"
    with clock.travel(invited + timedelta(days=29)):
        services.survey_answer(token=c.survey.token, satisfaction=5, nps=9)


def test_it_records_investigation_edits_with_before_and_after(cast):
    c = drive(cast, S.INVESTIGATING)
    services.complaint_record_investigation(
        complaint=c, actor=cast.specialist, report="初步调查", validity="valid"
    )
    services.complaint_record_investigation(
        complaint=c, actor=cast.specialist, report="调查完毕：教练迟到"
    )
    edits = ComplaintEvent.objects.filter(complaint=c, kind="fields_changed").order_by("seq")
    assert edits[0].data["validity"] == {"before": "undecided", "after": "valid"}
    assert edits[1].data == {
        "investigation_report": {"before": "初步调查", "after": "调查完毕：教练迟到"}
    }
    interview = services.interview_record(
        complaint=c,
        actor=cast.specialist,
        interviewee="王教练",
        interviewee_role="staff",
        summary="承认迟到",
        staff=cast.coach,
    )
    assert interview.staff == cast.coach
    logged = ComplaintEvent.objects.get(complaint=c, kind="interview")
    assert logged.actor == cast.specialist
    assert logged.data == {
        "interview": interview.pk,
        "interviewee": "王教练",
        "role": "staff",
        "summary": "承认迟到",
    }


def test_it_records_a_consequence_for_the_responsible_coach(cast):
    c = drive(cast, S.REMEDY_EXECUTED)
    with pytest.raises(PermissionDenied) as refused:
        services.consequence_record(
            complaint=c, actor=cast.specialist, staff=cast.coach, kind="training"
        )
    assert refused.value.code == "action_not_allowed"
    assert not cast.coach.consequences.exists()
    services.consequence_record(
        complaint=c, actor=cast.manager, staff=cast.coach, kind="warning", note="书面警告"
    )
    assert cast.coach.consequences.get().kind == "warning"
    assert c.remedies.get().status == "executed"


def test_it_alerts_managers_and_the_director_of_an_urgent_complaint(cast):
    c = cast.receive(category="safety_security", severity="urgent")
    alerted = set(
        Outbox.objects.filter(complaint_id=c.pk, kind="urgent_alert", channel="in_app").values_list(
            "recipient_user__username", flat=True
        )
    )
    assert alerted == {"manager", "director"}


def test_it_refuses_a_negative_amount_and_writes_nothing(cast):
    c = drive(cast, S.INVESTIGATING)
    services.complaint_record_investigation(
        complaint=c,
        actor=cast.specialist,
        report="r",
        validity="valid",
        responsibility="department",
    )
    with pytest.raises(InvalidInput) as refused:
        services.remedy_propose(
            complaint=c, actor=cast.specialist, kind="refund", description="x", amount="-5"
        )
    assert refused.value.code == "invalid_amount"
    assert not c.remedies.exists()
    with pytest.raises(InvalidInput) as refused:
        services.remedy_propose(
            complaint=c, actor=cast.specialist, kind="refund", description="x", amount="abc"
        )
    assert refused.value.code == "invalid_amount"
    assert not c.remedies.exists()
    services.remedy_propose(
        complaint=c, actor=cast.specialist, kind="refund", description="x", amount=Decimal("10.5")
    )
    assert c.remedies.get().amount == Decimal("10.50")
