"""Revisit campaigns: a new member at the Jing'an gym is called within three days of joining,
never while resting, by their own specialist; the call is recorded from the script and an
unhappy answer opens a complaint."""

from __future__ import annotations

from datetime import date, time

import pytest

from amends.care import services
from amends.care.jobs import triggers
from amends.care.models import CampaignCall, RevisitCampaign
from amends.care.selectors import calls_due, campaign_summary
from amends.care.tests.stories import campaign, member
from amends.complaints.models import Complaint
from amends.conftest import local
from amends.core import clock
from amends.core.errors import (
    InvalidInput,
    InvalidTransition,
    PermissionDenied,
    StaleVersion,
)

T = RevisitCampaign.Trigger


def joined(cast, number="A001", **fields):
    m = member(cast, number, quiet_from="21:00", quiet_to="09:00", **fields)
    return services.specialist_assign(
        member=m, specialist=cast.specialist, now=local(2026, 11, 20, 9, 0)
    )


def test_a_new_member_is_called_three_days_after_joining_by_their_specialist(cast):
    c = campaign(cast)
    m = joined(cast)
    call = services.campaign_trigger(
        venue=cast.gym,
        trigger=T.JOINING,
        member=m,
        at=local(2026, 11, 23, 10, 0),
        key="joining:2026-11-23",
    )
    assert call is not None
    assert (call.campaign, call.assignee) == (c, cast.specialist)
    assert call.due_at == local(2026, 11, 26, 10, 0)
    # Joined Monday at 21:30: Thursday 21:30 is in the member's quiet hours (21:00–09:00);
    # the latest callable minute before it is Thursday 20:59, inside the 3-day window.
    late = services.campaign_trigger(
        venue=cast.gym,
        trigger=T.JOINING,
        member=joined(cast, "A002"),
        at=local(2026, 11, 23, 21, 30),
        key="joining:2026-11-23",
    )
    assert late.due_at == local(2026, 11, 26, 20, 59)


def test_a_trigger_gives_one_call_however_often_it_fires(cast):
    c = campaign(cast)
    m = joined(cast)
    at = local(2026, 11, 23, 10, 0)
    first = services.campaign_trigger(venue=cast.gym, trigger=T.JOINING, member=m, at=at, key="k")
    again = services.campaign_trigger(venue=cast.gym, trigger=T.JOINING, member=m, at=at, key="k")
    assert first is not None and again is None
    assert CampaignCall.objects.filter(campaign=c).count() == 1
    # Another trigger, another campaign trigger, a finished campaign: no call.
    assert (
        services.campaign_trigger(
            venue=cast.gym, trigger=T.INACTIVITY, member=m, at=at, key="other"
        )
        is None
    )
    with clock.travel(at):
        services.campaign_finish(actor=cast.manager, campaign=c, version=c.version)
    assert (
        services.campaign_trigger(venue=cast.gym, trigger=T.JOINING, member=m, at=at, key="k2")
        is None
    )


def test_the_triggers_job_calls_new_members_and_runs_twice_without_doubling(cast):
    c = campaign(cast)
    everyone = campaign(cast, T.ALL_MEMBERS, name="全员回访")
    joined(cast, "N1", starts_on=date(2026, 11, 23))
    joined(cast, "N2", starts_on=date(2026, 11, 22))
    joined(cast, "OLD", starts_on=date(2026, 10, 1))
    counts = triggers(now=local(2026, 11, 23, 10, 0))
    assert counts["joining"] == 2 and counts["all_members"] == 3
    assert sorted(c.calls.values_list("member__number", flat=True)) == ["N1", "N2"]
    assert everyone.calls.count() == 3
    again = triggers(now=local(2026, 11, 23, 10, 15))
    assert again["joining"] == 0 and again["all_members"] == 0


def test_inactive_members_and_closed_complaints_start_calls(cast):
    idle = campaign(cast, T.INACTIVITY, name="久未到店", inactivity_days=10)
    after = campaign(cast, T.COMPLAINT_CLOSED, name="投诉关闭回访")
    m = joined(cast, "I1")
    services.record_visit(member=m, on=date(2026, 11, 13))
    c = cast.receive(member_number="I1", phone="", email="", customer_name="")
    assert c.customer_id == m.customer_id
    Complaint.objects.filter(pk=c.pk).update(closed_at=local(2026, 11, 23, 8, 0), state="closed")
    counts = triggers(now=local(2026, 11, 23, 10, 0))
    assert counts["inactivity"] == 1 and counts["complaint_closed"] == 1
    assert idle.calls.get().trigger_key == "inactivity:2026-11-13"
    assert after.calls.get().trigger_key == f"complaint:{c.pk}"


