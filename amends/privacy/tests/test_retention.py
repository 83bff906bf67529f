"""Retention: on the day retention ends nothing is touched; the day after, every personal class is
erased — customer, free text, interviews, messages, files from the disk — while the facts the
reports count stay, the timeline still proves itself, and the evidence names no value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings

from amends.complaints import integrity, redaction
from amends.complaints.models import Complaint, ComplaintEvent, Evidence, Interview
from amends.complaints.tick import tick
from amends.conftest import local
from amends.privacy import services
from amends.privacy.models import DataClass, PurgeRecord
from amends.privacy.tests.story import NAME, PHONE, full_complaint

DAY_BEFORE = local(2029, 11, 20, 12, 0)  # closed 20 Nov 2026 + 36 months: the last day kept
DAY_AFTER = local(2029, 11, 21, 12, 0)


def files_on_disk() -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def chain_holds(complaint: Complaint) -> bool:
    """The chain links and every event matches its hash or carries a valid redaction."""
    prev = "0" * 64
    for event in ComplaintEvent.objects.filter(complaint=complaint).order_by("seq"):
        if event.prev_hash != prev:
            return False
        if integrity._event_digest(event, prev) != event.hash and not redaction.redaction_valid(
            event
        ):
            return False
        prev = event.hash
    fresh = Complaint.objects.get(pk=complaint.pk)
    return integrity.seal_of(fresh) == fresh.seal and fresh.head_hash == prev


def test_it_keeps_everything_on_the_last_day_and_erases_the_day_after(
    cast, django_capture_on_commit_callbacks
):
    c = full_complaint(cast)
    evidence = Evidence.objects.get(complaint=c)
    assert files_on_disk() and c.customer.phone == f"+86{PHONE}"
    facts = (c.category_id, c.venue_id, c.received_at, c.closed_at, c.state, c.severity)

    assert tick(now=DAY_BEFORE).anonymised == 0
    c.refresh_from_db()
    # Masked since archive, but kept; the customer and the photo kept too.
    assert c.anonymised_at is None and "教练迟到" in c.description
    assert c.customer.phone == f"+86{PHONE}"
    assert Path(settings.MEDIA_ROOT, evidence.file.name).exists()

    # The files are deleted once the purge commits.
    with django_capture_on_commit_callbacks(execute=True):
        assert tick(now=DAY_AFTER).anonymised == 1
    c = Complaint.objects.select_related("customer").get(pk=c.pk)
    assert c.anonymised_at == DAY_AFTER
    assert (c.customer.name, c.customer.phone, c.customer.email) == ("", "", "")
    assert (c.description, c.customer_request) == ("", "")
    assert (c.category_id, c.venue_id, c.received_at, c.closed_at, c.state, c.severity) == facts
    interview = Interview.objects.get(complaint=c)
    assert (interview.interviewee, interview.summary) == ("", "")
    assert files_on_disk() == []  # the photo is gone from the disk, not only from the row
    assert Evidence.objects.get(pk=evidence.pk).file.name == ""
    # No personal string is left in the timeline, and the chain still proves itself.
    timeline = json.dumps(
        list(ComplaintEvent.objects.filter(complaint=c).values_list("data", flat=True)),
        ensure_ascii=False,
    )
    assert PHONE not in timeline and NAME not in timeline and "张三" not in timeline
    assert chain_holds(c)
    # The evidence of the purge: classes, rule and counts, never a value.
    record = PurgeRecord.objects.get(complaint_id=c.pk, outcome=PurgeRecord.Outcome.ERASED)
    assert set(record.classes) >= {DataClass.FREE_TEXT, DataClass.CONTACT_DATA}
    assert record.rule[DataClass.FREE_TEXT] == "free_text: 36 months after closed"
    assert record.counts["files"] == 1 and record.counts["customer"] == 1
    written = json.dumps([record.classes, record.rule, record.counts, record.note])
    assert PHONE not in written and NAME not in written
    # Idempotent: the next day finds nothing left to do.
    assert tick(now=local(2029, 11, 22, 12, 0)).anonymised == 0


def test_a_redaction_cannot_be_forged_without_the_key(cast):
    c = full_complaint(cast)
    tick(now=DAY_AFTER)
    note = ComplaintEvent.objects.get(complaint=c, kind="note")
    assert redaction.redaction_valid(note)
    forged = dict(note.data, text="伪造的内容")
    ComplaintEvent.objects.filter(pk=note.pk).update(data=forged)
    note.refresh_from_db()
    assert not redaction.redaction_valid(note)
    assert not chain_holds(c)


def test_the_verifier_accepts_a_redacted_timeline(cast):
    c = full_complaint(cast)
    tick(now=DAY_AFTER)
    assert integrity.verify_complaint(c) is None


def test_a_legal_hold_blocks_the_purge_and_the_block_is_logged_once(cast, officer):
    c = full_complaint(cast)
    hold = services.legal_hold_place(actor=officer, complaint=c, reason="诉讼中，法院调取")
    assert tick(now=DAY_AFTER).anonymised == 0
    assert tick(now=local(2029, 11, 22, 12, 0)).anonymised == 0
    c.refresh_from_db()
    assert c.anonymised_at is None and PHONE in c.description  # a hold keeps it as it was
    blocked = PurgeRecord.objects.filter(complaint_id=c.pk, outcome=PurgeRecord.Outcome.BLOCKED)
    assert blocked.count() == 1 and blocked.get().hold == hold
    services.legal_hold_lift(actor=officer, hold=hold, reason="结案", version=hold.version)
    assert tick(now=local(2029, 11, 23, 12, 0)).anonymised == 1


def test_a_hold_on_the_customer_covers_all_their_complaints(cast, officer):
    c = full_complaint(cast)
    services.legal_hold_place(actor=officer, customer=c.customer, reason="监管调查")
    assert tick(now=DAY_AFTER).anonymised == 0


def test_only_the_hold_roles_place_a_hold_and_a_reason_is_required(cast, officer):
    from amends.core.errors import InvalidInput, NotFound, PermissionDenied

    c = full_complaint(cast, close=False)
    with pytest.raises(PermissionDenied):
        services.legal_hold_place(actor=cast.specialist, complaint=c, reason="x")
    with pytest.raises(InvalidInput):
        services.legal_hold_place(actor=cast.director, complaint=c, reason="  ")
    with pytest.raises(NotFound):
        services.legal_hold_place(actor=cast.stranger, complaint=c, reason="x")


def test_a_company_rule_shortens_one_class(cast, officer, django_capture_on_commit_callbacks):
    services.retention_rule_set(
        actor=officer, data_class=DataClass.ATTACHMENTS, months=6, trigger="closed"
    )
    c = full_complaint(cast)
    tick(now=local(2027, 5, 20, 12, 0))
    assert files_on_disk()
    with django_capture_on_commit_callbacks(execute=True):
        tick(now=local(2027, 5, 21, 12, 0))
    assert files_on_disk() == []
    c.refresh_from_db()
    assert c.anonymised_at is None and c.customer.phone  # the rest is kept
    record = PurgeRecord.objects.get(complaint_id=c.pk, outcome=PurgeRecord.Outcome.ERASED)
    assert record.classes == [DataClass.ATTACHMENTS]
    assert tick(now=DAY_AFTER).anonymised == 1


def test_kept_free_text_is_masked_at_archive(cast):
    c = full_complaint(cast)
    tick(now=local(2026, 12, 19, 12, 0))
    c.refresh_from_db()
    assert PHONE in c.description  # the reopen window: still as written
    tick(now=local(2026, 12, 21, 12, 0))
    c.refresh_from_db()
    assert PHONE not in c.description and "教练迟到" in c.description
    assert PHONE not in json.dumps(
        list(ComplaintEvent.objects.filter(complaint=c).values_list("data", flat=True))
    )
    assert chain_holds(c)


def test_the_access_log_is_kept_twelve_months(cast, officer):
    from amends.core import clock
    from amends.core.errors import InvalidInput
    from amends.privacy.models import AccessLog

    c = full_complaint(cast, close=False)
    with clock.travel(local(2026, 11, 21, 9, 0)):
        services.log_access(cast.manager, complaint=c, what="contact", why="test")
    tick(now=local(2027, 11, 21, 12, 0))
    assert AccessLog.objects.count() == 1
    tick(now=local(2027, 11, 22, 12, 0))
    assert AccessLog.objects.count() == 0
    with pytest.raises(InvalidInput):
        services.retention_rule_set(
            actor=officer, data_class=DataClass.ACCESS_LOG, months=6, trigger="recorded"
        )


def test_after_a_purge_the_whole_integrity_check_passes(cast):
    """An event whose content no longer matches its hash is accepted when its redaction is
    valid: after a purge, verify_all — chains, seals, heads and checkpoints — finds nothing."""
    full_complaint(cast)
    assert integrity.checkpoint_write(now=local(2026, 11, 21, 0, 0)) is not None
    tick(now=DAY_AFTER)
    assert integrity.checkpoint_write(now=local(2029, 11, 21, 13, 0)) is not None
    checked, breaks = integrity.verify_all()
    assert checked == 1 and breaks == []
