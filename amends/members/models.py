from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from amends.core import clock
from amends.core.fields import EncryptedTextField
from amends.orgs.models import Company, Venue


class Customer(models.Model):
    """A person who complains: a member, a guest or a visitor.

    Name, phone and email are encrypted at rest (MultiFernet, keys in the environment) and never
    stored in clear. Phone and email are found through keyed blind indexes (HMAC of the
    normalised value), so "every complaint from +8613800138000" is an indexed equality lookup.
    """

    company = models.ForeignKey(
        Company, models.PROTECT, related_name="customers", verbose_name=_("company")
    )
    name = EncryptedTextField(_("name"), blank=True, default="")
    phone = EncryptedTextField(_("phone"), blank=True, default="")
    email = EncryptedTextField(_("email"), blank=True, default="")
    phone_index = models.CharField(
        max_length=64, blank=True, default="", db_index=True, editable=False
    )
    email_index = models.CharField(
        max_length=64, blank=True, default="", db_index=True, editable=False
    )
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    created_at = models.DateTimeField(_("created at"), default=clock.now, editable=False)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return f"#{self.pk}"


class Member(models.Model):
    """A customer's membership at a club: card number, plan, term and status, the specialist who
    looks after them (their member book), visits, quiet hours, opt-outs and points."""

    customer = models.ForeignKey(
        Customer, models.PROTECT, related_name="memberships", verbose_name=_("customer")
    )
    venue = models.ForeignKey(
        Venue, models.PROTECT, related_name="members", verbose_name=_("venue")
    )

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("membership", "Active")
        FROZEN = "frozen", _("Frozen")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", pgettext_lazy("membership", "Cancelled")

    number = models.CharField(_("membership number"), max_length=40)
    level = models.CharField(_("level"), max_length=40, blank=True)
    plan = models.CharField(_("membership plan"), max_length=80, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    # Personal data: kept encrypted (ISO date), read only to greet on the day.
    birthday = EncryptedTextField(_("birthday"), blank=True, default="")
    specialist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="member_book",
        verbose_name=_("customer-service specialist"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    first_contact_at = models.DateTimeField(_("first contact at"), null=True, blank=True)
    first_contact_note = models.CharField(
        _("first contact note"), max_length=500, blank=True, default=""
    )
    last_visit_on = models.DateField(_("last visit"), null=True, blank=True)
    sessions_left = models.PositiveIntegerField(_("sessions left"), null=True, blank=True)
    quiet_from = models.TimeField(_("do not disturb from"), null=True, blank=True)
    quiet_to = models.TimeField(_("do not disturb until"), null=True, blank=True)
    opt_outs = models.JSONField(_("channels opted out of"), default=list, blank=True)
    points = models.PositiveIntegerField(_("points"), default=0)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(fields=["venue", "number"], name="member_number_per_venue"),
        ]
        indexes = [models.Index(fields=["specialist", "status"], name="member_book")]

    def __str__(self) -> str:
        return f"{self.venue.code}:{self.number}"


class CustomerCode(models.Model):
    """A short-lived code sent to a customer's phone or email to prove they are its owner.

    Only an HMAC of the code is kept; it expires after a few minutes and after a few wrong
    tries, and is used once.
    """

    customer = models.ForeignKey(
        Customer, models.CASCADE, related_name="codes", verbose_name=_("customer")
    )
    code_hash = models.CharField(max_length=64)
    sent_to = models.CharField(_("sent to"), max_length=10)  # "phone" or "email"
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer sign-in code")
        verbose_name_plural = _("customer sign-in codes")

    def __str__(self) -> str:
        return f"{self.customer_id}:{self.sent_to}"
