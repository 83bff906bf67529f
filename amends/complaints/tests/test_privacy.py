"""Personal data: encrypted at rest, found by blind index, masked unless allowed, every reveal
audited; and scoping: a person sees only what their roles reach."""

import pytest
from django.db import connection

from amends.complaints import selectors, services
from amends.complaints.models import ComplaintEvent
from amends.complaints.tests.stories import drive, received
from amends.complaints.transitions import State
from amends.core.errors import NotFound, PermissionDenied

S = State


def raw(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


def test_it_stores_no_personal_field_in_clear(cast):
    c = cast.receive(channel="email")
    drive(cast, S.CLOSED, complaint=None)
    stored = raw("select name, phone, email, phone_index, email_index from members_customer")
    stored += raw("select recipient_address, body, subject from notifications_outbox")
    stored += raw("select data from complaints_complaintevent")
    for clear in ("13800138000", "王芳", "wang.fang@example.com", "13912345678", "李娜"):
        assert clear not in stored
    assert c.customer.phone == "+8613800138000"


def test_it_finds_every_complaint_from_a_phone_without_decrypting_the_table(cast):
    first = cast.receive(phone="138 0013 8000")
    second = cast.receive(phone="+86 138-0013-8000", channel="phone")
    other = cast.receive(phone="13700137000", email="someone.else@example.com")
    found = set(selectors.complaints_by_phone(actor=cast.specialist, phone="13800138000"))
    assert found == {first, second}
    assert first.customer == second.customer != other.customer
    assert set(selectors.open_duplicates_for_phone(actor=cast.desk, phone="+8613800138000")) == {
        first,
        second,
    }


def test_it_masks_the_customer_and_audits_every_reveal(cast):
    c = cast.receive(category="facility_equipment")
    masked = selectors.complaint_contact_masked(actor=cast.maintenance, complaint=c)
    assert (masked.name, masked.phone, masked.email) == ("王*", "138****8000", "w***@example.com")
    with pytest.raises(PermissionDenied):
        services.complaint_reveal_contact(complaint=c, actor=cast.maintenance)
    assert not ComplaintEvent.objects.filter(complaint=c, kind="personal_data_viewed").exists()
    card = services.complaint_reveal_contact(complaint=c, actor=cast.specialist)
    assert card.phone == "+8613800138000" and not card.masked
    viewed = ComplaintEvent.objects.get(complaint=c, kind="personal_data_viewed")
    assert viewed.actor == cast.specialist
    with pytest.raises(NotFound):
        services.complaint_reveal_contact(complaint=c, actor=cast.stranger)


def test_it_shows_each_person_only_what_their_roles_reach(cast):
    equipment = cast.receive(category="facility_equipment")
    service = cast.receive(category="service_quality")
    elsewhere = cast.receive(actor=cast.outsider, venue=cast.gym2)

    def seen(who):
        return set(selectors.complaints_for_actor(actor=getattr(cast, who)))

    assert seen("desk") == seen("specialist") == seen("manager") == {equipment, service}
    assert seen("director") == seen("auditor") == {equipment, service, elsewhere}
    assert seen("outsider") == {elsewhere}
    assert seen("maintenance") == {equipment}
    assert seen("courses") == set()
    assert seen("coach") == set()
    assert seen("stranger") == set()
    with pytest.raises(NotFound):
        selectors.complaint_get_for_actor(actor=cast.outsider, reference=service.reference)


def test_it_lets_the_revisitor_see_the_complaint_they_must_call_back(cast):
    c = received(cast, subject_staff=cast.specialist2)
    c = drive(cast, S.FEEDBACK_GIVEN, complaint=c)
    revisitor = c.revisits.get().assignee
    assert c in selectors.complaints_for_actor(actor=revisitor)
