"""The timeline is append-only and hash-chained: tampering in the database is detected."""

from itertools import pairwise

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from amends.complaints.models import ComplaintEvent
from amends.complaints.tests.stories import drive
from amends.complaints.timeline import verify_all, verify_complaint
from amends.complaints.transitions import State

S = State


def test_it_chains_every_event_of_a_complaint(cast):
    c = drive(cast, S.CLOSED)
    events = list(ComplaintEvent.objects.filter(complaint=c).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert all(b.prev_hash == a.hash for a, b in pairwise(events))
    assert verify_complaint(c) is None
    assert all(e.actor is not None for e in events if e.kind == "transition")


def test_it_detects_a_row_edited_in_the_database(cast, capsys):
    c = drive(cast, S.CLOSED)
    untouched = drive(cast, S.INVESTIGATING)
    event = ComplaintEvent.objects.get(complaint=c, kind="transition", data__to="approved")
    with connection.cursor() as cursor:
        table = ComplaintEvent._meta.db_table
        cursor.execute(f"UPDATE {table} SET kind = 'note' WHERE id = %s", [event.pk])  # noqa: S608
    checked, breaks = verify_all()
    assert checked == 2
    assert [(b.reference, b.seq) for b in breaks] == [(c.reference, event.seq)]
    assert verify_complaint(untouched) is None
    with pytest.raises(CommandError):
        call_command("verify_timeline")
    assert f"BROKEN {c.reference} at event {event.seq}" in capsys.readouterr().out


def test_it_detects_a_deleted_event(cast):
    c = drive(cast, S.INVESTIGATING)
    ComplaintEvent.objects.filter(complaint=c, seq=2).delete()
    found = verify_complaint(c)
    assert found is not None and found.seq == 2


def test_the_command_reports_an_intact_timeline(cast, capsys):
    drive(cast, S.CLOSED)
    call_command("verify_timeline")
    assert "checked 1 complaints, 0 broken" in capsys.readouterr().out


def test_an_event_costs_two_statements_and_a_stale_copy_still_chains_on(
    cast, django_assert_num_queries
):
    """An append updates the head the in-memory complaint holds (conditionally) and inserts the
    event: two statements. A second copy of the complaint whose head fell behind (another copy
    appended meanwhile) reads the last event and chains on from it: never a broken chain, never
    a reused sequence number."""
    from django.db import transaction

    from amends.complaints.models import Complaint
    from amends.complaints.timeline import event_append

    c = drive(cast, S.INVESTIGATING)
    with transaction.atomic():
        fresh = Complaint.objects.select_for_update().get(pk=c.pk)
        stale = Complaint.objects.get(pk=c.pk)
        with django_assert_num_queries(2):
            first = event_append(complaint=fresh, kind="note", actor=cast.manager, data={"n": 1})
        with django_assert_num_queries(4):  # the update finds another head: read, update again
            second = event_append(complaint=stale, kind="note", actor=cast.manager, data={"n": 2})
    assert second.seq == first.seq + 1 and second.prev_hash == first.hash
    c.refresh_from_db()
    assert (c.head_seq, c.head_hash) == (second.seq, second.hash)
    assert (stale.head_seq, stale.head_hash) == (second.seq, second.hash)
    assert verify_complaint(c) is None


def test_a_save_made_in_the_events_update_writes_the_whole_row_and_tells_its_listeners(
    cast, django_assert_num_queries
):
    """`save_recording`: the service's changes and the new head in one update (two statements
    with the event's insert, and the webhook look-up cached), the queue counts told as by a
    save; from a copy whose head fell behind, the same through the last event and a save."""
    from django.db import transaction

    from amends.complaints import queue_cache
    from amends.complaints.events import Note
    from amends.complaints.models import Complaint
    from amends.complaints.services.gate import save_recording

    c = drive(cast, S.INVESTIGATING)
    generation = queue_cache.generation(c.company_id)
    with transaction.atomic():
        fresh = Complaint.objects.select_for_update().get(pk=c.pk)
        stale = Complaint.objects.get(pk=c.pk)
        fresh.location = "二楼器械区"
        with django_assert_num_queries(2):
            first = save_recording(fresh, cast.manager, Note(text="去现场看了"))
        stale.location = "三楼泳池"
        second = save_recording(stale, cast.manager, Note(text="又去看了"))
    assert queue_cache.generation(c.company_id) != generation
    assert second.seq == first.seq + 1 and second.prev_hash == first.hash
    c.refresh_from_db()
    assert (c.location, c.version, c.head_seq) == ("三楼泳池", stale.version, second.seq)
    assert verify_complaint(c) is None


def test_deferred_writes_hold_the_events_back_and_write_them_with_the_row_at_the_end(
    cast, django_assert_num_queries
):
    """`timeline.deferred` (intake's first steps): inside the block nothing is written; at its
    end every event in one insert and the row — its saved changes, head and seal — in one
    update, the row's and the events' listeners told. A block that raises writes nothing, and
    events of another complaint are not held back."""
    from django.db import transaction

    from amends.complaints import queue_cache, timeline
    from amends.complaints.events import Note
    from amends.complaints.models import Complaint
    from amends.complaints.services.gate import save_recording

    c = drive(cast, S.INVESTIGATING)
    other = drive(cast, S.ASSIGNED)
    before = ComplaintEvent.objects.filter(complaint=c).count()
    generation = queue_cache.generation(c.company_id)
    with transaction.atomic():
        held = Complaint.objects.select_for_update().get(pk=c.pk)
        with timeline.deferred(held):
            with django_assert_num_queries(0):
                first = timeline.event_append(complaint=held, kind="note", actor=cast.manager)
                held.location = "二楼器械区"
                second = save_recording(held, cast.manager, Note(text="去现场看了"))
            assert first.pk is None and ComplaintEvent.objects.filter(complaint=c).count() == before
            assert queue_cache.generation(c.company_id) == generation  # not told yet
            with pytest.raises(RuntimeError), timeline.deferred(held):
                pass
            with django_assert_num_queries(2):  # another complaint: written at once
                timeline.event_append(complaint=other, kind="note", actor=cast.manager)
    assert (first.seq, second.seq, second.prev_hash) == (before + 1, before + 2, first.hash)
    assert queue_cache.generation(c.company_id) != generation  # the row's save was told
    c.refresh_from_db()
    assert (c.location, c.head_seq, c.head_hash) == ("二楼器械区", second.seq, second.hash)
    assert verify_complaint(c) is None and verify_complaint(other) is None

    with pytest.raises(ValueError), transaction.atomic():
        held = Complaint.objects.select_for_update().get(pk=c.pk)
        with timeline.deferred(held):
            timeline.event_append(complaint=held, kind="note", actor=cast.manager)
            raise ValueError("the intake failed")
    assert ComplaintEvent.objects.filter(complaint=c).count() == before + 2
    assert verify_complaint(c) is None


def test_a_deferred_write_updates_only_the_columns_changed_since_the_row_was_read(cast):
    """`remember_stored`: the flush writes what changed — a list changed in place included —
    and the head, not the row's other columns; the chain and the seal still verify."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from amends.complaints import timeline
    from amends.complaints.models import Complaint

    c = drive(cast, S.INVESTIGATING)
    with transaction.atomic():
        held = Complaint.objects.select_for_update().get(pk=c.pk)
        timeline.remember_stored(held)
        with CaptureQueriesContext(connection) as queries, timeline.deferred():
            held.location = "二楼器械区"
            held.sensitive.append("health")  # changed in place
            timeline.event_append(complaint=held, kind="note", actor=cast.manager, save=True)
    sql = [q["sql"] for q in queries.captured_queries]
    [update] = [q for q in sql if 'UPDATE "complaints_complaint" SET' in q]
    written = update.split(" SET ")[1].split(" FROM ")[0]
    for column in ("location", "sensitive", "head_seq", "head_hash", "seal"):
        assert f'"{column}"' in written
    for column in ("description", "reference", "received_at", "customer_id"):
        assert f'"{column}"' not in written
    c.refresh_from_db()
    assert (c.location, c.sensitive) == ("二楼器械区", ["health"])
    assert verify_complaint(c) is None
