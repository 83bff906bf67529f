"""A member's contact shown on the care pages is in the access log, as a complaint's is: the
auditor who searches by the phone number finds who looked and why."""

from __future__ import annotations

from amends.care import services as care
from amends.care.tests.stories import member
from amends.conftest import local
from amends.core import clock
from amends.privacy.models import AccessLog
from amends.privacy.registry import providers


def test_the_specialist_who_saw_a_members_phone_is_in_the_access_log(cast):
    wang = member(cast, "M-0042", phone="13900004242")
    assert AccessLog.objects.count() == 0
    with clock.travel(local(2026, 11, 24, 15, 30)):
        card = care.member_reveal_contact(actor=cast.specialist, member=wang)
    assert "13900004242" in str(card)
    [row] = AccessLog.objects.all()
    assert row.actor == cast.specialist
    assert row.customer_id == wang.customer_id
    assert row.at == local(2026, 11, 24, 15, 30)
    assert "M-0042" in row.why
    assert row.phone_index == wang.customer.phone_index != ""


def test_a_data_subject_request_covers_member_care():
    assert "care" in [p.name for p in providers()]
