"""Equipment in the admin: each venue's settings (the response clock, the uptime target, the
repeat-fault rule) are edited here; assets, work orders and imports are only looked up — every
change to them goes through the services (the version, who may), which the console offers."""

from __future__ import annotations

from django.contrib import admin

from amends.equipment.models import Asset, AssetImport, EquipmentSettings, WorkOrder
from amends.orgs import admin as orgs_admin


@admin.register(EquipmentSettings)
class EquipmentSettingsAdmin(orgs_admin.CompanyScoped, admin.ModelAdmin):
    company_path = "venue__company_id"
    list_display = (
        "venue",
        "response_minutes",
        "clock_mode",
        "uptime_target",
        "repeat_faults",
        "repeat_window_days",
    )
    list_select_related = ("venue",)
    exclude = ("version",)

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        # The settings are read when a fault is reported; the version only says they moved.
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)


@admin.register(Asset)
class AssetAdmin(orgs_admin.CompanyScoped, orgs_admin.ReadOnlyAdmin):
    company_path = "venue__company_id"
    list_display = ("code", "name", "venue", "category", "status", "location", "warranty_ends_on")
    list_filter = ("status", "category", ("venue", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "name", "serial", "location")
    list_select_related = ("venue",)
    exclude = ("public_token",)


@admin.register(WorkOrder)
class WorkOrderAdmin(orgs_admin.CompanyScoped, orgs_admin.ReadOnlyAdmin):
    company_path = "venue__company_id"
    list_display = ("number", "asset", "kind", "status", "unsafe", "reported_at", "assignee")
    list_filter = (
        "status",
        "kind",
        "source",
        "unsafe",
        ("venue", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("number", "asset__code", "asset__name")
    list_select_related = ("asset", "assignee")
    date_hierarchy = "reported_at"
    # The reporter's name is a member's personal data: not listed, not searched.
    exclude = ("reporter_name",)


@admin.register(AssetImport)
class AssetImportAdmin(orgs_admin.CompanyScoped, orgs_admin.ReadOnlyAdmin):
    company_path = "venue__company_id"
    list_display = ("pk", "venue", "file_name", "status", "done_rows", "total_rows", "created_at")
    list_select_related = ("venue",)
