"""The demo's member care, built on the test cast at the Jing'an gym on 1 December 2026: the
specialists have member books and calls due today, the campaign has done calls and one unhappy
answer that opened a complaint, care messages were sent, points moved, coaches were rated."""

from __future__ import annotations

from datetime import date

from amends.care.models import CampaignCall, CareMessage, CoachFeedback, PointsMovement
from amends.care.selectors import calls_due, campaign_summary, first_contact_overdue, member_book
from amends.conftest import local
from amends.core import clock
from amends.demo import care
from amends.members.models import Member
from amends.notifications.models import Outbox


def test_the_demo_builds_member_care_through_the_services(cast):
    now = local(2026, 12, 1, 10, 45)
    with clock.travel(now):
        built = care.build(company=cast.company, venues=[cast.gym, cast.gym2, cast.hotel], now=now)
    # The second gym's only specialist is the outsider (with a manager role): it has members too.
    assert built.members == Member.objects.count() >= 30
    assert built.complaints >= 1
    assert built.calls["done"] >= 2 and built.calls["due"] >= 2
    assert CampaignCall.objects.filter(complaint__isnull=False).exists()
    assert CareMessage.objects.filter(status="queued").exists()
    assert CareMessage.objects.filter(status="opted_out").exists()
    # Made-up members: nothing of theirs is ever sent.
    assert not Outbox.objects.filter(kind="care").exclude(status="cancelled").exists()
    assert PointsMovement.objects.filter(delta__lt=0).exists()
    assert CoachFeedback.objects.filter(coach=cast.coach).count() == 6
    assert Member.objects.filter(venue=cast.hotel).count() == 0
    with clock.travel(now):
        assert member_book(cast.specialist).exists() and member_book(cast.specialist2).exists()
        due_today = calls_due(cast.specialist, day=date(2026, 12, 1)) + calls_due(
            cast.specialist2, day=date(2026, 12, 1)
        )
        assert due_today
        assert first_contact_overdue(cast.manager).exists()
    summary = campaign_summary(CampaignCall.objects.filter(member__venue=cast.gym)[0].campaign)
    assert summary["complaints"] == 1 and summary["not_satisfied"] == 1
