"""The purge's finer rules: days are the venue's days whatever the server's zone; a running
membership keeps the customer's contact; files go only when the purge commits; finished requests
lose every free text; a complaint reopened and closed again is masked again."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from amends.complaints import services
from amends.complaints.models import Complaint
from amends.complaints.tests.stories import S, drive
from amends.conftest import local
from amends.core import clock
from amends.members.models import Member
from amends.members.services import member_link
from amends.privacy import requests
from amends.privacy.models import DataSubjectRequest as R
from amends.privacy.models import PurgeRecord
from amends.privacy.purge import purge
from amends.privacy.tests.story import NAME, PHONE, full_complaint


def files_on_disk() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_a_utc_server_keeps_the_venues_last_day_and_erases_the_day_after(cast, settings):
    settings.TIME_ZONE = "UTC"
    # Closed 20 Nov 2026 at 06:00 Beijing time: still 19 Nov on a UTC server.
    with clock.travel(local(2026, 11, 20, 6, 0)):
        c = drive(cast, S.CLOSED, phone="13800001111", description="跑步机坏了")
    assert c.venue.timezone == "Asia/Shanghai"
    purge(now=local(2029, 11, 20, 12, 0))  # the venue's last day of keeping
    assert Complaint.objects.get(pk=c.pk).anonymised_at is None
    purge(now=local(2029, 11, 21, 7, 0))  # the day after at the venue; 20 Nov 23:00 UTC
    assert Complaint.objects.get(pk=c.pk).anonymised_at is not None


def test_a_running_membership_keeps_the_contact(cast):
    c = full_complaint(cast)
    member = member_link(customer=c.customer, venue=c.venue, number="M-001")
    purge(now=local(2029, 11, 21, 12, 0))
    c = Complaint.objects.select_related("customer").get(pk=c.pk)
    assert c.anonymised_at is not None and c.customer.phone == f"+86{PHONE}"
    Member.objects.filter(pk=member.pk).update(status=Member.Status.FROZEN)
    c.customer.refresh_from_db()
    assert c.customer.phone  # frozen still runs
    Member.objects.filter(pk=member.pk).update(status="ended")
    from amends.privacy.erasure import customer_still_needed

    assert not customer_still_needed(c.customer_id, besides=c.pk)


def test_files_are_deleted_only_when_the_purge_commits(cast, django_capture_on_commit_callbacks):
    full_complaint(cast)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        purge(now=local(2029, 11, 21, 12, 0))
    assert files_on_disk()  # not committed yet: a rollback would keep them
    for callback in callbacks:
        callback()
    assert files_on_disk() == []


def test_finished_requests_lose_every_free_text_after_the_audit_period(cast, officer):
    with clock.travel(local(2026, 11, 21, 9, 0)):
        row = requests.request_receive(
            actor=cast.desk,
            kind=R.Kind.EXPORT,
            contact=PHONE,
            identity_method=R.Identity.ID_DOCUMENT,
            identity_note="身份证 110101199001011234",
        )
    R.objects.filter(pk=row.pk).update(
        status=R.Status.REFUSED,
        finished_at=local(2026, 11, 22, 9, 0),
        refusal_reason="无法核实 李娜",
        extension_notice="延期 李娜",
    )
    purge(now=local(2029, 11, 23, 12, 0))
    row.refresh_from_db()
    assert (row.identity_note, row.refusal_reason, row.extension_notice) == ("", "", "")


def test_a_complaint_reopened_and_closed_again_is_masked_again(cast):
    c = full_complaint(cast)
    type(c.venue).objects.filter(pk=c.venue_id).update(reopen_window_days=60)
    purge(now=local(2026, 12, 21, 12, 0))
    assert PurgeRecord.objects.filter(complaint_id=c.pk, outcome="masked").count() == 1
    with clock.travel(local(2026, 12, 25, 9, 0)):
        services.complaint_reopen(
            complaint=Complaint.objects.get(pk=c.pk), actor=cast.specialist, reason="客户不满意"
        )
        services.complaint_add_note(
            complaint=Complaint.objects.get(pk=c.pk), actor=cast.desk, text="新号码 13700001234"
        )
    with clock.travel(local(2026, 12, 26, 9, 0)):
        drive(cast, S.CLOSED, complaint=Complaint.objects.get(pk=c.pk))
    purge(now=local(2027, 1, 26, 12, 0))
    assert PurgeRecord.objects.filter(complaint_id=c.pk, outcome="masked").count() == 2


def test_the_erase_takes_the_words_triage_kept_and_leaves_its_codes(cast):
    c = full_complaint(cast)
    Complaint.objects.filter(pk=c.pk).update(
        triage={
            **c.triage,
            "severity": {"code": "urgent", "confidence": 0.9, "reasons": ["受了伤", "流血"]},
            "signals": [{"kind": "injury", "words": "受了伤", "negated": False}],
        }
    )
    purge(now=local(2029, 11, 21, 12, 0))
    triage = Complaint.objects.get(pk=c.pk).triage
    assert triage["severity"] == {"code": "urgent", "confidence": 0.9, "reasons": []}
    assert triage["signals"] == [{"kind": "injury", "words": "", "negated": False}]
    assert "受了伤" not in str(triage)


def test_the_raw_emails_of_an_erased_complaint_and_old_unmatched_ones_are_blanked(cast):
    from amends.notifications.models import InboundMessage

    c = full_complaint(cast)
    raw = f"From: {NAME} <li@example.com>\r\nSubject: 投诉\r\n\r\n电话 {PHONE}".encode()
    mine = InboundMessage.objects.create(
        message_id="<a@x>", raw=raw, received_at=local(2026, 11, 20, 9, 0), complaint_id=c.pk
    )
    unmatched = InboundMessage.objects.create(
        message_id="<b@x>",
        raw=raw,
        received_at=local(2029, 8, 1, 9, 0),
        status=InboundMessage.Status.IGNORED,
    )
    recent = InboundMessage.objects.create(
        message_id="<c@x>",
        raw=raw,
        received_at=local(2029, 11, 1, 9, 0),
        status=InboundMessage.Status.IGNORED,
    )
    purge(now=local(2029, 11, 21, 12, 0))
    assert bytes(InboundMessage.objects.get(pk=mine.pk).raw) == b""
    assert bytes(InboundMessage.objects.get(pk=unmatched.pk).raw) == b""
    assert bytes(InboundMessage.objects.get(pk=recent.pk).raw) == raw  # within 90 days
