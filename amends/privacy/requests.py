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
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import override

from amends.core import clock
from amends.core import pii as core_pii
from amends.core.errors import InvalidInput, NotFound, PermissionDenied
from amends.core.principals import Principal, PrincipalKind
from amends.members.models import Customer
from amends.members.services import email_index, phone_index
from amends.notifications.models import Outbox
from amends.notifications.services import outbox_enqueue
from amends.orgs.models import User, Venue
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


def contact_indexes(value: str) -> tuple[str, str]:
    """The blind indexes (phone, email) of a phone or an email as typed; ("", "") when it is
    neither."""
    value = (value or "").strip()
    if not value or "\x00" in value or len(value) > 254:
        return "", ""
    try:
        if "@" in value:
            return "", email_index(core_pii.normalize_email(value))
        return phone_index(core_pii.normalize_phone(value)), ""
    except InvalidInput:
        return "", ""


def customers_by_indexes(
    company_id: int, *, phone_index: str = "", email_index: str = ""
) -> list[Customer]:
    """Every customer of the company with this phone index or this email index, oldest first
    (one person may have several customer rows)."""
    match = Q(pk__in=[])
    if phone_index:
        match |= Q(phone_index=phone_index)
    if email_index:
        match |= Q(email_index=email_index)
    return list(Customer.objects.filter(match, company_id=company_id).order_by("pk"))


def customers_by_contact(company_id: int, value: str) -> list[Customer]:
    """Every customer of the company with this phone or email (blind index), oldest first."""
    phone, email = contact_indexes(value)
    return customers_by_indexes(company_id, phone_index=phone, email_index=email)


def customers_of(row: DataSubjectRequest) -> list[Customer]:
    """Every customer a request covers: those with its phone or email index now, and the row
    first matched (still there once erased, when its indexes are gone)."""
    found = customers_by_indexes(
        row.company_id, phone_index=row.phone_index, email_index=row.email_index
    )
    if row.customer_id is not None and row.customer_id not in {c.pk for c in found}:
        found = sorted([*found, Customer.objects.get(pk=row.customer_id)], key=lambda c: c.pk)
    return found


def _masked(value: str) -> str:
    value = value.strip()
    return pii.mask_value(pii.EMAIL if "@" in value else pii.PHONE, value)[:100] if value else ""


# --- dates in the company's time zone ------------------------------------------------------------


def company_zone(company_id: int) -> ZoneInfo:
    """The zone privacy dates are read in: the company's (the time zone of its first venue,
    the zone its venues share), else the installation's."""
    zone = (
        Venue.objects.filter(company_id=company_id)
        .order_by("pk")
        .values_list("timezone", flat=True)
        .first()
    )
    return ZoneInfo(zone or settings.TIME_ZONE)


