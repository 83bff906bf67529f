"""The admin's configuration face for companies, venues, departments, staff and role grants.

Also home of the small building blocks every app's admin uses (this is the lowest layer with an
admin, so all of them may import it):

- `CompanyScoped`: a staff user who is not a superuser sees only their own company's rows and is
  offered only their own company's records in foreign-key choices.
- `ReadOnlyAdmin` / `ReadOnlyInline`: for records that only services may write (complaints and
  their timeline, customers, the outbox): the admin shows them and nothing else.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from amends.orgs.models import ApiKey, Company, Department, RoleGrant, User, Venue
from amends.orgs.services import api_key_revoke, department_install_defaults, role_grant_errors

# --- building blocks -------------------------------------------------------------------------


def limit_to_company(queryset: QuerySet[Any], company_id: int | None) -> QuerySet[Any]:
    """`queryset` cut down to the records of one company (nothing when `company_id` is None).

    Works for any model that is a Company, has a `company` field, or has a `venue` field.
    """
    if company_id is None:
        return queryset.none()
    model = queryset.model
    if model is Company:
        return queryset.filter(pk=company_id)
    names = {field.name for field in model._meta.get_fields()}
    if "company" in names:
        return queryset.filter(company_id=company_id)
    if "venue" in names:
        return queryset.filter(venue__company_id=company_id)
    return queryset


class CompanyScoped:
    """Mix into a ModelAdmin or an inline: non-superusers see and pick only their company's rows.

    `company_path` is the lookup from the admin's model to its company id ("company_id",
    "venue__company_id", "pk" for Company itself).
    """

    company_path = "company_id"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset(request)  # type: ignore[misc]
        user = request.user
        if user.is_superuser:
            return queryset
        company_id = getattr(user, "company_id", None)
        if company_id is None:
            return queryset.none()
        return queryset.filter(**{self.company_path: company_id})

    def _limit_field(
        self, db_field: models.Field[Any, Any], request: HttpRequest, kwargs: dict[str, Any]
    ) -> None:
        model = db_field.remote_field.model  # type: ignore[union-attr]
        limit = not request.user.is_superuser
        if "queryset" in kwargs or not (limit or model is Department):
            return
        # Start from what Django would offer (ordered as the related admin orders it).
        queryset = self.get_field_queryset(kwargs.get("using"), db_field, request)  # type: ignore[attr-defined]
        if queryset is None:
            queryset = model._default_manager.using(kwargs.get("using")).all()
        if model is Department:
            queryset = queryset.select_related("venue")  # its name shows the venue code
        if limit:
            queryset = limit_to_company(queryset, getattr(request.user, "company_id", None))
        kwargs["queryset"] = queryset

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        self._limit_field(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(
        self, db_field: models.ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        self._limit_field(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


class ReadOnly:
    """Mix into a ModelAdmin or an inline whose rows only services may write."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):
    """A ModelAdmin that only shows (no add, change or delete, no bulk actions)."""

    actions = None


