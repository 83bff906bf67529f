"""Delivering the outbox by email over a real SMTP server: what goes out, what happens while the
mail server is down, and that every message reaches the server exactly once — through retries,
a worker killed half-way, and two workers at once."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections
from django.test import override_settings

from amends.core import clock, jobs
from amends.notifications import delivery
from amends.notifications.delivery import backoff, claim, deliver_due
from amends.notifications.models import DeliveryAttempt, Outbox
from amends.notifications.services import outbox_enqueue
from amends.notifications.tests.smtp import SmtpServer

WHEN = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
REF = "GYM1-20261120-0001"


def run(at: Any, batch: int = 50) -> dict[str, int]:
    """One delivery run at `at`, as the job runs it."""
    with clock.travel(at):
        return deliver_due(clock.now(), batch=batch)


def by_email(**fields: Any) -> Outbox:
    """An email to a customer, as the complaint's messages queue it (overridable)."""
    message: dict[str, Any] = {
        "kind": Outbox.Kind.FEEDBACK,
        "channel": Outbox.Channel.EMAIL,
        "address": "wang.fang@example.com",
        "subject": f"Your complaint {REF}: our answer",
        "body": "We have replaced the treadmill belt.",
        "language": "en",
        "reference": REF,
    }
    message.update(fields)
    row = outbox_enqueue(**message)
    assert row is not None
    return row


def received_by(server: SmtpServer, row: Outbox) -> list[EmailMessage]:
    return [m for m in server.parsed() if m["Message-ID"] == row.message_id]


def test_an_acknowledgement_goes_out_over_smtp_with_its_message_id(
    cast: Any, smtp_server: SmtpServer
) -> None:
    with clock.travel(WHEN):
        complaint = cast.receive(channel="email", language="en", severity="important")
    ack = Outbox.objects.get(complaint_id=complaint.pk, kind=Outbox.Kind.ACKNOWLEDGEMENT)
    assert ack.channel == Outbox.Channel.EMAIL and ack.message_id

    counts = run(WHEN + timedelta(seconds=10))

    assert counts["sent"] >= 1 and counts["failed"] == 0
    (mail,) = received_by(smtp_server, ack)
    assert mail["To"] == "wang.fang@example.com"
    assert mail["Subject"] == ack.subject
    assert mail["X-Amends-Reference"] == complaint.reference
    assert mail["Auto-Submitted"] == "auto-generated"
    assert smtp_server.envelopes[0][1] == ["wang.fang@example.com"]
    # The messages module rendered both parts; they go out as multipart/alternative.
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert text.get_content().replace("\r\n", "\n").strip() == ack.body.strip()
    assert complaint.reference in html.get_content()
    ack.refresh_from_db()
    assert (ack.status, ack.attempts, ack.sent_at) == ("sent", 1, WHEN + timedelta(seconds=10))
    (attempt,) = ack.delivery_attempts.all()
    assert attempt.ok and attempt.number == 1 and ack.message_id in attempt.response


@pytest.mark.django_db
def test_a_reply_is_threaded_and_has_html_and_text_parts(smtp_server: SmtpServer) -> None:
    with clock.travel(WHEN):
        row = by_email(
            context={
                "html": "<p>We have <b>replaced</b> the treadmill belt.</p>",
                "in_reply_to": "<first@mail.example.com>",
                "references": ["<first@mail.example.com>", "<second@amends.localhost>"],
                "reply_to": "gym1@complaints.example.com",
            }
        )
    run(WHEN)
    (mail,) = received_by(smtp_server, row)
    assert mail["In-Reply-To"] == "<first@mail.example.com>"
    assert mail["References"] == "<first@mail.example.com> <second@amends.localhost>"
    assert mail["Reply-To"] == "gym1@complaints.example.com"
    assert mail["From"] == "amends@localhost"
    assert mail["X-Amends-Reference"] == REF
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert text.get_content().strip() == "We have replaced the treadmill belt."
    assert "<b>replaced</b>" in html.get_content()


