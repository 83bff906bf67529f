"""The IMAP poller against a real server (dovecot): new mail is stored once and only then marked
seen, so a worker killed at any point loses nothing and doubles nothing."""

from __future__ import annotations

import pytest

from amends.complaints.models import Complaint
from amends.conftest import Cast, local
from amends.core import clock, jobs
from amends.inbound import services
from amends.inbound.tests.imap import ImapServer
from amends.inbound.tests.mail import email, gbk_email
from amends.notifications.models import InboundMessage, Mailbox


@pytest.fixture
def mailbox(cast: Cast, imap_server: ImapServer) -> Mailbox:
    return Mailbox.objects.create(
        venue=cast.gym,
        address="complaints@gym1.example.com",
        imap_host=imap_server.host,
        imap_port=imap_server.port,
        imap_ssl=False,
        imap_user=imap_server.user,
        imap_password=imap_server.password,
    )


def test_it_polls_new_mail_into_complaints_and_marks_it_seen(
    mailbox: Mailbox, imap_server: ImapServer
) -> None:
    imap_server.append(email(subject="Broken treadmill", text="It stopped and I fell."))
    imap_server.append(gbk_email())
    with clock.travel(local(2026, 11, 20, 10, 0)):
        run = jobs.run("inbound.poll_mailboxes")
    assert run.counts == {"stored": 2}
    assert sorted(InboundMessage.objects.values_list("status", flat=True)) == [
        "complaint",
        "complaint",
    ]
    assert sorted(Complaint.objects.values_list("language", flat=True)) == ["en", "zh-hans"]
    assert all("\\Seen" in flags for flags in imap_server.flags())
    mailbox.refresh_from_db()
    assert mailbox.last_polled_at == local(2026, 11, 20, 10, 0) and mailbox.last_error == ""
    # Nothing new: nothing stored, nothing doubled.
    with clock.travel(local(2026, 11, 20, 10, 1)):
        assert jobs.run("inbound.poll_mailboxes").counts == {"stored": 0}
    assert Complaint.objects.count() == 2


def test_a_message_is_marked_seen_only_after_it_is_stored(
    mailbox: Mailbox, imap_server: ImapServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    imap_server.append(email(subject="Locker", text="Locker 12 is broken."))

    class Killed(BaseException):
        pass

    def die(*args: object, **kwargs: object) -> None:
        raise Killed

    monkeypatch.setattr(services, "inbound_store", die)
    with pytest.raises(Killed):
        services.mailbox_poll(mailbox)
    assert ["\\Seen" not in flags for flags in imap_server.flags()] == [True]
    assert not InboundMessage.objects.exists()

    monkeypatch.undo()
    with clock.travel(local(2026, 11, 20, 10, 0)):
        assert services.mailbox_poll(mailbox) == 1
    assert Complaint.objects.count() == 1


def test_a_message_stored_but_not_marked_seen_is_not_doubled(
    mailbox: Mailbox, imap_server: ImapServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    imap_server.append(email(subject="Locker", text="Locker 12 is broken."))
    store = services.inbound_store

    class Killed(BaseException):
        pass

    def store_then_die(raw: bytes, *, mailbox: Mailbox | None) -> object:
        store(raw, mailbox=mailbox)
        raise Killed  # killed after the store, before \\Seen

    monkeypatch.setattr(services, "inbound_store", store_then_die)
    with pytest.raises(Killed), clock.travel(local(2026, 11, 20, 10, 0)):
        services.mailbox_poll(mailbox)
    assert InboundMessage.objects.get().status == "pending"
    monkeypatch.undo()
    with clock.travel(local(2026, 11, 20, 10, 1)):
        assert services.mailbox_poll(mailbox) == 0  # fetched again, known already
    assert InboundMessage.objects.get().status == "complaint"
    assert Complaint.objects.count() == 1
    assert all("\\Seen" in flags for flags in imap_server.flags())


def test_a_wrong_password_is_recorded_on_the_mailbox(mailbox: Mailbox) -> None:
    mailbox.imap_password = "wrong"
    mailbox.save()
    assert services.mailbox_poll(mailbox) == 0
    mailbox.refresh_from_db()
    assert "AUTHENTICATIONFAILED" in mailbox.last_error  # the server's own words
    assert mailbox.last_polled_at is not None


def test_a_message_someone_read_in_the_mailbox_first_is_still_taken_in(
    mailbox: Mailbox, imap_server: ImapServer
) -> None:
    """A receptionist opens the shared mailbox in webmail before amends polls it."""
    imap_server.append(email(subject="Sauna broken", text="The sauna is cold."), flags="(\\Seen)")
    with clock.travel(local(2026, 11, 20, 10, 0)):
        assert jobs.run("inbound.poll_mailboxes").counts == {"stored": 1}
        assert jobs.run("inbound.poll_mailboxes").counts == {"stored": 0}
    assert Complaint.objects.count() == 1
    assert all(services.STORED in flags for flags in imap_server.flags())
