"""Data-subject requests (个人信息权利请求): received, identity checked, owned by a privacy officer,
answered on the clock; export and deletion through the providers of `privacy.registry`.

Every write is atomic and version-checked; a refusal needs a reason; the requester is told of an
extension, a refusal and the outcome through the outbox when a contact is known (captured before
any erasure).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from amends.core import clock
from amends.core import pii as core_pii
from amends.core.errors import InvalidInput, NotFound, PermissionDenied
from amends.members.models import Customer
from amends.members.services import email_index, phone_index
from amends.notifications.models import Outbox
from amends.notifications.services import outbox_enqueue
from amends.orgs.models import User
from amends.orgs.roles import Role
from amends.privacy import registry
from amends.privacy.models import DataSubjectRequest, PurgeRecord, SensitiveConsent
from amends.privacy.services import (
    OFFICER_ROLES,
    _check_version,
    _text,
    company_of,
    has_any,
    log_access,
    privacy_settings,
    require,
)
from amends.triage import pii

R = DataSubjectRequest
GDPR_DAYS, GDPR_EXTENSION_DAYS = 30, 60
REMIND_BEFORE = timedelta(days=2)


# --- finding the person --------------------------------------------------------------------------


def customer_by_contact(company_id: int, value: str) -> Customer | None:
    """The company's customer with this phone or email (blind index), or None."""
    value = (value or "").strip()
    if not value or "\x00" in value or len(value) > 254:
        return None
    try:
        if "@" in value:
            index = email_index(core_pii.normalize_email(value))
            return Customer.objects.filter(company_id=company_id, email_index=index).first()
        index = phone_index(core_pii.normalize_phone(value))
        return Customer.objects.filter(company_id=company_id, phone_index=index).first()
    except InvalidInput:
        return None


def _masked(value: str) -> str:
    value = value.strip()
    return pii.mask_value(pii.EMAIL if "@" in value else pii.PHONE, value)[:100] if value else ""


def _get(actor: User, request: DataSubjectRequest, version: int | None) -> DataSubjectRequest:
    require(actor, OFFICER_ROLES)
    locked = R.objects.select_for_update().filter(pk=request.pk).first()
    if locked is None or locked.company_id != actor.company_id:
        raise NotFound(_("Not found."), code="not_found")
    _check_version(locked, version)
    if not locked.is_open:
        raise InvalidInput(_("This request is finished."), code="request_finished")
    return locked


def _save(row: DataSubjectRequest) -> DataSubjectRequest:
    row.version += 1
    row.save()
    return row


def _tell(row: DataSubjectRequest, *, customer: Customer | None, subject: str, body: str) -> None:
    """Tell the requester (SMS to the phone, else email), when a contact is known."""
    person = customer or row.customer
    if person is None or not (person.email or person.phone):
        return
    by_email = bool(person.email)
    outbox_enqueue(
        kind=Outbox.Kind.MESSAGE,
        channel=Outbox.Channel.EMAIL if by_email else Outbox.Channel.SMS,
        subject=subject,
        body=body,
        language=person.language,
        address=person.email if by_email else person.phone,
        dedupe_key=f"dsr:{row.pk}:{row.status}:{row.version}",
    )


# --- the clock ---------------------------------------------------------------------------------


