"""The admin's configuration face for the workflow: taxonomy, time limits, routing, authority
limits and the national calendar's overrides.

The company and venue admins of `orgs` are extended here (this layer may see `orgs`, not the
other way round): a venue shows its time-limit policies inline, and a new company or venue
gets the shipped defaults through the workflow services.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _

from amends.orgs import admin as orgs_admin
from amends.orgs.models import Company, User, Venue
from amends.workflow.calendar import ScheduleDay, ScheduleError, parse_schedule
from amends.workflow.models import (
    AuthorityLimit,
    CalendarOverride,
    Category,
    PersonalAuthorityLimit,
    RoutingRule,
    ServiceTargets,
    SlaPolicy,
)
from amends.workflow.services import (
    calendar_schedule_apply,
    calendar_schedule_plan,
    sla_install_defaults,
    workflow_install_defaults,
)

_HOURS = ("mode", "respond_hours", "resolve_hours", "remind_at_percent", "escalation_step_hours")
_WORKING_DAYS = ("assess_days", "plan_days", "execute_days", "follow_up_days")


@admin.register(Category)
class CategoryAdmin(orgs_admin.CompanyScoped, admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "is_active", "position", "company")
    list_display_links = ("code",)
    list_editable = ("name_zh", "name_en", "is_active", "position")
    list_filter = ("is_active", ("company", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "name_zh", "name_en")
    list_select_related = ("company",)
    ordering = ("company__name", "position", "code")

    def get_readonly_fields(self, request: HttpRequest, obj: Category | None = None) -> Any:
        # The code is stable (exports, routing and triage refer to it); names can change.
        readonly = tuple(super().get_readonly_fields(request, obj))
        return (*readonly, "code") if obj is not None else readonly


class SlaPolicyInline(admin.StackedInline):
    model = SlaPolicy
    extra = 0
    fieldsets = (
        (None, {"fields": ("severity", *_HOURS)}),
        (_("Working days (tourism)"), {"fields": _WORKING_DAYS, "classes": ("collapse",)}),
    )


@admin.register(SlaPolicy)
class SlaPolicyAdmin(orgs_admin.CompanyScoped, admin.ModelAdmin):
    company_path = "venue__company_id"
    list_display = (
        "venue",
        "severity",
        "mode",
        "respond_hours",
        "resolve_hours",
        "remind_at_percent",
        "escalation_step_hours",
    )
    list_filter = ("severity", "mode", ("venue", admin.RelatedOnlyFieldListFilter))
    search_fields = ("venue__code", "venue__name")
    list_select_related = ("venue",)
    ordering = ("venue__code", "severity")
    fieldsets = (
        (None, {"fields": ("venue", "severity")}),
        (_("Hours"), {"fields": _HOURS}),
        (
            _("Working days (tourism)"),
            {
                "fields": _WORKING_DAYS,
                "description": _("Used when the counting is in working days: one limit per stage."),
            },
        ),
    )


class RoutingRuleForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        company = cleaned.get("company")
        if company is not None:
            for name in ("venue", "category"):
                value = cleaned.get(name)
                if value is not None and value.company_id != company.pk:
                    self.add_error(name, _("Choose one of this company's."))
        return cleaned


@admin.register(RoutingRule)
class RoutingRuleAdmin(orgs_admin.CompanyScoped, admin.ModelAdmin):
    form = RoutingRuleForm
    list_display = (
        "__str__",
        "position",
        "venue",
        "category",
        "severity",
        "department_code",
        "role",
        "company",
    )
    list_editable = ("position",)
    list_filter = (
        "role",
        "severity",
        ("venue", admin.RelatedOnlyFieldListFilter),
        ("category", admin.RelatedOnlyFieldListFilter),
        ("company", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = (
        "department_code",
        "category__code",
        "category__name_zh",
        "category__name_en",
        "venue__code",
    )
    list_select_related = ("company", "venue", "category")
    ordering = ("company__name", "position", "pk")
    fieldsets = (
        (None, {"fields": ("company", "position")}),
        (
            _("When"),
            {
                "fields": ("venue", "category", "severity"),
                "description": _(
                    "Empty matches anything; the most specific matching rule wins, "
                    "then the lowest position."
                ),
            },
        ),
        (_("Then route to"), {"fields": ("department_code", "role")}),
    )


@admin.register(AuthorityLimit)
class AuthorityLimitAdmin(orgs_admin.CompanyScoped, admin.ModelAdmin):
    """Each role's limit; a person's own limit (below, and on the staff user's page) wins."""

    list_display = ("role", "limit", "company")
    list_filter = ("role", ("company", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("company",)
    ordering = ("company__name", "role")


@admin.register(PersonalAuthorityLimit)
class PersonalAuthorityLimitAdmin(orgs_admin.CompanyScoped, admin.ModelAdmin):
    company_path = "user__company_id"
    list_display = ("user", "limit", "reason")
    search_fields = ("user__username", "user__display_name", "reason")
    list_select_related = ("user",)
    ordering = ("user__username",)
    autocomplete_fields = ("user",)


class PersonalAuthorityLimitInline(admin.StackedInline):
    model = PersonalAuthorityLimit
    fields = ("limit", "reason")
    extra = 0
    max_num = 1
    verbose_name_plural = _("personal authority limit")


@admin.register(ServiceTargets)
class ServiceTargetsAdmin(orgs_admin.CompanyScoped, admin.ModelAdmin):
    """The targets the dashboard measures against (SPEC §10 by default), one row per company."""

    list_display = (
        "company",
        "respond_within_hours",
        "average_response_hours",
        "resolution_rate",
        "positive_rate",
    )
    list_select_related = ("company",)
    ordering = ("company__name",)


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    """National facts, shared by every company of the installation. A year's official schedule
    is entered on one page by pasting its lines ("Paste a year's schedule")."""

    list_display = ("day", "is_working_day", "name")
    list_filter = ("is_working_day",)
    search_fields = ("name",)
    date_hierarchy = "day"
    ordering = ("day",)
    change_list_template = "admin/workflow/calendaroverride/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        paste = path(
            "paste/",
            self.admin_site.admin_view(self.paste_view),
            name="workflow_calendaroverride_paste",
        )
        return [paste, *super().get_urls()]

    def paste_view(self, request: HttpRequest) -> HttpResponse:
        """Paste a year's schedule: read, show what it will create, then write on confirmation.

        1. GET: an empty form (with an example).
        2. POST: read every line; errors are listed by line and nothing is written.
        3. POST without errors: the plan (created / corrected / already there) and a confirm
           button; with `confirm`, the rows are written (idempotent) and the list is shown.
        """
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = SchedulePasteForm(request.POST or None)
        days: list[ScheduleDay] = []
        errors: list[tuple[ScheduleError, str]] = []
        plan: dict[str, list[ScheduleDay]] | None = None
        if request.method == "POST" and form.is_valid():
            days, problems = parse_schedule(form.cleaned_data["schedule"])
            errors = [(problem, str(SCHEDULE_ERRORS[problem.code])) for problem in problems]
            if not errors and not days:
                form.add_error("schedule", _("Paste at least one line."))
            elif not errors and request.POST.get("confirm"):
                done = calendar_schedule_apply(days=days)
                self.message_user(
                    request,
                    _(
                        "Schedule entered: %(created)d created, %(updated)d corrected, "
                        "%(unchanged)d already there."
                    )
                    % {k: len(v) for k, v in done.items()},
                )
                return HttpResponseRedirect(reverse("admin:workflow_calendaroverride_changelist"))
            elif not errors:
                plan = calendar_schedule_plan(days=days)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Paste a year's schedule"),
            "form": form,
            "errors": errors,
            "plan": plan,
            "days": days,
        }
        return TemplateResponse(request, "admin/workflow/calendaroverride/paste.html", context)


SCHEDULE_ERRORS = {
    "format": _("Write a date (or a range first..last) and holiday or workday."),
    "date": _("Write dates as YYYY-MM-DD."),
    "kind": _("Say holiday or workday."),
    "range": _("A range runs forward and covers at most 31 days."),
    "conflict": _("This date is already given as the other kind on an earlier line."),
}


class SchedulePasteForm(forms.Form):
    schedule = forms.CharField(
        label=_("Schedule"),
        widget=forms.Textarea(attrs={"rows": 18, "cols": 60, "spellcheck": "false"}),
        help_text=_(
            "One line per day or range: 2027-01-01..2027-01-03 holiday New Year's Day, "
            "2027-02-07 workday (休 and 班 work too). The rest of a line is the name."
        ),
    )


# --- the orgs admins, with the workflow's parts ----------------------------------------------

admin.site.unregister(Venue)
admin.site.unregister(Company)
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(orgs_admin.UserAdmin):
    """A staff user's page also holds their personal authority limit, if any (once the user
    exists: the add form stays as Django's)."""

    def get_inlines(self, request: HttpRequest, obj: User | None) -> list[type[InlineModelAdmin]]:
        inlines = list(super().get_inlines(request, obj))
        return [*inlines, PersonalAuthorityLimitInline] if obj is not None else inlines


@admin.register(Venue)
class VenueAdmin(orgs_admin.VenueAdmin):
    def get_inlines(self, request: HttpRequest, obj: Venue | None) -> list[type[InlineModelAdmin]]:
        return [*super().get_inlines(request, obj), SlaPolicyInline]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """A new venue gets the shipped time limits for every severity not set in the form."""
        super().save_related(request, form, formsets, change)
        if not change:
            sla_install_defaults(venue=form.instance)


@admin.register(Company)
class CompanyAdmin(orgs_admin.CompanyAdmin):
    def save_model(self, request: HttpRequest, obj: Company, form: Any, change: bool) -> None:
        """A new company starts with the shipped taxonomy, routing and authority limits."""
        super().save_model(request, obj, form, change)
        if not change:
            workflow_install_defaults(company=obj)
