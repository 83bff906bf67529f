"""Member care (会员关怀): revisit campaigns (回访计划) with scripted calls, care rules that send
renewal reminders and greetings, the points ledger and coach feedback. Design:
docs/architecture.md, "After-sales: members and care"."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from amends.complaints.models import Complaint
from amends.core import clock
from amends.members.models import Member
from amends.orgs.models import Venue


class RevisitCampaign(models.Model):
    """Calls to every member that a trigger names, each due within `due_days` of its trigger,
    made from a script: greeting, a branch for satisfied and for not satisfied, closing."""

    class Trigger(models.TextChoices):
        JOINING = "joining", _("Joining")
        RENEWAL = "renewal", _("Renewal")
        COMPLAINT_CLOSED = "complaint_closed", _("Complaint closed")
        INACTIVITY = "inactivity", _("Inactivity")
        ALL_MEMBERS = "all_members", _("Every member")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")

    venue = models.ForeignKey(
        Venue, models.PROTECT, related_name="revisit_campaigns", verbose_name=_("venue")
    )
    name = models.CharField(_("name"), max_length=120)
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices)
    due_days = models.PositiveSmallIntegerField(
        _("due within (days)"), default=3, validators=[MinValueValidator(1)]
    )
    inactivity_days = models.PositiveSmallIntegerField(
        _("inactive for (days)"), default=10, validators=[MinValueValidator(1)]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    greeting = models.TextField(_("greeting"), max_length=2000)
    satisfied_script = models.TextField(_("if satisfied"), max_length=2000)
    unsatisfied_script = models.TextField(_("if not satisfied"), max_length=2000)
    closing = models.TextField(_("closing"), max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), default=clock.now, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("revisit campaign")
        verbose_name_plural = _("revisit campaigns")
        ordering = ["-starts_on", "pk"]

    def __str__(self) -> str:
        return self.name


class CampaignCall(models.Model):
    """One member to call in a campaign, for one trigger (idempotent: one call per campaign,
    member and trigger), and what the call found."""

    class Status(models.TextChoices):
        DUE = "due", _("To call")
        DONE = "done", _("Called")
        UNREACHABLE = "unreachable", _("Not reached")
        CANCELLED = "cancelled", pgettext_lazy("call", "Cancelled")

    class Outcome(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        NOT_SATISFIED = "not_satisfied", _("Not satisfied")

    campaign = models.ForeignKey(
        RevisitCampaign, models.CASCADE, related_name="calls", verbose_name=_("campaign")
    )
    member = models.ForeignKey(
        Member, models.PROTECT, related_name="campaign_calls", verbose_name=_("member")
    )
    trigger_key = models.CharField(max_length=80, editable=False)
    triggered_at = models.DateTimeField(_("triggered at"))
    due_at = models.DateTimeField(_("due"), db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="campaign_calls",
        verbose_name=_("specialist"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DUE
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    outcome = models.CharField(_("outcome"), max_length=15, choices=Outcome.choices, blank=True)
    score = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    notes = models.TextField(_("notes"), max_length=4000, blank=True)
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("called by"),
    )
    complaint = models.ForeignKey(
        Complaint,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="campaign_calls",
        verbose_name=_("complaint opened"),
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("campaign call")
        verbose_name_plural = _("campaign calls")
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "member", "trigger_key"], name="one_call_per_trigger"
            )
        ]
        indexes = [models.Index(fields=["assignee", "status", "due_at"], name="calls_due")]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.member_id}"


class CareRule(models.Model):
    """A venue's rule for one kind of care message, run daily at `send_at` local time."""

    class Kind(models.TextChoices):
        RENEWAL = "renewal", _("Renewal reminder")
        LAST_SESSION = "last_session", _("One session left")
        BIRTHDAY = "birthday", _("Birthday greeting")
        INACTIVITY = "inactivity", _("We miss you")
        HOLIDAY = "holiday", _("Holiday greeting")

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("Email")
        WECHAT = "wechat", _("WeChat")

    venue = models.ForeignKey(
        Venue, models.CASCADE, related_name="care_rules", verbose_name=_("venue")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    active = models.BooleanField(_("active"), default=True)
    # renewal: days before the end (30, 10, 1); inactivity: days since the last visit (10).
    days = models.JSONField(_("days"), default=list, blank=True)
    send_at = models.TimeField(_("send at (local time)"), default=time(10, 0))
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.SMS
    )
    message_zh = models.TextField(_("message (Chinese)"), max_length=500)
    message_en = models.TextField(_("message (English)"), max_length=500)
    # The local day of the last complete run: the daily job (every 15 minutes) runs a rule
    # once a day, after `send_at`.
    last_run_on = models.DateField(_("last run on"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("care rule")
        verbose_name_plural = _("care rules")
        constraints = [models.UniqueConstraint(fields=["venue", "kind"], name="care_rule_kind")]

    def __str__(self) -> str:
        return f"{self.venue_id}:{self.kind}"


class CareMessage(models.Model):
    """One care message for one member, rule and day (never two)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Sent")
        OPTED_OUT = "opted_out", _("Opted out")
        NO_CONTACT = "no_contact", _("No contact")

    member = models.ForeignKey(
        Member, models.CASCADE, related_name="care_messages", verbose_name=_("member")
    )
    rule = models.ForeignKey(
        CareRule, models.CASCADE, related_name="messages", verbose_name=_("care rule")
    )
    day = models.DateField(_("day"))
    channel = models.CharField(_("channel"), max_length=10)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    detail = models.CharField(max_length=40, blank=True)  # e.g. "30" days before renewal
    outbox_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    class Meta:
        verbose_name = _("care message")
        verbose_name_plural = _("care messages")
        constraints = [
            models.UniqueConstraint(fields=["member", "rule", "day"], name="one_care_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.member_id}:{self.rule_id}:{self.day}"


class PointsMovement(models.Model):
    """One movement of a member's points, with its reason; the balance never goes below zero."""

    class Reason(models.TextChoices):
        CLASS_ATTENDED = "class_attended", _("Class attended")
        PURCHASE = "purchase", _("Purchase")
        REFERRAL = "referral", _("Referral")
        REDEEM_CLASS = "redeem_class", _("Redeemed for a class")
        REDEEM_GOODS = "redeem_goods", _("Redeemed for goods")
        ADJUSTMENT = "adjustment", _("Adjustment")

    member = models.ForeignKey(
        Member, models.PROTECT, related_name="points_movements", verbose_name=_("member")
    )
    at = models.DateTimeField(_("at"), default=clock.now)
    delta = models.IntegerField(_("points"))
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    balance_after = models.PositiveIntegerField(_("balance after"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        verbose_name = _("points movement")
        verbose_name_plural = _("points movements")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(delta=0), name="points_move_nonzero")
        ]

    def __str__(self) -> str:
        return f"{self.member_id}:{self.delta:+d}"


class CoachFeedback(models.Model):
    """A member's word on a coach: a satisfaction score 1–5 and a comment (appraisal input)."""

    venue = models.ForeignKey(
        Venue, models.PROTECT, related_name="coach_feedback", verbose_name=_("venue")
    )
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="coach_feedback",
        verbose_name=_("coach"),
    )
    member = models.ForeignKey(
        Member,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="coach_feedback",
        verbose_name=_("member"),
    )
    score = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    at = models.DateTimeField(_("at"), default=clock.now, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("coach feedback")
        verbose_name_plural = _("coach feedback")
        ordering = ["-at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="coach_score_1_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.coach_id}:{self.score}"
