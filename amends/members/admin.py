"""Customers and memberships in the admin: read-only, and never in clear.

Customers are written only by the intake and anonymisation services. The admin shows the masked
contact card (`members.selectors.contact_card(unmasked=False)`); the encrypted columns and the
blind indexes are never rendered. Unmasking is audited, so it happens in the console, not here.
A customer is found by the exact phone number or e-mail address, through the blind index.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from amends.core import pii
from amends.core.errors import InvalidInput
from amends.members.models import Customer, Member
from amends.members.selectors import ContactCard, contact_card
from amends.members.services import email_index, phone_index
from amends.orgs import admin as orgs_admin


def _card(customer: Customer) -> ContactCard:
    return contact_card(customer, unmasked=False)


class MemberInline(orgs_admin.ReadOnlyInline):
    model = Member
    fields = ("venue", "number", "level", "expires_on")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Member]:
        return super().get_queryset(request).select_related("venue")


@admin.register(Customer)
class CustomerAdmin(orgs_admin.CompanyScoped, orgs_admin.ReadOnlyAdmin):
    list_display = (
        "__str__",
        "masked_name",
        "masked_phone",
        "masked_email",
        "language",
        "company",
        "created_at",
        "anonymised_at",
    )
    list_filter = ("language", ("company", admin.RelatedOnlyFieldListFilter), "created_at")
    list_select_related = ("company",)
    # Encrypted columns cannot be searched; get_search_results adds exact blind-index lookups.
    search_fields = ("=id",)
    search_help_text = _("An exact phone number or e-mail address, or the customer number.")
    ordering = ("-created_at", "-pk")
    # Only these: never name, phone, email or the blind-index columns.
    fields = (
        "company",
        "masked_name",
        "masked_phone",
        "masked_email",
        "language",
        "created_at",
        "anonymised_at",
    )
    readonly_fields = fields
    inlines = (MemberInline,)

    @admin.display(description=_("name"))
    def masked_name(self, customer: Customer) -> str:
        return _card(customer).name

    @admin.display(description=_("phone"))
    def masked_phone(self, customer: Customer) -> str:
        return _card(customer).phone

    @admin.display(description=_("email"))
    def masked_email(self, customer: Customer) -> str:
        return _card(customer).email

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Customer], search_term: str
    ) -> tuple[QuerySet[Customer], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        indexes: list[Any] = []
        for normalise, index in (
            (pii.normalize_phone, phone_index),
            (pii.normalize_email, email_index),
        ):
            try:
                indexes.append(index(normalise(term)))
            except InvalidInput:
                continue
        found = (
            queryset.filter(Q(phone_index__in=indexes) | Q(email_index__in=indexes))
            if indexes
            else queryset.none()
        )
        if (
            term.isdigit() and len(term) <= 18
        ):  # a customer number (longer would overflow the column)
            found = found | queryset.filter(pk=int(term))
        return found, False


@admin.register(Member)
class MemberAdmin(orgs_admin.CompanyScoped, orgs_admin.ReadOnlyAdmin):
    company_path = "venue__company_id"
    list_display = ("number", "venue", "customer_number", "level", "expires_on")
    list_filter = (("venue", admin.RelatedOnlyFieldListFilter), "level")
    search_fields = ("number",)
    list_select_related = ("venue",)
    ordering = ("venue__code", "number")
    fields = ("customer", "venue", "number", "level", "expires_on")

    @admin.display(description=_("customer"), ordering="customer_id")
    def customer_number(self, member: Member) -> str:
        # As Customer.__str__, without loading (and decrypting) the customer's row.
        return f"#{member.customer_id}"