def test_moving_the_end_date_later_is_a_renewal(cast):
    renewals = campaign(cast, T.RENEWAL, name="续费回访")
    m = joined(cast)
    with clock.travel(local(2026, 11, 24, 15, 0)):
        m = services.member_save(
            actor=cast.specialist,
            venue=cast.gym,
            member=m,
            version=m.version,
            data={"number": m.number, "starts_on": "2026-01-01", "expires_on": "2028-01-01"},
        )
    call = renewals.calls.get()
    assert call.trigger_key == "renewal:2028-01-01"
    assert call.due_at == local(2026, 11, 27, 15, 0)


def test_the_specialist_sees_calls_due_today_but_not_while_the_member_rests(cast):
    campaign(cast)
    m = joined(cast)
    call = services.campaign_trigger(
        venue=cast.gym, trigger=T.JOINING, member=m, at=local(2026, 11, 23, 10, 0), key="k"
    )
    with clock.travel(local(2026, 11, 25, 12, 0)):
        assert calls_due(cast.specialist, day=date(2026, 11, 25)) == []
    with clock.travel(local(2026, 11, 26, 12, 0)):
        assert calls_due(cast.specialist, day=date(2026, 11, 26)) == [call]
        assert calls_due(cast.specialist2, day=date(2026, 11, 26)) == []
    with clock.travel(local(2026, 11, 27, 8, 0)):  # overdue, but the member rests until 09:00
        assert calls_due(cast.specialist, day=date(2026, 11, 27)) == []
    with clock.travel(local(2026, 11, 27, 9, 0)):
        assert calls_due(cast.specialist, day=date(2026, 11, 27)) == [call]


def _call(cast, number="A001"):
    campaign(cast)
    m = joined(cast, number)
    return services.campaign_trigger(
        venue=cast.gym, trigger=T.JOINING, member=m, at=local(2026, 11, 23, 10, 0), key="k"
    )


def test_an_unhappy_answer_opens_a_complaint_linked_to_the_call(cast):
    call = _call(cast)
    with clock.travel(local(2026, 11, 25, 15, 0)):
        done = services.call_record(
            actor=cast.specialist,
            call=call,
            version=call.version,
            reached=True,
            outcome="not_satisfied",
            score=2,
            notes="淋浴间热水时有时无，已经一周了。",
        )
    assert done.status == "done" and done.complaint is not None
    complaint = done.complaint
    assert complaint.channel == "phone"
    assert complaint.customer_id == call.member.customer_id
    assert complaint.description == "淋浴间热水时有时无，已经一周了。"
    assert complaint.received_by == cast.specialist
    call.member.refresh_from_db()
    assert call.member.first_contact_at == local(2026, 11, 25, 15, 0)
    summary = campaign_summary(call.campaign)
    assert summary["calls"] == summary["done"] == summary["not_satisfied"] == 1
    assert summary["complaints"] == 1 and summary["coverage"] == 100
    assert str(summary["average_score"]) == "2.00"


def test_a_satisfied_answer_opens_nothing(cast):
    call = _call(cast)
    with clock.travel(local(2026, 11, 25, 15, 0)):
        done = services.call_record(
            actor=cast.specialist,
            call=call,
            version=call.version,
            reached=True,
            outcome="satisfied",
            score=5,
        )
    assert done.complaint is None and Complaint.objects.count() == 0


def test_a_member_not_reached_three_times_is_unreachable(cast):
    call = _call(cast)
    with clock.travel(local(2026, 11, 25, 15, 0)):
        for attempt in (1, 2):
            call = services.call_record(
                actor=cast.specialist, call=call, version=call.version, reached=False
            )
            assert (call.status, call.attempts) == ("due", attempt)
        call = services.call_record(
            actor=cast.specialist, call=call, version=call.version, reached=False
        )
        assert (call.status, call.attempts) == ("unreachable", 3)
        with pytest.raises(InvalidTransition):
            services.call_record(
                actor=cast.specialist, call=call, version=call.version, reached=False
            )
    summary = campaign_summary(call.campaign)
    assert summary["unreachable"] == 1 and summary["coverage"] == 0


