"""Improvement actions in the admin: to look up, never to write — every change goes through the
services (the version, who may, the owner's venue), which the console offers."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from amends.improvements.models import ImprovementAction
from amends.improvements.selectors import visibility
from amends.orgs import admin as orgs_admin


@admin.register(ImprovementAction)
class ImprovementActionAdmin(orgs_admin.ReadOnlyAdmin):
    list_display = ("title", "venue", "status", "owner", "due_on", "done_at", "company")
    list_filter = (
        "status",
        "source",
        ("venue", admin.RelatedOnlyFieldListFilter),
        ("category", admin.RelatedOnlyFieldListFilter),
        "due_on",
    )
    search_fields = ("title", "subject_text", "source_label")
    list_select_related = ("venue", "owner", "company")
    date_hierarchy = "due_on"
    ordering = ("due_on", "pk")
    # The linked complaints are listed on the action's console page, each only to whoever may
    # see it; here only their number shows (the admin cannot hide the ones a person may not see).
    exclude = ("complaints",)
    readonly_fields = ("linked_complaints",)

    @admin.display(description=_("linked complaints"))
    def linked_complaints(self, action: ImprovementAction) -> int:
        return action.complaints.count()

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        """What the person may see in the console; a superuser sees every row."""
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(visibility(request.user))  # type: ignore[arg-type]
