"""One complaint through every channel, end to end, on real servers: a customer emails a real
IMAP mailbox (dovecot) → the poller opens a complaint → the acknowledgement leaves over real SMTP
(aiosmtpd) → the customer's reply threads into it → the handler's remedy offer goes out → the
customer accepts it on the tracking page (the link in the email) → feedback → the survey
invitation → the customer answers the survey (the link in the email).

The jobs run the two ways amends runs them: in-process (`amends serve`, `amends tick`) and
through a real Celery worker on Redis. Then the workers are killed half-way (the poller after it
stored a message, the delivery worker after it claimed its rows or sent one of them): nothing is
lost and nothing is sent or recorded twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any
from urllib.parse import urlsplit

import pytest
from celery.contrib.testing.worker import start_worker
from django.test import Client

from amends import worker
from amends.complaints.models import Complaint, Survey
from amends.complaints.tests.stories import S, act, drive
from amends.conftest import local
from amends.core import clock, jobs
from amends.inbound import services as inbound
from amends.inbound.tests.imap import ImapServer, imap_server_fixture
from amends.inbound.tests.mail import PNG
from amends.notifications import delivery
from amends.notifications.models import InboundMessage, Mailbox, Outbox
from amends.notifications.tests.smtp import SmtpServer, smtp_server

__all__ = ["smtp_server"]  # a fixture of this module's tests

CUSTOMER = "lina.li@example.com"
MAILBOX = "service@gym1.example.com"
MONDAY = local(2026, 11, 23, 9, 30)


@pytest.fixture(scope="module")
def imap_process() -> Iterator[ImapServer]:
    yield from imap_server_fixture()


@pytest.fixture
def imap_server(imap_process: ImapServer) -> ImapServer:
    imap_process.clear()
    return imap_process


@pytest.fixture
def mailbox(cast, imap_server: ImapServer) -> Mailbox:
    return Mailbox.objects.create(
        venue=cast.gym,
        address=MAILBOX,
        imap_host=imap_server.host,
        imap_port=imap_server.port,
        imap_ssl=False,
        imap_user=imap_server.user,
        imap_password=imap_server.password,
    )


Run = Callable[[str], dict[str, int]]


@pytest.fixture(params=["embedded", "celery"])
def run(request: pytest.FixtureRequest) -> Iterator[Run]:
    """Run a registered job by name at the clock's time: in-process, or sent to a real Celery
    worker on Redis and waited for."""
    if request.param == "embedded":
        yield lambda name: dict(jobs.run(name, where="test").counts)
        return
    app = request.getfixturevalue("celery_app")
    with start_worker(app, perform_ping_check=False, shutdown_timeout=30):

        def through_celery(name: str) -> dict[str, int]:
            result = app.send_task(worker.TASK, args=(name,), kwargs={"now": now_iso()})
            return dict(result.get(timeout=60))

        yield through_celery


def now_iso() -> str:
    return clock.now().isoformat()


def customer_mail(
    *, subject: str, text: str, replying_to: EmailMessage | None = None, photo: bool = False
) -> bytes:
    message = EmailMessage()
    message["From"] = f"李娜 <{CUSTOMER}>"
    message["To"] = MAILBOX
    message["Subject"] = subject
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid(domain="mail.example.com")
    if replying_to is not None:
        message["In-Reply-To"] = replying_to["Message-ID"]
        message["References"] = replying_to["Message-ID"]
    message.set_content(text)
    if photo:
        message.add_attachment(PNG, maintype="image", subtype="png", filename="跑步机.png")
    return bytes(message)


def to_customer(smtp: SmtpServer) -> list[EmailMessage]:
    return [m for m in smtp.parsed() if CUSTOMER in str(m["To"])]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def link_in(message: EmailMessage, pattern: str) -> str:
    """The path of the first link in the message's text whose path matches `pattern`."""
    for url in re.findall(r"https?://\S+", text_of(message)):
        path = urlsplit(url.rstrip(".,;)")).path
        if re.fullmatch(pattern, path):
            return path
    raise AssertionError(f"no link to {pattern} in:\n{text_of(message)}")


def deliver(run: Run) -> None:
    """Run the delivery job until nothing is due."""
    for _ in range(5):
        if not run("notifications.deliver").get("sent"):
            return


