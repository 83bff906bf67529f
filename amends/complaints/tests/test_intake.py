"""Recording a complaint: reference, routing, acknowledgement, validation."""

import pytest

from amends.complaints import services
from amends.complaints.models import Complaint, ComplaintEvent
from amends.conftest import local
from amends.core import clock
from amends.core.errors import InvalidInput, PermissionDenied
from amends.members.models import Customer
from amends.notifications.models import Outbox


def test_it_gives_each_complaint_a_readable_reference_by_the_venues_local_day(cast):
    with clock.travel(local(2026, 11, 20, 23, 30)):
        first = cast.receive()
        second = cast.receive()
    with clock.travel(local(2026, 11, 21, 1, 0)):  # still 20 November in UTC
        third = cast.receive()
        hotel = cast.receive(venue=cast.hotel, actor=cast.director)  # each venue counts its own
    assert [first.reference, second.reference, third.reference] == [
        "GYM1-20261120-0001",
        "GYM1-20261120-0002",
        "GYM1-20261121-0001",
    ]
    assert hotel.reference == "HTL1-20261121-0001"


def test_it_tells_the_customer_the_reference_and_when_they_will_hear_back(cast):
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = cast.receive(severity="important")
    ack = Outbox.objects.get(complaint_id=c.pk, kind="acknowledgement")
    assert ack.channel == "sms" and ack.recipient_address == "+8613800138000"
    assert ack.body.split("\n\n")[0] == (
        "感谢您向我们反映情况。静安健身会所已受理您的投诉，投诉编号为 GYM1-20261120-0001。"
        "我们将于 2026-11-20 22:00 前给您答复。"
    )
    assert ack.language == "zh-hans"
    assert ack.subject == f"您的投诉已受理（投诉编号：{c.reference}）"


def test_it_answers_in_english_to_an_english_complaint(cast):
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = cast.receive(
            language="en",
            description="The treadmill belt slipped and I fell.",
            channel="email",
            severity="important",
        )
    ack = Outbox.objects.get(complaint_id=c.pk, kind="acknowledgement")
    assert (ack.channel, ack.recipient_address) == ("email", "wang.fang@example.com")
    assert ack.language == "en"
    assert ack.subject == "We have received your complaint GYM1-20261120-0001"
    assert ack.body.split("\n\n")[0] == (
        "Thank you for telling us. 静安健身会所 has recorded your complaint as "
        "GYM1-20261120-0001. We will reply by 2026-11-20 22:00."
    )


def test_it_routes_by_category_to_the_owning_department(cast):
    equipment = cast.receive(category="facility_equipment")
    classes = cast.receive(category="class_schedule")
    quality = cast.receive(category="service_quality")
    assert (equipment.department.code, equipment.assignee) == ("maintenance", cast.maintenance)
    assert (classes.department.code, classes.assignee) == ("courses", cast.courses)
    assert (quality.department.code, quality.assignee) == ("customer_service", cast.manager)


def test_it_balances_a_team_by_open_workload(cast):
    assigned = [cast.receive().assignee for _ in range(4)]
    assert assigned == [cast.specialist, cast.specialist2, cast.specialist, cast.specialist2]


def test_it_never_assigns_a_complaint_to_the_person_it_is_about(cast):
    c = cast.receive(subject_staff=cast.specialist)
    assert c.assignee == cast.specialist2
    with pytest.raises(InvalidInput) as refused:
        services.complaint_assign(complaint=c, actor=cast.manager, assignee=cast.specialist)
    assert refused.value.code == "assignee_is_subject"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"description": "   "}, "invalid_intake"),
        ({"phone": "12345"}, "invalid_phone"),
        ({"email": "not-an-email"}, "invalid_email"),
        ({"channel": "carrier_pigeon"}, "invalid_intake"),
        ({"customer_name": "", "phone": "", "email": ""}, "customer_required"),
    ],
)
def test_it_refuses_bad_intake_and_writes_nothing(cast, fields, code):
    with pytest.raises(InvalidInput) as refused:
        cast.receive(**fields)
    assert refused.value.code == code
    assert not Complaint.objects.exists() and not Customer.objects.exists()
    assert not Outbox.objects.exists() and not ComplaintEvent.objects.exists()


def test_it_lets_only_staff_of_the_venue_record_complaints(cast):
    with pytest.raises(PermissionDenied):
        cast.receive(actor=cast.auditor)
    with pytest.raises(PermissionDenied):
        cast.receive(actor=cast.outsider)
    with pytest.raises(PermissionDenied):
        cast.receive(actor=cast.stranger)
    assert cast.receive(actor=cast.coach).received_by == cast.coach
