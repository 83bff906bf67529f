from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from amends.core.fields import EncryptedTextField


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

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        IN_APP = "in_app", _("In the console")
        MANUAL = "manual", _("By hand (letter, social media)")

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
    body = models.TextField(_("body"))
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
