"""The console's equipment forms: the lists' filters, the asset and plan forms, faults and work
orders from complaints. The forms of a work order's steps are in `equipment_step_forms` (and
re-exported here)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from amends.complaints.models import Complaint
from amends.complaints.selectors_privacy import masked_text
from amends.complaints.services.access import sensitive_text
from amends.console.equipment_step_forms import (  # noqa: F401 (the step forms, re-exported)
    MAX_PHOTOS,
    STEP_FORMS,
    ArriveForm,
    AssignForm,
    CancelForm,
    PhotoForm,
    PhotosField,
    ReactForm,
    ResolveForm,
    StaffChoice,
    StepForm,
    VerifyForm,
    _text,
    check_photo,
)
from amends.core.errors import DomainError
from amends.equipment import services
from amends.equipment.models import Asset, MaintenancePlan, WorkOrder
from amends.orgs.models import User
from amends.orgs.selectors import venues_for_actor

MAX_CHECKLIST_ITEMS = 50
MAX_CHECKLIST_ITEM = 200
OPEN = "open"
ALL = "all"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def venue_choices(actor: User) -> list[tuple[str, str]]:
    return [(v.code, f"{v.code} {v.name_in()}") for v in venues_for_actor(actor=actor)]


# --- filters ---------------------------------------------------------------------------------


class WorkOrderFilterForm(forms.Form):
    """The work orders list: status (open by default), venue, only mine."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", pgettext_lazy("work orders", "Open")),
            (ALL, _("Any")),
            *WorkOrder.Status.choices,
        ],
    )
    venue = forms.ChoiceField(label=_("Venue"), required=False)
    mine = forms.BooleanField(label=_("Only mine"), required=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.venues = {v.code: v for v in venues_for_actor(actor=actor)}
        self.fields["venue"].choices = [  # type: ignore[attr-defined]
            ("", _("All my venues")),
            *((code, f"{code} {v.name_in()}") for code, v in self.venues.items()),
        ]

    def values(self) -> dict[str, Any]:
        """The selector's filters (defaults for a bad or missing value)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "venue": self.venues.get(data.get("venue") or ""),
            "status": data.get("status") or OPEN,
            "mine": bool(data.get("mine")),
        }


class AssetFilterForm(forms.Form):
    """The assets list: venue, status, category, words (code, name, location, serial)."""

    venue = forms.ChoiceField(label=_("Venue"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *Asset.Status.choices]
    )
    category = forms.ChoiceField(
        label=_("Equipment category"),
        required=False,
        choices=[("", _("Any")), *Asset.Category.choices],
    )
    q = forms.CharField(label=_("Find"), required=False, max_length=100)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.venues = {v.code: v for v in venues_for_actor(actor=actor)}
        self.fields["venue"].choices = [  # type: ignore[attr-defined]
            ("", _("All my venues")),
            *((code, f"{code} {v.name_in()}") for code, v in self.venues.items()),
        ]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "venue": self.venues.get(data.get("venue") or ""),
            "status": data.get("status") or None,
            "category": data.get("category") or None,
            "q": (data.get("q") or "").strip(),
        }


# --- assets and plans ------------------------------------------------------------------------


class AssetForm(forms.Form):
    """An asset of the register, new (with its venue) or edited (with the version seen)."""

    venue = forms.ChoiceField(label=_("Venue"))
    code = forms.CharField(label=_("Asset code"), max_length=40)
    name = forms.CharField(label=pgettext_lazy("equipment", "Name"), max_length=120)
    category = forms.ChoiceField(label=_("Equipment category"), choices=Asset.Category.choices)
    location = forms.CharField(label=_("Location"), max_length=120, required=False)
    serial = forms.CharField(label=_("Serial number"), max_length=80, required=False)
    vendor = forms.CharField(label=_("Vendor"), max_length=120, required=False)
    purchased_on = forms.DateField(label=_("Purchase date"), required=False, widget=DateInput())
    warranty_ends_on = forms.DateField(label=_("Warranty ends"), required=False, widget=DateInput())
    photo = forms.FileField(label=_("Photo"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    FIELDS = (
        "code",
        "name",
        "category",
        "location",
        "serial",
        "vendor",
        "purchased_on",
        "warranty_ends_on",
    )

    def __init__(self, *args: Any, actor: User, asset: Asset | None = None, **kwargs: Any) -> None:
        if asset is not None:
            initial = kwargs.setdefault("initial", {})
            initial.update({name: getattr(asset, name) for name in self.FIELDS})
            initial.update(venue=asset.venue.code, version=asset.version)
        super().__init__(*args, **kwargs)
        self.actor, self.asset = actor, asset
        self.venues = {v.code: v for v in venues_for_actor(actor=actor)}
        self.fields["venue"].choices = venue_choices(actor)  # type: ignore[attr-defined]
        if asset is not None:  # an asset stays at its venue
            self.fields["venue"].disabled = True
            self.fields["venue"].choices = [(asset.venue.code, asset.venue.name_in())]  # type: ignore[attr-defined]

    def clean_photo(self) -> Any:
        upload = self.cleaned_data.get("photo")
        return check_photo(upload) if upload else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        bought, ends = data.get("purchased_on"), data.get("warranty_ends_on")
        if bought and ends and ends < bought:
            self.add_error("warranty_ends_on", _("The warranty cannot end before the purchase."))
        if self.asset is not None and not data.get("version"):
            self.add_error(None, _("Reload the page: the form has no version."))
        return data

    def run(self) -> Asset:
        data = {name: self.cleaned_data.get(name) for name in self.FIELDS}
        if self.cleaned_data.get("photo"):
            data["photo"] = self.cleaned_data["photo"]
        venue = self.asset.venue if self.asset else self.venues[self.cleaned_data["venue"]]
        return services.asset_save(
            actor=self.actor,
            venue=venue,
            data=data,
            asset=self.asset,
            version=self.cleaned_data.get("version") if self.asset else None,
        )


class ChecklistField(forms.CharField):
    """A checklist typed one item a line; cleaned to the list of items."""

    widget = forms.Textarea(attrs={"rows": 5})

    def clean(self, value: Any) -> list[str]:
        raw = super().clean(value) or ""
        items = [line.strip() for line in str(raw).splitlines() if line.strip()]
        if len(items) > MAX_CHECKLIST_ITEMS:
            raise forms.ValidationError(
                _("At most %(n)s items."), params={"n": MAX_CHECKLIST_ITEMS}
            )
        if any(len(item) > MAX_CHECKLIST_ITEM for item in items):
            raise forms.ValidationError(
                _("An item has at most %(n)s characters."), params={"n": MAX_CHECKLIST_ITEM}
            )
        return items


class PlanForm(forms.Form):
    """A preventive maintenance plan of one asset: every N days and/or N hours of use."""

    name = forms.CharField(label=pgettext_lazy("equipment", "Name"), max_length=120)
    every_days = forms.IntegerField(
        label=_("Every (days)"), min_value=1, max_value=3660, required=False
    )
    every_hours = forms.IntegerField(
        label=_("Every (hours of use)"), min_value=1, max_value=100_000, required=False
    )
    checklist = ChecklistField(
        label=_("Checklist"),
        required=False,
        max_length=MAX_CHECKLIST_ITEMS * (MAX_CHECKLIST_ITEM + 2),
        help_text=_("One item a line."),
    )
    next_due_on = forms.DateField(label=_("Next due"), required=False, widget=DateInput())
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)

    def __init__(
        self,
        *args: Any,
        actor: User,
        asset: Asset,
        plan: MaintenancePlan | None = None,
        **kwargs: Any,
    ) -> None:
        if plan is not None:
            initial = kwargs.setdefault("initial", {})
            initial.update(
                name=plan.name,
                every_days=plan.every_days,
                every_hours=plan.every_hours,
                checklist="\n".join(str(item) for item in plan.checklist or []),
                next_due_on=plan.next_due_on,
                active=plan.active,
                version=plan.version,
            )
        super().__init__(*args, **kwargs)
        self.actor, self.asset, self.plan = actor, asset, plan

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("every_days") and not data.get("every_hours") and not self.errors:
            self.add_error(
                None, _("Give an interval: every N days, every N hours of use, or both.")
            )
        if self.plan is not None and not data.get("version"):
            self.add_error(None, _("Reload the page: the form has no version."))
        return data

    def run(self) -> MaintenancePlan:
        data = {
            name: self.cleaned_data.get(name)
            for name in ("name", "every_days", "every_hours", "checklist", "next_due_on", "active")
        }
        return services.plan_save(
            actor=self.actor,
            asset=self.asset,
            data=data,
            plan=self.plan,
            version=self.cleaned_data.get("version") if self.plan else None,
        )


class ImportForm(forms.Form):
    """A spreadsheet of assets for one venue (.xlsx)."""

    venue = forms.ChoiceField(label=_("Venue"))
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_(
            "An Excel workbook (.xlsx); its first row names the columns: code, name, category, "
            "location, serial, vendor, purchase date, warranty end (in English or Chinese)."
        ),
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.venues = {v.code: v for v in venues_for_actor(actor=actor)}
        self.fields["venue"].choices = venue_choices(actor)  # type: ignore[attr-defined]
        self.fields["file"].widget.attrs["accept"] = ".xlsx"

    def run(self) -> Any:
        return services.import_start(
            actor=self.actor,
            venue=self.venues[self.cleaned_data["venue"]],
            upload=self.cleaned_data["file"],
        )


# --- faults ----------------------------------------------------------------------------------


class FaultForm(forms.Form):
    """A fault a staff member reports on an asset."""

    description = _text(_("What is wrong"), required=True, rows=4, max_length=4000)
    unsafe = forms.BooleanField(
        label=_("Unsafe to use: take it out of service now"), required=False
    )

    def __init__(self, *args: Any, actor: User, asset: Asset, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor, self.asset = actor, asset

    def run(self) -> WorkOrder:
        return services.fault_report(
            asset=self.asset,
            source=WorkOrder.Source.STAFF,
            description=self.cleaned_data["description"],
            unsafe=self.cleaned_data["unsafe"],
            actor=self.actor,
        )


class AssetChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        where = f" · {obj.location}" if obj.location else ""
        return f"{obj.code} {obj.name}{where}"


def readable_description(complaint: Complaint, actor: User) -> str:
    """The complaint's description as `actor` may read it, personal numbers masked: nothing of a
    sensitive description withheld from them (the technicians read the work order too)."""
    text, note = sensitive_text(complaint, actor, complaint.description or "")
    if note:
        return ""
    return str(masked_text(text) or "")


class ComplaintWorkOrderForm(forms.Form):
    """Open a work order from a complaint: an asset of the complaint's venue, the description
    taken from the complaint."""

    asset = AssetChoice(label=_("Asset"), queryset=Asset.objects.none())
    description = _text(_("What is wrong"), required=True, rows=4, max_length=4000)
    unsafe = forms.BooleanField(
        label=_("Unsafe to use: take it out of service now"), required=False
    )

    def __init__(
        self, *args: Any, actor: User, complaint: Complaint, assets: Any, **kwargs: Any
    ) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("description", readable_description(complaint, actor)[:4000])
        super().__init__(*args, **kwargs)
        self.actor, self.complaint = actor, complaint
        self.fields["asset"].queryset = assets  # type: ignore[attr-defined]

    def run(self) -> WorkOrder:
        return services.complaint_open_work_order(
            actor=self.actor,
            complaint=self.complaint,
            asset=self.cleaned_data["asset"],
            description=self.cleaned_data["description"],
            unsafe=self.cleaned_data["unsafe"],
        )


class ServiceForm(forms.Form):
    """Take an asset out of service (a reason) or return it to service."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = _text(_("Reason"), rows=2, max_length=500)

    def __init__(self, *args: Any, actor: User, asset: Asset, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})["version"] = asset.version
        super().__init__(*args, **kwargs)
        self.actor, self.asset = actor, asset
        self.taking_out = asset.status == Asset.Status.IN_SERVICE
        self.fields["reason"].required = self.taking_out
        if not self.taking_out:
            self.fields["reason"].label = _("Note")

    @property
    def submit(self) -> Any:
        if self.taking_out:
            return _("Take out of service")
        return _("Return to service")

    def run(self) -> Asset:
        version, reason = self.cleaned_data["version"], self.cleaned_data["reason"]
        if self.taking_out:
            return services.take_out_of_service(
                actor=self.actor, asset=self.asset, version=version, reason=reason
            )
        return services.return_to_service(
            actor=self.actor, asset=self.asset, version=version, note=reason
        )


def show_refusal(form: forms.Form, refused: DomainError) -> None:
    """Put a service's refusal on the field(s) it is about (or on the whole form): the
    services name them in `errors` (field → message) or `field`."""
    errors = refused.params.get("errors")
    if isinstance(errors, dict) and any(name in form.fields for name in errors):
        for name, message in errors.items():
            form.add_error(name if name in form.fields else None, str(message))
        return
    field = refused.params.get("field")
    form.add_error(field if field in form.fields else None, str(refused.message))
