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
