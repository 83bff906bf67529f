"""Privacy rows in the admin: retention rules and settings are edited here too; the evidence,
the access log and requests are read-only (they are written by services only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from amends.privacy.models import (
    AccessLog,
    Breach,
    DataSubjectRequest,
    LegalHold,
    PrivacySettings,
    PurgeRecord,
    RetentionRule,
)


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    list_display = ("company", "data_class", "months", "trigger", "updated_at")
    list_filter = ("company", "data_class")
    readonly_fields = ("version", "updated_by", "updated_at")


@admin.register(PrivacySettings)
class PrivacySettingsAdmin(admin.ModelAdmin):
    list_display = ("company", "request_days", "gdpr_mode")
    readonly_fields = ("version",)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LegalHold)
class LegalHoldAdmin(ReadOnly):
    list_display = ("pk", "company", "scope", "complaint", "placed_by", "placed_at", "lifted_at")
    list_filter = ("company", "scope")


@admin.register(PurgeRecord)
class PurgeRecordAdmin(ReadOnly):
    list_display = ("at", "company", "outcome", "reference", "classes")
    list_filter = ("company", "outcome")
    search_fields = ("reference",)


@admin.register(DataSubjectRequest)
class DataSubjectRequestAdmin(ReadOnly):
    list_display = ("pk", "company", "kind", "status", "owner", "received_at", "due_at")
    list_filter = ("company", "kind", "status")
    exclude = ("details",)


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnly):
    list_display = ("at", "company", "actor_name", "reference", "what")
    list_filter = ("company",)
    search_fields = ("reference", "actor_name")


@admin.register(Breach)
class BreachAdmin(ReadOnly):
    list_display = ("pk", "company", "discovered_at", "notify_by", "notified_at", "status")
    list_filter = ("company", "status")
