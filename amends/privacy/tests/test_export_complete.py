"""A data-subject export holds everything about the person — the messages sent to them (about
their complaint, member care, sign-in codes, the answers to their requests), the emails they
wrote (the one that opened the complaint, a reply, an auto-reply that opened nothing), their
answer to the remedy, their consent to sensitive data and their earlier requests — and nothing
of anyone else's; the deletion blanks the same messages and emails."""

from __future__ import annotations

import pytest
from django.db import transaction

from amends.complaints import services as complaint_services
from amends.complaints.models import Complaint
from amends.complaints.tests.stories import S, act, drive
from amends.conftest import local
from amends.core import clock
from amends.inbound.services import inbound_store_and_process
from amends.inbound.tests.mail import email
from amends.members.services import member_link
from amends.notifications.models import InboundMessage, Outbox
from amends.notifications.services import outbox_enqueue
from amends.privacy import registry, requests, services
from amends.privacy.models import DataSubjectRequest

LI_NA = "Li Na <li.na@example.com>"
R = DataSubjectRequest


@pytest.fixture
def story(cast, officer):
    """李娜 at the gym, November 2026."""
    # 20 Nov 09:30: her email opens a complaint; 14:00 she replies to it.
    with clock.travel(local(2026, 11, 20, 9, 30)):
        opened = inbound_store_and_process(
            email(
                sender=LI_NA,
                subject="Locker broken",
                text="My locker 118 was forced open and my watch is gone.",
                message_id="<open@mail.example.com>",
            ),
            venue=cast.gym,
        )
    c = Complaint.objects.get(pk=opened.complaint_id)
    if c.assignee_id != cast.specialist.pk:  # routed to whoever was free: the story's handler
        c = act("assign", c, cast.manager, assignee=cast.specialist.pk)
    with clock.travel(local(2026, 11, 20, 14, 0)):
        inbound_store_and_process(
            email(
                sender=LI_NA,
                subject=f"Re: {c.reference}",
                text="The watch was a gift from my mother.",
                message_id="<reply@mail.example.com>",
            ),
            venue=cast.gym,
        )
    # 21 Nov 08:00: her out-of-office answer, and a stranger's, open nothing.
    with clock.travel(local(2026, 11, 21, 8, 0)):
        for sender, mid in ((LI_NA, "<away@mail.example.com>"), ("zhao@example.com", "<z@x>")):
            inbound_store_and_process(
                email(
                    sender=sender,
                    subject="Out of office",
                    text="I am away until Monday.",
                    message_id=mid,
                    headers={"Auto-Submitted": "auto-replied"},
                ),
                venue=cast.gym,
            )
    # 21 Nov 10:00: she consents to keeping the details of her injury.
    with clock.travel(local(2026, 11, 21, 10, 0)):
        services.sensitive_consent_record(
            actor=cast.manager, complaint=c, given=True, method="signature", note="签字同意"
        )
    # 22 Nov: the complaint is handled to the end (she accepts the remedy on the way).
    with clock.travel(local(2026, 11, 22, 10, 0)):
        c = drive(cast, S.CLOSED, complaint=Complaint.objects.get(pk=c.pk))
    # 23 Nov: a sign-in code for the tracking page; 24 Nov: a member-care message.
    with clock.travel(local(2026, 11, 23, 9, 0)):
        complaint_services.customer_code_send(company=cast.company, email="li.na@example.com")
    with clock.travel(local(2026, 11, 24, 9, 0)):
        member = member_link(customer=c.customer, venue=cast.gym, number="M-0118")
        outbox_enqueue(
            kind=Outbox.Kind.CARE,
            channel=Outbox.Channel.EMAIL,
            address="li.na@example.com",
            subject="生日快乐",
            body="李娜，祝您生日快乐！",
            language="zh-hans",
            context={"care": "birthday", "member": member.pk},
        )
    # 25 Nov: an earlier request of hers, refused on the 26th.
    with clock.travel(local(2026, 11, 25, 10, 0)):
        earlier = requests.request_receive(
            actor=cast.desk, kind=R.Kind.ACCESS, contact="li.na@example.com", details="想看记录"
        )
    with clock.travel(local(2026, 11, 26, 10, 0)):
        requests.request_refuse(
            actor=officer, request=earlier, reason="身份无法核实", version=earlier.version
        )
    # Everything queued so far has gone out by 30 Nov (the delivery worker's part).
    Outbox.objects.filter(status=Outbox.Status.PENDING).update(
        status=Outbox.Status.SENT, sent_at=local(2026, 11, 30, 12, 0)
    )
    # A message to another customer, and a staff notification about her complaint: not hers.
    other = cast.receive(phone="13700001111", email="zhang.wei@example.com")
    assert Outbox.objects.filter(complaint_id=other.pk, recipient_user__isnull=True).exists()
    assert Outbox.objects.filter(complaint_id=c.pk, recipient_user__isnull=False).exists()
    return Complaint.objects.select_related("customer").get(pk=c.pk)


