"""A member asks for their data, then for its erasure: care exports what it keeps about them
(the calls with their notes, care messages, points, feedback on coaches) and erases the free
text, unties the feedback and cancels what would still reach them."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

from amends.care import services
from amends.care.models import CampaignCall, CoachFeedback, PointsMovement
from amends.care.privacy import care_erase, care_export, register
from amends.care.tests.stories import campaign, member, rule
from amends.conftest import local
from amends.core import clock
from amends.members.models import Member
from amends.notifications.models import Outbox
from amends.orgs.roles import Role
from amends.orgs.services import role_grant, staff_create
from amends.privacy import registry, requests
from amends.privacy.models import DataSubjectRequest


def story(cast):
    campaign(cast)
    m = member(cast, "P1", expires_on=date(2026, 11, 24), quiet_from="21:00", quiet_to="09:00")
    m = services.specialist_assign(member=m, specialist=cast.specialist, now=clock.now())
    m = services.record_contact(
        actor=cast.specialist, member=m, version=m.version, note="首次联系：想练瑜伽"
    )
    first = services.campaign_trigger(
        venue=cast.gym, trigger="joining", member=m, at=local(2026, 11, 20, 10, 0), key="a"
    )
    services.campaign_trigger(
        venue=cast.gym, trigger="joining", member=m, at=local(2026, 11, 21, 10, 0), key="b"
    )
    with clock.travel(local(2026, 11, 22, 10, 0)):
        services.call_record(
            actor=cast.specialist,
            call=first,
            version=1,
            reached=True,
            outcome="satisfied",
            score=5,
            notes="她说女儿也想来办卡",
        )
        services.points_move(
            actor=cast.specialist, member=m, delta=100, reason="referral", note="介绍了邻居张姐"
        )
        services.coach_feedback_record(
            actor=cast.specialist,
            venue=cast.gym,
            coach=cast.coach,
            score=4,
            member=m,
            comment="王教练很耐心",
        )
    rule(cast, "renewal")
    services.care_run(venue=cast.gym, now=local(2026, 11, 23, 10, 0))
    return m


def test_care_exports_what_it_keeps_about_the_member(cast):
    m = story(cast)
    tables = care_export(m.customer)
    assert tables["care_members"][0]["membership"] == "GYM1:P1"
    assert tables["care_members"][0]["quiet_from"] == "21:00:00"
    assert tables["care_members"][0]["first_contact_note"] == "首次联系：想练瑜伽"
    assert [c["notes"] for c in tables["care_calls"]] == ["她说女儿也想来办卡", ""]
    assert tables["care_messages"][0]["kind"] == "renewal"
    assert tables["points"][0]["note"] == "介绍了邻居张姐"
    assert tables["coach_feedback"][0]["comment"] == "王教练很耐心"
    # Another customer's export holds none of it.
    other = member(cast, "P2")
    assert all(
        rows == [] for key, rows in care_export(other.customer).items() if key != "care_members"
    )


def test_care_erases_the_free_text_and_what_would_still_reach_them(cast):
    m = story(cast)
    counts = care_erase(m.customer, local(2026, 11, 24, 9, 0))
    assert counts == {
        "calls_cancelled": 1,
        "call_notes": 1,
        "points_notes": 1,
        "coach_feedback": 1,
        "quiet_hours": 1,
        "contact_notes": 1,
        "care_messages": 1,
    }
    assert set(CampaignCall.objects.values_list("status", "notes")) == {
        ("done", ""),
        ("cancelled", ""),
    }
    feedback = CoachFeedback.objects.get()
    assert (feedback.member, feedback.comment, feedback.score) == (None, "", 4)
    sms = Outbox.objects.get(kind="care")
    assert (sms.status, sms.body, sms.recipient_address) == ("cancelled", "", "")
    tables = care_export(m.customer)
    assert tables["care_members"][0]["quiet_from"] == "" and tables["coach_feedback"] == []
    assert tables["care_members"][0]["first_contact_note"] == ""


def test_it_registers_with_the_registry_it_is_given(cast):
    seen = {}

    class Registry:
        def register(self, name, *, export, erase, order):
            seen.update(name=name, export=export, erase=erase, order=order)

    register(Registry())
    assert seen == {"name": "care", "export": care_export, "erase": care_erase, "order": 500}


def test_a_data_subject_request_exports_and_erases_the_care_data_through_the_registry(cast):
    """End to end through amends.privacy: the registry holds care's provider (registered by
    CareConfig.ready); the export request's zip carries care's tables with the call notes; the
    deletion request erases them — notes gone, the call's outcome and score and the coach's
    score kept for the reports."""
    m = story(cast)
    assert "care" in [p.name for p in registry.providers()]
    with clock.travel(local(2026, 11, 24, 9, 0)):
        officer = staff_create(
            company=cast.company, username="officer", password="amends-test", display_name="O"
        )
        role_grant(user=officer, role=Role.PRIVACY_OFFICER, venue=None)
        phone = m.customer.phone

        def receive(kind):
            return requests.request_receive(
                actor=cast.desk,
                kind=kind,
                contact=phone,
                identity_method=DataSubjectRequest.Identity.ID_DOCUMENT,
                identity_note="身份证核对",
            )

        asked = receive(DataSubjectRequest.Kind.EXPORT)
        _name, data = requests.request_export(actor=officer, request=asked, version=asked.version)
        everything = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("data.json"))
        assert [c["notes"] for c in everything["care"]["care_calls"]] == ["她说女儿也想来办卡", ""]
        assert everything["care"]["points"][0]["note"] == "介绍了邻居张姐"
        erase = receive(DataSubjectRequest.Kind.DELETION)
        done = requests.request_erase(actor=officer, request=erase, version=erase.version)
    assert done.status == DataSubjectRequest.Status.DONE
    calls = CampaignCall.objects.filter(member=m).order_by("pk")
    assert [(c.notes, c.outcome, c.score) for c in calls] == [
        ("", "satisfied", 5),
        ("", "", None),
    ]
    assert CoachFeedback.objects.get().score == 4
    assert not CoachFeedback.objects.exclude(comment="").exists()
    assert Member.objects.get(pk=m.pk).first_contact_note == ""
    assert PointsMovement.objects.get(member=m).note == ""
