"""A timeline that proves itself: every kind of tampering done in the database, behind the
services' back, is named by `amends verify-timeline` with the complaint's reference."""

import importlib
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from amends.complaints import integrity, services
from amends.complaints.integrity import Break, checkpoint_write, verify_all
from amends.complaints.models import (
    Complaint,
    ComplaintEvent,
    TimelineCheckpoint,
    TimelineCheckpointEntry,
    TriageOverride,
)
from amends.complaints.tests.stories import drive, received
from amends.complaints.tick import tick
from amends.complaints.transitions import State
from amends.conftest import local
from amends.core import clock

S = State


def sql(statement, *params):
    """Run raw SQL, as someone with database access but not the application's secrets would."""
    with connection.cursor() as cursor:
        cursor.execute(statement, list(params))


def delete_events(complaint, *, from_seq=1):
    table = ComplaintEvent._meta.db_table
    sql(f"DELETE FROM {table} WHERE complaint_id = %s AND seq >= %s", complaint.pk, from_seq)  # noqa: S608


def delete_complaint(complaint):
    """Delete a complaint row and everything that points at it, in raw SQL."""
    delete_events(complaint)
    handlers = Complaint.handlers.through._meta.db_table
    sql(f"DELETE FROM {handlers} WHERE complaint_id = %s", complaint.pk)  # noqa: S608
    overrides = TriageOverride._meta.db_table
    sql(f"DELETE FROM {overrides} WHERE complaint_id = %s", complaint.pk)  # noqa: S608
    sql(f"DELETE FROM {Complaint._meta.db_table} WHERE id = %s", complaint.pk)  # noqa: S608


def found():
    """Breaks as (reference, kind) pairs, in the order reported."""
    return [(b.reference, b.kind) for b in verify_all()[1]]


def command_says(capsys, *expected):
    """`amends verify-timeline` fails and prints one line per break, by reference and kind."""
    with pytest.raises(CommandError):
        call_command("verify_timeline")
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("BROKEN")]
    for reference, kind in expected:
        assert any(reference in line and f": {kind} —" in line for line in lines), lines
    return lines


def snapshot(complaint):
    """Everything of one complaint, as a backup would hold it."""
    row = Complaint.objects.filter(pk=complaint.pk).values().get()
    events = list(ComplaintEvent.objects.filter(complaint=complaint).values())
    return row, events


def restore(complaint, backup):
    """Put back the row and the events of `snapshot`, as restoring an old backup would."""
    row, events = backup
    delete_events(complaint)
    Complaint.objects.filter(pk=complaint.pk).update(
        **{name: value for name, value in row.items() if name != "id"}
    )
    ComplaintEvent.objects.bulk_create(ComplaintEvent(**values) for values in events)


# --- an intact database -----------------------------------------------------------------------


def test_it_verifies_every_path_of_every_service_clean(cast, capsys):
    with clock.travel(local(2026, 11, 20, 10, 0)):
        valid = drive(cast, S.CLOSED)
        services.complaint_close(complaint=drive(cast, S.EXPLAINED), actor=cast.specialist)
        declined = services.complaint_decline(
            complaint=received(cast), actor=cast.manager, reason="第三次以退款要挟"
        )
        first = drive(cast, S.INVESTIGATING)
        services.complaint_merge(
            duplicate=received(cast), into=first, actor=cast.specialist, reason="同一事项"
        )
        services.complaint_reopen(complaint=valid, actor=cast.specialist, reason="客户不满意")
        extended = drive(cast, S.INVESTIGATING)
        services.complaint_extend_deadline(
            complaint=extended,
            actor=cast.specialist,
            until=extended.resolve_due + timedelta(days=2),
            reason="需要厂家检测",
        )
        feedback = drive(cast, S.FEEDBACK_GIVEN)
        revisit = feedback.revisits.get()
        services.revisit_record(
            revisit=revisit, actor=revisit.assignee, reached=False, method="phone"
        )
        services.revisit_record(
            revisit=revisit,
            actor=revisit.assignee,
            reached=True,
            satisfied=False,
            method="phone",
            new_issue="淋浴间热水不稳定",
        )
        urgent = cast.receive(category="facility_equipment", severity="urgent")
        services.complaint_set_legal_hold(
            complaint=declined, actor=cast.auditor, hold=True, reason="诉讼中"
        )
    tick(now=local(2026, 11, 20, 14, 0))  # a reminder and an escalation of the urgent one
    tick(now=local(2029, 12, 1, 12, 0))  # escalations, and anonymisation past retention
    urgent.refresh_from_db()
    assert urgent.escalation_level >= 1
    assert Complaint.objects.filter(anonymised_at__isnull=False).exists()
    assert checkpoint_write() is not None
    checked, breaks = verify_all()
    assert (checked, breaks) == (Complaint.objects.count(), [])
    call_command("verify_timeline")
    assert f"checked {checked} complaints, 0 broken" in capsys.readouterr().out