def test_a_stale_call_is_refused_and_nothing_is_written(cast):
    call = _call(cast)
    with clock.travel(local(2026, 11, 25, 15, 0)):
        services.call_record(actor=cast.specialist, call=call, version=call.version, reached=False)
        with pytest.raises(StaleVersion):
            services.call_record(
                actor=cast.specialist2,
                call=call,
                version=call.version,
                reached=True,
                outcome="not_satisfied",
            )
    assert Complaint.objects.count() == 0
    call.refresh_from_db()
    assert call.attempts == 1


def test_another_gyms_staff_may_not_record_the_call(cast):
    call = _call(cast)
    with pytest.raises(PermissionDenied):
        services.call_record(actor=cast.outsider, call=call, version=call.version, reached=False)
    with pytest.raises(PermissionDenied):
        services.call_record(actor=cast.coach, call=call, version=call.version, reached=False)


def test_an_outcome_is_required_when_the_member_answered(cast):
    call = _call(cast)
    with pytest.raises(InvalidInput) as refused:
        services.call_record(actor=cast.specialist, call=call, version=call.version, reached=True)
    assert refused.value.code == "outcome_required"


def test_a_campaign_is_saved_version_checked_and_scoped(cast):
    c = campaign(cast, due_days=2)
    assert (c.due_days, c.status, c.created_by) == (2, "running", cast.manager)
    updated = services.campaign_save(
        actor=cast.manager,
        venue=cast.gym,
        campaign=c,
        version=c.version,
        data={**_data(c), "name": "新会员回访"},
    )
    assert updated.version == c.version + 1
    with pytest.raises(StaleVersion):
        services.campaign_save(
            actor=cast.manager, venue=cast.gym, campaign=c, version=c.version, data=_data(c)
        )
    with pytest.raises(PermissionDenied):
        services.campaign_save(actor=cast.outsider, venue=cast.gym, data=_data(c))
    with pytest.raises(InvalidInput) as refused:
        services.campaign_save(
            actor=cast.manager, venue=cast.gym, data={**_data(c), "ends_on": "2026-10-01"}
        )
    assert refused.value.code == "ends_before_start"


def _data(c):
    return {
        "name": c.name,
        "trigger": c.trigger,
        "due_days": c.due_days,
        "starts_on": c.starts_on,
        "greeting": c.greeting,
        "satisfied_script": c.satisfied_script,
        "unsatisfied_script": c.unsatisfied_script,
        "closing": c.closing,
    }


def test_the_quiet_hours_of_a_member_are_kept_as_entered(cast):
    m = joined(cast)
    assert (m.quiet_from, m.quiet_to) == (time(21), time(9))


def test_campaigns_and_care_rules_are_the_managers(cast):
    c = campaign(cast)
    with pytest.raises(PermissionDenied):
        services.campaign_save(actor=cast.specialist, venue=cast.gym, data=_data(c))
    with pytest.raises(PermissionDenied):
        services.campaign_finish(actor=cast.specialist, campaign=c, version=c.version)
    with pytest.raises(PermissionDenied):
        services.care_rule_save(
            actor=cast.specialist,
            venue=cast.gym,
            data={"kind": "birthday", "message_zh": "生日快乐", "message_en": "Happy birthday"},
        )
    finished = services.campaign_finish(actor=cast.director, campaign=c, version=c.version)
    assert finished.status == "finished"


def test_a_campaign_calls_within_one_to_three_days_only(cast):
    """The issue says a revisit call is due within 3 days: 4 (or 60) days is refused."""
    c = campaign(cast, due_days=3)
    for days in (0, 4, 60):
        with pytest.raises(InvalidInput) as refused:
            services.campaign_save(
                actor=cast.manager, venue=cast.gym, data={**_data(c), "due_days": days}
            )
        assert refused.value.code == "due_days_out_of_range"
        assert "1" in str(refused.value) and "3" in str(refused.value)


def test_an_empty_trigger_key_is_a_programming_error(cast):
    campaign(cast)
    with pytest.raises(ValueError):
        services.campaign_trigger(
            venue=cast.gym,
            trigger=T.JOINING,
            member=joined(cast),
            at=local(2026, 11, 23, 10, 0),
            key="",
        )
