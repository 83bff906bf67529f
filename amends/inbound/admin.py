"""The mailboxes amends reads and the email it received, in the admin.

Registered here, not in `notifications/admin.py`, because the actions ("poll now", "process
again") call the inbound services, a layer above notifications. A mailbox's IMAP password is
write-only: left blank, the stored one is kept. Received email is shown, never edited; the
sender's address is personal data and is shown masked.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from amends.core import pii
from amends.inbound import parsing, services
from amends.notifications.models import InboundMessage, Mailbox
from amends.orgs import admin as orgs_admin


class MailboxForm(forms.ModelForm):
    imap_password = forms.CharField(
        label=_("IMAP password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave blank to keep the current password."),
    )

    class Meta:
        model = Mailbox
        fields = [
            "venue",
            "address",
            "is_active",
            "imap_host",
            "imap_port",
            "imap_ssl",
            "imap_user",
            "imap_password",
            "imap_folder",
        ]

    def clean_imap_password(self) -> str:
        given = str(self.cleaned_data.get("imap_password") or "")
        return given or (self.instance.imap_password if self.instance.pk else "")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # The kept password goes only to the server it was given for: a new host or user
        # needs the password again.
        moved = self.instance.pk and any(
            cleaned.get(name) != getattr(self.instance, name) for name in ("imap_host", "imap_user")
        )
        if moved and not self.data.get("imap_password"):
            self.add_error(
                "imap_password", _("Give the password again for a new IMAP server or user.")
            )
        return cleaned


@admin.register(Mailbox)
class MailboxAdmin(orgs_admin.CompanyScoped, admin.ModelAdmin):
    company_path = "venue__company_id"
    form = MailboxForm
    list_display = ["address", "venue", "is_active", "imap_host", "last_polled_at", "last_error"]
    list_filter = ["is_active"]
    search_fields = ["address"]
    readonly_fields = ["last_polled_at", "last_error"]
    actions = ["poll_now"]

    @admin.action(description=_("Fetch new email now"))
    def poll_now(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        stored = 0
        for mailbox in queryset.exclude(imap_host=""):
            stored += services.mailbox_poll(mailbox)
            if mailbox.last_error:
                self.message_user(
                    request, f"{mailbox.address}: {mailbox.last_error}", messages.ERROR
                )
        self.message_user(
            request,
            ngettext("%(n)d new message stored.", "%(n)d new messages stored.", stored)
            % {"n": stored},
        )


SHOWN = (
    "message_id",
    "mailbox",
    "received_at",
    "sender",
    "subject",
    "text",
    "status",
    "reason",
    "complaint_id",
    "processed_at",
    "attempts",
)


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    """Superusers see every message; other staff only those their company's mailboxes or
    gateways received."""

    list_display = [
        "received_at",
        "sender",
        "subject",
        "status",
        "reason",
        "complaint_id",
        "attempts",
        "mailbox",
    ]
    list_filter = ["status", ("mailbox", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["message_id"]
    date_hierarchy = "received_at"
    fields = SHOWN
    readonly_fields = SHOWN
    actions = ["process_again"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[InboundMessage]:
        rows = super().get_queryset(request)
        if request.user.is_superuser:
            return rows
        company_id = getattr(request.user, "company_id", None)
        return rows.filter(
            Q(mailbox__venue__company_id=company_id) | Q(venue__company_id=company_id)
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _parsed(self, obj: InboundMessage) -> parsing.ParsedEmail:
        cached: parsing.ParsedEmail | None = getattr(obj, "_parsed", None)
        if cached is None:
            cached = parsing.parse(bytes(obj.raw))
            obj._parsed = cached  # type: ignore[attr-defined]
        return cached

    @admin.display(description=_("from"))
    def sender(self, obj: InboundMessage) -> str:
        address = self._parsed(obj).from_address
        return pii.mask_email(address) if address else "—"

    @admin.display(description=_("subject"))
    def subject(self, obj: InboundMessage) -> str:
        return self._parsed(obj).subject[:120]

    @admin.display(description=_("text"))
    def text(self, obj: InboundMessage) -> str:
        return self._parsed(obj).text[:2000]

    @admin.action(description=_("Process again (pending or failed messages)"))
    def process_again(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        due = queryset.filter(
            status__in=[InboundMessage.Status.PENDING, InboundMessage.Status.FAILED]
        )
        done = 0
        for row in due:
            services.inbound_process(row)
            done += 1
        self.message_user(
            request,
            ngettext("%(n)d message processed.", "%(n)d messages processed.", done) % {"n": done},
        )
