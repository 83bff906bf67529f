"""Job runs in the admin: read-only (rows are written only by `amends.core.jobs.run`)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from amends.core.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ("started_at", "name", "where", "ok", "summary", "finished_at")
    list_filter = ("name", "where", "ok", "started_at")
    search_fields = ("=name",)
    date_hierarchy = "started_at"
    ordering = ("-started_at", "-pk")
    fields = ("name", "where", "started_at", "finished_at", "ok", "counts", "summary")
    readonly_fields = fields
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