@pytest.mark.django_db
def test_nothing_is_lost_while_the_mail_server_is_down(
    smtp_server: SmtpServer, settings: Any
) -> None:
    settings.AMENDS_DELIVERY_MAX_ATTEMPTS = 8
    with clock.travel(WHEN):
        first, second = by_email(), by_email(subject="A second message")
    smtp_server.stop()

    # Down: the try is recorded and the row waits 1 minute, then 2 … (±10 %). The second
    # message is not tried in the same run (one timeout per run, not one per message).
    assert run(WHEN) == {"sent": 0, "retry": 1, "failed": 0, "skipped": 0, "postponed": 1}
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.attempts) == ("pending", 1)
    assert WHEN + timedelta(seconds=54) <= first.available_at <= WHEN + timedelta(seconds=66)
    assert "mail server unavailable" in first.last_error
    assert (second.status, second.attempts, second.available_at) == ("pending", 0, WHEN)
    assert not second.delivery_attempts.exists()
    assert run(WHEN + timedelta(seconds=30))["retry"] == 1  # the second; the first waits
    assert run(WHEN + timedelta(minutes=2))["retry"] == 1
    first.refresh_from_db()
    assert (first.status, first.attempts) == ("pending", 2)
    waited = first.available_at - (WHEN + timedelta(minutes=2))
    assert timedelta(seconds=108) <= waited <= timedelta(seconds=132)
    attempts = list(DeliveryAttempt.objects.filter(outbox=first).values_list("number", "ok"))
    assert attempts == [(1, False), (2, False)]
    assert smtp_server.messages == []

    # Back: everything goes out, once, and later runs send nothing more.
    smtp_server.start()
    assert run(WHEN + timedelta(minutes=10))["sent"] == 2
    assert run(WHEN + timedelta(hours=5)) == dict.fromkeys(delivery.OUTCOMES, 0)
    assert len(received_by(smtp_server, first)) == len(received_by(smtp_server, second)) == 1
    assert len(smtp_server.messages) == 2
    first.refresh_from_db()
    assert (first.status, first.attempts, first.last_error) == ("sent", 3, "")


@pytest.mark.django_db
def test_it_gives_up_after_the_last_attempt_and_says_why(
    smtp_server: SmtpServer, settings: Any
) -> None:
    settings.AMENDS_DELIVERY_MAX_ATTEMPTS = 3
    with clock.travel(WHEN):
        row = by_email()
    smtp_server.stop()
    at = WHEN
    for expected in ("pending", "pending", "failed"):
        counts = run(at)
        row.refresh_from_db()
        assert row.status == expected
        at = row.available_at + timedelta(seconds=1)
    assert counts == {"sent": 0, "retry": 0, "failed": 1, "skipped": 0, "postponed": 0}
    assert row.attempts == 3 and "mail server unavailable" in row.last_error
    assert Outbox.objects.filter(status="failed").get() == row  # what the admin lists
    smtp_server.start()
    assert run(WHEN + timedelta(days=1))["sent"] == 0  # a failed row is never tried again
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_a_session_the_server_closed_meanwhile_is_opened_again(smtp_server: SmtpServer) -> None:
    with clock.travel(WHEN):
        first, second = by_email(), by_email(subject="A second message")
    transports = delivery.Transports()
    try:
        with clock.travel(WHEN):
            (claimed_first, claimed_second) = claim(10, WHEN)
            assert delivery.deliver_one(claimed_first, transports) == "sent"
            smtp_server.stop()  # the server restarts: the kept session is gone
            smtp_server.start()
            assert delivery.deliver_one(claimed_second, transports) == "sent"
    finally:
        transports.close()
    assert len(received_by(smtp_server, second)) == 1
    assert {first.pk, second.pk} == {claimed_first.pk, claimed_second.pk}


