from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from amends.orgs.models import Company, User, Venue
from amends.orgs.roles import Role
from amends.workflow.calendar import ClockMode
from amends.workflow.taxonomy import Psychology, Severity


class Category(models.Model):
    """A complaint category of a company's taxonomy. The code is stable; names can change."""

    company = models.ForeignKey(
        Company, models.CASCADE, related_name="categories", verbose_name=_("company")
    )
    code = models.SlugField(_("code"), max_length=40)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    is_active = models.BooleanField(_("in use"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["company", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="category_code_per_company")
        ]

    def __str__(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en


class SlaPolicy(models.Model):
    """The clocks of one venue for one severity.

    Clock and business modes count hours (`respond_hours`, `resolve_hours`); working-days mode
    (tourism) counts whole working days per stage: assess, plan, execute, follow up.
    """

    venue = models.ForeignKey(
        Venue, models.CASCADE, related_name="sla_policies", verbose_name=_("venue")
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    mode = models.CharField(
        _("counting"),
        max_length=20,
        default=ClockMode.CLOCK,
        choices=[
            (ClockMode.CLOCK, _("Clock hours")),
            (ClockMode.BUSINESS, _("Business hours")),
            (ClockMode.WORKING_DAYS, _("Working days")),
        ],
    )
    respond_hours = models.DecimalField(
        _("first response within (hours)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25"))],
    )
    resolve_hours = models.DecimalField(
        _("resolution within (hours)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25"))],
    )
    remind_at_percent = models.PositiveSmallIntegerField(
        _("remind at (percent of the time limit)"), default=75
    )
    escalation_step_hours = models.DecimalField(
        _("hours between escalation steps"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("24"),
        validators=[MinValueValidator(Decimal("0.25"))],
    )
    assess_days = models.PositiveSmallIntegerField(_("assess within (working days)"), default=1)
    plan_days = models.PositiveSmallIntegerField(_("plan within (working days)"), default=2)
    execute_days = models.PositiveSmallIntegerField(_("execute within (working days)"), default=3)
    follow_up_days = models.PositiveSmallIntegerField(
        _("follow up within (working days)"), default=1
    )

    class Meta:
        verbose_name = _("time-limit policy")
        verbose_name_plural = _("time-limit policies")
        constraints = [
            models.UniqueConstraint(fields=["venue", "severity"], name="sla_policy_per_severity")
        ]

    def __str__(self) -> str:
        return f"{self.venue.code} · {self.get_severity_display()}"


class RoutingRule(models.Model):
    """Where complaints go: (venue, category, severity) → department code and role.

    Empty venue, category or severity match anything; the most specific matching rule wins, then
    the lowest `position`.
    """

    company = models.ForeignKey(
        Company, models.CASCADE, related_name="routing_rules", verbose_name=_("company")
    )
    venue = models.ForeignKey(Venue, models.CASCADE, null=True, blank=True, verbose_name=_("venue"))
    category = models.ForeignKey(
        Category, models.CASCADE, null=True, blank=True, verbose_name=_("category")
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    department_code = models.SlugField(_("department code"), max_length=40)
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["company", "position", "pk"]

    def __str__(self) -> str:
        match = f"{self.category or '*'} / {self.severity or '*'}"
        return f"{match} → {self.department_code} · {self.get_role_display()}"


class AuthorityLimit(models.Model):
    """The most a role may grant in remedies without approval (CNY). Empty: unlimited."""

    company = models.ForeignKey(
        Company, models.CASCADE, related_name="authority_limits", verbose_name=_("company")
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    limit = models.DecimalField(
        _("limit (CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Leave empty for no limit."),
    )

    class Meta:
        verbose_name = _("authority limit")
        verbose_name_plural = _("authority limits")
        constraints = [
            models.UniqueConstraint(fields=["company", "role"], name="authority_limit_per_role")
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.limit if self.limit is not None else '∞'}"


class PersonalAuthorityLimit(models.Model):
    """One person's own authority limit (CNY), replacing what their roles allow — higher (a
    trusted specialist who may settle ¥1,000) or lower (a new front-desk hire at ¥0). Empty:
    unlimited. It holds wherever the person acts; the approval ladder stays role-based."""

    user = models.OneToOneField(
        User, models.CASCADE, related_name="authority_override", verbose_name=_("staff user")
    )
    limit = models.DecimalField(
        _("limit (CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Replaces the limit of this person's roles. Leave empty for no limit."),
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("personal authority limit")
        verbose_name_plural = _("personal authority limits")

    def __str__(self) -> str:
        return f"{self.user}: {self.limit if self.limit is not None else '∞'}"


class CalendarOverride(models.Model):
    """A national working-day fact the holiday library does not know yet (a future year's
    holidays and make-up workdays, once the State Council publishes them). Wins over the library."""

    day = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {'✓' if self.is_working_day else '✗'} {self.name}"


class ServiceTargets(models.Model):
    """The service targets a company sets itself (SPEC §10), shown live on the dashboard: every
    complaint answered within `respond_within_hours`, the average first response at most
    `average_response_hours`, a resolution rate and a share of positive survey answers at least
    the given percentages. Without a row the shipped defaults apply (`rules.DEFAULT_TARGETS`)."""

    company = models.OneToOneField(
        Company, models.CASCADE, related_name="service_targets", verbose_name=_("company")
    )
    respond_within_hours = models.DecimalField(
        _("every first response within (hours)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("24"),
        validators=[MinValueValidator(Decimal("0.25"))],
    )
    average_response_hours = models.DecimalField(
        _("average first response at most (hours)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("12"),
        validators=[MinValueValidator(Decimal("0.25"))],
    )
    resolution_rate = models.DecimalField(
        _("resolution rate at least (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("98"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    positive_rate = models.DecimalField(
        _("positive survey answers at least (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("95"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("A survey answer of 4 or 5 out of 5 counts as positive."),
    )
    on_time_rate = models.DecimalField(
        _("deadlines met at least (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("95"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("First responses and resolutions made by their deadlines, of those judged."),
    )
    reopen_rate = models.DecimalField(
        _("reopened at most (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("5"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    nps = models.DecimalField(
        _("net promoter score at least"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("-100")), MaxValueValidator(Decimal("100"))],
    )
    amber_margin = models.DecimalField(
        _("amber margin (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_(
            "A figure that misses its target by less than this share of the target shows amber, "
            "not red."
        ),
    )

    class Meta:
        verbose_name = _("service targets")
        verbose_name_plural = _("service targets")

    def __str__(self) -> str:
        return str(self.company)


class ReplyScript(models.Model):
    """A company's own wording of the suggested reply (话术, SPEC §6) for a category and a
    complainant psychology, in one language. Blank category or psychology: any. Without a row,
    triage's default script for the pair applies (`amends.triage.scripts`)."""

    class Language(models.TextChoices):
        ZH = "zh-hans", "简体中文"
        EN = "en", "English"

    company = models.ForeignKey(
        Company, models.CASCADE, related_name="reply_scripts", verbose_name=_("company")
    )
    category_code = models.SlugField(_("category code"), max_length=40, blank=True)
    psychology = models.CharField(
        _("complainant psychology"), max_length=30, choices=Psychology.choices, blank=True
    )
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    text = models.TextField(_("script"), max_length=2000)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_by = models.ForeignKey(
        User,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("reply script")
        verbose_name_plural = _("reply scripts")
        ordering = ["category_code", "psychology", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "category_code", "psychology", "language"],
                name="reply_script_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.category_code or '*'}/{self.psychology or '*'}/{self.language}"
