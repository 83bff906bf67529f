"""At the Jing'an gym in late November 2026: a member entered a few days after they started
still gets the joining call (once, whether the triggers job also sees them or not), and two
people adding the same membership number or the same kind of care rule at once get a message,
not an error page."""

from __future__ import annotations

from unittest import mock

import pytest

from amends.care import services
from amends.care.jobs import triggers
from amends.care.models import CareRule, RevisitCampaign
from amends.care.tests.stories import campaign, member
from amends.conftest import local
from amends.core import clock
from amends.core.errors import InvalidInput
from amends.members.models import Member

T = RevisitCampaign.Trigger


def test_a_member_entered_three_days_after_starting_gets_the_joining_call_once(cast):
    """Started Friday 20 November, entered Monday 23 November at 10:00: the job (today or
    yesterday only) would never see them; the save gives the call, due Thursday 26 at 10:00."""
    c = campaign(cast)
    with clock.travel(local(2026, 11, 23, 10, 0)):
        m = services.member_save(
            actor=cast.specialist,
            venue=cast.gym,
            data={
                "number": "J1",
                "name": "赵敏",
                "phone": "13900009991",
                "starts_on": "2026-11-20",
            },
        )
    call = c.calls.get(member=m)
    assert (call.trigger_key, call.due_at) == ("joining:2026-11-20", local(2026, 11, 26, 10, 0))
    # Entered on the day they start: the save and the job name the same happening.
    with clock.travel(local(2026, 11, 23, 11, 0)):
        today = services.member_save(
            actor=cast.specialist,
            venue=cast.gym,
            data={
                "number": "J2",
                "name": "周芷若",
                "phone": "13900009992",
                "starts_on": "2026-11-23",
            },
        )
    assert triggers(now=local(2026, 11, 23, 11, 15))["joining"] == 0
    assert c.calls.filter(member=today).count() == 1
    # An old member entered now (started in January) and one starting next month: no call.
    member(cast, "OLD1")
    with clock.travel(local(2026, 11, 23, 12, 0)):
        services.member_save(
            actor=cast.specialist,
            venue=cast.gym,
            data={
                "number": "J3",
                "name": "张无忌",
                "phone": "13900009993",
                "starts_on": "2026-12-01",
            },
        )
    assert c.calls.count() == 2


def test_two_people_adding_the_same_number_at_once_get_a_message(cast):
    member(cast, "R1")
    real_filter = Member.objects.filter

    def nothing_yet(*args, **kwargs):  # the other person's row is not visible yet
        return (
            Member.objects.none() if kwargs.get("number") == "R1" else real_filter(*args, **kwargs)
        )

    with (
        mock.patch.object(Member.objects, "filter", side_effect=nothing_yet),
        pytest.raises(InvalidInput) as refused,
    ):
        services.member_save(
            actor=cast.specialist,
            venue=cast.gym,
            data={"number": "R1", "name": "第二个", "phone": "13900009994"},
        )
    assert refused.value.code == "member_taken"
    assert Member.objects.filter(venue=cast.gym, number="R1").count() == 1


def test_two_managers_adding_the_same_kind_of_rule_at_once_get_a_message(cast):
    data = {"kind": "birthday", "message_zh": "生日快乐", "message_en": "Happy birthday"}
    services.care_rule_save(actor=cast.manager, venue=cast.gym, data=data)
    with (
        mock.patch.object(
            CareRule.objects, "filter", side_effect=lambda *a, **k: CareRule.objects.none()
        ),
        pytest.raises(InvalidInput) as refused,
    ):
        services.care_rule_save(actor=cast.manager, venue=cast.gym, data=data)
    assert refused.value.code == "care_rule_exists"
    assert CareRule.objects.filter(venue=cast.gym, kind="birthday").count() == 1