def test_it_keeps_the_stored_seal_in_step_with_the_row(cast):
    c = drive(cast, S.INVESTIGATING)
    stored = Complaint.objects.get(pk=c.pk)
    last = ComplaintEvent.objects.filter(complaint=c).order_by("-seq").first()
    assert last is not None
    assert (stored.head_seq, stored.head_hash) == (last.seq, last.hash)
    assert stored.seal == integrity.seal_of(stored) == c.seal


def test_the_migration_seals_with_the_fields_verification_checks():
    migration = importlib.import_module("amends.complaints.migrations.0004_timeline_integrity")
    assert migration.SEALED_FIELDS == integrity.SEALED_FIELDS


def test_the_migration_seals_existing_complaints_so_they_verify_clean(cast):
    c = drive(cast, S.INVESTIGATING)
    Complaint.objects.filter(pk=c.pk).update(head_seq=0, head_hash="", seal="")
    assert (c.reference, Break.ROW_ALTERED) in found()
    from django.apps import apps

    migration = importlib.import_module("amends.complaints.migrations.0004_timeline_integrity")
    migration.seal_existing(apps, None)
    assert found() == []


# --- each kind of tampering, named ------------------------------------------------------------


def test_it_names_an_event_edited_in_the_middle(cast, capsys):
    c = drive(cast, S.INVESTIGATING)
    drive(cast, S.INVESTIGATING)
    ComplaintEvent.objects.filter(complaint=c, seq=2).update(data={"to": "closed"})
    assert found() == [(c.reference, Break.EVENT_ALTERED)]
    command_says(capsys, (c.reference, "event_altered"))


def test_it_names_an_event_deleted_from_the_middle(cast, capsys):
    c = drive(cast, S.INVESTIGATING)
    ComplaintEvent.objects.filter(complaint=c, seq=2).delete()
    assert found() == [(c.reference, Break.EVENT_MISSING)]
    command_says(capsys, (c.reference, "event_missing"))


def test_it_names_a_truncated_chain(cast, capsys):
    c = drive(cast, S.INVESTIGATING)
    untouched = drive(cast, S.INVESTIGATING)
    delete_events(c, from_seq=c.head_seq - 1)
    assert found() == [(c.reference, Break.CHAIN_TRUNCATED)]
    lines = command_says(capsys, (c.reference, "chain_truncated"))
    assert not any(untouched.reference in line for line in lines)


def test_it_names_a_deleted_chain(cast, capsys):
    c = drive(cast, S.ASSIGNED)
    delete_events(c)
    assert found() == [(c.reference, Break.CHAIN_DELETED)]
    command_says(capsys, (c.reference, "chain_deleted"))


@pytest.mark.parametrize(
    "field",
    [
        "reference",
        "company",
        "venue",
        "customer",
        "state",
        "description",
        "received_at",
        "respond_due",
        "resolve_due",
        "stage_due",
        "version",
    ],
)
def test_it_names_a_complaint_row_edited_in_the_database(cast, capsys, field):
    c = drive(cast, S.INVESTIGATING)
    other = drive(cast, S.ASSIGNED)
    change = {
        "reference": "GYM1-19990101-0001",
        "company": cast.stranger.company,
        "venue": cast.hotel,
        "customer": other.customer if other.customer_id != c.customer_id else None,
        "state": S.CLOSED,
        "description": "一切正常。",
        "received_at": c.received_at + timedelta(days=3),
        "respond_due": c.received_at + timedelta(days=30),
        "resolve_due": c.received_at + timedelta(days=30),
        "stage_due": c.received_at + timedelta(days=30),
        "version": c.version + 5,
    }[field]
    if change is None:  # both complaints share the customer: give c another one
        change = received(cast, phone="13800001111", customer_name="王五").customer
    Complaint.objects.filter(pk=c.pk).update(**{field: change})
    reference = Complaint.objects.get(pk=c.pk).reference
    assert found() == [(reference, Break.ROW_ALTERED)]
    command_says(capsys, (reference, "row_altered"))