@pytest.mark.django_db(transaction=True)
def test_a_customer_emails_a_complaint_and_is_answered_through_every_step(
    cast, mailbox, imap_server, smtp_server, run
):
    # 09:30 Monday: Li Na emails the club about the treadmill.
    with clock.travel(MONDAY):
        imap_server.append(
            customer_mail(
                subject="跑步机皮带打滑，我摔倒了",
                text="今天早上在二楼跑步机上跑步，皮带突然打滑，我摔倒擦伤了膝盖。请尽快处理。",
            )
        )
        assert run("inbound.poll_mailboxes") == {"stored": 1}
        c = Complaint.objects.get(channel="email")
        assert (c.channel, c.language, c.venue) == ("email", "zh-hans", cast.gym)
        assert c.owner is not None and c.received_by is None  # the duty owner, not a receiver
        deliver(run)
    [ack] = to_customer(smtp_server)
    assert c.reference in str(ack["Subject"])
    assert (
        ack["Message-ID"]
        == Outbox.objects.get(complaint_id=c.pk, kind="acknowledgement").message_id
    )
    assert ack["Reply-To"] == MAILBOX
    assert ack.get_body(preferencelist=("html",)) is not None  # and a plain-text part above

    # 10:05: she answers the acknowledgement with a photo: it threads into her complaint.
    with clock.travel(MONDAY + timedelta(minutes=35)):
        imap_server.append(
            customer_mail(
                subject=f"Re: {ack['Subject']}",
                text="补充一张照片，是二楼靠窗的第三台。\n\n> 原邮件内容",
                replying_to=ack,
                photo=True,
            )
        )
        run("inbound.poll_mailboxes")
    assert Complaint.objects.filter(channel="email").count() == 1
    c.refresh_from_db()
    assert c.evidence.count() == 1
    said = [e.data["text"] for e in c.events.filter(kind="customer_message")]
    assert said == ["补充一张照片，是二楼靠窗的第三台。"]

    # The afternoon: the specialist investigates and proposes a remedy; the manager approves.
    with clock.travel(MONDAY + timedelta(hours=5)):
        if c.assignee != cast.specialist:
            c = act("assign", c, cast.manager, assignee=cast.specialist.pk)
        facilities = cast.category("facility_equipment")
        c = act("classify", c, cast.specialist, category=facilities, severity="important")
        c = drive(cast, S.APPROVED, complaint=c)
        deliver(run)
    offer = to_customer(smtp_server)[-1]
    assert Outbox.objects.get(message_id=offer["Message-ID"]).kind == "remedy_offer"
    assert offer["In-Reply-To"] is not None  # the thread she started

    # She follows the link in the offer and accepts the remedy on her tracking page.
    customer = Client()
    with clock.travel(MONDAY + timedelta(hours=6)):
        page = link_in(offer, r"/c/[^/]+/[0-9a-f]+/")
        shown = customer.get(page)
        assert shown.status_code == 200
        c.refresh_from_db()
        answer = customer.post(f"{page}do/consent/", {"version": c.version, "accepted": "yes"})
        assert answer.status_code == 302
    c.refresh_from_db()
    assert c.state == S.CUSTOMER_ACCEPTED

    # Tuesday: the remedy is carried out, she hears the outcome, the revisit, the close.
    with clock.travel(MONDAY + timedelta(days=1)):
        c = drive(cast, S.FEEDBACK_GIVEN, complaint=c)
        deliver(run)
        feedback = to_customer(smtp_server)[-1]
        assert Outbox.objects.get(message_id=feedback["Message-ID"]).kind == "feedback"
        c = drive(cast, S.CLOSED, complaint=c)
        deliver(run)
    invitation = to_customer(smtp_server)[-1]
    assert Outbox.objects.get(message_id=invitation["Message-ID"]).kind == "survey_invitation"

    # She answers the survey through the link in the invitation.
    with clock.travel(MONDAY + timedelta(days=2)):
        survey_page = link_in(invitation, r"/s/[^/]+/")
        assert customer.get(survey_page).status_code == 200
        customer.post(survey_page, {"satisfaction": "5", "nps": "9", "comment": "处理很及时"})
    survey = Survey.objects.get(complaint=c)
    assert (survey.satisfaction, survey.nps, survey.answered_at is not None) == (5, 9, True)

    # Every message to her went out once, each with its own Message-ID.
    kinds = [Outbox.objects.get(message_id=m["Message-ID"]).kind for m in to_customer(smtp_server)]
    assert kinds == ["acknowledgement", "remedy_offer", "feedback", "survey_invitation"]
    assert not Outbox.objects.filter(status__in=["pending", "sending", "failed"], channel="email")