def test_backoff_doubles_from_a_minute_to_at_most_an_hour() -> None:
    exact = [backoff(n, rand=lambda: 0.5) for n in (1, 2, 3, 4, 7, 8, 20)]
    assert exact == [timedelta(minutes=m) for m in (1, 2, 4, 8, 60, 60, 60)]
    assert backoff(1, rand=lambda: 0.0) == timedelta(seconds=54)
    assert backoff(1, rand=lambda: 1.0) == timedelta(seconds=66)
    assert backoff(8, rand=lambda: 1.0) == timedelta(hours=1)  # capped, jitter included


@pytest.mark.django_db
def test_a_refused_recipient_fails_at_once(smtp_server: SmtpServer) -> None:
    with clock.travel(WHEN):
        row = by_email(address="no-at-sign")
    assert run(WHEN)["failed"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (
        "failed",
        1,
        "no e-mail address to send to",
    )


@pytest.mark.django_db
def test_a_mailbox_the_server_refuses_fails_and_a_busy_one_is_retried(
    smtp_server: SmtpServer,
) -> None:
    smtp_server.refuse = {
        "nobody@example.com": "550 5.1.1 No such user",
        "full@example.com": "452 4.2.2 Mailbox full",
    }
    with clock.travel(WHEN):
        unknown = by_email(address="nobody@example.com")
        full = by_email(address="full@example.com")
        fine = by_email()
    assert run(WHEN) == {"sent": 1, "retry": 1, "failed": 1, "skipped": 0, "postponed": 0}
    unknown.refresh_from_db()
    full.refresh_from_db()
    assert unknown.status == "failed" and "550" in unknown.last_error
    assert full.status == "pending" and "452" in full.last_error
    assert len(received_by(smtp_server, fine)) == 1


@pytest.mark.django_db
def test_a_worker_killed_after_its_claim_is_replaced_by_the_next_run(
    smtp_server: SmtpServer,
) -> None:
    with clock.travel(WHEN):
        row = by_email()
    # A worker claims the row, then dies before sending it.
    assert [r.pk for r in claim(10, WHEN)] == [row.pk]
    row.refresh_from_db()
    assert (row.status, row.claimed_until) == ("sending", WHEN + delivery.LEASE)
    # While its lease holds, nobody else takes it.
    assert run(WHEN + timedelta(minutes=1))["sent"] == 0
    assert smtp_server.messages == []
    # The lease passes: the next run delivers it, once.
    assert run(WHEN + timedelta(minutes=3))["sent"] == 1
    assert run(WHEN + timedelta(minutes=10))["sent"] == 0
    assert len(received_by(smtp_server, row)) == 1
    row.refresh_from_db()
    assert (row.status, row.claimed_until, row.attempts) == ("sent", None, 1)


@pytest.mark.django_db
def test_a_worker_that_lost_its_lease_does_not_send_again(smtp_server: SmtpServer) -> None:
    with clock.travel(WHEN):
        row = by_email()
    slow = claim(10, WHEN)  # a worker claims it and is held up (earlier rows were slow)
    later = WHEN + delivery.LEASE + timedelta(seconds=1)
    assert run(later)["sent"] == 1  # another worker took the expired claim and sent it
    with clock.travel(later + timedelta(seconds=5)):
        outcome = delivery.deliver_one(slow[0], delivery.Transports())
    assert outcome == "skipped"
    assert len(received_by(smtp_server, row)) == 1


@pytest.mark.django_db
def test_of_two_workers_that_saw_the_same_row_one_claims_it() -> None:
    """The compare-and-set claim (SQLite's path): a second worker that read the same due row
    before the first claimed it changes nothing — for a pending row, and for an expired claim."""
    with clock.travel(WHEN):
        row = by_email()
    seen = Outbox.objects.get(pk=row.pk)  # both workers read the row as due
    until = WHEN + delivery.LEASE
    assert delivery.take(seen, now=WHEN, until=until) is True
    assert delivery.take(seen, now=WHEN, until=until) is False
    # Both see the claim expired later; again one wins.
    later = until + timedelta(seconds=1)
    expired = Outbox.objects.get(pk=row.pk)
    assert delivery.take(expired, now=later, until=later + delivery.LEASE) is True
    assert delivery.take(expired, now=later, until=later + delivery.LEASE) is False
    row.refresh_from_db()
    assert (row.status, row.claimed_until) == ("sending", later + delivery.LEASE)


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_never_send_a_row_twice(cast: Any, smtp_server: SmtpServer) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("real row locks between two connections: PostgreSQL")
    with clock.travel(WHEN):
        rows = [by_email(subject=f"Message {n}") for n in range(30)]
    barrier = threading.Barrier(2)
    totals: list[dict[str, int]] = []

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                totals.append(deliver_due(WHEN, batch=4))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(t["sent"] for t in totals) == 30
    ids = [m["Message-ID"] for m in smtp_server.parsed()]
    assert sorted(ids) == sorted(r.message_id for r in rows)  # each once, none twice
    assert Outbox.objects.filter(status="sent").count() == 30
    assert DeliveryAttempt.objects.count() == 30


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_at_once_get_different_rows() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("real row locks between two connections: PostgreSQL")
    with clock.travel(WHEN):
        rows = [by_email(subject=f"Message {n}") for n in range(40)]
    barrier = threading.Barrier(2)
    claimed: list[list[int]] = [[], []]

    def worker(mine: list[int]) -> None:
        try:
            barrier.wait()
            for _ in range(10):
                mine.extend(row.pk for row in claim(3, WHEN))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(mine,)) for mine in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first, second = claimed
    assert not set(first) & set(second)
    assert sorted(first + second) == sorted(row.pk for row in rows)


