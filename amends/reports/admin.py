"""The reports' rollups in the admin: to look up, never to write — they are rebuilt from the
complaints (`amends.reports.rollups`), so an edit here would only be overwritten."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from amends.orgs import admin as orgs_admin
from amends.reports.access import report_venues
from amends.reports.models import DailyRollup, RollupState


@admin.register(DailyRollup)
class DailyRollupAdmin(orgs_admin.ReadOnlyAdmin):
    list_display = (
        "day",
        "venue",
        "category",
        "severity",
        "channel",
        "received",
        "responded",
        "resolved",
        "surveyed",
    )
    list_filter = (("venue", admin.RelatedOnlyFieldListFilter), "severity", "channel")
    list_select_related = ("venue", "category")
    date_hierarchy = "day"
    ordering = ("-day", "venue", "pk")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        """The venues whose reports the person may read; a superuser sees every row."""
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(venue__in=report_venues(request.user))  # type: ignore[arg-type]


@admin.register(RollupState)
class RollupStateAdmin(orgs_admin.ReadOnlyAdmin):
    list_display = ("key", "last_event_id", "current_to")
