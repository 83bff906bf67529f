"""Writes for customers and members."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal
from django.utils.translation import gettext as _

from amends.core import crypto, pii
from amends.core.errors import InvalidInput
from amends.members.models import Customer, Member
from amends.orgs.models import Company, Venue

# Sent inside the caller's transaction each time a member's contact details are shown unmasked
# (sender=Member; keyword arguments: actor, member, why). The privacy app, which the layers
# below it never import, writes its access log from it.
contact_revealed = Signal()


def phone_index(e164: str) -> str:
    return crypto.blind_index(e164, purpose="phone") if e164 else ""


def email_index(email: str) -> str:
    return crypto.blind_index(email, purpose="email") if email else ""


def customer_find_or_create(
    *, company: Company, name: str, phone: str = "", email: str = "", language: str = "zh-hans"
) -> tuple[Customer, bool]:
    """Return the company's customer with this phone (else email), or create one.

    Phone and email are normalised first (raises InvalidInput with code invalid_phone /
    invalid_email). At least one way to reach the customer, or a name, is required. An existing
    customer's missing contact details are filled in; known ones are never overwritten here.
    """
    name = name.strip()
    e164 = pii.normalize_phone(phone) if phone.strip() else ""
    mail = pii.normalize_email(email) if email.strip() else ""
    if not (name or e164 or mail):
        raise InvalidInput("a name, phone or email is required", code="customer_required")
    return _find_or_create(company=company, name=name, e164=e164, mail=mail, language=language)


# Its own transaction when called alone; inside a caller's (intake) no savepoint of its own:
# every check that can refuse is made before, so only a database error can end it, and that
# ends the caller's transaction anyway.
@transaction.atomic(savepoint=False)
def _find_or_create(
    *, company: Company, name: str, e164: str, mail: str, language: str
) -> tuple[Customer, bool]:
    customer = None
    if e164:
        customer = Customer.objects.filter(company=company, phone_index=phone_index(e164)).first()
    if customer is None and mail:
        customer = Customer.objects.filter(company=company, email_index=email_index(mail)).first()
    if customer is None:
        customer = Customer.objects.create(
            company=company,
            name=name,
            phone=e164,
            email=mail,
            phone_index=phone_index(e164),
            email_index=email_index(mail),
            language=language,
        )
        return customer, True
    changed = []
    # A missing detail is filled in only when no other customer of the company has it: a phone
    # and an email of two different people never end up on one record.
    others = Customer.objects.filter(company=company).exclude(pk=customer.pk)
    if e164 and not customer.phone and not others.filter(phone_index=phone_index(e164)).exists():
        customer.phone, customer.phone_index = e164, phone_index(e164)
        changed += ["phone", "phone_index"]
    if mail and not customer.email and not others.filter(email_index=email_index(mail)).exists():
        customer.email, customer.email_index = mail, email_index(mail)
        changed += ["email", "email_index"]
    if name and not customer.name:
        customer.name = name
        changed.append("name")
    if changed:
        customer.save(update_fields=changed)
    return customer, False


@transaction.atomic
def member_link(*, customer: Customer, venue: Venue, number: str, level: str = "") -> Member:
    """Record that `customer` holds membership `number` at `venue` (idempotent)."""
    if venue.company_id != customer.company_id:
        raise InvalidInput(_("This venue belongs to another company."), code="foreign_venue")
    if not number.strip():
        raise InvalidInput(_("Give the membership number."), code="member_number_required")
    member, _created = Member.objects.get_or_create(
        venue=venue, number=number.strip(), defaults={"customer": customer, "level": level}
    )
    if member.customer_id != customer.pk:
        raise InvalidInput(_("This membership number is already in use here."), code="member_taken")
    return member


def customers_reencrypt(*, batch: int = 500) -> int:
    """Re-encrypt every customer's personal fields with the first key of AMENDS_FIELD_KEYS
    (run after putting a new key first). Rows are read (decrypted with any key) and written
    back (encrypted with the first). Returns the number of customers rewritten."""
    count = 0
    pks = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), batch):
        with transaction.atomic():
            rows = list(
                Customer.objects.select_for_update().filter(pk__in=pks[start : start + batch])
            )
            Customer.objects.bulk_update(rows, ["name", "phone", "email"])
            count += len(rows)
    return count
