"""Requests the customers file themselves on the tracking page, requests that cover every
customer row of one person, and privacy dates read in the company's time zone, each staff
message in its reader's language.

The story: 李娜 complained at GYM1 on 13 March 2026. Signed in on the tracking page at 07:30
Beijing time on 14 March (still 13 March in UTC), she asks for her data to be deleted. The
request is due 15 calendar days later, 29 March 07:30 in Asia/Shanghai — 28 March in UTC, which
is what amends must never print.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.utils import translation

from amends.complaints.models import Complaint
from amends.complaints.tests.stories import S, drive, received
from amends.conftest import Cast, local
from amends.core import clock
from amends.core.errors import InvalidInput, PermissionDenied
from amends.core.principals import Principal
from amends.members.models import Customer
from amends.notifications.models import Outbox
from amends.orgs.models import User
from amends.privacy import clocks, requests
from amends.privacy.models import DataSubjectRequest, PurgeRecord

R = DataSubjectRequest
PHONE = "13912345678"
FILED = local(2026, 3, 14, 7, 30)


def complained(cast: Cast, **fields: object) -> Complaint:
    """李娜's complaint at GYM1 on 13 March 2026, closed the same day."""
    with clock.travel(local(2026, 3, 13, 15, 0)):
        c = received(cast, phone=PHONE, customer_name="李娜", **fields)
        return drive(cast, S.CLOSED, complaint=Complaint.objects.get(pk=c.pk))


def signed_in(complaint: Complaint) -> Principal:
    """The customer as the tracking page holds her once her code is right."""
    assert complaint.customer_id is not None
    return Principal.customer(customer_id=complaint.customer_id, company_id=complaint.company_id)


def file(
    principal: Principal, kind: str, details: str = "", via: str = "phone"
) -> tuple[DataSubjectRequest, bool]:
    """Filed signed in with a code sent to her phone (or, `via="email"`, to her email)."""
    with clock.travel(FILED):
        return requests.request_from_customer(
            principal=principal, via=via, kind=kind, details=details
        )


def speaks(user: User, language: str) -> User:
    user.language = language
    user.save(update_fields=["language"])
    return user


def imported_twin(cast: Cast, *, phone: str = "", email: str = "") -> Customer:
    """A second row for the same person, as an import made before customers were matched by
    phone (the intake service itself reuses the row with the phone)."""
    from amends.core import pii
    from amends.members.services import email_index, phone_index

    e164 = pii.normalize_phone(phone) if phone else ""
    return Customer.objects.create(
        company=cast.company,
        name="李娜",
        phone=e164,
        phone_index=phone_index(e164),
        email=email,
        email_index=email_index(email),
    )


def test_a_member_files_a_deletion_due_fifteen_days_later_in_shanghai_time(cast, officer):
    complaint = complained(cast)
    speaks(officer, "en")

    row, new = file(signed_in(complaint), R.Kind.DELETION, "请删除我的全部资料")

    assert new and row.received_by is None and row.received_at == FILED
    assert row.customer_id == complaint.customer_id and row.owner == officer
    assert (row.status, row.identity_method) == (R.Status.VERIFIED, R.Identity.CODE)
    assert row.identity_checked_by is None and row.contact_masked == "139****5678"
    assert row.due_at == local(2026, 3, 29, 7, 30)
    assert requests.local(row.due_at, row.company_id) == "2026-03-29 07:30"
    # The officer is told like of any request, in English (their language), in Shanghai time.
    told = Outbox.objects.get(kind=Outbox.Kind.ASSIGNMENT, recipient_user=officer)
    assert told.language == "en"
    assert told.subject == f"New data-subject request DSR-{row.pk} (Deletion), due 2026-03-29 07:30"
    assert told.body == "The customer filed it on the tracking page."


def test_a_staff_recorded_request_tells_the_officer_too(cast, officer):
    complained(cast)
    speaks(officer, "en")
    with clock.travel(FILED):
        row = requests.request_receive(actor=cast.desk, kind=R.Kind.ACCESS, contact=PHONE)

    told = Outbox.objects.get(kind=Outbox.Kind.ASSIGNMENT, recipient_user=officer)
    assert told.body == f"Recorded by {cast.desk.name_in('en')}."
    assert row.received_by == cast.desk and row.status == R.Status.RECEIVED


def test_a_double_submit_shows_the_open_request_instead_of_a_second(cast, officer):
    complaint = complained(cast)
    first, new = file(signed_in(complaint), R.Kind.EXPORT)

    again, made = file(signed_in(complaint), R.Kind.EXPORT)
    other, other_new = file(signed_in(complaint), R.Kind.CORRECTION, "名字写错了")

    assert new and not made and again.pk == first.pk
    assert other_new and other.pk != first.pk
    assert R.objects.filter(kind=R.Kind.EXPORT).count() == 1
    assert Outbox.objects.filter(recipient_user=officer).count() == 2
    # Once the first is answered, the customer may ask again.
    with clock.travel(FILED):
        requests.request_refuse(actor=officer, request=first, reason="重复", version=first.version)
    third, third_new = file(signed_in(complaint), R.Kind.EXPORT)
    assert third_new and third.pk != first.pk


