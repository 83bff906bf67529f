"""Data-subject requests: received at the desk, identity checked, exported as JSON and CSV in a
zip (an audited event), erased end to end (the complaint kept de-identified, the requester told),
refused with a reason while the data is still needed; on the clock like any other request."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import Q
from django.utils import translation

from amends.complaints.models import Complaint, Evidence
from amends.conftest import local
from amends.core import clock
from amends.core.errors import InvalidInput, PermissionDenied, StaleVersion
from amends.members.models import Customer
from amends.notifications.models import Outbox
from amends.privacy import clocks, requests, services
from amends.privacy.models import AccessLog, DataSubjectRequest, PurgeRecord
from amends.privacy.tests.story import NAME, PHONE, full_complaint

R = DataSubjectRequest
AT = local(2026, 11, 25, 10, 0)


def receive(cast, kind, *, contact=PHONE, checked=True):
    with clock.travel(AT):
        return requests.request_receive(
            actor=cast.desk,
            kind=kind,
            contact=contact,
            details="客户要求",
            identity_method=R.Identity.ID_DOCUMENT if checked else "",
            identity_note="身份证核对" if checked else "",
        )


def test_a_request_is_received_due_in_fifteen_days_and_owned_by_the_officer(cast, officer):
    full_complaint(cast)
    row = receive(cast, R.Kind.ACCESS, checked=False)
    assert row.due_at == local(2026, 12, 10, 10, 0)
    assert row.owner == officer and row.status == R.Status.RECEIVED
    assert row.customer is not None and row.contact_masked == "139****5678"
    with clock.travel(AT):
        row = requests.request_verify(
            actor=officer, request=row, method=R.Identity.CODE, note="", version=row.version
        )
    assert row.status == R.Status.VERIFIED
    with pytest.raises(StaleVersion), clock.travel(AT):
        requests.request_verify(actor=officer, request=row, method="code", note="", version=1)


def test_gdpr_mode_gives_thirty_days_and_one_extension_with_notice(cast, officer):
    full_complaint(cast)
    services.privacy_settings_set(actor=officer, request_days=15, gdpr_mode=True)
    row = receive(cast, R.Kind.EXPORT)
    assert row.due_at == local(2026, 12, 25, 10, 0)
    with clock.travel(AT):
        with pytest.raises(InvalidInput):
            requests.request_extend(actor=officer, request=row, notice=" ", version=row.version)
        row = requests.request_extend(
            actor=officer, request=row, notice="材料较多", version=row.version
        )
        assert row.due_at == local(2027, 2, 23, 10, 0)
        told = Outbox.objects.filter(kind=Outbox.Kind.MESSAGE, body__contains="材料较多")
        assert told.exists()
        with pytest.raises(InvalidInput):
            requests.request_extend(actor=officer, request=row, notice="再延", version=row.version)


def test_a_refusal_needs_a_reason_and_the_requester_is_told(cast, officer):
    full_complaint(cast)
    row = receive(cast, R.Kind.CORRECTION)
    with clock.travel(AT):
        with pytest.raises(InvalidInput):
            requests.request_refuse(actor=officer, request=row, reason="", version=row.version)
        row = requests.request_refuse(
            actor=officer, request=row, reason="资料无误", version=row.version
        )
    assert row.status == R.Status.REFUSED and row.refusal_reason == "资料无误"
    assert Outbox.objects.filter(body__contains="资料无误").exists()


def test_only_the_officer_works_requests(cast, officer):
    full_complaint(cast)
    row = receive(cast, R.Kind.EXPORT)
    with pytest.raises(PermissionDenied), clock.travel(AT):
        requests.request_export(actor=cast.manager, request=row)


def test_an_export_holds_everything_about_the_person_and_is_logged(cast, officer):
    c = full_complaint(cast)
    row = receive(cast, R.Kind.EXPORT)
    with clock.travel(AT):
        name, data = requests.request_export(actor=officer, request=row, version=row.version)
    assert name == f"personal-data-DSR-{row.pk}.zip"
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    assert {"data.json", "complaints-complaints.csv", "members-customer.csv"} <= names
    assert {"complaints-messages.csv", "complaints-surveys.csv", "complaints-revisits.csv"} <= names
    everything = json.loads(archive.read("data.json"))
    (complaint,) = everything["complaints"]["complaints"]
    assert complaint["reference"] == c.reference and PHONE in complaint["description"]
    assert any(NAME in m["text"] for m in everything["complaints"]["messages"])
    assert everything["members"]["customer"][0]["phone"] == f"+86{PHONE}"
    evidence = Evidence.objects.get(complaint=c)
    (photo,) = [n for n in names if n.startswith("evidence/")]
    assert archive.read(photo) == Path(settings.MEDIA_ROOT, evidence.file.name).read_bytes()
    rows = list(csv.DictReader(io.StringIO(archive.read("complaints-complaints.csv").decode())))
    assert rows[0]["\ufeffreference"] == c.reference
    # The export is an audited event: the auditor finds it by the person's phone.
    found = AccessLog.objects.get(what__startswith="data-subject export")
    assert found.actor == officer and found.why == f"request DSR-{row.pk}"
    row.refresh_from_db()
    assert row.status == R.Status.DONE


def test_a_deletion_erases_the_person_end_to_end_and_keeps_the_complaint(
    cast, officer, django_capture_on_commit_callbacks
):
    c = full_complaint(cast)
    facts = (c.category_id, c.venue_id, c.state, c.received_at, c.closed_at)
    evidence = Evidence.objects.get(complaint=c)
    row = receive(cast, R.Kind.DELETION)
    # The files are deleted once the erasure commits.
    with clock.travel(AT), django_capture_on_commit_callbacks(execute=True):
        row = requests.request_erase(actor=officer, request=row, version=row.version)
    assert row.status == R.Status.DONE
    assert row.counts["complaints.complaints"] == 1 and row.counts["complaints.files"] == 1
    customer = Customer.objects.get(pk=c.customer_id)
    assert (customer.name, customer.phone, customer.email, customer.phone_index) == ("", "", "", "")
    c = Complaint.objects.get(pk=c.pk)
    assert c.anonymised_at is not None and c.description == ""
    assert (c.category_id, c.venue_id, c.state, c.received_at, c.closed_at) == facts
    assert not Path(settings.MEDIA_ROOT, evidence.file.name).exists()
    record = PurgeRecord.objects.get(request=row)
    assert PHONE not in json.dumps(record.counts) and record.outcome == "deleted"
    # The requester is told, at the number they had (read before it was erased).
    with translation.override("zh-hans"):
        erased = translation.gettext("Your personal data has been erased.")
    told = Outbox.objects.get(
        Q(body__contains="Your personal data has been erased.") | Q(body__contains=erased)
    )
    assert told.recipient_address == f"+86{PHONE}"
    # Found no more: another request by the same phone finds no one.
    assert requests.customers_by_contact(cast.company.pk, PHONE) == []


def test_a_deletion_is_refused_while_a_complaint_is_open_or_on_hold(cast, officer):
    open_one = full_complaint(cast, close=False)
    row = receive(cast, R.Kind.DELETION)
    with clock.travel(AT):
        row = requests.request_erase(actor=officer, request=row, version=row.version)
    assert row.status == R.Status.REFUSED and open_one.reference in row.refusal_reason
    assert Customer.objects.get(pk=open_one.customer_id).phone == f"+86{PHONE}"
    assert Outbox.objects.filter(body__contains=open_one.reference, kind="message").exists()


def test_a_deletion_is_refused_under_a_customer_hold(cast, officer):
    c = full_complaint(cast)
    services.legal_hold_place(actor=officer, customer=c.customer, reason="诉讼")
    row = receive(cast, R.Kind.DELETION)
    with clock.travel(AT):
        row = requests.request_erase(actor=officer, request=row, version=row.version)
    assert row.status == R.Status.REFUSED
    c.refresh_from_db()
    assert c.anonymised_at is None


def test_the_clock_reminds_the_owner_and_escalates_when_late(cast, officer):
    full_complaint(cast)
    row = receive(cast, R.Kind.ACCESS)
    assert clocks.requests_tick(now=local(2026, 12, 7, 10, 0))["request_reminders"] == 0
    assert clocks.requests_tick(now=local(2026, 12, 8, 10, 0))["request_reminders"] == 1
    assert clocks.requests_tick(now=local(2026, 12, 8, 11, 0))["request_reminders"] == 0
    reminder = Outbox.objects.get(kind=Outbox.Kind.REMINDER, recipient_user=officer)
    assert f"DSR-{row.pk}" in reminder.subject
    assert clocks.requests_tick(now=local(2026, 12, 10, 11, 0))["request_escalations"] == 1
    assert Outbox.objects.filter(kind=Outbox.Kind.ESCALATION, recipient_user=cast.director).exists()


def test_a_withdrawal_of_consent_withdraws_the_sensitive_consents(cast, officer):
    c = full_complaint(cast)
    services.sensitive_consent_record(
        actor=cast.manager, complaint=c, given=True, method="signature", note=""
    )
    row = receive(cast, R.Kind.WITHDRAWAL)
    with clock.travel(AT):
        row = requests.request_complete(
            actor=officer, request=row, outcome="已撤回", version=row.version
        )
    assert row.counts == {"consents_withdrawn": 1} and row.status == R.Status.DONE
    from amends.privacy.models import SensitiveConsent

    assert SensitiveConsent.objects.get().withdrawn_at == AT


def test_a_message_not_yet_sent_about_an_erased_complaint_is_cancelled(cast, officer):
    c = full_complaint(cast)
    pending = Outbox.objects.filter(complaint_id=c.pk, status=Outbox.Status.PENDING)
    assert pending.exists()  # the survey invitation, the acknowledgement …
    row = receive(cast, R.Kind.DELETION)
    with clock.travel(AT):
        requests.request_erase(actor=officer, request=row, version=row.version)
    assert not pending.exists()
    assert not Outbox.objects.filter(complaint_id=c.pk).exclude(body="").exists()
