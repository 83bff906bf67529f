"""The outbox: a message is written once, in the caller's transaction, with the address encrypted;
a cancelled message is never picked up."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from cryptography.fernet import Fernet
from django.db import connection, transaction
from django.db.models import QuerySet
from django.test import override_settings

from amends.core import clock, crypto
from amends.notifications.models import Outbox
from amends.notifications.services import outbox_cancel, outbox_enqueue, outbox_reencrypt

SHANGHAI = ZoneInfo("Asia/Shanghai")
WHEN = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)


def to_customer(**fields: Any) -> Outbox | None:
    """A text message to a customer, as the complaint flow queues it (overridable)."""
    message: dict[str, Any] = {
        "kind": Outbox.Kind.ACKNOWLEDGEMENT,
        "channel": Outbox.Channel.SMS,
        "address": "+8613912345678",
        "subject": "您的投诉已受理（投诉编号：GYM1-20261120-0001）",
        "body": "感谢您向我们反映情况。",
        "language": "zh-hans",
        "reference": "GYM1-20261120-0001",
    }
    message.update(fields)
    return outbox_enqueue(**message)


def stored_address(message: Outbox) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT recipient_address FROM {Outbox._meta.db_table} WHERE id = %s",  # noqa: S608
            [message.pk],
        )
        return str(cursor.fetchone()[0])


def due() -> QuerySet[Outbox]:
    """What a delivery worker would claim now: pending rows whose time has come."""
    return Outbox.objects.filter(status=Outbox.Status.PENDING, available_at__lte=clock.now())


@pytest.mark.django_db
def test_it_queues_a_message_pending_and_due_at_once() -> None:
    with clock.travel(WHEN):
        message = to_customer()
    assert message is not None
    message.refresh_from_db()
    assert (message.status, message.attempts, message.sent_at, message.last_error) == (
        Outbox.Status.PENDING,
        0,
        None,
        "",
    )
    assert message.available_at == message.created_at == WHEN
    assert (message.recipient_address, message.reference) == (
        "+8613912345678",
        "GYM1-20261120-0001",
    )


@pytest.mark.django_db
def test_it_writes_a_message_with_the_same_dedupe_key_once() -> None:
    first = to_customer(dedupe_key="ack:7")
    second = to_customer(dedupe_key="ack:7", subject="a second, different subject")
    assert isinstance(first, Outbox)
    assert second is None
    assert list(Outbox.objects.values_list("pk", "subject")) == [(first.pk, first.subject)]
    assert to_customer(dedupe_key="ack:8") is not None
    assert Outbox.objects.count() == 2


@pytest.mark.django_db
def test_it_writes_every_message_that_has_no_dedupe_key() -> None:
    to_customer()
    to_customer()
    assert Outbox.objects.count() == 2
    assert set(Outbox.objects.values_list("dedupe_key", flat=True)) == {None}


@pytest.mark.django_db
def test_it_treats_a_blank_dedupe_key_as_none() -> None:
    to_customer(dedupe_key="")
    to_customer(dedupe_key="")
    assert Outbox.objects.count() == 2


@pytest.mark.django_db
def test_a_duplicate_leaves_the_callers_transaction_usable(
    django_assert_num_queries: Any,
) -> None:
    """The key is checked by the insert itself (one statement, no look-up first): a duplicate
    is ignored by the database, so the caller's transaction goes on (PostgreSQL would refuse
    every later statement after a failed insert without a savepoint)."""
    first = to_customer(dedupe_key="remind:7")
    assert first is not None
    with transaction.atomic():
        with django_assert_num_queries(1):
            assert to_customer(dedupe_key="remind:7") is None
        assert to_customer(dedupe_key="remind:8") is not None
    assert sorted(Outbox.objects.values_list("dedupe_key", flat=True)) == ["remind:7", "remind:8"]
    stored = Outbox.objects.get(dedupe_key="remind:8")
    assert stored.recipient_address == "+8613912345678"  # encrypted on the way in, as by save()


@pytest.mark.django_db
def test_it_writes_nothing_when_the_callers_transaction_rolls_back() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        to_customer(dedupe_key="ack:7")
        raise RuntimeError("the complaint could not be saved")
    assert Outbox.objects.count() == 0
    assert to_customer(dedupe_key="ack:7") is not None  # the key was not used up


@pytest.mark.django_db
def test_it_refuses_a_message_that_nobody_could_receive() -> None:
    with pytest.raises(ValueError, match="staff recipient or an address"):
        to_customer(address="")
    with pytest.raises(ValueError, match="staff recipient or an address"):
        to_customer(channel=Outbox.Channel.EMAIL, address="")
    assert Outbox.objects.count() == 0
    letter = to_customer(channel=Outbox.Channel.MANUAL, address="")  # a letter, written by hand
    assert letter is not None and letter.recipient_address == ""


def test_it_sends_staff_messages_to_the_person_not_an_address(cast: Any) -> None:
    message = to_customer(
        kind=Outbox.Kind.ASSIGNMENT,
        channel=Outbox.Channel.IN_APP,
        address="",
        recipient_user=cast.specialist,
    )
    assert message is not None
    assert list(cast.specialist.notifications.values_list("pk", flat=True)) == [message.pk]


@pytest.mark.django_db
def test_it_keeps_the_address_encrypted_at_rest() -> None:
    by_text = to_customer()
    by_mail = to_customer(channel=Outbox.Channel.EMAIL, address="li.na@example.com")
    assert by_text is not None and by_mail is not None
    for message, clear in ((by_text, "13912345678"), (by_mail, "li.na@example.com")):
        stored = stored_address(message)
        assert clear not in stored
        assert crypto.decrypt(stored) == message.recipient_address
        assert Outbox.objects.get(pk=message.pk).recipient_address == message.recipient_address


@pytest.mark.django_db
def test_it_cuts_an_overlong_subject_to_the_column() -> None:
    message = to_customer(subject="投" * 301, body="诉" * 5000)
    assert message is not None
    message.refresh_from_db()
    assert message.subject == "投" * 300
    assert message.body == "诉" * 5000  # the body is never cut


@pytest.mark.django_db
def test_it_cancels_pending_messages_so_they_are_never_picked_up() -> None:
    with clock.travel(WHEN):
        keep = to_customer(dedupe_key="keep")
        drop = to_customer(dedupe_key="drop")
        sent = to_customer(dedupe_key="sent")
    assert keep is not None and drop is not None and sent is not None
    # No delivery worker exists in this layer: mark the row as a worker would after sending.
    Outbox.objects.filter(pk=sent.pk).update(status=Outbox.Status.SENT, sent_at=WHEN)
    with clock.travel(datetime(2026, 11, 20, 11, 0, tzinfo=SHANGHAI)):
        assert outbox_cancel(ids=[drop.pk, sent.pk], reason="demo data") == 1
        assert list(due().values_list("pk", flat=True)) == [keep.pk]
    statuses = dict(Outbox.objects.values_list("dedupe_key", "status"))
    assert statuses == {"keep": "pending", "drop": "cancelled", "sent": "sent"}
    drop.refresh_from_db()
    assert drop.last_error == "demo data"
    assert outbox_cancel(ids=[drop.pk], reason="again") == 0  # already cancelled: untouched
    drop.refresh_from_db()
    assert drop.last_error == "demo data"


@pytest.mark.django_db
def test_it_cancels_from_any_iterable_and_keeps_the_reason_short() -> None:
    messages = [to_customer(dedupe_key=f"m{i}") for i in range(3)]
    ids = (m.pk for m in messages if m is not None)  # a generator, read once
    assert outbox_cancel(ids=ids, reason="原因" * 400) == 3
    assert set(Outbox.objects.values_list("status", flat=True)) == {"cancelled"}
    assert {len(e) for e in Outbox.objects.values_list("last_error", flat=True)} == {500}


@pytest.mark.django_db
def test_it_re_encrypts_every_address_with_the_new_key(settings) -> None:
    old, new = settings.AMENDS_FIELD_KEYS[0], Fernet.generate_key().decode()
    by_text = to_customer()
    to_customer(channel=Outbox.Channel.EMAIL, address="li.na@example.com")
    to_customer(channel=Outbox.Channel.MANUAL, address="")
    assert by_text is not None
    before = stored_address(by_text)
    with override_settings(AMENDS_FIELD_KEYS=[new, old]):
        assert outbox_reencrypt(batch=2) == 3
    assert stored_address(by_text) != before
    with override_settings(AMENDS_FIELD_KEYS=[new]):
        assert sorted(Outbox.objects.values_list("recipient_address", flat=True)) == [
            "",
            "+8613912345678",
            "li.na@example.com",
        ]
