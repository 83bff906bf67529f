"""Improvement actions (整改): what a venue does about a cause of complaints, raised from a
report line, a cause or a complaint, tracked to done and then checked — did complaints of that
cause go down?"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from amends.complaints.models import Complaint
from amends.core import clock
from amends.orgs.models import Company, Venue
from amends.workflow.models import Category


class ImprovementAction(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("improvement action", "Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        REPORT = "report", _("A report line")
        CAUSE = "cause", _("A recurring cause")
        COMPLAINT = "complaint", _("A complaint")

    company = models.ForeignKey(
        Company, models.PROTECT, related_name="improvement_actions", verbose_name=_("company")
    )
    venue = models.ForeignKey(
        Venue,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="improvement_actions",
        verbose_name=_("venue"),
        help_text=_("Empty: every venue of the company."),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what will be done"), blank=True)
    source = models.CharField(_("raised from"), max_length=20, choices=Source.choices)
    source_label = models.CharField(_("source"), max_length=200, blank=True)
    category = models.ForeignKey(
        Category,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cause (category)"),
    )
    subject_text = models.CharField(_("about (place, machine, person)"), max_length=200, blank=True)
    # Raised from a recurring problem: exactly what the report grouped by (complaints.subjects).
    subject_key = models.CharField(max_length=220, blank=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("action owner")
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    complaints = models.ManyToManyField(
        Complaint, blank=True, related_name="improvement_actions", verbose_name=_("complaints")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("raised by")
    )
    created_at = models.DateTimeField(_("raised at"), default=clock.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    outcome = models.TextField(_("what was done"), blank=True)
    cancel_reason = models.TextField(_("why cancelled"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["company", "status", "due_on"], name="improvement_queue")]

    def __str__(self) -> str:
        return self.title