def test_the_customer_is_refused_bad_input_and_a_complaint_link(cast, officer):
    complaint = complained(cast)
    principal = signed_in(complaint)
    by_link = Principal.customer(
        customer_id=principal.ref or 0, company_id=complaint.company_id, complaint_id=complaint.pk
    )

    with pytest.raises(InvalidInput) as bad_kind:
        file(principal, "everything")
    with pytest.raises(InvalidInput) as too_long:
        file(principal, R.Kind.CORRECTION, "长" * 4001)
    with pytest.raises(InvalidInput):
        file(principal, R.Kind.CORRECTION, "a\x00b")
    with pytest.raises(PermissionDenied):
        file(by_link, R.Kind.DELETION)
    with pytest.raises(PermissionDenied):
        file(Principal.staff(cast.desk), R.Kind.DELETION)

    assert bad_kind.value.code == "bad_kind" and too_long.value.code == "too_long"
    assert not R.objects.exists() and not Outbox.objects.filter(recipient_user=officer).exists()


def test_a_request_covers_every_customer_row_with_the_phone_or_the_email(cast, officer):
    """李娜 has three rows: the one her complaint made (phone and email), an imported one
    with the same phone, an imported one with the same email. Her code proves one contact: a
    request filed with a code sent to her phone covers the rows with that phone, one filed with a
    code sent to her email the rows with that email; the two deletions erase all three; a
    stranger's row is untouched."""
    complaint = complained(cast, email="lina@example.com")
    by_phone = imported_twin(cast, phone=PHONE)
    by_email = imported_twin(cast, email="lina@example.com")
    stranger = imported_twin(cast, phone="13700001234")
    with clock.travel(local(2026, 3, 13, 16, 0)):
        twin_complaint = received(cast, phone="13700001234", description="别人的投诉")

    found = requests.customers_by_contact(cast.company.pk, "139 1234 5678")
    assert [c.pk for c in found] == [complaint.customer_id, by_phone.pk]
    assert requests.customers_by_contact(cast.company.pk, "nobody@example.com") == []

    export, _new = file(signed_in(complaint), R.Kind.EXPORT)
    assert {c.pk for c in requests.customers_of(export)} == {complaint.customer_id, by_phone.pk}
    by_mail, _new = file(signed_in(complaint), R.Kind.ACCESS, via="email")
    assert {c.pk for c in requests.customers_of(by_mail)} == {complaint.customer_id, by_email.pk}
    with clock.travel(FILED):
        _name, data = requests.request_export(actor=officer, request=export, version=1)
    everything = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("data.json"))
    rows = everything["members"]["customer"]
    assert len(rows) == 2 and "13700001234" not in json.dumps(everything)

    deletions = [
        file(signed_in(complaint), R.Kind.DELETION, via=via)[0] for via in ("phone", "email")
    ]
    with clock.travel(FILED):
        for deletion in deletions:
            done = requests.request_erase(actor=officer, request=deletion, version=deletion.version)
            assert done.status == R.Status.DONE, done.refusal_reason
    for person in (complaint.customer_id, by_phone.pk, by_email.pk):
        erased = Customer.objects.get(pk=person)
        assert (erased.phone, erased.email, erased.phone_index, erased.email_index) == (
            "",
            "",
            "",
            "",
        )
    # Two rows each: her own row is in both (already blank the second time).
    assert [PurgeRecord.objects.filter(request=row).count() for row in deletions] == [2, 2]
    assert Customer.objects.get(pk=stranger.pk).phone == "+8613700001234"
    assert Complaint.objects.get(pk=twin_complaint.pk).description == "别人的投诉"


def test_the_clock_speaks_to_each_recipient_in_their_language_in_shanghai_time(cast, officer):
    complaint = complained(cast)
    speaks(officer, "en")
    speaks(cast.director, "zh-hans")
    row, _new = file(signed_in(complaint), R.Kind.ACCESS)

    with translation.override("zh-hans"):  # the job's own language is not the readers'
        assert clocks.requests_tick(now=local(2026, 3, 27, 8, 0))["request_reminders"] == 1
        assert clocks.requests_tick(now=local(2026, 3, 29, 8, 0))["request_escalations"] == 1

    reminder = Outbox.objects.get(kind=Outbox.Kind.REMINDER, recipient_user=officer)
    assert reminder.subject == f"Data-subject request DSR-{row.pk} is due 2026-03-29"
    late = Outbox.objects.get(kind=Outbox.Kind.ESCALATION, recipient_user=officer)
    assert late.body == "It was due 2026-03-29 07:30."
    to_director = Outbox.objects.get(kind=Outbox.Kind.ESCALATION, recipient_user=cast.director)
    with translation.override("zh-hans"):
        expected = translation.gettext("It was due %(due)s.") % {"due": "2026-03-29 07:30"}
    assert to_director.body == expected and to_director.language == "zh-hans"


def test_a_company_abroad_reads_its_dates_in_its_own_zone(cast, officer):
    for venue in (cast.gym, cast.gym2, cast.hotel):
        venue.timezone = "Europe/Berlin"
        venue.save(update_fields=["timezone"])
    complaint = complained(cast)
    speaks(officer, "en")

    row, _new = file(signed_in(complaint), R.Kind.ACCESS)

    # Filed 14 March 07:30 in Shanghai: 00:30 in Berlin. Due 15 days later, 28 March 23:30
    # UTC: 29 March 00:30 in Berlin (summer time starts only at 01:00 UTC that night).
    assert requests.local(row.due_at, row.company_id) == "2026-03-29 00:30"
    told = Outbox.objects.get(kind=Outbox.Kind.ASSIGNMENT, recipient_user=officer)
    assert told.subject.endswith("due 2026-03-29 00:30")
