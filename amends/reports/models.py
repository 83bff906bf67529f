"""The reports' own rows: daily rollups of the complaint figures, the rollup's watermark,
background exports (which are also the audit of every export) and the monthly deliveries.

Nothing here is a source of truth: every rollup can be rebuilt from the complaints
(`amends report rollup --rebuild`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from amends.core import clock
from amends.orgs.models import Company, Venue
from amends.workflow.models import Category


class DailyRollup(models.Model):
    """What became of the complaints a venue received on one local day, per category, severity
    and channel: additive counts and sums only, so a month, a quarter or a year is a SUM over
    rows. Merged complaints are left out (their survivor counts), as on the dashboard.

    Facts that change without an event (a deadline passing while nobody acts) are not here:
    the reports count running and overdue complaints live."""

    company = models.ForeignKey(Company, models.CASCADE, related_name="+")
    venue = models.ForeignKey(Venue, models.CASCADE, related_name="+")
    day = models.DateField()  # the venue's local date of `received_at`
    category = models.ForeignKey(Category, models.SET_NULL, null=True, blank=True, related_name="+")
    severity = models.CharField(max_length=10, blank=True)
    channel = models.CharField(max_length=20)

    received = models.PositiveIntegerField(default=0)
    valid = models.PositiveIntegerField(default=0)
    invalid = models.PositiveIntegerField(default=0)
    responded = models.PositiveIntegerField(default=0)
    response_seconds = models.BigIntegerField(default=0)  # sum over `responded`
    responded_late = models.PositiveIntegerField(default=0)  # after respond_due
    responded_within_target = models.PositiveIntegerField(default=0)  # within the 24 h target
    resolved = models.PositiveIntegerField(default=0)
    resolution_seconds = models.BigIntegerField(default=0)  # sum over `resolved`
    resolved_late = models.PositiveIntegerField(default=0)  # after resolve_due
    reopened = models.PositiveIntegerField(default=0)  # complaints reopened at least once
    escalated = models.PositiveIntegerField(default=0)  # complaints escalated at least once
    surveyed = models.PositiveIntegerField(default=0)  # surveys answered (satisfaction given)
    satisfaction_total = models.PositiveIntegerField(default=0)
    positive = models.PositiveIntegerField(default=0)  # satisfaction 4–5
    nps_answers = models.PositiveIntegerField(default=0)
    promoters = models.PositiveIntegerField(default=0)  # NPS 9–10
    detractors = models.PositiveIntegerField(default=0)  # NPS 0–6

    class Meta:
        # One row per cell: the job replaces a venue's day whole, in one transaction.
        indexes = [
            models.Index(fields=["venue", "day"], name="rollup_venue_day"),
            models.Index(fields=["company", "day"], name="rollup_company_day"),
        ]

    def __str__(self) -> str:
        return f"{self.venue_id} {self.day} {self.category_id} {self.severity} {self.channel}"


class RollupState(models.Model):
    """How far the rollups have read the timeline: the last event id seen, and when. One row
    (key "complaints")."""

    key = models.CharField(max_length=40, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    current_to = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.key} @ {self.last_event_id}"


class ReportExport(models.Model):
    """One export someone asked for: the file made in the background with its progress, and the
    audit record of it (who, when, what, how many rows, whether personal data was unmasked).
    Rows are never deleted with the file: the file expires, the record stays."""

    class Kind(models.TextChoices):
        COMPLAINTS_CSV = "complaints_csv", _("Complaint list (CSV)")
        COMPLAINTS_XLSX = "complaints_xlsx", _("Complaint list (Excel)")
        MONTHLY_XLSX = "monthly_xlsx", _("Monthly report (Excel)")
        MONTHLY_PDF = "monthly_pdf", _("Monthly report (PDF)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    company = models.ForeignKey(Company, models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    params = models.JSONField(_("filters"), default=dict)
    language = models.CharField(max_length=10, default="zh-hans")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    unmasked = models.BooleanField(_("personal data unmasked"), default=False)
    file = models.FileField(upload_to="exports/%Y/%m/", max_length=300, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("requested at"), default=clock.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [models.Index(fields=["status", "created_at"], name="export_status_created")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class MonthlyDelivery(models.Model):
    """The monthly report of a venue for a month has been sent (one row per venue and month,
    so the job sends it once however often it runs)."""

    venue = models.ForeignKey(Venue, models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month reported
    sent_at = models.DateTimeField()
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["venue", "month"], name="monthly_delivery_once")
        ]

    def __str__(self) -> str:
        return f"{self.venue_id} {self.month:%Y-%m}"
