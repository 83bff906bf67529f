"""Where a person disagreed with triage: every override of a suggestion, with who and when.

The suggestion itself is kept on the complaint (`Complaint.triage`). An override is written when
a person's choice differs from the suggestion: at intake (the receiver chose another category,
severity or psychology) and later (someone reclassified a complaint away from the suggestion, or
found validity other than suggested). The overrides are labelled data for the next model, and the
reports count them per category (how often people disagree)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from amends.orgs.models import Venue


class TriageOverride(models.Model):
    class Field(models.TextChoices):
        CATEGORY = "category", _("Category")
        SEVERITY = "severity", _("Severity")
        PSYCHOLOGY = "psychology", _("Complainant psychology")
        VALIDITY = "validity", _("Validity")

    class Stage(models.TextChoices):
        INTAKE = "intake", _("At intake")
        LATER = "later", _("Later")

    complaint = models.ForeignKey(
        "complaints.Complaint",
        models.CASCADE,
        related_name="triage_overrides",
        verbose_name=_("complaint"),
    )
    venue = models.ForeignKey(Venue, models.CASCADE, related_name="+", verbose_name=_("venue"))
    field = models.CharField(_("field"), max_length=12, choices=Field.choices)
    suggested = models.CharField(_("suggested"), max_length=40)
    chosen = models.CharField(_("chosen"), max_length=40, blank=True)
    confidence = models.FloatField(_("confidence"), default=0.0)
    stage = models.CharField(_("stage"), max_length=8, choices=Stage.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"))
    model = models.CharField(_("model version"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("triage override")
        verbose_name_plural = _("triage overrides")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["venue", "at"], name="triage_override_venue_at")]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.field}: {self.suggested} → {self.chosen}"
