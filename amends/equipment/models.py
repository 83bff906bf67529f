"""Equipment (设备) that stays up: the asset register, preventive maintenance plans, work orders
(维修工单) with their 2-hour first-reaction clock, and the downtime that uptime (设备完好率) is
computed from. Design: docs/architecture.md, "After-sales: equipment"."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from amends.complaints.models import Complaint
from amends.core import clock
from amends.orgs.models import Venue


def new_public_token() -> str:
    """The unguessable part of a machine's QR code address."""
    return secrets.token_urlsafe(12)


class EquipmentSettings(models.Model):
    """Per venue: the response clock for faults and the uptime target (SPEC §9, §10)."""

    class ClockMode(models.TextChoices):
        BUSINESS = "business", _("Opening hours")
        CLOCK = "clock", _("24×7")

    venue = models.OneToOneField(
        Venue, models.CASCADE, related_name="equipment_settings", verbose_name=_("venue")
    )
    response_minutes = models.PositiveIntegerField(
        _("first reaction within (minutes)"), default=120, validators=[MinValueValidator(1)]
    )
    clock_mode = models.CharField(
        _("response clock"), max_length=10, choices=ClockMode.choices, default=ClockMode.BUSINESS
    )
    uptime_target = models.DecimalField(
        _("uptime target (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("98.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    repeat_faults = models.PositiveSmallIntegerField(
        _("repeat fault: faults per asset"), default=3, validators=[MinValueValidator(2)]
    )
    repeat_window_days = models.PositiveSmallIntegerField(
        _("repeat fault: within days"), default=30, validators=[MinValueValidator(1)]
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("equipment settings")
        verbose_name_plural = _("equipment settings")

    def __str__(self) -> str:
        return str(self.venue)


class WorkOrderCounter(models.Model):
    """The last sequence number of a venue's work orders in one (local) year:
    WO-GYM1-2026-000042. Taken under a row lock, so two reports at once never share a number."""

    venue = models.ForeignKey(Venue, models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["venue", "year"], name="work_order_counter_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.venue_id}:{self.year}:{self.last}"


class Asset(models.Model):
    """A machine or installation of a venue, with a QR code members scan to report a fault."""

    class Category(models.TextChoices):
        CARDIO = "cardio", _("Cardio")
        STRENGTH = "strength", _("Strength")
        FREE_WEIGHTS = "free_weights", _("Free weights")
        POOL = "pool", _("Pool and spa")
        HVAC = "hvac", _("Air conditioning and ventilation")
        LIGHTING = "lighting", _("Lighting and power")
        LOCKERS = "lockers", _("Lockers and changing rooms")
        AUDIO_VIDEO = "audio_video", _("Audio and video")
        OTHER = "other", pgettext_lazy("equipment category", "Other")

    class Status(models.TextChoices):
        IN_SERVICE = "in_service", _("In service")
        OUT_OF_SERVICE = "out_of_service", _("Out of service")
        RETIRED = "retired", _("Retired")

    venue = models.ForeignKey(Venue, models.PROTECT, related_name="assets", verbose_name=_("venue"))
    code = models.CharField(_("asset code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    category = models.CharField(
        _("equipment category"), max_length=20, choices=Category.choices, default=Category.OTHER
    )
    location = models.CharField(_("location"), max_length=120, blank=True)
    serial = models.CharField(_("serial number"), max_length=80, blank=True)
    vendor = models.CharField(_("vendor"), max_length=120, blank=True)
    purchased_on = models.DateField(_("purchase date"), null=True, blank=True)
    warranty_ends_on = models.DateField(_("warranty ends"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.IN_SERVICE
    )
    hours_used = models.PositiveIntegerField(_("hours of use"), default=0)
    photo = models.FileField(_("photo"), upload_to="assets/", blank=True, max_length=200)
    photo_type = models.CharField(max_length=40, blank=True, editable=False)
    public_token = models.CharField(
        max_length=32, unique=True, default=new_public_token, editable=False
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["venue", "code"]
        constraints = [
            models.UniqueConstraint(fields=["venue", "code"], name="asset_code_per_venue")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def bookable(self) -> bool:
        """An asset out of service (or retired) cannot be booked."""
        return self.status == self.Status.IN_SERVICE


class MaintenancePlan(models.Model):
    """Preventive maintenance: every N days or N hours of use, with a checklist; each due
    occasion becomes a preventive work order."""

    asset = models.ForeignKey(Asset, models.CASCADE, related_name="plans", verbose_name=_("asset"))
    name = models.CharField(_("name"), max_length=120)
    every_days = models.PositiveSmallIntegerField(
        _("every (days)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    every_hours = models.PositiveIntegerField(
        _("every (hours of use)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    last_done_on = models.DateField(_("last done on"), null=True, blank=True)
    last_done_hours = models.PositiveIntegerField(_("hours of use when last done"), default=0)
    next_due_on = models.DateField(_("next due"), null=True, blank=True, db_index=True)
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("maintenance plan")
        verbose_name_plural = _("maintenance plans")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(every_days__isnull=False) | models.Q(every_hours__isnull=False),
                name="plan_has_an_interval",
            )
        ]

    def __str__(self) -> str:
        return self.name


class WorkOrder(models.Model):
    """A repair or maintenance job on one asset, from report to verified repair."""

    class Kind(models.TextChoices):
        FAULT = "fault", _("Fault")
        PREVENTIVE = "preventive", _("Preventive maintenance")

    class Source(models.TextChoices):
        MEMBER = "member", _("A member (QR code)")
        STAFF = "staff", _("Staff")
        COMPLAINT = "complaint", _("A complaint")
        MONITORING = "monitoring", _("Monitoring system")
        PLAN = "plan", _("Maintenance plan")

    class Status(models.TextChoices):
        REPORTED = "reported", pgettext_lazy("work order", "Reported")
        REACTED = "reacted", _("Reaction given")
        ARRIVED = "arrived", _("Technician on site")
        RESOLVED = "resolved", pgettext_lazy("work order", "Repaired")
        VERIFIED = "verified", pgettext_lazy("work order", "Verified")
        CANCELLED = "cancelled", pgettext_lazy("work order", "Cancelled")

    OPEN_STATUSES = (Status.REPORTED, Status.REACTED, Status.ARRIVED, Status.RESOLVED)

    venue = models.ForeignKey(
        Venue, models.PROTECT, related_name="work_orders", verbose_name=_("venue")
    )
    number = models.CharField(_("work order number"), max_length=40, unique=True)
    asset = models.ForeignKey(
        Asset, models.PROTECT, related_name="work_orders", verbose_name=_("asset")
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.FAULT)
    source = models.CharField(_("reported through"), max_length=20, choices=Source.choices)
    complaint = models.ForeignKey(
        Complaint,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
        verbose_name=_("complaint"),
    )
    plan = models.ForeignKey(
        MaintenancePlan,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="work_orders",
        verbose_name=_("maintenance plan"),
    )
    description = models.TextField(_("what is wrong"), max_length=4000)
    unsafe = models.BooleanField(_("unsafe to use"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REPORTED
    )
    reporter_name = models.CharField(_("reported by (name)"), max_length=100, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
        verbose_name=_("technician"),
    )
    reported_at = models.DateTimeField(_("reported at"), db_index=True)
    response_due_at = models.DateTimeField(_("first reaction due"), null=True, db_index=True)
    # When 80 % of the response clock has run (the technician's warning), stored so the
    # escalation job finds due work with one indexed query.
    warn_at = models.DateTimeField(null=True, blank=True, db_index=True, editable=False)
    clock_mode = models.CharField(max_length=10, default="business", editable=False)
    reacted_at = models.DateTimeField(_("first reaction at"), null=True, blank=True)
    response_minutes = models.PositiveIntegerField(
        _("minutes to first reaction"), null=True, blank=True
    )
    arrived_at = models.DateTimeField(_("on site at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("repaired at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("repaired by"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed off by"),
    )
    cause = models.TextField(_("cause"), max_length=2000, blank=True)
    parts = models.TextField(_("parts used"), max_length=2000, blank=True)
    cost = models.DecimalField(
        _("cost (¥)"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    # 0: not escalated; 1: warned at 80 % of the response clock; 2: escalated at 100 %.
    escalation_level = models.PositiveSmallIntegerField(default=0, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-reported_at"]
        indexes = [models.Index(fields=["venue", "status"], name="workorder_venue_status")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class WorkOrderEvent(models.Model):
    """One step of a work order, in order (who, what, when): its timeline."""

    work_order = models.ForeignKey(
        WorkOrder, models.CASCADE, related_name="events", verbose_name=_("work order")
    )
    kind = models.CharField(_("what happened"), max_length=30)
    at = models.DateTimeField(_("at"), default=clock.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("work order event")
        verbose_name_plural = _("work order events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.work_order_id}:{self.kind}"


class WorkOrderPhoto(models.Model):
    """A photo of the fault or of the repair, stored under a name amends makes."""

    work_order = models.ForeignKey(
        WorkOrder, models.CASCADE, related_name="photos", verbose_name=_("work order")
    )
    file = models.FileField(_("file"), upload_to="workorders/", max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=clock.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    class Meta:
        verbose_name = _("work order photo")
        verbose_name_plural = _("work order photos")

    def __str__(self) -> str:
        return f"{self.work_order_id}:{self.pk}"


class Downtime(models.Model):
    """A period an asset was out of service; uptime is computed from these (merged, clipped to
    opening hours). An open period has no end."""

    asset = models.ForeignKey(
        Asset, models.CASCADE, related_name="downtimes", verbose_name=_("asset")
    )
    work_order = models.ForeignKey(
        WorkOrder,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="downtimes",
        verbose_name=_("work order"),
    )
    started_at = models.DateTimeField(_("out of service from"), db_index=True)
    ended_at = models.DateTimeField(_("back in service at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("downtime")
        verbose_name_plural = _("downtimes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(ended_at__gte=models.F("started_at")),
                name="downtime_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.asset_id}:{self.started_at:%Y-%m-%d %H:%M}"


class AssetImport(models.Model):
    """A spreadsheet of assets being imported, with its progress and row-by-row errors."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", pgettext_lazy("import", "Failed")

    venue = models.ForeignKey(Venue, models.CASCADE, related_name="+", verbose_name=_("venue"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("imported by")
    )
    file = models.FileField(_("file"), upload_to="imports/", max_length=200)
    file_name = models.CharField(_("file name"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    total_rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    created_rows = models.PositiveIntegerField(default=0)
    updated_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("asset import")
        verbose_name_plural = _("asset imports")

    def __str__(self) -> str:
        return f"import {self.pk}"