def test_it_names_a_truncated_chain_whose_head_was_reset(cast, capsys):
    c = drive(cast, S.INVESTIGATING)
    kept = ComplaintEvent.objects.get(complaint=c, seq=c.head_seq - 2)
    delete_events(c, from_seq=kept.seq + 1)
    Complaint.objects.filter(pk=c.pk).update(head_seq=kept.seq, head_hash=kept.hash)
    assert found() == [(c.reference, Break.ROW_ALTERED)]
    command_says(capsys, (c.reference, "row_altered"))


def test_it_names_a_row_restored_without_its_events(cast, capsys):
    c = drive(cast, S.ASSIGNED)
    row, _events = snapshot(c)
    c = drive(cast, S.INVESTIGATING, complaint=c)
    Complaint.objects.filter(pk=c.pk).update(**{k: v for k, v in row.items() if k != "id"})
    assert found() == [(c.reference, Break.ROLLED_BACK)]
    command_says(capsys, (c.reference, "rolled_back"))


def test_it_names_a_complaint_rolled_back_with_its_events_after_a_checkpoint(cast, capsys):
    c = drive(cast, S.ASSIGNED)
    untouched = drive(cast, S.ASSIGNED)
    backup = snapshot(c)
    c = drive(cast, S.INVESTIGATING, complaint=c)
    checkpoint_write()
    restore(c, backup)
    assert found() == [(c.reference, Break.ROLLED_BACK)]
    lines = command_says(capsys, (c.reference, "rolled_back"))
    assert not any(untouched.reference in line for line in lines)


def test_it_names_a_complaint_restored_and_then_carried_on_after_a_checkpoint(cast):
    c = drive(cast, S.ASSIGNED)
    backup = snapshot(c)
    c = services.complaint_add_note(complaint=c, actor=cast.desk, text="客户来电催促")
    checkpoint_write()
    restore(c, backup)
    # The application carries on from the restored state: the chain is valid again, but it is
    # not the one the checkpoint saw.
    for text in ("另一条", "第三条"):
        services.complaint_add_note(
            complaint=Complaint.objects.get(pk=c.pk), actor=cast.desk, text=text
        )
    assert found() == [(c.reference, Break.ROLLED_BACK)]


def test_it_names_a_complaint_deleted_after_a_checkpoint(cast, capsys):
    c = drive(cast, S.ASSIGNED)
    drive(cast, S.ASSIGNED, customer_name="张伟", phone="13700001111")  # not its duplicate
    checkpoint_write()
    delete_complaint(c)
    assert found() == [(c.reference, Break.COMPLAINT_DELETED)]
    command_says(capsys, (c.reference, "complaint_deleted"))


def test_it_names_an_altered_checkpoint(cast, capsys):
    c = drive(cast, S.ASSIGNED)
    checkpoint_write()
    TimelineCheckpointEntry.objects.filter(complaint_id=c.pk).update(head_seq=1)
    assert found() == [("", Break.CHECKPOINT_ALTERED)]
    lines = command_says(capsys)
    assert any("checkpoints at checkpoint 1: checkpoint_altered" in line for line in lines)


def test_it_names_a_deleted_last_checkpoint_only_through_the_file(cast, tmp_path):
    drive(cast, S.ASSIGNED)
    with override_settings(AMENDS_CHECKPOINT_FILE=str(tmp_path / "checkpoints.jsonl")):
        checkpoint_write()
        second = checkpoint_write()
        assert second is not None
        second.entries.all().delete()
        second.delete()
        assert found() == [("", Break.CHECKPOINT_ALTERED)]
    assert found() == []  # without the file, a truncated checkpoint log cannot be seen


# --- checkpoints ------------------------------------------------------------------------------


def test_a_checkpoint_holds_only_the_heads_that_moved(cast):
    moving = drive(cast, S.ASSIGNED)
    still = drive(cast, S.ASSIGNED)
    first = checkpoint_write(now=local(2026, 11, 20, 10, 0))
    assert first is not None and first.count == 2
    assert checkpoint_write(now=local(2026, 11, 20, 11, 0)).count == 0
    moving = drive(cast, S.INVESTIGATING, complaint=moving)
    third = checkpoint_write(now=local(2026, 11, 20, 12, 0))
    assert third is not None and third.seq == 3 and third.prev_hash != first.hash
    assert list(third.entries.values_list("complaint_id", "head_seq")) == [
        (moving.pk, moving.head_seq)
    ]
    assert not third.entries.filter(complaint_id=still.pk).exists()
    assert found() == []


