"""Complaints and everything recorded about them, in the admin: read-only.

Every write goes through the services (the timeline is append-only, and `complaint_transition`
is the one gate for state), so the admin adds, changes and deletes nothing here; a POST to a
change page is refused with 403. A staff user who is not a superuser sees only the complaints
`complaints_for_actor` gives them, and only the records of those complaints.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from amends.complaints.models import (
    Complaint,
    ComplaintEvent,
    Consequence,
    CustomerConsent,
    Evidence,
    Interview,
    RemedyProposal,
    Revisit,
    Survey,
    TimelineCheckpoint,
    TimelineCheckpointEntry,
)
from amends.complaints.selectors import complaints_for_actor
from amends.orgs import admin as orgs_admin


def visible_to(request: HttpRequest, queryset: QuerySet[Any], path: str) -> QuerySet[Any]:
    """`queryset` limited to what the request's user may see (`path` leads to the complaint)."""
    if request.user.is_superuser:
        return queryset
    visible = complaints_for_actor(actor=request.user).values("pk")  # type: ignore[arg-type]
    return queryset.filter(**{f"{path}__in": visible})


class ComplaintRecordAdmin(orgs_admin.ReadOnlyAdmin):
    """A read-only admin of records that belong to one complaint."""

    complaint_path = "complaint"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return visible_to(request, super().get_queryset(request), self.complaint_path)


# --- inlines of the complaint page -------------------------------------------------------------


class EventInline(orgs_admin.ReadOnlyInline):
    model = ComplaintEvent
    fields = ("seq", "kind", "actor", "at", "data")
    ordering = ("seq",)
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[ComplaintEvent]:
        return super().get_queryset(request).select_related("actor")


