"""The outbox and the webhook subscriptions in the admin.

The outbox is shown, never edited: rows are written only by `outbox_enqueue` and moved only by
the delivery workers and three actions — "retry now" (a failed message back in the queue),
"cancel" (never to be sent) and "mark as done by hand" (a letter a person sent). The
recipient's address is a customer's phone or e-mail (personal data): lists and pages show it
masked. Failed messages are one filter away ("Delivery: failed"), with each try inline.

A staff user who is not a superuser sees only the messages addressed to them: this layer cannot
see complaints, so it cannot tell which customer messages belong to the user's venues.

Webhook subscriptions are configured here per company. The signing secret is shown once, when
the subscription is made (or a new one is asked for), and never again; "Send a test event"
queues a test delivery, and each subscription's page shows its delivery log.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from amends.core import clock, pii
from amends.notifications import webhooks
from amends.notifications.delivery import (
    outbox_cancel_by_hand,
    outbox_mark_done_by_hand,
    outbox_retry_now,
)
from amends.notifications.models import DeliveryAttempt, Outbox, WebhookSubscription
from amends.orgs import admin as orgs_admin

LOG_ROWS = 20


def masked_address(address: str, channel: str = "") -> str:
    """An e-mail or a phone number, masked; a webhook's URL as its host; "" stays ""."""
    if not address:
        return ""
    if channel == Outbox.Channel.WEBHOOK:
        return urlsplit(address).netloc or "****"
    return pii.mask_email(address) if "@" in address else pii.mask_phone(address)


class DeliveryFilter(admin.SimpleListFilter):
    """What needs a person's eye: failed rows, rows being retried, claims a dead worker left."""

    title = _("delivery")
    parameter_name = "delivery"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("failed", _("Failed")),
            ("retrying", _("Waiting for a retry")),
            ("stuck", _("Claim expired")),
            ("by_hand", _("To be sent by hand")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        S = Outbox.Status
        if self.value() == "failed":
            return queryset.filter(status=S.FAILED)
        if self.value() == "retrying":
            return queryset.filter(status=S.PENDING, attempts__gt=0)
        if self.value() == "stuck":
            return queryset.filter(status=S.SENDING, claimed_until__lt=clock.now())
        if self.value() == "by_hand":
            return queryset.filter(status=S.PENDING, channel=Outbox.Channel.MANUAL)
        return queryset


class DeliveryAttemptInline(orgs_admin.ReadOnlyInline):
    model = DeliveryAttempt
    fields = ("number", "started_at", "duration_ms", "ok", "response", "error")
    readonly_fields = fields
    show_change_link = False


class CanDeliver:
    """The outbox's actions: superusers, and people given the right to change outbox rows."""

    def has_deliver_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_superuser or user.has_perm("notifications.change_outbox"))


_HIDDEN = _("(hidden: it holds a sign-in code)")


