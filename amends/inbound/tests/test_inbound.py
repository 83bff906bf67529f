"""Email in: a new message opens a complaint, a customer's reply threads into theirs, auto-replies
and loops are ignored, and nothing is lost or doubled when a worker dies or a message is fetched
twice."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from amends.complaints.events import EventKind
from amends.complaints.models import Complaint, Evidence
from amends.complaints.tests.stories import drive
from amends.complaints.transitions import State
from amends.conftest import Cast, local
from amends.core import clock, jobs
from amends.inbound import services
from amends.inbound.services import inbound_store, inbound_store_and_process
from amends.inbound.tests.mail import EXE, PNG, email, gbk_email
from amends.notifications.models import InboundMessage, Mailbox, Outbox

S = State
Status = InboundMessage.Status


@pytest.fixture
def mailbox(cast: Cast) -> Mailbox:
    return Mailbox.objects.create(venue=cast.gym, address="complaints@gym1.example.com")


def arrive(raw: bytes, mailbox: Mailbox) -> InboundMessage:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        return inbound_store_and_process(raw, mailbox=mailbox)


def complaint_of(row: InboundMessage) -> Complaint:
    assert row.complaint_id is not None, (row.status, row.reason)
    return Complaint.objects.get(pk=row.complaint_id)


def opened(mailbox: Mailbox, **fields: object) -> Complaint:
    given: dict[str, object] = {
        "subject": "Broken treadmill",
        "text": "The treadmill in zone B stopped suddenly and I fell.",
        **fields,
    }
    return complaint_of(arrive(email(**given), mailbox))  # type: ignore[arg-type]


# --- new complaints -------------------------------------------------------------------------


def test_it_opens_a_complaint_from_a_new_english_email(cast: Cast, mailbox: Mailbox) -> None:
    row = arrive(
        email(subject="Broken treadmill", text="The treadmill stopped suddenly and I fell."),
        mailbox,
    )
    assert (row.status, row.attempts) == (Status.COMPLAINT, 1)
    c = complaint_of(row)
    assert c.reference == "GYM1-20261120-0001" and c.venue == cast.gym
    assert (c.channel, c.language) == ("email", "en")
    assert c.description == "Broken treadmill\n\nThe treadmill stopped suddenly and I fell."
    assert (c.customer.email, c.customer.name) == ("wang.fang@example.com", "Wang Fang")
    assert c.received_by is None and c.owner is not None
    ack = Outbox.objects.get(complaint_id=c.pk, kind=Outbox.Kind.ACKNOWLEDGEMENT)
    assert (ack.channel, ack.recipient_address) == ("email", "wang.fang@example.com")
    # The acknowledgement answers the customer's email and asks replies to the venue's mailbox.
    assert ack.context["in_reply_to"] == "<m1@mail.example.com>"
    assert ack.context["references"] == ["<m1@mail.example.com>"]
    assert ack.context["reply_to"] == "complaints@gym1.example.com"
    assert c.reference in ack.subject


def test_it_detects_a_chinese_email(cast: Cast, mailbox: Mailbox) -> None:
    c = opened(mailbox, subject="跑步机坏了", text="B区的跑步机突然停了，我摔倒了。Model X200.")
    assert c.language == "zh-hans"
    assert Outbox.objects.get(complaint_id=c.pk, kind="acknowledgement").language == "zh-hans"


def test_it_reads_a_gbk_email_with_a_gb2312_subject(cast: Cast, mailbox: Mailbox) -> None:
    c = complaint_of(arrive(gbk_email(), mailbox))
    assert c.description.startswith("泳池水质问题\n\n你好，游泳池的水很浑浊")
    assert (c.language, c.customer.name, c.customer.email) == (
        "zh-hans",
        "张伟",
        "zhang.wei@example.cn",
    )


def test_it_reads_an_html_only_email(cast: Cast, mailbox: Mailbox) -> None:
    html = "<html><style>p{color:red}</style><p>Shower is <b>cold</b>.</p><p>Room 2&amp;3</p>"
    c = complaint_of(arrive(email(subject="Cold shower", html=html), mailbox))
    assert c.description == "Cold shower\n\nShower is cold.\n\nRoom 2&3"


def test_it_keeps_the_files_and_notes_the_refused_ones(cast: Cast, mailbox: Mailbox) -> None:
    files = [("photo.png", "image/png", PNG), ("virus.exe", "application/octet-stream", EXE)]
    c = complaint_of(arrive(email(subject="Wet floor", text="See photo.", files=files), mailbox))
    kept = Evidence.objects.get(complaint=c)
    assert (kept.original_name, kept.content_type) == ("photo.png", "image/png")
    assert kept.uploaded_by is None  # the customer's, not a member of staff's
    note = c.events.get(kind=EventKind.NOTE)
    assert note.actor_kind == "system"
    assert "virus.exe" in note.data["text"]
    assert c.state != S.RECEIVED  # recorded and acknowledged all the same


def test_the_same_message_fetched_twice_makes_one_complaint(cast: Cast, mailbox: Mailbox) -> None:
    raw = email(subject="Noise", text="Loud music at 6 am.")
    first = arrive(raw, mailbox)
    again = arrive(raw, mailbox)
    assert again.pk == first.pk and again.status == Status.COMPLAINT
    assert Complaint.objects.count() == 1
    row, created = inbound_store(raw, mailbox=mailbox)
    assert (row.pk, created) == (first.pk, False)


def test_a_message_without_message_id_is_known_by_its_bytes(cast: Cast, mailbox: Mailbox) -> None:
    raw = email(subject="Noise", text="Loud music.", message_id=None)
    first = arrive(raw, mailbox)
    assert first.message_id.startswith("<sha256.")
    assert arrive(raw, mailbox).pk == first.pk
    assert Complaint.objects.count() == 1


# --- replies --------------------------------------------------------------------------------


def _messages(c: Complaint) -> list[tuple[str, str]]:
    return [
        (e.data["text"], e.data["via"]) for e in c.events.filter(kind=EventKind.CUSTOMER_MESSAGE)
    ]


def test_a_reply_with_the_reference_in_the_subject_threads_in(cast: Cast, mailbox: Mailbox) -> None:
    c = opened(mailbox)
    reply = email(
        subject=f"Re: We have received your complaint {c.reference}",
        text="It happened again today.\n\nOn Fri, 20 Nov 2026 amends <amends@localhost> wrote:\n"
        "> Thank you for telling us.",
        message_id="<m2@mail.example.com>",
    )
    row = arrive(reply, mailbox)
    assert (row.status, row.complaint_id) == (Status.REPLY, c.pk)
    assert _messages(c) == [("It happened again today.", "email")]
    assert Complaint.objects.count() == 1
    told = Outbox.objects.filter(complaint_id=c.pk, kind=Outbox.Kind.CUSTOMER_MESSAGE)
    assert told.exists()  # the handler is told in the console


def test_a_reply_to_our_message_id_threads_in(cast: Cast, mailbox: Mailbox) -> None:
    c = opened(mailbox)
    ack = Outbox.objects.get(complaint_id=c.pk, kind="acknowledgement")
    reply = email(
        subject="Re: your email",
        text="在 2026年11月20日 amends 写道：\n> 感谢",
        message_id="<m2@mail.example.com>",
        headers={"In-Reply-To": ack.message_id},
    )
    row = arrive(reply, mailbox)
    assert (row.status, row.complaint_id) == (Status.REPLY, c.pk)
    # Nothing new above the quote: the whole text without the quoted lines is kept.
    assert _messages(c) == [("在 2026年11月20日 amends 写道：", "email")]


def test_a_reply_naming_the_complaint_in_references_threads_in(
    cast: Cast, mailbox: Mailbox
) -> None:
    c = opened(mailbox)
    reply = email(
        subject="still broken",
        text="Still broken.\n\n-----Original Message-----\nFrom: amends",
        message_id="<m3@mail.example.com>",
        headers={"References": "<m1@mail.example.com> <unknown@elsewhere>"},
    )
    row = arrive(reply, mailbox)
    assert (row.status, row.complaint_id) == (Status.REPLY, c.pk)
    assert _messages(c) == [("Still broken.", "email")]
    # Our next email to the customer threads after their reply.
    c.refresh_from_db()
    services_reply = Outbox.objects.filter(complaint_id=c.pk, channel="email", kind="message")
    assert not services_reply.exists()


def test_a_stranger_naming_a_complaint_opens_a_new_one(cast: Cast, mailbox: Mailbox) -> None:
    c = opened(mailbox)
    row = arrive(
        email(
            subject=f"Re: {c.reference}",
            text="I saw this too.",
            sender="Li Na <li.na@example.com>",
            message_id="<m4@mail.example.com>",
        ),
        mailbox,
    )
    assert row.status == Status.COMPLAINT and row.complaint_id != c.pk
    assert _messages(c) == []


def test_a_reply_to_a_closed_complaint_opens_a_new_one_naming_it(
    cast: Cast, mailbox: Mailbox
) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = drive(cast, S.CLOSED, channel="email", email="wang.fang@example.com")
    row = arrive(
        email(subject=f"Re: {c.reference}", text="The refund never came.", message_id="<m5@x>"),
        mailbox,
    )
    assert row.status == Status.COMPLAINT and row.complaint_id != c.pk
    follow = complaint_of(row)
    assert c.reference in follow.description and "The refund never came." in follow.description


def test_a_reply_with_a_photo_adds_evidence(cast: Cast, mailbox: Mailbox) -> None:
    c = opened(mailbox)
    arrive(
        email(
            subject=f"Re: {c.reference}",
            files=[("more.png", "image/png", PNG)],
            message_id="<m6@mail.example.com>",
        ),
        mailbox,
    )
    assert list(Evidence.objects.filter(complaint=c).values_list("original_name", flat=True)) == [
        "more.png"
    ]


# --- ignored --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "sender", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, None, "auto-reply"),
        ({"X-Autoreply": "yes"}, None, "auto-reply"),
        ({"Precedence": "bulk"}, None, "bulk"),
        ({"List-Id": "<news.example.com>"}, None, "mailing list"),
        ({"Return-Path": "<>"}, None, "bounce"),
        ({}, "MAILER-DAEMON@mail.example.com", "automatic sender"),
        ({}, "amends@localhost", "loop"),
        ({}, "complaints@gym1.example.com", "loop"),
        ({"X-Amends-Loop": "1"}, None, "loop"),
    ],
)
def test_it_ignores_auto_replies_bounces_and_loops(
    cast: Cast, mailbox: Mailbox, headers: dict[str, str], sender: str | None, reason: str
) -> None:
    raw = email(
        subject="Out of office",
        text="I am away.",
        headers=headers,
        **({"sender": sender} if sender else {}),  # type: ignore[arg-type]
    )
    row = arrive(raw, mailbox)
    assert row.status == Status.IGNORED and reason in row.reason
    assert not Complaint.objects.exists()


def test_it_ignores_a_delivery_status_report(cast: Cast, mailbox: Mailbox) -> None:
    raw = (
        b"From: Mail Delivery System <bounces@mail.example.com>\r\n"
        b"To: amends@localhost\r\nSubject: Undelivered Mail\r\nMessage-ID: <dsn1@x>\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nCould not deliver.\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--b--\r\n"
    )
    row = arrive(raw, mailbox)
    assert row.status == Status.IGNORED and "bounce" in row.reason


def test_our_own_message_coming_back_is_ignored(cast: Cast, mailbox: Mailbox) -> None:
    c = opened(mailbox)
    ack = Outbox.objects.get(complaint_id=c.pk, kind="acknowledgement")
    raw = email(subject=ack.subject, text=ack.body, message_id=ack.message_id)
    row = arrive(raw, mailbox)
    assert row.status == Status.IGNORED and "our own message" in row.reason
    assert _messages(c) == []


def test_a_staff_reply_to_a_notification_opens_nothing(cast: Cast, mailbox: Mailbox) -> None:
    # A fall from a treadmill: triage routes it to maintenance, whose notice is the one replied to.
    for person in (cast.specialist, cast.specialist2, cast.manager, cast.maintenance):
        person.email = f"{person.username}@example.com"
        person.save()
    c = opened(mailbox)
    notice = Outbox.objects.filter(complaint_id=c.pk, channel="email").exclude(recipient_user=None)[
        0
    ]
    raw = email(
        subject=f"Re: {notice.subject}",
        text="On it.",
        sender=notice.recipient_address,
        message_id="<staff1@x>",
        headers={"In-Reply-To": notice.message_id},
    )
    row = arrive(raw, mailbox)
    assert row.status == Status.IGNORED and "staff notification" in row.reason
    assert Complaint.objects.count() == 1


def test_a_sender_writing_in_a_loop_is_cut_off(
    cast: Cast, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "MAX_PER_SENDER_HOUR", 2)
    rows = [
        arrive(email(subject=f"n{i}", text="again", message_id=f"<loop{i}@x>"), mailbox)
        for i in range(3)
    ]
    assert [r.status for r in rows] == [Status.COMPLAINT, Status.COMPLAINT, Status.IGNORED]


# --- nothing lost ---------------------------------------------------------------------------


class Killed(BaseException):
    """A worker killed half-way (not an error the code may catch)."""


def test_a_worker_killed_half_way_leaves_the_message_pending_for_the_job(
    cast: Cast, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = email(subject="Locker broken", text="Locker 12 does not lock.")
    with clock.travel(local(2026, 11, 20, 10, 0)):
        row, _created = inbound_store(raw, mailbox=mailbox)

    def die(*args: object, **kwargs: object) -> None:
        raise Killed

    monkeypatch.setattr(services, "complaint_receive", die)
    with pytest.raises(Killed), clock.travel(local(2026, 11, 20, 10, 0)):
        services.inbound_process(row)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.PENDING, 0)
    assert not Complaint.objects.exists()

    monkeypatch.undo()
    run = jobs.run("inbound.process_pending", now=local(2026, 11, 20, 10, 1))
    assert run.counts == {"processed": 1}
    row.refresh_from_db()
    assert row.status == Status.COMPLAINT and Complaint.objects.count() == 1
    assert jobs.run("inbound.process_pending").counts == {"processed": 0}


def test_a_failing_message_is_marked_and_retried_up_to_five_times(
    cast: Cast, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(services, "complaint_receive", broken)
    row = arrive(email(subject="Sauna", text="Too hot."), mailbox)
    assert (row.status, row.attempts) == (Status.FAILED, 1)
    assert "database hiccup" in row.reason
    good = arrive(email(subject="Pool", text="Cold.", message_id="<m9@x>"), mailbox)
    assert good.status == Status.FAILED  # the same hiccup, but one failure never stops the next
    for _ in range(6):
        jobs.run("inbound.process_pending", now=local(2026, 11, 20, 10, 5))
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.FAILED, services.MAX_ATTEMPTS)
    monkeypatch.undo()
    assert jobs.run("inbound.process_pending").counts == {"processed": 0}


def test_a_message_with_no_mailbox_needs_a_venue(cast: Cast) -> None:
    row = inbound_store_and_process(email(subject="Gym", text="Dirty towels."), venue=cast.gym)
    assert complaint_of(row).venue == cast.gym
    orphan = inbound_store_and_process(email(subject="?", text="?", message_id="<o@x>"))
    assert orphan.status == Status.FAILED and "no venue" in orphan.reason


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_store_and_process_a_message_once(cast: Cast) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("real row locks between two connections: PostgreSQL")
    mailbox = Mailbox.objects.create(venue=cast.gym, address="complaints@gym1.example.com")
    raw = email(subject="Locker", text="Locker 12 is broken.")
    barrier = threading.Barrier(2)
    rows: list[InboundMessage] = []

    def work() -> None:
        try:
            barrier.wait()
            with clock.travel(local(2026, 11, 20, 10, 0)):
                rows.append(inbound_store_and_process(raw, mailbox=mailbox))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(rows) == 2 and rows[0].pk == rows[1].pk
    assert InboundMessage.objects.get().status == Status.COMPLAINT
    assert Complaint.objects.count() == 1


def test_a_gateways_message_that_failed_opens_its_complaint_at_the_named_venue_on_retry(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database hiccup")

    raw = email(subject="Towels", text="No clean towels at 7 am.", message_id="<gw1@x>")
    with monkeypatch.context() as patch:
        patch.setattr(services, "complaint_receive", broken)
        row = inbound_store_and_process(raw, venue=cast.gym2)
    assert row.status == Status.FAILED
    jobs.run("inbound.process_pending", now=local(2026, 11, 20, 10, 5))
    row.refresh_from_db()
    assert row.status == Status.COMPLAINT and complaint_of(row).venue == cast.gym2


def test_control_characters_in_a_message_are_dropped_not_stored(
    cast: Cast, mailbox: Mailbox
) -> None:
    raw = (
        b"From: =?utf-8?q?Zhao=00Min?= <zhao@example.com>\r\n"
        b"To: complaints@gym1.example.com\r\n"
        b"Subject: =?utf-8?q?Locker=00broken?=\r\n"
        b"Message-ID: <a\x00b@example.com>\r\n\r\n"
        b"Locker\x00 12 does not lock.\r\n"
    )
    row = arrive(raw, mailbox)
    assert row.status == Status.COMPLAINT, row.reason
    complaint = complaint_of(row)
    assert "\x00" not in complaint.description and "Locker" in complaint.description
    assert "\x00" not in row.message_id


def test_a_malformed_header_never_stops_a_message_from_being_taken_in(
    cast: Cast, mailbox: Mailbox
) -> None:
    raw = (
        b"From: Zhao Min <zhao@example.com>\r\n"
        b"To: a@\r\n"
        b"Message-ID: <>\r\n"
        b"Subject: " + b"1-" * 40000 + b"!\r\n\r\n"
        b"The steam room door does not close.\r\n"
    )
    row = arrive(raw, mailbox)
    assert row.status == Status.COMPLAINT, row.reason
    assert "steam room" in complaint_of(row).description