class Killed(BaseException):
    """A worker killed by a signal: not an error the code can catch and carry on from."""


@pytest.mark.django_db(transaction=True)
def test_a_poller_killed_after_storing_a_message_loses_and_doubles_nothing(
    cast, mailbox, imap_server, monkeypatch
):
    with clock.travel(MONDAY):
        imap_server.append(customer_mail(subject="储物柜坏了", text="更衣室 108 号储物柜锁不上。"))

        def killed(*args: Any, **kwargs: Any) -> None:
            raise Killed

        with monkeypatch.context() as patch:
            patch.setattr(inbound, "inbound_process_pending", killed)
            with pytest.raises(Killed):
                jobs.run("inbound.poll_mailboxes", where="test")
        assert InboundMessage.objects.get().status == "pending"
        assert not Complaint.objects.exists()
        # The next runs: the pending message is processed once, the mailbox fetched again.
        jobs.run("inbound.process_pending", where="test")
        jobs.run("inbound.poll_mailboxes", where="test")
        jobs.run("inbound.process_pending", where="test")
    assert Complaint.objects.count() == 1
    assert InboundMessage.objects.get().status == "complaint"


@pytest.mark.django_db(transaction=True)
def test_a_poller_killed_before_storing_leaves_the_message_unread_for_the_next_run(
    cast, mailbox, imap_server, monkeypatch
):
    with clock.travel(MONDAY):
        imap_server.append(customer_mail(subject="淋浴没有热水", text="男更衣室淋浴一直是冷水。"))

        def killed(*args: Any, **kwargs: Any) -> None:
            raise Killed

        with monkeypatch.context() as patch:
            patch.setattr(inbound, "inbound_store", killed)
            with pytest.raises(Killed):
                jobs.run("inbound.poll_mailboxes", where="test")
        assert not InboundMessage.objects.exists()
        jobs.run("inbound.poll_mailboxes", where="test")
        jobs.run("inbound.poll_mailboxes", where="test")
    assert Complaint.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_delivery_worker_killed_half_way_loses_and_doubles_nothing(
    cast, smtp_server, monkeypatch
):
    with clock.travel(MONDAY):
        for n in range(3):
            cast.receive(
                channel="email",
                customer_name=f"会员{n}",
                email=f"member{n}@example.com",
                phone="",
                # Not urgent: only the acknowledgements are due (no alerts to the managers).
                description="淋浴间的热水一直不够热。",
            )
        due = Outbox.objects.filter(channel="email", recipient_user__isnull=True)
        assert due.count() == 3

        # The first worker sends one acknowledgement and is killed while sending the second.
        real = delivery.Transports.deliver
        sent: list[int] = []

        def dies_on_the_second(self: Any, row: Outbox) -> Any:
            if len(sent) == 1:
                raise Killed
            sent.append(row.pk)
            return real(self, row)

        with monkeypatch.context() as patch:
            patch.setattr(delivery.Transports, "deliver", dies_on_the_second)
            with pytest.raises(Killed):
                delivery.deliver_due(clock.now())
        assert len(smtp_server.messages) == 1
        # Another worker at once: the dead worker's claims still hold, nothing is sent twice.
        delivery.deliver_due(clock.now())
        customers = [m for m in smtp_server.parsed() if "member" in str(m["To"])]
        assert len(customers) == 1
    # When the claims have lapsed, the rest go out, each once.
    with clock.travel(MONDAY + timedelta(minutes=10)):
        delivery.deliver_due(clock.now())
    ids = [m["Message-ID"] for m in smtp_server.parsed() if "member" in str(m["To"])]
    assert sorted(ids) == sorted(due.values_list("message_id", flat=True))
    assert set(due.values_list("status", flat=True)) == {"sent"}