@pytest.mark.django_db
def test_the_job_delivers_every_due_message(smtp_server: SmtpServer, settings: Any) -> None:
    declared = jobs.get("notifications.deliver")
    assert declared.every == timedelta(seconds=settings.AMENDS_DELIVERY_SECONDS)
    with clock.travel(WHEN):
        for n in range(3):
            by_email(subject=f"Message {n}")
    assert jobs.run("notifications.deliver", now=WHEN).counts == {
        "sent": 3,
        "retry": 0,
        "failed": 0,
        "skipped": 0,
        "postponed": 0,
    }
    assert jobs.run("notifications.deliver", now=WHEN).counts["sent"] == 0
    assert len(smtp_server.messages) == 3


@pytest.mark.django_db
def test_console_rows_are_marked_sent_and_letters_wait_for_a_person(cast: Any) -> None:
    with clock.travel(WHEN):
        bell = outbox_enqueue(
            kind=Outbox.Kind.ASSIGNMENT,
            channel=Outbox.Channel.IN_APP,
            subject="Assigned to you",
            body="…",
            language="en",
            recipient_user=cast.specialist,
        )
        letter = outbox_enqueue(
            kind=Outbox.Kind.FEEDBACK,
            channel=Outbox.Channel.MANUAL,
            subject="Our answer",
            body="…",
            language="zh-hans",
        )
    assert bell is not None and letter is not None
    assert run(WHEN)["sent"] == 1
    bell.refresh_from_db()
    letter.refresh_from_db()
    assert (bell.status, letter.status, letter.attempts) == ("sent", "pending", 0)


@pytest.mark.django_db
@override_settings(EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend")
def test_without_a_mail_server_emails_are_written_to_files(tmp_path: Any, settings: Any) -> None:
    settings.EMAIL_FILE_PATH = tmp_path
    with clock.travel(WHEN):
        row = by_email()
    assert run(WHEN)["sent"] == 1
    (written,) = list(tmp_path.iterdir())
    content = written.read_text()
    assert f"Message-ID: {row.message_id}" in content
    assert f"X-Amends-Reference: {REF}" in content