def test_the_checkpoint_file_catches_a_database_restored_from_an_old_backup(cast, tmp_path, capsys):
    path = tmp_path / "checkpoints.jsonl"
    with override_settings(AMENDS_CHECKPOINT_FILE=str(path)):
        c = drive(cast, S.ASSIGNED)
        untouched = drive(cast, S.ASSIGNED)
        checkpoint_write()
        backup = snapshot(c)  # the backup is taken here, with checkpoint 1
        c = drive(cast, S.INVESTIGATING, complaint=c)
        checkpoint_write()
        # Restore: the complaint and the checkpoint log both go back to the backup.
        restore(c, backup)
        TimelineCheckpointEntry.objects.filter(checkpoint__seq=2).delete()
        TimelineCheckpoint.objects.filter(seq=2).delete()
        lines = command_says(
            capsys, ("checkpoints", "checkpoint_altered"), (c.reference, "rolled_back")
        )
        assert not any(untouched.reference in line for line in lines)
        assert found() == [("", Break.CHECKPOINT_ALTERED), (c.reference, Break.ROLLED_BACK)]
    header = json.loads(path.read_text().splitlines()[0])
    assert header["checkpoint"] == 1 and header["count"] == 2


def test_the_checkpoint_file_catches_a_complaint_deleted_with_the_log_rolled_back(cast, tmp_path):
    with override_settings(AMENDS_CHECKPOINT_FILE=str(tmp_path / "checkpoints.jsonl")):
        c = drive(cast, S.ASSIGNED)
        checkpoint_write()
        TimelineCheckpointEntry.objects.all().delete()
        TimelineCheckpoint.objects.all().delete()
        delete_complaint(c)
        assert found() == [("", Break.CHECKPOINT_ALTERED), (c.reference, Break.COMPLAINT_DELETED)]


def test_the_checkpoint_file_is_itself_authenticated(cast, tmp_path):
    path = tmp_path / "checkpoints.jsonl"
    with override_settings(AMENDS_CHECKPOINT_FILE=str(path)):
        drive(cast, S.ASSIGNED)
        checkpoint_write()
        assert found() == []
        text = path.read_text()
        header, entry = text.splitlines()
        path.write_text(header + "\n" + entry.replace(',"', ',"x', 1) + "\n")
        assert found() == [("", Break.CHECKPOINT_ALTERED)]
        path.write_text(text.replace('"count":1', '"count":2'))
        assert found() == [("", Break.CHECKPOINT_ALTERED)]


# --- the admin --------------------------------------------------------------------------------


def test_the_admin_shows_checkpoints_read_only_to_a_superuser_only(cast, admin_client, client):
    c = drive(cast, S.ASSIGNED)
    checkpoint = checkpoint_write()
    assert checkpoint is not None
    entry = checkpoint.entries.get()
    pages = [
        "/admin/complaints/timelinecheckpoint/",
        f"/admin/complaints/timelinecheckpoint/{checkpoint.pk}/change/",
        f"/admin/complaints/timelinecheckpointentry/?q={c.reference}",
        f"/admin/complaints/timelinecheckpointentry/{entry.pk}/change/",
    ]
    for page in pages:
        response = admin_client.get(page)
        assert response.status_code == 200, page
    assert c.reference in admin_client.get(pages[2]).content.decode()
    assert admin_client.post(pages[1], {"seq": 9}).status_code == 403
    assert admin_client.get("/admin/complaints/timelinecheckpoint/add/").status_code == 403
    cast.manager.is_staff = True
    cast.manager.save()
    client.force_login(cast.manager)
    assert all(client.get(page).status_code in (302, 403) for page in pages)


def test_the_checkpoint_is_an_hourly_job(cast):
    from amends.core import jobs

    drive(cast, S.ASSIGNED)
    declared = jobs.get("complaints.timeline_checkpoint")
    assert declared.every == timedelta(hours=1)
    assert jobs.run("complaints.timeline_checkpoint").counts == {"heads": 1}
    assert jobs.run("complaints.timeline_checkpoint").counts == {"heads": 0}
    assert TimelineCheckpoint.objects.count() == 2


def test_verification_runs_a_fixed_number_of_queries_whatever_the_number_of_complaints(cast):
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert verify_all()[1] == []
        return len(captured)

    drive(cast, S.ASSIGNED)
    checkpoint_write()
    few = queries()
    for _ in range(3):
        drive(cast, S.INVESTIGATING)
    checkpoint_write()
    assert queries() == few
