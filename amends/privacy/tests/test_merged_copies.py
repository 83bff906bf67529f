"""A duplicate merged into another customer's complaint leaves a copy of its text on the
survivor's timeline. That copy is the duplicate's customer's data: it is not in the survivor's
customer's export, and it goes when the duplicate's customer asks to be erased."""

from __future__ import annotations

import io
import zipfile

from amends.complaints import integrity
from amends.complaints.models import Complaint, ComplaintEvent
from amends.complaints.services.exceptions import complaint_merge
from amends.complaints.tests.stories import S, drive, received
from amends.conftest import local
from amends.core import clock
from amends.privacy import requests
from amends.privacy.models import DataSubjectRequest as R

B_TEXT = "王芳在更衣室摔倒，膝盖受伤，电话13700009999"


def test_a_merged_duplicates_text_is_its_own_customers(cast, officer):
    with clock.travel(local(2026, 11, 20, 9, 0)):
        a = received(cast, phone="13912345678", customer_name="李娜", description="更衣室地滑")
        b = received(cast, phone="13700009999", customer_name="王芳", description=B_TEXT)
        a = drive(cast, S.INVESTIGATING, complaint=Complaint.objects.get(pk=a.pk))
        complaint_merge(
            duplicate=Complaint.objects.get(pk=b.pk),
            into=Complaint.objects.get(pk=a.pk),
            actor=cast.specialist,
            reason="同一事件",
        )
    [copy] = ComplaintEvent.objects.filter(complaint_id=a.pk, kind="merged_from")
    assert "王芳" in str(copy.data)
    with clock.travel(local(2026, 11, 21, 9, 0)):
        row = requests.request_receive(
            actor=cast.desk,
            kind=R.Kind.EXPORT,
            contact="13912345678",
            identity_method=R.Identity.ID_DOCUMENT,
            identity_note="身份证核对",
        )
        _name, data = requests.request_export(actor=officer, request=row, version=row.version)
    blob = zipfile.ZipFile(io.BytesIO(data)).read("data.json").decode()
    assert "更衣室地滑" in blob
    assert "王芳" not in blob and "13700009999" not in blob
    with clock.travel(local(2026, 11, 22, 9, 0)):
        row = requests.request_receive(
            actor=cast.desk,
            kind=R.Kind.DELETION,
            contact="13700009999",
            identity_method=R.Identity.ID_DOCUMENT,
            identity_note="身份证核对",
        )
        row = requests.request_erase(actor=officer, request=row, version=row.version)
    assert row.status == R.Status.DONE, row.refusal_reason
    copy.refresh_from_db()
    assert "王芳" not in str(copy.data) and "13700009999" not in str(copy.data)
    assert integrity.verify_complaint(Complaint.objects.get(pk=a.pk)) is None


def test_erasing_a_person_masks_only_their_number_in_others_complaints_and_never_a_held_one(
    cast, officer
):
    from amends.privacy import services

    with clock.travel(local(2026, 11, 20, 9, 0)):
        mine = received(cast, phone="13700009999", customer_name="王芳", description="淋浴没热水")
        other = received(
            cast,
            phone="13912345678",
            customer_name="李娜",
            description="和我一起的王芳（13700009999）也看见了，我的备用号13800001111",
        )
        held = received(
            cast,
            phone="13600002222",
            customer_name="赵敏",
            description="王芳13700009999可以作证",
        )
        for c in (mine, other):
            drive(cast, S.CLOSED, complaint=Complaint.objects.get(pk=c.pk))
        services.legal_hold_place(actor=officer, complaint=held, reason="诉讼中")
    with clock.travel(local(2026, 11, 22, 9, 0)):
        row = requests.request_receive(
            actor=cast.desk,
            kind=R.Kind.DELETION,
            contact="13700009999",
            identity_method=R.Identity.ID_DOCUMENT,
            identity_note="身份证核对",
        )
        row = requests.request_erase(actor=officer, request=row, version=row.version)
    assert row.status == R.Status.DONE, row.refusal_reason
    text = Complaint.objects.get(pk=other.pk).description
    assert "13700009999" not in text and "137****9999" in text
    assert "13800001111" in text  # someone else's number is not the requester's to erase
    assert "13700009999" in Complaint.objects.get(pk=held.pk).description