def officers(company_id: int) -> list[User]:
    from amends.orgs.models import RoleGrant

    ids = RoleGrant.objects.filter(
        role=Role.PRIVACY_OFFICER, user__company_id=company_id, user__is_active=True
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


@transaction.atomic
def request_receive(
    *,
    actor: User,
    kind: str,
    contact: str,
    details: str = "",
    identity_method: str = "",
    identity_note: str = "",
) -> DataSubjectRequest:
    """Record a request a member of staff received (in person, by phone, by letter). The person
    is found by the phone or email they gave; due in the company's days (GDPR mode: 30)."""
    if not has_any(actor, Role.values):
        raise PermissionDenied(_("You may not do this."), code="staff_only")
    if kind not in R.Kind.values:
        raise InvalidInput(_("Choose what is asked."), code="bad_kind")
    contact = _text(contact, limit=254, field="contact", required=False)
    if not contact:
        raise InvalidInput(_("Give the person's phone or email."), code="contact_required")
    if identity_method and identity_method not in R.Identity.values:
        raise InvalidInput(_("Say how the identity was checked."), code="bad_identity")
    now = clock.now()
    company_id = company_of(actor)
    settings_row = privacy_settings(company_id)
    days = GDPR_DAYS if settings_row.gdpr_mode else settings_row.request_days
    owners = officers(company_id)
    row = R.objects.create(
        company_id=company_id,
        kind=kind,
        customer=customer_by_contact(company_id, contact),
        contact_masked=_masked(contact),
        details=_text(details, limit=4000, field="details"),
        received_by=actor,
        received_at=now,
        due_at=now + timedelta(days=days),
        owner=owners[0] if owners else None,
    )
    if identity_method:
        row.status = R.Status.VERIFIED
        row.identity_method = identity_method
        row.identity_note = _text(identity_note, limit=500, field="identity_note")
        row.identity_checked_by = actor
        row.save()
    return row


@transaction.atomic
def request_verify(
    *, actor: User, request: DataSubjectRequest, method: str, note: str, version: int | None
) -> DataSubjectRequest:
    row = _get(actor, request, version)
    if method not in R.Identity.values or not method:
        raise InvalidInput(_("Say how the identity was checked."), code="bad_identity")
    row.identity_method, row.identity_checked_by = method, actor
    row.identity_note = _text(note, limit=500, field="identity_note")
    if row.status == R.Status.RECEIVED:
        row.status = R.Status.VERIFIED
    return _save(row)


@transaction.atomic
def request_assign(
    *, actor: User, request: DataSubjectRequest, owner: User, version: int | None
) -> DataSubjectRequest:
    row = _get(actor, request, version)
    if owner.company_id != row.company_id or not has_any(owner, [Role.PRIVACY_OFFICER]):
        raise InvalidInput(_("The owner must be a privacy officer."), code="bad_owner")
    row.owner = owner
    return _save(row)


@transaction.atomic
def request_extend(
    *, actor: User, request: DataSubjectRequest, notice: str, version: int | None
) -> DataSubjectRequest:
    """GDPR mode only, once: 60 more days, with a notice the requester is sent."""
    row = _get(actor, request, version)
    if not privacy_settings(row.company_id).gdpr_mode:
        raise InvalidInput(_("Only in GDPR mode."), code="not_gdpr")
    if row.extended_at is not None:
        raise InvalidInput(_("A request is extended once at most."), code="extended_once")
    row.extension_notice = _text(notice, limit=2000, field="notice", required=True)
    row.extended_at = clock.now()
    row.due_at += timedelta(days=GDPR_EXTENSION_DAYS)
    row.status = R.Status.EXTENDED
    row.reminded_at = row.escalated_at = None
    _save(row)
    _tell(
        row,
        customer=None,
        subject=_("Your request about your personal data"),
        body=_("We need more time to answer, until %(due)s: %(notice)s")
        % {"due": f"{row.due_at:%Y-%m-%d}", "notice": row.extension_notice},
    )
    return row


@transaction.atomic
def request_refuse(
    *, actor: User, request: DataSubjectRequest, reason: str, version: int | None
) -> DataSubjectRequest:
    row = _get(actor, request, version)
    return _refuse(row, _text(reason, limit=4000, field="reason", required=True))


def _refuse(row: DataSubjectRequest, reason: str) -> DataSubjectRequest:
    row.status, row.refusal_reason, row.finished_at = R.Status.REFUSED, reason, clock.now()
    _save(row)
    _tell(
        row,
        customer=None,
        subject=_("Your request about your personal data"),
        body=_("We cannot do what you asked: %(reason)s") % {"reason": reason},
    )
    return row


@transaction.atomic
def request_complete(
    *, actor: User, request: DataSubjectRequest, outcome: str, version: int | None
) -> DataSubjectRequest:
    """Finish an access, correction or withdrawal request with what was done. A withdrawal of
    consent withdraws every sensitive-data consent of the person."""
    row = _get(actor, request, version)
    _need_identity(row)
    row.outcome = _text(outcome, limit=4000, field="outcome", required=True)
    if row.kind == R.Kind.WITHDRAWAL and row.customer_id:
        row.counts = {
            "consents_withdrawn": SensitiveConsent.objects.filter(
                complaint__customer_id=row.customer_id, withdrawn_at__isnull=True
            ).update(withdrawn_at=clock.now())
        }
    row.status, row.finished_at = R.Status.DONE, clock.now()
    _save(row)
    _tell(
        row,
        customer=None,
        subject=_("Your request about your personal data"),
        body=_("Your request is done: %(outcome)s") % {"outcome": row.outcome},
    )
    return row


def _need_identity(row: DataSubjectRequest) -> None:
    if not row.identity_method:
        raise InvalidInput(_("Check the person's identity first."), code="identity_unchecked")
    if row.customer_id is None and row.kind in (R.Kind.EXPORT, R.Kind.DELETION, R.Kind.ACCESS):
        raise InvalidInput(_("No customer has this phone or email."), code="no_customer")


# --- export ------------------------------------------------------------------------------------


def _csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return ("\ufeff" + out.getvalue()).encode()  # a BOM, so spreadsheet apps read UTF-8


def export_zip(customer: Customer) -> bytes:
    """Everything the providers hold about the person: data.json, one CSV per table, files."""
    buffer = io.BytesIO()
    everything: dict[str, Any] = {}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for provider in registry.providers():
            tables = provider.export(customer)
            for item in tables.pop(registry.FILES, []):
                if default_storage.exists(item["storage"]):
                    with default_storage.open(item["storage"], "rb") as handle:
                        archive.writestr(item["name"], handle.read())
            everything[provider.name] = tables
            for table, rows in tables.items():
                archive.writestr(f"{provider.name}-{table}.csv", _csv(rows))
        archive.writestr(
            "data.json", json.dumps(everything, ensure_ascii=False, indent=2, default=str)
        )
    return buffer.getvalue()


@transaction.atomic
def request_export(
    *, actor: User, request: DataSubjectRequest, version: int | None = None
) -> tuple[str, bytes]:
    """The zip of everything about the person (file name, bytes), for an access or export
    request whose identity is checked. The export is logged (access log, and on the request);
    the request is done. Nothing is kept on disk: the console hands the bytes over."""
    row = _get(actor, request, version)
    if row.kind not in (R.Kind.EXPORT, R.Kind.ACCESS):
        raise InvalidInput(_("Only an access or export request is exported."), code="bad_kind")
    _need_identity(row)
    customer = row.customer
    assert customer is not None
    data = export_zip(customer)
    log_access(
        actor,
        customer=customer,
        what="data-subject export (zip: JSON and CSV)",
        why=f"request DSR-{row.pk}",
        company_id=row.company_id,
    )
    row.counts = {"bytes": len(data)}
    row.outcome = row.outcome or "exported"
    row.status, row.finished_at = R.Status.DONE, clock.now()
    _save(row)
    with override(customer.language):
        _tell(
            row,
            customer=customer,
            subject=_("Your request about your personal data"),
            body=_("The copy of your personal data is ready; we hand it over as agreed."),
        )
    return f"personal-data-DSR-{row.pk}.zip", data


# --- deletion ----------------------------------------------------------------------------------


def request_erase(
    *, actor: User, request: DataSubjectRequest, version: int | None = None
) -> DataSubjectRequest:
    """Erase everything about the person through every provider, in one transaction. Refused —
    the request then refused with the provider's reason, and the requester told — while a legal
    hold or an open complaint needs the data."""
    now = clock.now()
    try:
        with transaction.atomic():
            row = _get(actor, request, version)
            if row.kind != R.Kind.DELETION:
                raise InvalidInput(_("Only a deletion request erases."), code="bad_kind")
            _need_identity(row)
            assert row.customer_id is not None  # _need_identity checked
            customer = Customer.objects.select_for_update().get(pk=row.customer_id)
            # The contact is read before it is erased: the requester is told afterwards.
            contact = Customer(
                pk=customer.pk,
                phone=customer.phone,
                email=customer.email,
                language=customer.language,
            )
            from amends.privacy.purge import active_customer_hold

            if active_customer_hold(customer.pk) is not None:
                raise registry.Refused(_("The person's data is under legal hold."))
            counts: dict[str, int] = {}
            for provider in registry.providers():
                for key, value in (provider.erase(customer, now) or {}).items():
                    counts[f"{provider.name}.{key}"] = value
            PurgeRecord.objects.create(
                company_id=row.company_id,
                at=now,
                outcome=PurgeRecord.Outcome.DELETED,
                customer_id=customer.pk,
                classes=["contact_data", "free_text", "attachments", "recordings", "health"],
                rule={"request": f"DSR-{row.pk}"},
                counts=counts,
                request=row,
            )
            row.counts, row.outcome = counts, "erased"
            row.contact_masked = ""
            row.status, row.finished_at = R.Status.DONE, now
            _save(row)
            _tell(
                row,
                customer=contact,
                subject=_("Your request about your personal data"),
                body=_("Your personal data has been erased."),
            )
            return row
    except registry.Refused as refused:
        with transaction.atomic():
            row = _get(actor, request, None)
            return _refuse(row, refused.reason)