def local(moment: datetime, company_id: int, *, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """`moment` as the company reads it (in its time zone)."""
    return moment.astimezone(company_zone(company_id)).strftime(fmt)


# --- telling people ------------------------------------------------------------------------------

Words = Callable[[], tuple[str, str]]


def tell_staff(users: Iterable[User], *, kind: str, key: str, words: Words) -> int:
    """An in-app message to each user, its subject and body rendered in that user's language
    (`words` is called once per recipient, inside `override(user.language)`). Deduplicated per
    user by `key`; returns how many were queued."""
    sent = 0
    for user in users:
        with override(user.language):
            subject, body = words()
            made = outbox_enqueue(
                kind=kind,
                channel=Outbox.Channel.IN_APP,
                recipient_user=user,
                subject=str(subject),
                body=str(body),
                language=user.language,
                dedupe_key=f"{key}:{user.pk}",
            )
        sent += made is not None
    return sent


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


def _tell(row: DataSubjectRequest, *, customer: Customer | None, words: Words) -> None:
    """Tell the requester (email, else SMS to the phone), when a contact is known, in their
    language (`words` is rendered inside `override(person.language)`)."""
    person = customer or row.customer
    if person is None or not (person.email or person.phone):
        return
    by_email = bool(person.email)
    with override(person.language):
        subject, body = words()
        outbox_enqueue(
            kind=Outbox.Kind.MESSAGE,
            channel=Outbox.Channel.EMAIL if by_email else Outbox.Channel.SMS,
            subject=str(subject),
            body=str(body),
            language=person.language,
            address=person.email if by_email else person.phone,
            dedupe_key=f"dsr:{row.pk}:{row.status}:{row.version}",
        )


def _about_your_data() -> str:
    return _("Your request about your personal data")


# --- receiving -----------------------------------------------------------------------------------


def officers(company_id: int) -> list[User]:
    from amends.orgs.models import RoleGrant

    ids = RoleGrant.objects.filter(
        role=Role.PRIVACY_OFFICER, user__company_id=company_id, user__is_active=True
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


def _receive(
    *,
    company_id: int,
    kind: str,
    phone_index: str,
    email_index: str,
    contact_masked: str,
    details: str,
    received_by: User | None,
    identity_method: str = "",
    identity_note: str = "",
    customer: Customer | None = None,
) -> DataSubjectRequest:
    """The one way a request is recorded, whoever received it: the person's customers found by
    blind index (`customer`, when given, is the row they signed in as; else the oldest found),
    due in the company's days (GDPR mode: 30), owned by the first privacy officer, every privacy
    officer told (in-app, in their language). Runs in the caller's transaction."""
    now = clock.now()
    settings_row = privacy_settings(company_id)
    days = GDPR_DAYS if settings_row.gdpr_mode else settings_row.request_days
    owners = officers(company_id)
    if customer is None:
        found = customers_by_indexes(company_id, phone_index=phone_index, email_index=email_index)
        customer = found[0] if found else None
    row = R.objects.create(
        company_id=company_id,
        kind=kind,
        customer=customer,
        phone_index=phone_index,
        email_index=email_index,
        contact_masked=contact_masked,
        details=_text(details, limit=4000, field="details"),
        received_by=received_by,
        received_at=now,
        due_at=now + timedelta(days=days),
        owner=owners[0] if owners else None,
    )
    if identity_method:
        row.status = R.Status.VERIFIED
        row.identity_method = identity_method
        row.identity_note = _text(identity_note, limit=500, field="identity_note")
        row.identity_checked_by = received_by
        row.save()

    def words() -> tuple[str, str]:
        subject = _("New data-subject request DSR-%(pk)s (%(kind)s), due %(due)s") % {
            "pk": row.pk,
            "kind": R.Kind(row.kind).label,
            "due": local(row.due_at, company_id),
        }
        if received_by is None:
            return subject, _("The customer filed it on the tracking page.")
        return subject, _("Recorded by %(name)s.") % {"name": received_by.name_in()}

    tell_staff(owners, kind=Outbox.Kind.ASSIGNMENT, key=f"dsr-new:{row.pk}", words=words)
    return row


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
    """Record a request a member of staff received (in person, by phone, by letter). The
    request covers every customer of the company with the phone or email the person gave."""
    if not has_any(actor, Role.values):
        raise PermissionDenied(_("You may not do this."), code="staff_only")
    if kind not in R.Kind.values:
        raise InvalidInput(_("Choose what is asked."), code="bad_kind")
    contact = _text(contact, limit=254, field="contact", required=False)
    if not contact:
        raise InvalidInput(_("Give the person's phone or email."), code="contact_required")
    if identity_method and identity_method not in R.Identity.values:
        raise InvalidInput(_("Say how the identity was checked."), code="bad_identity")
    phone, email = contact_indexes(contact)
    return _receive(
        company_id=company_of(actor),
        kind=kind,
        phone_index=phone,
        email_index=email,
        contact_masked=_masked(contact),
        details=details,
        received_by=actor,
        identity_method=identity_method,
        identity_note=identity_note,
    )


OPEN = [R.Status.RECEIVED, R.Status.VERIFIED, R.Status.EXTENDED]


VERIFIED_BY = ("phone", "email")


def _verified(customer: Customer, via: str) -> tuple[str, str]:
    """The (phone index, email index) of the one contact the sign-in code proved: the other is
    left out, so a row holding someone else's email beside this person's phone reaches nothing of
    that someone."""
    if via == "phone":
        return customer.phone_index, ""
    return "", customer.email_index


@transaction.atomic
def request_from_customer(
    *, principal: Principal, via: str, kind: str, details: str = ""
) -> tuple[DataSubjectRequest, bool]:
    """A request the customer files for themselves, signed in on the tracking page. `via` is the
    contact their sign-in code was sent to ("phone" or "email"): the code proved that one only,
    so the request is identity-checked (by code) for it and covers every customer of the company
    with that phone (or that email), never the other contact of the row.

    Idempotent against a double submit: while a request of this kind for that contact is open
    (whichever of the person's rows filed it), that one is returned with False instead of a
    second (the customer's row is locked, so two posts at once make one request). A new one:
    (row, True), the privacy officers told."""
    if (
        principal.kind != PrincipalKind.CUSTOMER
        or principal.ref is None
        or principal.company_id is None
    ):
        raise PermissionDenied(_("You may not do this."), code="customer_only")
    if principal.complaint_id is not None or via not in VERIFIED_BY:
        # a complaint's link proves that complaint only; a session that does not say which
        # contact its code went to proves none
        raise PermissionDenied(_("Sign in with a code first."), code="sign_in_required")
    if kind not in R.Kind.values:
        raise InvalidInput(_("Choose what is asked."), code="bad_kind", field="kind")
    details = _text(details, limit=4000, field="details")
    customer = (
        Customer.objects.select_for_update()
        .filter(pk=principal.ref, company_id=principal.company_id, anonymised_at__isnull=True)
        .first()
    )
    if customer is None:
        raise NotFound(_("Not found."), code="not_found")
    phone_ix, email_ix = _verified(customer, via)
    if not (phone_ix or email_ix):
        raise PermissionDenied(_("Sign in with a code first."), code="sign_in_required")
    already = (
        _of_contact(customer.company_id, phone_ix, email_ix)
        .filter(kind=kind, status__in=OPEN)
        .order_by("pk")
        .first()
    )
    if already is not None:
        return already, False
    row = _receive(
        company_id=customer.company_id,
        kind=kind,
        phone_index=phone_ix,
        email_index=email_ix,
        contact_masked=_masked(customer.phone if via == "phone" else customer.email),
        details=details,
        received_by=None,
        identity_method=R.Identity.CODE,
        customer=customer,
    )
    return row, True


def _of_contact(company_id: int, phone_ix: str, email_ix: str) -> QuerySet[R]:
    """The company's requests made for this phone (or this email), whichever row filed them."""
    if phone_ix:
        return R.objects.filter(company_id=company_id, phone_index=phone_ix)
    return R.objects.filter(company_id=company_id, email_index=email_ix)


def requests_of_customer(*, principal: Principal, via: str) -> list[DataSubjectRequest]:
    """The signed-in person's requests, newest first (the tracking page lists them): those made
    for the contact their code proved, filed from any of their rows or by staff."""
    if principal.kind != PrincipalKind.CUSTOMER or principal.ref is None:
        return []
    if principal.company_id is None or via not in VERIFIED_BY:
        return []
    customer = Customer.objects.filter(pk=principal.ref, company_id=principal.company_id).first()
    if customer is None:
        return []
    phone_ix, email_ix = _verified(customer, via)
    if not (phone_ix or email_ix):
        return []
    rows = _of_contact(principal.company_id, phone_ix, email_ix)
    return list(rows.order_by("-received_at", "-pk")[:50])


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
    due = local(row.due_at, row.company_id, fmt="%Y-%m-%d")
    _tell(
        row,
        customer=None,
        words=lambda: (
            _about_your_data(),
            _("We need more time to answer, until %(due)s: %(notice)s")
            % {"due": due, "notice": row.extension_notice},
        ),
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
        words=lambda: (
            _about_your_data(),
            _("We cannot do what you asked: %(reason)s") % {"reason": reason},
        ),
    )
    return row


@transaction.atomic
def request_complete(
    *, actor: User, request: DataSubjectRequest, outcome: str, version: int | None
) -> DataSubjectRequest:
    """Finish an access, correction or withdrawal request with what was done. A withdrawal of
    consent withdraws every sensitive-data consent of every customer the request covers."""
    row = _get(actor, request, version)
    customers = _need_identity(row)
    row.outcome = _text(outcome, limit=4000, field="outcome", required=True)
    if row.kind == R.Kind.WITHDRAWAL and customers:
        row.counts = {
            "consents_withdrawn": SensitiveConsent.objects.filter(
                complaint__customer_id__in=[c.pk for c in customers], withdrawn_at__isnull=True
            ).update(withdrawn_at=clock.now())
        }
    row.status, row.finished_at = R.Status.DONE, clock.now()
    _save(row)
    _tell(
        row,
        customer=None,
        words=lambda: (
            _about_your_data(),
            _("Your request is done: %(outcome)s") % {"outcome": row.outcome},
        ),
    )
    return row


def _need_identity(row: DataSubjectRequest) -> list[Customer]:
    """The customers the request covers, once the identity is checked; an access, export or
    deletion needs at least one."""
    if not row.identity_method:
        raise InvalidInput(_("Check the person's identity first."), code="identity_unchecked")
    customers = customers_of(row)
    if not customers and row.kind in (R.Kind.EXPORT, R.Kind.DELETION, R.Kind.ACCESS):
        raise InvalidInput(_("No customer has this phone or email."), code="no_customer")
    return customers


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


def export_zip(customers: Sequence[Customer]) -> bytes:
    """Everything the providers hold about the person — every customer row of theirs, the
    tables of each provider put together: data.json, one CSV per table, the files."""
    buffer = io.BytesIO()
    everything: dict[str, Any] = {}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        written: set[str] = set()
        for provider in registry.providers():
            tables: dict[str, list[dict[str, Any]]] = {}
            for customer in customers:
                found = provider.export(customer)
                for item in found.pop(registry.FILES, []):
                    if item["name"] not in written and default_storage.exists(item["storage"]):
                        with default_storage.open(item["storage"], "rb") as handle:
                            archive.writestr(item["name"], handle.read())
                        written.add(item["name"])
                for table, rows in found.items():
                    tables.setdefault(table, []).extend(rows)
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
    """The zip of everything about the person — every customer the request covers — (file
    name, bytes), for an access or export request whose identity is checked. The export is
    logged (access log, one row per customer, and on the request); the request is done.
    Nothing is kept on disk: the console hands the bytes over."""
    row = _get(actor, request, version)
    if row.kind not in (R.Kind.EXPORT, R.Kind.ACCESS):
        raise InvalidInput(_("Only an access or export request is exported."), code="bad_kind")
    customers = _need_identity(row)
    data = export_zip(customers)
    for customer in customers:
        log_access(
            actor,
            customer=customer,
            what="data-subject export (zip: JSON and CSV)",
            why=f"request DSR-{row.pk}",
            company_id=row.company_id,
        )
    row.counts = {"bytes": len(data), "customers": len(customers)}
    row.outcome = row.outcome or "exported"
    row.status, row.finished_at = R.Status.DONE, clock.now()
    _save(row)
    _tell(
        row,
        customer=row.customer or customers[0],
        words=lambda: (
            _about_your_data(),
            _("The copy of your personal data is ready; we hand it over as agreed."),
        ),
    )
    return f"personal-data-DSR-{row.pk}.zip", data


# --- deletion ----------------------------------------------------------------------------------


def request_erase(
    *, actor: User, request: DataSubjectRequest, version: int | None = None
) -> DataSubjectRequest:
    """Erase everything about the person — every customer the request covers — through every
    provider, in one transaction (the customers locked in id order), one evidence row per
    customer. Refused — the request then refused with the provider's reason, and the requester
    told — while a legal hold or an open complaint needs the data of any of them."""
    from amends.privacy.purge import active_customer_hold

    now = clock.now()
    try:
        with transaction.atomic():
            row = _get(actor, request, version)
            if row.kind != R.Kind.DELETION:
                raise InvalidInput(_("Only a deletion request erases."), code="bad_kind")
            ids = [c.pk for c in _need_identity(row)]
            customers = list(Customer.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
            # The contact is read before it is erased: the requester is told afterwards.
            first = next((c for c in customers if c.pk == row.customer_id), customers[0])
            contact = Customer(
                pk=first.pk, phone=first.phone, email=first.email, language=first.language
            )
            if any(active_customer_hold(c.pk) is not None for c in customers):
                raise registry.Refused(_("The person's data is under legal hold."))
            counts: dict[str, int] = {}
            for customer in customers:
                own: dict[str, int] = {}
                for provider in registry.providers():
                    for key, value in (provider.erase(customer, now) or {}).items():
                        own[f"{provider.name}.{key}"] = value
                        counts[f"{provider.name}.{key}"] = (
                            counts.get(f"{provider.name}.{key}", 0) + value
                        )
                PurgeRecord.objects.create(
                    company_id=row.company_id,
                    at=now,
                    outcome=PurgeRecord.Outcome.DELETED,
                    customer_id=customer.pk,
                    classes=["contact_data", "free_text", "attachments", "recordings", "health"],
                    rule={"request": f"DSR-{row.pk}"},
                    counts=own,
                    request=row,
                )
            row.counts, row.outcome = counts, "erased"
            row.contact_masked = ""
            row.status, row.finished_at = R.Status.DONE, now
            _save(row)
            _tell(
                row,
                customer=contact,
                words=lambda: (_about_your_data(), _("Your personal data has been erased.")),
            )
            return row
    except registry.Refused as refused:
        with transaction.atomic():
            row = _get(actor, request, None)
            return _refuse(row, refused.reason)
