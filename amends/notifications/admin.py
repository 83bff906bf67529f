"""The outbox in the admin: read-only, and the recipient's address never in clear.

Rows are written only by `outbox_enqueue` and updated only by the delivery workers. The address
is a customer's phone or e-mail (personal data): the admin shows its channel and a masked form.

A staff user who is not a superuser sees only the messages addressed to them: this layer cannot
see complaints, so it cannot tell which customer messages belong to the user's venues.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from amends.core import pii
from amends.notifications.models import Outbox
from amends.orgs import admin as orgs_admin


def masked_address(address: str) -> str:
    """An e-mail or a phone number, masked; "" stays ""."""
    if not address:
        return ""
    return pii.mask_email(address) if "@" in address else pii.mask_phone(address)


@admin.register(Outbox)
class OutboxAdmin(orgs_admin.ReadOnlyAdmin):
    list_display = (
        "created_at",
        "kind",
        "channel",
        "recipient",
        "reference",
        "status",
        "attempts",
        "available_at",
        "sent_at",
    )
    list_filter = ("status", "kind", "channel", "language", "created_at")
    search_fields = ("=reference", "recipient_user__username", "recipient_user__display_name")
    list_select_related = ("recipient_user",)
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    # Never recipient_address (nor dedupe_key, an internal detail).
    fields = (
        "kind",
        "channel",
        "recipient_user",
        "masked_recipient_address",
        "language",
        "reference",
        "complaint_id",
        "subject",
        "body",
        "context",
        "status",
        "attempts",
        "available_at",
        "last_error",
        "sent_at",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("address"))
    def masked_recipient_address(self, message: Outbox) -> str:
        return masked_address(message.recipient_address)

    @admin.display(description=_("recipient"))
    def recipient(self, message: Outbox) -> str:
        channel = message.get_channel_display()
        if message.recipient_user is not None:
            return f"{message.recipient_user} ({channel})"
        address = masked_address(message.recipient_address)
        return f"{address} ({channel})" if address else str(channel)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Outbox]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(recipient_user_id=request.user.pk)
