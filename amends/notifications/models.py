from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from amends.core.fields import EncryptedTextField, LongTextField


class Outbox(models.Model):
    """A message the flow decided to send, written in the same transaction as the change that
    caused it, so it is never lost when a mail server or SMS gateway is down.

    A row is complete enough to deliver on its own: rendered subject and body in the recipient's
    language, the channel and the address (encrypted: it is the customer's personal data).
    Workers claim rows with a conditional update and record attempts and errors. `dedupe_key`
    makes enqueueing idempotent (a reminder is queued once however often the tick runs).
    """

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
        ASSIGNMENT = "assignment", _("Assignment")
        URGENT_ALERT = "urgent_alert", _("Urgent alert")
        REMINDER = "reminder", _("Reminder")
        ESCALATION = "escalation", _("Escalation")
        APPROVAL_REQUEST = "approval_request", _("Approval request")
        DEADLINE_EXTENDED = "deadline_extended", _("Deadline extended")
        FEEDBACK = "feedback", _("Feedback")
        EXPLANATION = "explanation", _("Explanation")
        REVISIT_ASSIGNED = "revisit_assigned", _("Revisit assigned")
        SURVEY_INVITATION = "survey_invitation", _("Survey invitation")
        SIGN_IN_CODE = "sign_in_code", _("Sign-in code")
        REOPENED = "reopened", _("Complaint reopened")
        LOW_SCORE = "low_score", _("Low survey score")
        MESSAGE = "message", _("Message from the handler")
        CUSTOMER_MESSAGE = "customer_message", _("Message from the customer")
        REMEDY_OFFER = "remedy_offer", _("Remedy offer")
        EVENT = "event", _("Event (webhook)")
        TEST = "test", _("Test message")
        MONTHLY_REPORT = "monthly_report", _("Monthly report")
        IMPROVEMENT = "improvement", _("Improvement action")
        CARE = "care", _("Member care")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        IN_APP = "in_app", _("In the console")
        MANUAL = "manual", _("By hand (letter, social media)")
        # A task in the owner's console: call the customer back with the script in the body.
        CALL = "call", _("Call task for staff")
        # A signed HTTP POST to a webhook subscription (context["subscription"]).
        WEBHOOK = "webhook", _("Webhook")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled (not to be sent)")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("staff recipient"),
    )
    recipient_address = EncryptedTextField(_("address"), blank=True, default="")
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    subject = models.CharField(_("subject"), max_length=300)
    body = LongTextField(_("body"))
    complaint_id = models.BigIntegerField(_("complaint"), null=True, blank=True, db_index=True)
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    context = models.JSONField(_("context"), default=dict, blank=True)
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    available_at = models.DateTimeField(_("available at"))
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # In the console (channel in_app) the row is the notification itself: read or not.
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    # Email: the Message-ID it goes out with (fixed at enqueue, the same on every retry), so a
    # customer's reply threads back to its complaint (In-Reply-To / References).
    message_id = models.CharField(
        _("Message-ID"), max_length=200, null=True, blank=True, unique=True
    )
    # Who claimed the row for delivery, and until when the claim holds (a worker killed
    # half-way leaves a claim that expires, and the row is delivered again by another).
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "available_at"], name="outbox_due"),
            models.Index(fields=["recipient_user", "channel", "read_at"], name="outbox_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.get_channel_display()} ({self.reference})"


class DeliveryAttempt(models.Model):
    """One try at delivering an outbox row: when, how long, and what came back. Kept for every
    try, so an admin sees why a message failed and how often it was retried."""

    outbox = models.ForeignKey(
        Outbox, models.CASCADE, related_name="delivery_attempts", verbose_name=_("message")
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    ok = models.BooleanField(_("delivered"), default=False)
    # The remote side's answer: SMTP reply, HTTP status, gateway code (never a secret).
    response = models.CharField(_("response"), max_length=500, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["outbox", "number"]
        constraints = [
            models.UniqueConstraint(fields=["outbox", "number"], name="attempt_once"),
        ]

    def __str__(self) -> str:
        return f"{self.outbox_id} #{self.number}: {'ok' if self.ok else 'failed'}"


class WebhookSubscription(models.Model):
    """A company's integration that wants the typed events (`complaints.events.EventKind`)
    POSTed to `url`, signed with HMAC-SHA256 over "<timestamp>.<body>" with `secret`.

    `api_key`: the integration's own key; complaints that key created send their feedback to
    this subscription (the channel they came in through). Empty `events`: every kind."""

    company = models.ForeignKey(
        "orgs.Company", models.CASCADE, related_name="webhooks", verbose_name=_("company")
    )
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret = EncryptedTextField(_("signing secret"))
    events = models.JSONField(_("events"), default=list, blank=True)
    api_key = models.ForeignKey(
        "orgs.ApiKey",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="webhooks",
        verbose_name=_("API key of the integration"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["company", "name"]

    def __str__(self) -> str:
        return self.name

    def wants(self, kind: str) -> bool:
        return self.is_active and (not self.events or kind in self.events)


class Mailbox(models.Model):
    """An email address customers write to, polled over IMAP (or fed by a mail gateway through
    the API). New messages open complaints at `venue`; replies thread into theirs."""

    venue = models.ForeignKey(
        "orgs.Venue", models.CASCADE, related_name="mailboxes", verbose_name=_("venue")
    )
    address = models.EmailField(_("address"), unique=True)
    imap_host = models.CharField(_("IMAP host"), max_length=200, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_ssl = models.BooleanField(_("IMAP over TLS"), default=True)
    imap_user = models.CharField(_("IMAP user"), max_length=200, blank=True)
    imap_password = EncryptedTextField(_("IMAP password"), blank=True, default="")
    imap_folder = models.CharField(_("IMAP folder"), max_length=200, default="INBOX")
    is_active = models.BooleanField(_("active"), default=True)
    last_polled_at = models.DateTimeField(_("last polled at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["address"]

    def __str__(self) -> str:
        return self.address


class InboundMessage(models.Model):
    """One email as it arrived, kept before it is processed: its Message-ID is unique, so one
    message makes one complaint however often it is fetched, and a worker killed half-way
    leaves a pending row that the next run processes (nothing lost)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        COMPLAINT = "complaint", _("Opened a complaint")
        REPLY = "reply", _("Threaded into a complaint")
        IGNORED = "ignored", _("Ignored (auto-reply, bounce, loop)")
        FAILED = "failed", _("Failed")

    mailbox = models.ForeignKey(
        Mailbox,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("mailbox"),
    )
    # The venue a mail gateway named (through the API) when there is no mailbox: kept with the
    # message, so a retry by the job opens the complaint where the first try would have.
    venue = models.ForeignKey(
        "orgs.Venue",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("venue"),
    )
    # Replies thread only into complaints of `venue` (a gateway whose API key is for one venue
    # must not reach the company's other venues).
    venue_only = models.BooleanField(_("only this venue's complaints"), default=False)
    message_id = models.CharField(_("Message-ID"), max_length=500, unique=True)
    raw = models.BinaryField(_("raw message"))
    # The blind index of the From address (as a customer's email is indexed): a person's emails
    # are found without reading every stored message (data-subject requests).
    sender_index = models.CharField(max_length=64, blank=True, default="", db_index=True)
    received_at = models.DateTimeField(_("received at"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    complaint_id = models.BigIntegerField(_("complaint"), null=True, blank=True, db_index=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    class Meta:
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound email")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["status", "received_at"], name="inbound_due")]

    def __str__(self) -> str:
        return self.message_id
