"""Privacy operations: retention rules, legal holds, purge evidence, data-subject requests, the
access log and the breach register (docs/architecture.md, "Privacy operations")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from amends.members.models import Customer
from amends.orgs.models import Company

USER = settings.AUTH_USER_MODEL


class DataClass(models.TextChoices):
    COMPLAINT_RECORD = "complaint_record", _("Complaint record")
    FREE_TEXT = "free_text", _("Free text")
    ATTACHMENTS = "attachments", _("Attachments")
    CONTACT_DATA = "contact_data", _("Contact data")
    HEALTH = "health", _("Health and injury details")
    RECORDINGS = "recordings", _("Recordings")
    AUDIT_LOG = "audit_log", _("Audit log")
    ACCESS_LOG = "access_log", _("Access log")


class Trigger(models.TextChoices):
    CLOSED = "closed", _("after the complaint is closed")
    RECEIVED = "received", _("after the complaint is received")
    RECORDED = "recorded", _("after it is recorded")


class RetentionRule(models.Model):
    """How long one class of data is kept at a company: `months` after its trigger. A company
    without a rule for a class gets `retention.DEFAULTS`."""

    company = models.ForeignKey(Company, models.CASCADE, verbose_name=_("company"))
    data_class = models.CharField(_("data class"), max_length=20, choices=DataClass.choices)
    months = models.PositiveSmallIntegerField(_("kept for (months)"))
    trigger = models.CharField(_("counted from"), max_length=10, choices=Trigger.choices)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_by = models.ForeignKey(USER, models.PROTECT, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        constraints = [
            models.UniqueConstraint(fields=["company", "data_class"], name="retention_rule_once")
        ]

    def __str__(self) -> str:
        return f"{self.data_class}: {self.months} ({self.trigger})"

    @classmethod
    def versions(cls, company_id: int) -> dict[str, int]:
        """The version of each class's rule the company has set (a class on its default: not
        listed, version 0 for the forms)."""
        rows = cls.objects.filter(company_id=company_id).values_list("data_class", "version")
        return dict(rows)


class PrivacySettings(models.Model):
    """A company's data-subject request clock: calendar days to answer, GDPR mode (30 days,
    extendable once by 60 with notice to the requester)."""

    company = models.OneToOneField(Company, models.CASCADE, related_name="privacy_settings")
    request_days = models.PositiveSmallIntegerField(_("days to answer a request"), default=15)
    gdpr_mode = models.BooleanField(_("GDPR mode (30 days + 60 with notice)"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("privacy settings")
        verbose_name_plural = _("privacy settings")

    def __str__(self) -> str:
        return f"{self.company_id}: {self.request_days}"


class LegalHold(models.Model):
    """A hold on a complaint, or on every complaint of a customer: nothing it covers is purged
    or erased on request while it is in force (`lifted_at` empty)."""

    class Scope(models.TextChoices):
        COMPLAINT = "complaint", _("One complaint")
        CUSTOMER = "customer", _("Everything about a customer")

    company = models.ForeignKey(Company, models.PROTECT, verbose_name=_("company"))
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    complaint = models.ForeignKey(
        "complaints.Complaint",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="holds",
        verbose_name=_("complaint"),
    )
    customer = models.ForeignKey(
        Customer,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="holds",
        verbose_name=_("customer"),
    )
    reason = models.TextField(_("reason"), max_length=2000)
    placed_by = models.ForeignKey(USER, models.PROTECT, related_name="+", verbose_name=_("by"))
    placed_at = models.DateTimeField(_("placed at"))
    lifted_by = models.ForeignKey(USER, models.PROTECT, null=True, blank=True, related_name="+")
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lift_reason = models.TextField(_("reason for lifting"), max_length=2000, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-placed_at", "-pk"]
        indexes = [models.Index(fields=["company", "lifted_at"], name="legal_hold_active")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.scope}"

    @property
    def active(self) -> bool:
        return self.lifted_at is None


class PurgeRecord(models.Model):
    """The evidence of one purge (or of a purge blocked): the classes erased, when, under which
    rule, and counts — never the values erased. `complaint_id`/`reference` are plain values so
    the evidence outlives anything."""

    class Outcome(models.TextChoices):
        ERASED = "erased", _("Erased")
        MASKED = "masked", _("Masked at archive")
        BLOCKED = "blocked", _("Blocked by legal hold")
        DELETED = "deleted", _("Deleted")

    company = models.ForeignKey(Company, models.PROTECT, verbose_name=_("company"))
    at = models.DateTimeField(_("at"), db_index=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    complaint_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    customer_id = models.BigIntegerField(null=True, blank=True)
    classes = models.JSONField(_("data classes"), default=list)
    rule = models.JSONField(_("rule"), default=dict)  # {class: "36 months after closed", ...}
    counts = models.JSONField(_("counts"), default=dict)
    hold = models.ForeignKey(LegalHold, models.PROTECT, null=True, blank=True, related_name="+")
    request = models.ForeignKey(
        "privacy.DataSubjectRequest", models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("purge record")
        verbose_name_plural = _("purge records")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.reference or self.customer_id} {self.outcome}"


class DataSubjectRequest(models.Model):
    """A person's request about their personal data (个人信息权利请求), on its clock: received by
    a member of staff or filed by the customer on the tracking page (`received_by` empty), its
    identity checked, owned by a privacy officer, answered by `due_at`."""

    class Kind(models.TextChoices):
        ACCESS = "access", pgettext_lazy("request", "Access")
        EXPORT = "export", _("Copy (export)")
        CORRECTION = "correction", _("Correction")
        DELETION = "deletion", _("Deletion")
        WITHDRAWAL = "withdrawal", _("Withdrawal of consent")

    class Status(models.TextChoices):
        RECEIVED = "received", pgettext_lazy("request", "Received")
        VERIFIED = "verified", _("Identity checked")
        EXTENDED = "extended", pgettext_lazy("request", "Extended")
        DONE = "done", pgettext_lazy("request", "Done")
        REFUSED = "refused", pgettext_lazy("request", "Refused")

    class Identity(models.TextChoices):
        NONE = "", _("Not checked yet")
        ID_DOCUMENT = "id_document", _("ID document seen in person")
        CODE = "code", _("Code sent to the phone or email on record")
        CALLBACK = "callback", _("Called back on the number on record")
        OTHER = "other", _("Other (see note)")

    company = models.ForeignKey(Company, models.PROTECT, verbose_name=_("company"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    customer = models.ForeignKey(
        Customer, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("person")
    )
    # How to find the person and answer them: the phone or email they gave (encrypted by the
    # customer row once matched; kept here masked only).
    contact_masked = models.CharField(_("contact"), max_length=100, blank=True)
    # The person's blind indexes: the request covers every customer of the company with this
    # phone or this email (one person may have several customer rows). `customer` is the row
    # first matched — the one told of the outcome.
    phone_index = models.CharField(max_length=64, blank=True)
    email_index = models.CharField(max_length=64, blank=True)
    details = models.TextField(_("what is asked"), max_length=4000, blank=True)
    # Empty: the customer filed it themselves, signed in on the tracking page.
    received_by = models.ForeignKey(
        USER, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("received by")
    )
    received_at = models.DateTimeField(_("received at"))
    identity_method = models.CharField(
        _("identity checked by"), max_length=20, choices=Identity.choices, blank=True
    )
    identity_note = models.CharField(_("identity note"), max_length=500, blank=True)
    identity_checked_by = models.ForeignKey(
        USER, models.PROTECT, null=True, blank=True, related_name="+"
    )
    owner = models.ForeignKey(
        USER, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("owner")
    )
    due_at = models.DateTimeField(_("due"), db_index=True)
    extended_at = models.DateTimeField(_("extended at"), null=True, blank=True)
    extension_notice = models.TextField(_("notice of extension"), max_length=2000, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), max_length=4000, blank=True)
    refusal_reason = models.TextField(_("reason for refusal"), max_length=4000, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("data-subject request")
        verbose_name_plural = _("data-subject requests")
        ordering = ["due_at", "pk"]

    def __str__(self) -> str:
        return f"DSR-{self.pk} {self.kind}"

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.DONE, self.Status.REFUSED)


class AccessLog(models.Model):
    """One unmasked view or export of personal data: who, when, what, why. The person is kept
    by blind index (phone, email) so the auditor finds it after the customer row is erased."""

    company = models.ForeignKey(Company, models.PROTECT, verbose_name=_("company"))
    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        USER, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("who")
    )
    actor_name = models.CharField(_("who"), max_length=150, blank=True)
    customer_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    email_index = models.CharField(max_length=64, blank=True, db_index=True)
    complaint_id = models.BigIntegerField(null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    what = models.CharField(_("what"), max_length=200)
    why = models.CharField(_("why"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["company", "actor", "at"], name="access_log_actor")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name}: {self.what}"


class Breach(models.Model):
    """A personal-data breach: when found, what, whom it touched, and the 72-hour deadline to
    notify the regulator."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("breach", "Open")
        NOTIFIED = "notified", _("Notified")
        CLOSED = "closed", pgettext_lazy("breach", "Closed")

    company = models.ForeignKey(Company, models.PROTECT, verbose_name=_("company"))
    discovered_at = models.DateTimeField(_("discovered at"))
    description = models.TextField(_("what happened"), max_length=4000)
    data_classes = models.JSONField(_("data classes"), default=list)
    people_affected = models.PositiveIntegerField(_("people affected"), default=0)
    notify_by = models.DateTimeField(_("notify by"), db_index=True)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="open")
    recorded_by = models.ForeignKey(USER, models.PROTECT, related_name="+")
    reminded_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("breach")
        verbose_name_plural = _("breach register")
        ordering = ["-discovered_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.discovered_at:%Y-%m-%d}"


class SensitiveConsent(models.Model):
    """The customer's separate consent to keep and use the sensitive data of a complaint
    (PIPL art. 29): given or refused, how, and withdrawn when."""

    class Method(models.TextChoices):
        SIGNATURE = "signature", _("Signature")
        VERBAL = "verbal", _("Verbal, in person")
        PHONE = "phone", _("By phone (recorded)")
        WRITTEN = "written", _("In writing / email")
        ONLINE = "online", _("Online")

    complaint = models.ForeignKey(
        "complaints.Complaint", models.PROTECT, related_name="sensitive_consents"
    )
    kinds = models.JSONField(_("sensitive data"), default=list)
    given = models.BooleanField(_("consent given"))
    method = models.CharField(_("given by"), max_length=20, choices=Method.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(USER, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent to sensitive data")
        verbose_name_plural = _("consents to sensitive data")
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {'✓' if self.given else '✗'}"