class ReadOnlyInline(ReadOnly, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True


# --- role grants -----------------------------------------------------------------------------


class RoleGrantForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        user = cleaned.get("user")
        if user is not None:
            errors = role_grant_errors(
                company_id=user.company_id,
                venue=cleaned.get("venue"),
                department=cleaned.get("department"),
            )
            for field, message in errors.items():
                self.add_error(field, message)
        return cleaned


class RoleGrantFormSet(BaseInlineFormSet):
    """The grants of one user: every venue and department must be of the user's company."""

    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            errors = role_grant_errors(
                company_id=self.instance.company_id,
                venue=form.cleaned_data.get("venue"),
                department=form.cleaned_data.get("department"),
            )
            for field, message in errors.items():
                form.add_error(field, message)


class RoleGrantInline(CompanyScoped, admin.TabularInline):
    model = RoleGrant
    formset = RoleGrantFormSet
    fields = ("role", "venue", "department")
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[RoleGrant]:
        # The parent user is already scoped; select what each row's selects display.
        return RoleGrant.objects.select_related("venue", "department__venue")


@admin.register(RoleGrant)
class RoleGrantAdmin(CompanyScoped, admin.ModelAdmin):
    company_path = "user__company_id"
    form = RoleGrantForm
    list_display = ("user", "role", "venue", "department")
    list_filter = ("role", ("venue", admin.RelatedOnlyFieldListFilter))
    search_fields = ("user__username", "user__display_name", "venue__code", "department__name")
    list_select_related = ("user", "venue", "department__venue")
    ordering = ("user__username", "role")
    autocomplete_fields = ("user",)


# --- staff -----------------------------------------------------------------------------------


@admin.register(User)
class UserAdmin(CompanyScoped, DjangoUserAdmin):
    """Django's user admin, plus company, display name, language and the user's role grants."""

    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (
            _("Company and language"),
            {"fields": ("company", "display_name", "display_name_en", "language")},
        ),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (
            _("Company and language"),
            {
                "classes": ("wide",),
                "fields": ("company", "display_name", "display_name_en", "language"),
            },
        ),
    )
    inlines = (RoleGrantInline,)
    list_display = (
        "username",
        "display_name",
        "display_name_en",
        "company",
        "email",
        "language",
        "is_staff",
        "is_active",
    )
    list_filter = (
        ("company", admin.RelatedOnlyFieldListFilter),
        "language",
        "is_staff",
        "is_superuser",
        "is_active",
    )
    search_fields = (
        "username",
        "display_name",
        "display_name_en",
        "first_name",
        "last_name",
        "email",
    )
    list_select_related = ("company",)
    ordering = ("username",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Only a superuser makes superusers or hands out raw permissions.
        readonly = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ("is_superuser", "user_permissions")
        return readonly


# --- company, venues, departments ------------------------------------------------------------


@admin.register(Company)
class CompanyAdmin(CompanyScoped, admin.ModelAdmin):
    company_path = "pk"
    list_display = ("name", "code", "created_at")
    search_fields = ("name", "code")
    ordering = ("name",)


class DepartmentInline(admin.TabularInline):
    model = Department
    fields = ("code", "name", "name_en")
    extra = 0


@admin.register(Venue)
class VenueAdmin(CompanyScoped, admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "name_en",
        "company",
        "kind",
        "timezone",
        "opens_at",
        "closes_at",
        "open_days",
        "revisit_days",
        "is_active",
    )
    list_filter = ("kind", "open_days", "is_active", ("company", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "name", "name_en")
    list_select_related = ("company",)
    ordering = ("company__name", "code")
    fieldsets = (
        (None, {"fields": ("company", "code", "name", "name_en", "kind", "is_active")}),
        (
            _("Business clock"),
            {
                "fields": ("timezone", "opens_at", "closes_at", "open_days", "revisit_days"),
                "description": _(
                    "Opening hours and open days drive the deadlines of this venue's complaints."
                ),
            },
        ),
        (_("Complaints without a staff receiver"), {"fields": ("duty_roles",)}),
        (
            _("Reopen, repeats and duplicates"),
            {"fields": ("reopen_window_days", "repeat_window_days", "duplicate_window_hours")},
        ),
        (
            _("Revisit"),
            {
                "fields": ("revisit_policy",),
                "description": _(
                    "Whether a complaint is revisited before it is closed, or closed on "
                    "feedback and revisited after; the revisit is due within the days set "
                    "above."
                ),
            },
        ),
    )
    inlines = (DepartmentInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Venue | None = None) -> Any:
        # The code starts every complaint reference: it never changes once the venue exists.
        readonly = tuple(super().get_readonly_fields(request, obj))
        return (*readonly, "code") if obj is not None else readonly

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """A new venue gets the standard departments (the default routing names them), unless
        the form already created departments with those codes (as `venue_create` does)."""
        super().save_related(request, form, formsets, change)
        if not change:
            department_install_defaults(venue=form.instance)


@admin.register(Department)
class DepartmentAdmin(CompanyScoped, admin.ModelAdmin):
    company_path = "venue__company_id"
    list_display = ("name", "name_en", "code", "venue")
    list_filter = (("venue", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("code", "name", "name_en", "venue__code", "venue__name")
    list_select_related = ("venue",)
    ordering = ("venue__code", "code")


@admin.register(ApiKey)
class ApiKeyAdmin(CompanyScoped, admin.ModelAdmin):
    """API keys are made with `amends apikey create` (the key is shown once); here they are
    listed and revoked."""

    list_display = ("name", "prefix", "company", "venue", "scopes", "last_used_at", "revoked_at")
    list_filter = (("company", admin.RelatedOnlyFieldListFilter),)
    readonly_fields = ("company", "venue", "name", "prefix", "scopes", "created_at", "last_used_at")
    fields = (*readonly_fields, "revoked_at")
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for key in queryset:
            api_key_revoke(key=key)