class RemedyInline(orgs_admin.ReadOnlyInline):
    model = RemedyProposal
    fields = (
        "kind",
        "description",
        "amount",
        "status",
        "proposed_by",
        "proposed_at",
        "approval_role",
        "decided_by",
        "decided_at",
        "executed_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[RemedyProposal]:
        return super().get_queryset(request).select_related("proposed_by", "decided_by")


class RevisitInline(orgs_admin.ReadOnlyInline):
    model = Revisit
    fields = (
        "assignee",
        "due_at",
        "attempts",
        "done_at",
        "method",
        "reached",
        "satisfied",
        "notes",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Revisit]:
        return super().get_queryset(request).select_related("assignee")


# --- complaints --------------------------------------------------------------------------------


@admin.register(Complaint)
class ComplaintAdmin(ComplaintRecordAdmin):
    complaint_path = "pk"
    list_display = (
        "reference",
        "venue",
        "state",
        "severity",
        "category",
        "channel",
        "received_at",
        "owner",
        "assignee",
        "respond_due",
        "resolve_due",
    )
    list_filter = (
        "state",
        "severity",
        "channel",
        ("venue", admin.RelatedOnlyFieldListFilter),
        ("category", admin.RelatedOnlyFieldListFilter),
        "legal_hold",
        "received_at",
    )
    search_fields = ("reference",)
    list_select_related = ("venue", "category", "owner", "assignee")
    date_hierarchy = "received_at"
    ordering = ("-received_at", "-pk")
    inlines = (EventInline, RemedyInline, RevisitInline)
    fieldsets = (
        (None, {"fields": ("reference", "company", "venue", "state", "version")}),
        (
            _("Intake"),
            {
                "fields": (
                    "channel",
                    "received_by",
                    "received_at",
                    "language",
                    "customer",
                    "member",
                    "booking_reference",
                )
            },
        ),
        (
            _("What happened"),
            {
                "fields": (
                    "occurred_at",
                    "location",
                    "people_involved",
                    "description",
                    "consequence",
                    "customer_request",
                    "subject_staff",
                    "subject_department",
                    "subject_text",
                )
            },
        ),
        (
            _("Classification and routing"),
            {"fields": ("category", "severity", "psychology", "department", "route_role")},
        ),
        (
            _("Ownership"),
            {
                "fields": (
                    "owner",
                    "assignee",
                    "assigned_at",
                    "handlers",
                    "escalation_level",
                    "escalated_to",
                    "next_escalation_at",
                )
            },
        ),
        (
            _("Investigation"),
            {
                "fields": (
                    "investigation_report",
                    "validity",
                    "responsibility",
                    "responsible_department",
                    "responsible_staff",
                    "responsible_party",
                    "cause",
                    "approval_role",
                )
            },
        ),
        (
            _("Deadlines"),
            {
                "fields": (
                    "clock_mode",
                    "respond_due",
                    "resolve_due",
                    "stage",
                    "stage_due",
                    "remind_at",
                    "responded_at",
                    "resolved_at",
                    "closed_at",
                    "paused_at",
                    "paused_seconds",
                    "extension_count",
                    "reopen_count",
                )
            },
        ),
        (
            _("Merge and archive"),
            {
                "fields": (
                    "merged_into",
                    "follows",
                    "retention_until",
                    "legal_hold",
                    "anonymised_at",
                )
            },
        ),
    )


@admin.register(ComplaintEvent)
class ComplaintEventAdmin(ComplaintRecordAdmin):
    list_display = ("complaint", "seq", "kind", "actor", "at")
    list_filter = ("kind", "at")
    search_fields = ("=complaint__reference",)
    list_select_related = ("complaint", "actor")
    ordering = ("-at", "-pk")
    fields = ("complaint", "seq", "kind", "actor", "at", "data", "prev_hash", "hash")


@admin.register(Evidence)
class EvidenceAdmin(ComplaintRecordAdmin):
    list_display = (
        "original_name",
        "complaint",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
    )
    list_filter = ("content_type", "uploaded_at")
    search_fields = ("=complaint__reference", "original_name")
    list_select_related = ("complaint", "uploaded_by")
    ordering = ("-uploaded_at", "-pk")
    # Not the stored file's random name (token): files are served only through access-checked views.
    fields = (
        "complaint",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "description",
        "uploaded_by",
        "uploaded_at",
    )


@admin.register(RemedyProposal)
class RemedyProposalAdmin(ComplaintRecordAdmin):
    list_display = (
        "complaint",
        "kind",
        "amount",
        "status",
        "approval_role",
        "proposed_by",
        "proposed_at",
        "decided_by",
        "decided_at",
        "executed_at",
    )
    list_filter = ("status", "kind", "proposed_at")
    search_fields = ("=complaint__reference",)
    list_select_related = ("complaint", "proposed_by", "decided_by")
    ordering = ("-proposed_at", "-pk")


@admin.register(Revisit)
class RevisitAdmin(ComplaintRecordAdmin):
    list_display = (
        "complaint",
        "assignee",
        "due_at",
        "attempts",
        "done_at",
        "method",
        "reached",
        "satisfied",
    )
    list_filter = ("method", "reached", "satisfied", "due_at")
    search_fields = ("=complaint__reference",)
    list_select_related = ("complaint", "assignee")
    ordering = ("-due_at", "-pk")


@admin.register(Survey)
class SurveyAdmin(ComplaintRecordAdmin):
    list_display = ("complaint", "invited_at", "answered_at", "satisfaction", "nps")
    list_filter = ("satisfaction", "invited_at", "answered_at")
    search_fields = ("=complaint__reference",)
    list_select_related = ("complaint",)
    ordering = ("-invited_at", "-pk")
    # Not the token: it is the customer's key to answer the survey.
    fields = ("complaint", "invited_at", "answered_at", "satisfaction", "nps", "comment")


@admin.register(Interview)
class InterviewAdmin(ComplaintRecordAdmin):
    list_display = (
        "complaint",
        "interviewee",
        "interviewee_role",
        "staff",
        "held_at",
        "recorded_by",
    )
    list_filter = ("interviewee_role", "held_at")
    search_fields = ("=complaint__reference",)
    list_select_related = ("complaint", "staff", "recorded_by")
    ordering = ("-held_at", "-pk")


@admin.register(CustomerConsent)
class CustomerConsentAdmin(ComplaintRecordAdmin):
    list_display = ("complaint", "accepted", "method", "recorded_by", "recorded_at")
    list_filter = ("accepted", "method", "recorded_at")
    search_fields = ("=complaint__reference",)
    list_select_related = ("complaint", "recorded_by")
    ordering = ("-recorded_at", "-pk")


@admin.register(Consequence)
class ConsequenceAdmin(ComplaintRecordAdmin):
    list_display = ("complaint", "staff", "kind", "recorded_by", "recorded_at")
    list_filter = ("kind", "recorded_at")
    search_fields = ("=complaint__reference",)
    list_select_related = ("complaint", "staff", "recorded_by")
    ordering = ("-recorded_at", "-pk")


# --- timeline checkpoints (integrity.py) ------------------------------------------------------


class SuperuserOnly:
    """Checkpoints span every company: only a superuser sees them."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


@admin.register(TimelineCheckpoint)
class TimelineCheckpointAdmin(SuperuserOnly, orgs_admin.ReadOnlyAdmin):
    list_display = ("seq", "at", "count", "hash")
    fields = ("seq", "at", "count", "prev_hash", "hash")
    date_hierarchy = "at"
    ordering = ("-seq",)
    show_full_result_count = False


@admin.register(TimelineCheckpointEntry)
class TimelineCheckpointEntryAdmin(SuperuserOnly, orgs_admin.ReadOnlyAdmin):
    list_display = ("reference", "checkpoint", "head_seq", "head_hash")
    fields = ("checkpoint", "complaint_id", "reference", "head_seq", "head_hash")
    search_fields = ("=reference", "=checkpoint__seq")
    list_select_related = ("checkpoint",)
    ordering = ("-checkpoint", "complaint_id")
    show_full_result_count = False