def export_of(customer):
    return {provider.name: provider.export(customer) for provider in registry.providers()}


def test_the_export_holds_every_message_email_consent_and_request_of_hers(story):
    c = story
    tables = export_of(c.customer)

    sent = tables["messages"]["sent_to_you"]
    assert {row["to"] for row in sent} == {"li.na@example.com"}
    kinds = [row["kind"] for row in sent]
    assert "acknowledgement" in kinds and "feedback" in kinds  # about her complaint
    assert kinds.count("sign_in_code") == 1 and kinds.count("care") == 1
    assert kinds.count("message") >= 1  # the answer to her refused request
    care = next(row for row in sent if row["kind"] == "care")
    assert care["body"] == "李娜，祝您生日快乐！" and care["at"] == "2026-11-30T12:00:00+08:00"
    assert all(row["reference"] == c.reference for row in sent if row["kind"] == "feedback")

    emails = tables["messages"]["emails_from_you"]
    assert [(row["received_at"], row["status"], row["subject"]) for row in emails] == [
        ("2026-11-20T09:30:00+08:00", "complaint", "Locker broken"),
        ("2026-11-20T14:00:00+08:00", "reply", f"Re: {c.reference}"),
        ("2026-11-21T08:00:00+08:00", "ignored", "Out of office"),
    ]
    assert emails[1]["text"] == "The watch was a gift from my mother."
    assert {row["reference"] for row in emails[:2]} == {c.reference}

    (answer,) = tables["complaints"]["remedy_answers"]
    assert answer["reference"] == c.reference and answer["accepted"] is True
    (consent,) = tables["privacy"]["sensitive_data_consents"]
    assert consent["given"] is True and consent["note"] == "签字同意"
    assert consent["recorded_at"] == "2026-11-21T10:00:00+08:00"
    (earlier,) = tables["privacy"]["requests"]
    assert earlier["kind"] == "access" and earlier["status"] == "refused"
    assert earlier["received_at"] == "2026-11-25T10:00:00+08:00"
    assert earlier["refusal_reason"] == "身份无法核实"


def test_the_deletion_blanks_the_messages_and_emails_it_exported(story, cast):
    c = story
    stranger = InboundMessage.objects.get(message_id="<z@x>")
    # 1 Dec: she asks again, for deletion; the answer is queued, not yet sent.
    with clock.travel(local(2026, 12, 1, 9, 0)):
        requests.request_receive(
            actor=cast.desk, kind=R.Kind.DELETION, contact="li.na@example.com", details="删除"
        )
    waiting = list(Outbox.objects.filter(status=Outbox.Status.PENDING, recipient_user=None))
    with clock.travel(local(2026, 12, 5, 10, 0)), transaction.atomic():
        for provider in registry.providers():
            provider.erase(Complaint.objects.get(pk=c.pk).customer, local(2026, 12, 5, 10, 0))

    tables = export_of(Complaint.objects.get(pk=c.pk).customer)
    assert all(row["body"] == "" for row in tables["messages"]["sent_to_you"])
    assert all(row["text"] == "" for row in tables["messages"]["emails_from_you"])
    # The rows themselves are gone from view once the contact is erased; in the database:
    her_emails = InboundMessage.objects.exclude(pk=stranger.pk)
    assert set(her_emails.values_list("raw", flat=True)) == {b""}
    stranger.refresh_from_db()
    assert bytes(stranger.raw)  # someone else's email is kept
    care = Outbox.objects.get(kind=Outbox.Kind.CARE)
    code = Outbox.objects.get(kind=Outbox.Kind.SIGN_IN_CODE)
    for row in (care, code):
        assert (row.body, row.subject, row.recipient_address) == ("", "", "")
    # A message still waiting to go is left to go: it tells her something.
    for row in waiting:
        row.refresh_from_db()
        assert row.body and row.status == Outbox.Status.PENDING


def test_her_loose_emails_are_found_by_the_senders_blind_index_not_by_reading_every_email(story):
    c = story
    away = InboundMessage.objects.get(message_id="<away@mail.example.com>")
    stranger = InboundMessage.objects.get(message_id="<z@x>")
    assert away.sender_index == c.customer.email_index != ""
    assert stranger.sender_index not in ("", c.customer.email_index)
    # Once the index no longer names her, the email is not hers: nothing reads its raw bytes.
    InboundMessage.objects.filter(pk=away.pk).update(sender_index="")
    emails = export_of(c.customer)["messages"]["emails_from_you"]
    assert [row["status"] for row in emails] == ["complaint", "reply"]
