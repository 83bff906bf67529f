"""Reads of customers: masked unless the caller is allowed (the complaint selectors decide)."""

from __future__ import annotations

from dataclasses import dataclass

from amends.core import pii
from amends.members.models import Customer, Member
from amends.members.services import email_index, phone_index
from amends.orgs.models import Company, Venue


@dataclass(frozen=True)
class ContactCard:
    """What a viewer is shown of a customer."""

    name: str
    phone: str
    email: str
    masked: bool


def contact_card(customer: Customer, *, unmasked: bool) -> ContactCard:
    if unmasked:
        return ContactCard(customer.name, customer.phone, customer.email, masked=False)
    return ContactCard(
        pii.mask_name(customer.name),
        pii.mask_phone(customer.phone),
        pii.mask_email(customer.email),
        masked=True,
    )


def customers_by_phone(*, company: Company, phone: str) -> list[Customer]:
    """Customers of `company` with this phone, found via the blind index (no decryption scan)."""
    e164 = pii.normalize_phone(phone)
    return list(Customer.objects.filter(company=company, phone_index=phone_index(e164)))


def customers_by_email(*, company: Company, email: str) -> list[Customer]:
    mail = pii.normalize_email(email)
    return list(Customer.objects.filter(company=company, email_index=email_index(mail)))


def member_at(*, venue: Venue, number: str) -> Member | None:
    """The membership `number` at `venue` (exact match), with its customer; None when unknown.
    The caller decides who may learn of it (intake roles at that venue)."""
    number = number.strip()
    if not number:
        return None
    return Member.objects.select_related("customer").filter(venue=venue, number=number).first()