@admin.register(Outbox)
class OutboxAdmin(CanDeliver, orgs_admin.ReadOnlyAdmin):
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
        "error",
    )
    list_filter = (DeliveryFilter, "status", "channel", "kind", "language", "created_at")
    search_fields = ("=reference", "recipient_user__username", "recipient_user__display_name")
    list_select_related = ("recipient_user",)
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    actions = ("retry_now", "cancel", "mark_done_by_hand")  # type: ignore[assignment]
    inlines = (DeliveryAttemptInline,)
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
        "shown_body",
        "shown_context",
        "message_id",
        "status",
        "attempts",
        "available_at",
        "claimed_until",
        "last_error",
        "sent_at",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("body"))
    def shown_body(self, message: Outbox) -> str:
        # A sign-in code opens all of a customer's complaints: no one reads it here.
        return str(_HIDDEN) if message.kind == Outbox.Kind.SIGN_IN_CODE else message.body

    @admin.display(description=_("context"))
    def shown_context(self, message: Outbox) -> Any:
        return _HIDDEN if message.kind == Outbox.Kind.SIGN_IN_CODE else message.context

    @admin.display(description=_("address"))
    def masked_recipient_address(self, message: Outbox) -> str:
        return masked_address(message.recipient_address, message.channel)

    @admin.display(description=_("recipient"))
    def recipient(self, message: Outbox) -> str:
        channel = message.get_channel_display()
        if message.recipient_user is not None:
            return f"{message.recipient_user} ({channel})"
        address = masked_address(message.recipient_address, message.channel)
        return f"{address} ({channel})" if address else str(channel)

    @admin.display(description=_("last error"))
    def error(self, message: Outbox) -> str:
        return message.last_error[:80]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Outbox]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(recipient_user_id=request.user.pk)

    @admin.action(description=_("Retry now"), permissions=["deliver"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Outbox]) -> None:
        count = outbox_retry_now(ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext(
                "%(count)d message is queued again.",
                "%(count)d messages are queued again.",
                count,
            )
            % {"count": count},
        )

    @admin.action(description=_("Cancel (never send)"), permissions=["deliver"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[Outbox]) -> None:
        count = outbox_cancel_by_hand(
            ids=list(queryset.values_list("pk", flat=True)),
            reason=f"cancelled in the admin by {request.user}",
        )
        self.message_user(
            request,
            ngettext("%(count)d message is cancelled.", "%(count)d messages are cancelled.", count)
            % {"count": count},
        )

    @admin.action(description=_("Mark as done by hand"), permissions=["deliver"])
    def mark_done_by_hand(self, request: HttpRequest, queryset: QuerySet[Outbox]) -> None:
        count = outbox_mark_done_by_hand(ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext(
                "%(count)d message is marked as sent by hand.",
                "%(count)d messages are marked as sent by hand.",
                count,
            )
            % {"count": count},
        )


# --- webhook subscriptions ---------------------------------------------------------------------


def event_choices() -> list[tuple[str, Any]]:
    return sorted(webhooks.EVENT_KINDS.items(), key=lambda item: item[0])


class WebhookSubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=event_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every event."),
    )
    new_secret = forms.CharField(
        label=_("signing secret"),
        required=False,
        max_length=200,
        help_text=_(
            "Leave blank to have one made. It is shown once, after saving; the integration "
            "checks X-Amends-Signature with it."
        ),
    )
    rotate_secret = forms.BooleanField(
        label=_("Make a new signing secret"),
        required=False,
        help_text=_("The old secret stops working at once; the new one is shown once."),
    )

    class Meta:
        model = WebhookSubscription
        fields = ("company", "name", "url", "events", "api_key", "is_active")

    def clean_new_secret(self) -> str:
        secret: str = self.cleaned_data.get("new_secret", "").strip()
        if secret and len(secret) < 24:
            raise forms.ValidationError(_("A signing secret has at least 24 characters."))
        return secret

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        company, api_key = cleaned.get("company"), cleaned.get("api_key")
        if company is not None and api_key is not None and api_key.company_id != company.pk:
            self.add_error("api_key", _("This API key belongs to another company."))
        return cleaned


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(orgs_admin.CompanyScoped, admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ("name", "company", "url", "events_shown", "api_key", "is_active", "created_at")
    list_filter = ("is_active", ("company", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "url")
    list_select_related = ("company", "api_key")
    actions = ("send_test",)
    readonly_fields = ("created_at", "delivery_log")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["company", "name", "url", "events", "api_key", "is_active"]
        if obj is None:
            return [*fields, "new_secret"]
        return [*fields, "rotate_secret", "created_at", "delivery_log"]

    @admin.display(description=_("events"))
    def events_shown(self, subscription: WebhookSubscription) -> str:
        return ", ".join(subscription.events) if subscription.events else str(_("every event"))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        shown = ""
        if not change:
            obj.created_at = clock.now()
            obj.secret = shown = form.cleaned_data.get("new_secret") or webhooks.new_secret()
        elif form.cleaned_data.get("rotate_secret"):
            obj.secret = shown = webhooks.new_secret()
        super().save_model(request, obj, form, change)
        if shown:
            self.message_user(
                request,
                format_html(
                    "{} <code>{}</code>",
                    _("Copy the signing secret now, it is not shown again:"),
                    shown,
                ),
                messages.WARNING,
            )

    def response_change(self, request: HttpRequest, obj: Any) -> HttpResponse:
        """The "Send a test event" button of the subscription's page (after saving it)."""
        if "_send_test" in request.POST and obj.is_active:
            webhooks.webhook_test_send(obj)
            self.message_user(
                request, _("A test event is queued; the delivery log below shows the answer.")
            )
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    @admin.action(description=_("Send a test event"))
    def send_test(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        count = 0
        for subscription in queryset.filter(is_active=True):
            webhooks.webhook_test_send(subscription)
            count += 1
        self.message_user(
            request,
            ngettext(
                "A test event is queued for %(count)d subscription; its delivery log shows "
                "the answer.",
                "A test event is queued for %(count)d subscriptions; their delivery logs show "
                "the answers.",
                count,
            )
            % {"count": count},
        )

    @admin.display(description=_("delivery log"))
    def delivery_log(self, subscription: WebhookSubscription) -> SafeString:
        """The latest deliveries to this subscription, each with its tries (two queries)."""
        if subscription.pk is None:
            return SafeString("")
        rows = list(
            Outbox.objects.filter(
                Q(context__subscription=subscription.pk), channel=Outbox.Channel.WEBHOOK
            )
            .prefetch_related("delivery_attempts")
            .order_by("-created_at", "-pk")[:LOG_ROWS]
        )
        if not rows:
            return format_html("<p>{}</p>", _("Nothing delivered yet."))
        lines = format_html_join(
            "",
            "<tr><td><a href='{}'>{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td>{}</td></tr>",
            (
                (
                    reverse("admin:notifications_outbox_change", args=[row.pk]),
                    row.pk,
                    row.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                    (row.context or {}).get("event") or row.kind,
                    row.get_status_display(),
                    row.attempts,
                    "; ".join(
                        f"#{attempt.number} {'ok' if attempt.ok else 'failed'} "
                        f"{attempt.response or attempt.error}"[:200]
                        for attempt in row.delivery_attempts.all()
                    ),
                )
                for row in rows
            ),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>"
            "<th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("delivery"),
            _("created at"),
            _("event"),
            _("status"),
            _("attempts"),
            _("tries"),
            lines,
        )
