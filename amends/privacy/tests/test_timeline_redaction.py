"""A purge's redaction of the timeline proves only itself: the seal covers every input of the
event's hash but the original data, so the actor or the time of a redacted event cannot be
changed; and an event altered before the purge is not sealed (it stays altered, and the purge's
record says so)."""

from __future__ import annotations

from amends.complaints import integrity
from amends.complaints.integrity import Break
from amends.complaints.models import ComplaintEvent
from amends.conftest import local
from amends.privacy.models import PurgeRecord
from amends.privacy.purge import purge
from amends.privacy.tests.story import full_complaint

DAY_AFTER = local(2029, 11, 21, 12, 0)


def redacted_event(complaint: object) -> ComplaintEvent:
    event = (
        ComplaintEvent.objects.filter(complaint=complaint, data___redaction__isnull=False)
        .order_by("seq")
        .first()
    )
    assert event is not None
    return event


def test_changing_the_actor_of_a_redacted_event_is_reported(cast):
    c = full_complaint(cast)
    purge(now=DAY_AFTER)
    assert integrity.verify_complaint(c) is None
    event = redacted_event(c)
    ComplaintEvent.objects.filter(pk=event.pk).update(
        actor_id=cast.manager.pk, actor_name="Someone else"
    )
    found = integrity.verify_complaint(c)
    assert found is not None and found.kind == Break.EVENT_ALTERED and found.seq == event.seq


def test_changing_the_time_of_a_redacted_event_is_reported(cast):
    c = full_complaint(cast)
    purge(now=DAY_AFTER)
    event = redacted_event(c)
    ComplaintEvent.objects.filter(pk=event.pk).update(at=local(2020, 1, 1, 0, 0))
    found = integrity.verify_complaint(c)
    assert found is not None and found.kind == Break.EVENT_ALTERED and found.seq == event.seq


def test_a_purge_does_not_launder_an_event_altered_before_it(cast):
    c = full_complaint(cast)
    event = ComplaintEvent.objects.filter(complaint=c, kind="note").get()
    ComplaintEvent.objects.filter(pk=event.pk).update(
        data={**event.data, "text": "edited by attacker", "forged": "yes"}
    )
    assert integrity.verify_complaint(c).seq == event.seq
    purge(now=DAY_AFTER)
    # Still reported as altered: the purge did not seal what someone else wrote.
    found = integrity.verify_complaint(c)
    assert found is not None and found.kind == Break.EVENT_ALTERED and found.seq == event.seq
    assert ComplaintEvent.objects.get(pk=event.pk).data.get("_redaction") is None
    record = PurgeRecord.objects.get(complaint_id=c.pk, outcome=PurgeRecord.Outcome.ERASED)
    assert record.counts["altered_events"] == 1


def test_a_masked_event_can_still_be_blanked_later(cast):
    """A valid earlier redaction (the mask at archive) is accepted as the starting point."""
    c = full_complaint(cast)
    purge(now=local(2026, 12, 21, 12, 0))  # 30 days after closure: masked
    assert PurgeRecord.objects.filter(complaint_id=c.pk, outcome="masked").exists()
    purge(now=DAY_AFTER)
    assert integrity.verify_complaint(c) is None
    record = PurgeRecord.objects.get(complaint_id=c.pk, outcome=PurgeRecord.Outcome.ERASED)
    assert "altered_events" not in record.counts
