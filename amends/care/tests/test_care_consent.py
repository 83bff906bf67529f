"""Consent withdrawn at the Jing'an gym: Chen Jing asked on 20 November 2026 to withdraw her
consent (a data-subject request of kind withdrawal, completed by the privacy officer). The
renewal reminder due for her on 23 November is recorded as opted out — whatever the channel —
and nothing is queued to her; another member's reminder still goes."""

from __future__ import annotations

from datetime import date

from amends.care.models import CareMessage
from amends.care.services import care_run
from amends.care.tests.stories import member, rule
from amends.conftest import local
from amends.core import clock
from amends.notifications.models import Outbox
from amends.orgs.roles import Role
from amends.orgs.services import role_grant, staff_create
from amends.privacy import requests
from amends.privacy.models import DataSubjectRequest

R = DataSubjectRequest
PHONE = "13900007777"


def _withdraw(cast, phone: str, *, complete: bool = True) -> DataSubjectRequest:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        officer = staff_create(
            company=cast.company, username="officer", password="amends-test", display_name="O"
        )
        role_grant(user=officer, role=Role.PRIVACY_OFFICER, venue=None)
        row = requests.request_receive(
            actor=cast.desk,
            kind=R.Kind.WITHDRAWAL,
            contact=phone,
            details="不再接收关怀短信",
            identity_method=R.Identity.ID_DOCUMENT,
            identity_note="身份证核对",
        )
        if complete:
            row = requests.request_complete(
                actor=officer, request=row, outcome="已撤回同意", version=row.version
            )
    return row


def test_a_member_who_withdrew_consent_gets_no_care_message_on_any_channel(cast):
    rule(cast, "renewal")
    rule(cast, "birthday", channel="email")
    member(
        cast,
        "CHEN",
        phone=PHONE,
        email="chen@example.com",
        expires_on=date(2026, 11, 24),
        birthday="1990-11-23",
    )
    member(cast, "LI", expires_on=date(2026, 11, 24))
    assert _withdraw(cast, PHONE).status == R.Status.DONE
    counts = care_run(venue=cast.gym, now=local(2026, 11, 23, 10, 0))
    assert counts == {"queued": 1, "opted_out": 2, "no_contact": 0}
    chen = CareMessage.objects.filter(member__number="CHEN")
    assert sorted(chen.values_list("channel", "status")) == [
        ("email", "opted_out"),
        ("sms", "opted_out"),
    ]
    assert not Outbox.objects.filter(reference="GYM1:CHEN").exists()
    assert Outbox.objects.filter(reference="GYM1:LI").count() == 1


def test_a_withdrawal_not_completed_yet_stops_nothing(cast):
    rule(cast, "renewal")
    member(cast, "CHEN", phone=PHONE, expires_on=date(2026, 11, 24))
    assert _withdraw(cast, PHONE, complete=False).status != R.Status.DONE
    assert care_run(venue=cast.gym, now=local(2026, 11, 23, 10, 0))["queued"] == 1
