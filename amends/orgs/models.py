from __future__ import annotations

import zoneinfo
from datetime import time

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from amends.core import clock
from amends.orgs.roles import Role

# Capital letters and digits, with single hyphens inside (a city and a district: SH-JA). A
# reference is <code>-YYYYMMDD-NNNN and is read from the right, so a hyphen in the code never
# makes it ambiguous (the search box's reference pattern allows hyphens in the code).
code_validator = RegexValidator(
    r"^(?=.{2,12}$)[A-Z0-9]+(?:-[A-Z0-9]+)*$",
    _("Use 2–12 capital letters or digits, hyphens only between them, e.g. GYM1 or SH-JA."),
)


def in_language(zh: str, en: str, language: str | None = None) -> str:
    """The Chinese or the English form of a name, for `language` (default: the active one),
    falling back to the other form when the wanted one is blank. Names are never mixed: a
    Chinese reader gets 静安健身会所, an English reader Jing'an Club."""
    wanted = language if language is not None else (get_language() or "")
    if wanted.startswith("en"):
        return en or zh
    return zh or en


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value})


class Company(models.Model):
    """A business that runs one or more venues; the outermost boundary of every record."""

    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=12, unique=True, validators=[code_validator])
    created_at = models.DateTimeField(_("created at"), default=clock.now, editable=False)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Venue(models.Model):
    """One gym, hotel, restaurant, mall, property or scenic site.

    Its code starts every complaint reference (GYM1-20261122-0007), so it is unique across the
    installation and never changes once complaints exist. Its time zone, opening hours and open
    days drive the business clock of its complaints.
    """

    class Kind(models.TextChoices):
        GYM = "gym", _("Gym / fitness club")
        HOTEL = "hotel", _("Hotel")
        RESTAURANT = "restaurant", _("Restaurant")
        MALL = "mall", _("Shopping mall")
        PROPERTY = "property", _("Property management")
        TOURISM = "tourism", _("Tourist site")

    class OpenDays(models.TextChoices):
        EVERY_DAY = "every_day", _("Every day, holidays included")
        WORKING_DAYS = "working_days", _("National working days (with make-up workdays)")

    class RevisitPolicy(models.TextChoices):
        # The gym process [000 §3.4–3.5] and tourism [004]: the revisit confirms satisfaction,
        # then the complaint is closed and archived.
        BEFORE_CLOSURE = "before_closure", _("Revisit before closure")
        # The hotel and mall manuals [002]: handled, archived, then revisited.
        AFTER_CLOSURE = "after_closure", _("Close on feedback, revisit after closure")

    company = models.ForeignKey(
        Company, models.PROTECT, related_name="venues", verbose_name=_("company")
    )
    code = models.CharField(_("code"), max_length=12, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200, help_text=_("In Chinese."))
    name_en = models.CharField(
        _("name in English"),
        max_length=200,
        blank=True,
        help_text=_("Shown to English readers; empty: the Chinese name."),
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.GYM)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_timezone]
    )
    opens_at = models.TimeField(_("opens at"), default=time(6, 0))
    closes_at = models.TimeField(_("closes at"), default=time(22, 0))
    open_days = models.CharField(
        _("open days"), max_length=20, choices=OpenDays.choices, default=OpenDays.EVERY_DAY
    )
    revisit_days = models.PositiveSmallIntegerField(
        _("revisit within (days)"),
        default=7,
        help_text=_(
            "Days by which the revisit is due: after feedback when the venue revisits before "
            "closure, after closure otherwise. Working-day venues (tourism) revisit within "
            "their follow-up stage instead."
        ),
    )
    revisit_policy = models.CharField(
        _("revisit policy"),
        max_length=20,
        choices=RevisitPolicy.choices,
        blank=True,
        help_text=_(
            "Empty: as the manuals for the venue's type say. Gyms and tourist sites revisit "
            "before closure; hotels, malls, restaurants and property management close on "
            "feedback and revisit after."
        ),
    )
    reopen_window_days = models.PositiveSmallIntegerField(
        _("reopen within (days)"),
        default=15,
        help_text=_(
            "Days after closure during which a complaint can be reopened; later, the customer's "
            "return opens a new complaint linked to the old one."
        ),
    )
    repeat_window_days = models.PositiveSmallIntegerField(
        _("repeat complaints within (days)"),
        default=30,
        help_text=_(
            "The same customer complaining about the same category here within this many days "
            "is a repeat complaint: linked to the earlier ones, at least important."
        ),
    )
    duplicate_window_hours = models.PositiveSmallIntegerField(
        _("possible duplicates within (hours)"),
        default=72,
        help_text=_(
            "The same customer's open complaint about the same category received within this "
            "many hours is offered for merge."
        ),
    )
    duty_roles = models.JSONField(
        _("duty role per channel"),
        default=dict,
        blank=True,
        help_text=_(
            "Who owns a complaint that arrives without a staff receiver (web form, email, API), "
            'by channel, e.g. {"email": "specialist", "web": "front_desk"}. '
            "Default: the customer-service specialist on duty, balanced by load."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["company", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="venue_closes_after_opening",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_in()}"

    def name_in(self, language: str | None = None) -> str:
        """The venue's name in `language` (default: the active language)."""
        return in_language(self.name, self.name_en, language)

    @property
    def revisit_policy_in_force(self) -> str:
        """The venue's revisit policy: its own, else the default for its type."""
        return self.revisit_policy or REVISIT_POLICY_BY_KIND.get(
            self.kind, Venue.RevisitPolicy.AFTER_CLOSURE
        )

    def clean(self) -> None:
        duty = self.duty_roles
        if not isinstance(duty, dict) or not all(
            isinstance(channel, str) and role in Role.values for channel, role in duty.items()
        ):
            raise ValidationError(
                {"duty_roles": _('Map each channel to a role, e.g. {"web": "specialist"}.')}
            )


REVISIT_POLICY_BY_KIND: dict[str, str] = {
    Venue.Kind.GYM: Venue.RevisitPolicy.BEFORE_CLOSURE,
    Venue.Kind.TOURISM: Venue.RevisitPolicy.BEFORE_CLOSURE,
    Venue.Kind.HOTEL: Venue.RevisitPolicy.AFTER_CLOSURE,
    Venue.Kind.MALL: Venue.RevisitPolicy.AFTER_CLOSURE,
    Venue.Kind.RESTAURANT: Venue.RevisitPolicy.AFTER_CLOSURE,
    Venue.Kind.PROPERTY: Venue.RevisitPolicy.AFTER_CLOSURE,
}
"""The manuals' revisit policy per venue type (SPEC §6): what an empty `revisit_policy` means."""


class Department(models.Model):
    """A team of a venue that can own complaints: customer service, maintenance, courses …"""

    venue = models.ForeignKey(
        Venue, models.PROTECT, related_name="departments", verbose_name=_("venue")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200, help_text=_("In Chinese."))
    name_en = models.CharField(
        _("name in English"),
        max_length=200,
        blank=True,
        help_text=_("Shown to English readers; empty: the Chinese name."),
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["venue", "code"]
        constraints = [
            models.UniqueConstraint(fields=["venue", "code"], name="department_code_per_venue")
        ]

    def __str__(self) -> str:
        return f"{self.venue.code} · {self.name_in()}"

    def name_in(self, language: str | None = None) -> str:
        """The department's name in `language` (default: the active language)."""
        return in_language(self.name, self.name_en, language)


class User(AbstractUser):
    """A member of staff. What they may see and do comes from their role grants."""

    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", "简体中文"
        EN = "en", "English"

    company = models.ForeignKey(
        Company,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("company"),
    )
    display_name = models.CharField(
        _("display name"), max_length=100, blank=True, help_text=_("In Chinese, e.g. 张伟.")
    )
    display_name_en = models.CharField(
        _("display name in English"),
        max_length=100,
        blank=True,
        help_text=_("e.g. Zhang Wei; empty: the Chinese name."),
    )
    language = models.CharField(
        _("language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS
    )

    class Meta:
        verbose_name = _("staff user")
        verbose_name_plural = _("staff users")

    def __str__(self) -> str:
        return self.name_in()

    def name_in(self, language: str | None = None) -> str:
        """The person's name in `language` (default: the active language)."""
        return (
            in_language(self.display_name, self.display_name_en, language)
            or self.get_full_name()
            or self.username
        )


class RoleGrant(models.Model):
    """A role a user holds, in one venue (or every venue of the company when venue is empty),
    optionally within one department (the team they are balanced in for routing)."""

    user = models.ForeignKey(User, models.CASCADE, related_name="grants", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    venue = models.ForeignKey(
        Venue,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="grants",
        verbose_name=_("venue"),
        help_text=_("Empty: every venue of the company."),
    )
    department = models.ForeignKey(
        Department,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="grants",
        verbose_name=_("department"),
    )

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "venue", "department"], name="rolegrant_unique"
            )
        ]

    def __str__(self) -> str:
        where = self.venue.code if self.venue else _("all venues")
        return f"{self.user} · {self.get_role_display()} · {where}"


class ApiKey(models.Model):
    """A key an integration (a venue's app or mini-program, a review-site monitor, a CRM) uses to
    act through the API, for a company or for one venue, within its scopes.

    Only a SHA-256 of the key is stored; the key itself is shown once, when it is made. The
    `prefix` (its first characters) lets people tell keys apart.
    """

    company = models.ForeignKey(
        Company, models.CASCADE, related_name="api_keys", verbose_name=_("company")
    )
    venue = models.ForeignKey(
        Venue,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="api_keys",
        verbose_name=_("venue"),
        help_text=_("Empty: every venue of the company."),
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("created at"), default=clock.now, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="apikey_name_per_company")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
