"""What a sign-in code proves, and what a request reaches with it; the sign-in messages found as
the person's without a frozen clock; two officers saving the first rule at once.

The story: 李娜 complained at GYM1 on 13 March 2026 and was imported twice before customers were
matched by phone (two rows, one person). Someone else, 钱多, once gave the desk his own phone with
李娜's email. Signed in on 14 March at 07:30 Beijing time, each asks about their data.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import transaction

from amends.complaints import services as complaint_services
from amends.conftest import Cast, local
from amends.core import clock, pii
from amends.core.errors import PermissionDenied, StaleVersion
from amends.core.principals import Principal
from amends.members.models import Customer, CustomerCode
from amends.members.services import email_index, phone_index
from amends.notifications.models import Outbox
from amends.notifications.services import outbox_enqueue
from amends.privacy import providers, requests, services
from amends.privacy.models import DataSubjectRequest, PrivacySettings, RetentionRule

R = DataSubjectRequest
LI_NA_PHONE = "13912345678"
LI_NA_EMAIL = "li.na@example.com"
QIAN_PHONE = "13700002222"
FILED = local(2026, 3, 14, 7, 30)


def row_of(cast: Cast, *, name: str = "李娜", phone: str = "", email: str = "") -> Customer:
    """A customer row as an import wrote it (the intake itself reuses the row with the phone)."""
    e164 = pii.normalize_phone(phone) if phone else ""
    return Customer.objects.create(
        company=cast.company,
        name=name,
        phone=e164,
        phone_index=phone_index(e164),
        email=email,
        email_index=email_index(email),
    )


def as_(customer: Customer) -> Principal:
    return Principal.customer(customer_id=customer.pk, company_id=customer.company_id)


def file(customer: Customer, via: str, kind: str = R.Kind.DELETION) -> tuple[R, bool]:
    with clock.travel(FILED):
        return requests.request_from_customer(principal=as_(customer), via=via, kind=kind)


# --- 1. the sign-in messages are hers, whatever the clock ---------------------------------------


def test_her_sign_in_sms_is_in_her_export_and_blanked_by_erasure_on_a_running_clock(cast):
    li_na = row_of(cast, phone=LI_NA_PHONE)
    # No frozen clock: the code and its message are stamped a few microseconds apart.
    complaint_services.customer_code_send(company=cast.company, phone=LI_NA_PHONE)

    sent = providers.messages_export(li_na)["sent_to_you"]
    assert [row["kind"] for row in sent] == ["sign_in_code"]
    assert sent[0]["to"] == li_na.phone and sent[0]["body"]

    Outbox.objects.update(status=Outbox.Status.SENT, sent_at=clock.now())  # it went out
    with transaction.atomic():
        providers.messages_erase(li_na, clock.now())
    sms = Outbox.objects.get(kind=Outbox.Kind.SIGN_IN_CODE)
    assert (sms.body, sms.subject, sms.recipient_address) == ("", "", "")


def test_a_code_message_queued_before_it_named_its_code_is_found_by_address_and_instant(cast):
    li_na = row_of(cast, phone=LI_NA_PHONE)
    at = local(2026, 3, 10, 9, 0)
    CustomerCode.objects.create(
        customer=li_na, code_hash="x" * 64, sent_to="phone", created_at=at, expires_at=at
    )

    def old_sms(address: str, when: datetime) -> Outbox:
        with clock.travel(when):
            row = outbox_enqueue(
                kind=Outbox.Kind.SIGN_IN_CODE,
                channel=Outbox.Channel.SMS,
                subject="",
                body=f"code for {address}",
                language="zh-hans",
                address=address,
            )
        assert row is not None
        return row

    hers = old_sms(li_na.phone, at + timedelta(seconds=2))  # 2 s after her code
    old_sms(pii.normalize_phone(QIAN_PHONE), at + timedelta(seconds=2))  # someone else's
    old_sms(li_na.phone, local(2026, 3, 10, 9, 5))  # five minutes on, with no code: not hers

    assert [row.pk for row in providers.outbox_to(li_na)] == [hers.pk]


# --- 2. twin rows: one person, one request, listed whichever row signs in ----------------------


def test_signed_in_as_her_newer_twin_a_second_post_returns_the_open_request(cast):
    older = row_of(cast, phone=LI_NA_PHONE)
    newer = row_of(cast, phone=LI_NA_PHONE, email=LI_NA_EMAIL)

    first, new = file(newer, "phone")
    again, new_again = file(newer, "phone")

    assert new and not new_again and again.pk == first.pk
    assert R.objects.count() == 1 and first.customer_id == newer.pk
    listed = requests.requests_of_customer(principal=as_(newer), via="phone")
    assert [row.pk for row in listed] == [first.pk]
    # Her older row, signed in by the same phone, sees the same request, and the request
    # still reaches both rows.
    assert [r.pk for r in requests.requests_of_customer(principal=as_(older), via="phone")] == [
        first.pk
    ]
    assert {c.pk for c in requests.customers_of(first)} == {older.pk, newer.pk}


# --- 3. a code proves one contact ---------------------------------------------------------------


def test_his_code_to_his_phone_never_reaches_her_rows_by_the_email_on_his(cast):
    her_row = row_of(cast, phone=LI_NA_PHONE, email=LI_NA_EMAIL)
    his_row = row_of(cast, name="钱多", phone=QIAN_PHONE, email=LI_NA_EMAIL)

    row, _ = file(his_row, "phone", kind=R.Kind.EXPORT)

    assert row.phone_index == his_row.phone_index and row.email_index == ""
    assert row.identity_method == R.Identity.CODE
    assert [c.pk for c in requests.customers_of(row)] == [his_row.pk]
    assert her_row.pk not in {c.pk for c in requests.customers_of(row)}
    # Nor does she see his request signed in by her phone; signed in by the email, hers is the
    # email's alone.
    assert requests.requests_of_customer(principal=as_(her_row), via="phone") == []
    mine, _ = file(her_row, "email", kind=R.Kind.ACCESS)
    assert mine.phone_index == "" and mine.email_index == her_row.email_index
    assert [r.pk for r in requests.requests_of_customer(principal=as_(her_row), via="email")] == [
        mine.pk
    ]


def test_a_session_that_does_not_say_which_contact_its_code_proved_files_nothing(cast):
    li_na = row_of(cast, phone=LI_NA_PHONE)
    with pytest.raises(PermissionDenied) as refused:
        file(li_na, "")
    assert refused.value.code == "sign_in_required" and not R.objects.exists()
    assert requests.requests_of_customer(principal=as_(li_na), via="") == []


# --- 6. two officers save the first rule at the same moment ------------------------------------


def _other_officer_first(monkeypatch: Any, model: type, **fields: Any) -> None:
    """The other officer's first row is committed between our lookup and our save."""
    original = model.save

    def save(self: Any, *args: Any, **kwargs: Any) -> None:
        if self.pk is None and not model.objects.exists():
            model.objects.bulk_create([model(**fields)])
        original(self, *args, **kwargs)

    monkeypatch.setattr(model, "save", save)


def test_the_second_officer_saving_the_first_retention_rule_at_once_is_told_to_reload(
    cast, officer, monkeypatch
):
    _other_officer_first(
        monkeypatch,
        RetentionRule,
        company=cast.company,
        data_class="complaint_record",
        months=24,
        trigger="closed",
        version=1,
    )
    with clock.travel(local(2026, 3, 14, 10, 0)), pytest.raises(StaleVersion):
        services.retention_rule_set(
            actor=officer, data_class="complaint_record", months=36, trigger="closed", version=0
        )


def test_the_second_officer_saving_the_first_privacy_settings_at_once_is_told_to_reload(
    cast, officer, monkeypatch
):
    _other_officer_first(
        monkeypatch, PrivacySettings, company=cast.company, request_days=15, gdpr_mode=False
    )
    with pytest.raises(StaleVersion):
        services.privacy_settings_set(actor=officer, request_days=30, gdpr_mode=True, version=0)
