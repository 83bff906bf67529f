"""The console's forms for the steps of a work order (维修工单): one form per step, each naming its
step, heading and button, carrying the version the person saw and calling the one service of its
step (`run`); with the small fields the other equipment forms share."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from amends.core import uploads
from amends.core.errors import InvalidInput
from amends.equipment import access, services
from amends.equipment.models import WorkOrder
from amends.orgs.models import User

MAX_PHOTOS = 5


class StaffChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name_in()) if hasattr(obj, "name_in") else str(obj)


def _text(label: Any, *, required: bool = False, rows: int = 3, max_length: int = 2000) -> Any:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


# --- the steps of a work order ---------------------------------------------------------------


def check_photo(upload: UploadedFile) -> UploadedFile:
    """A photo, judged by its bytes; raises ValidationError naming the file."""
    name = upload.name or "photo"
    try:
        kind = uploads.check_file(
            name, upload, upload.size or 0, declared_type=upload.content_type or ""
        )
    except InvalidInput as refused:
        raise forms.ValidationError(
            _("%(name)s: %(reason)s"), params={"name": name, "reason": refused.message}
        ) from None
    if not kind.is_image:
        raise forms.ValidationError(_("%(name)s: choose a photo."), params={"name": name})
    return upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to MAX_PHOTOS photos, each checked by its content before anything is written."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most %(n)s photos."), params={"n": MAX_PHOTOS})
        cleaned = [super(PhotosField, self).clean(f, initial) for f in files]
        problems: list[forms.ValidationError] = []
        for upload in cleaned:
            try:
                check_photo(upload)
            except forms.ValidationError as refused:
                problems.append(refused)
        if problems:
            raise forms.ValidationError(problems)
        return cleaned


class StepForm(forms.Form):
    """One step on a work order: its name, heading and button, the version the person saw, its
    input and the one service it calls."""

    name: ClassVar[str] = ""
    heading: ClassVar[Any] = ""
    submit: ClassVar[Any] = _("Save")
    files_allowed: ClassVar[bool] = False

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, work_order: WorkOrder, actor: User, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})["version"] = work_order.version
        super().__init__(*args, **kwargs)
        self.work_order, self.actor = work_order, actor

    @property
    def expected(self) -> int:
        return int(self.cleaned_data["version"])

    def run(self) -> Any:
        raise NotImplementedError


class ReactForm(StepForm):
    name = "react"
    heading = _("First reaction")
    submit = _("Record the first reaction")
    note = _text(_("Note"), rows=2)

    def run(self) -> WorkOrder:
        return services.work_order_react(
            actor=self.actor,
            work_order=self.work_order,
            version=self.expected,
            note=self.cleaned_data["note"],
        )


class AssignForm(StepForm):
    name = "assign"
    heading = _("Assign a technician")
    submit = pgettext_lazy("work order", "Assign")
    assignee = StaffChoice(label=_("Technician"), queryset=User.objects.none())

    def __init__(self, *args: Any, work_order: WorkOrder, actor: User, **kwargs: Any) -> None:
        if work_order.assignee_id:
            kwargs.setdefault("initial", {})["assignee"] = work_order.assignee_id
        super().__init__(*args, work_order=work_order, actor=actor, **kwargs)
        self.fields["assignee"].queryset = access.technicians(work_order.venue).order_by("username")  # type: ignore[attr-defined]

    def run(self) -> WorkOrder:
        return services.work_order_assign(
            actor=self.actor,
            work_order=self.work_order,
            version=self.expected,
            assignee=self.cleaned_data["assignee"],
        )


class ArriveForm(StepForm):
    name = "arrive"
    heading = _("Technician on site")
    submit = _("Record arrival on site")
    note = _text(_("Note"), rows=2)

    def run(self) -> WorkOrder:
        return services.work_order_arrive(
            actor=self.actor,
            work_order=self.work_order,
            version=self.expected,
            note=self.cleaned_data["note"],
        )


class ResolveForm(StepForm):
    name = "resolve"
    heading = _("Repaired")
    submit = _("Record the repair")
    files_allowed = True
    cause = _text(_("Cause"), required=True, rows=3)
    parts = _text(_("Parts used"), rows=2)
    cost = forms.DecimalField(
        label=_("Cost (¥)"),
        min_value=Decimal("0"),
        max_value=Decimal("99999999.99"),
        max_digits=10,
        decimal_places=2,
        initial=Decimal("0.00"),
    )
    photos = PhotosField(label=_("Photos"), required=False)
    note = _text(_("Note"), rows=2)

    def run(self) -> WorkOrder:
        data = self.cleaned_data
        done = services.work_order_resolve(
            actor=self.actor,
            work_order=self.work_order,
            version=self.expected,
            cause=data["cause"],
            parts=data["parts"],
            cost=data["cost"],
            note=data["note"],
        )
        for upload in data["photos"]:
            services.work_order_add_photo(actor=self.actor, work_order=done, upload=upload)
        return done


class PhotoForm(StepForm):
    name = "photo"
    heading = _("Add photos")
    submit = _("Add the photos")
    files_allowed = True
    photos = PhotosField(label=_("Photos"))

    def run(self) -> WorkOrder:
        for upload in self.cleaned_data["photos"]:
            services.work_order_add_photo(
                actor=self.actor, work_order=self.work_order, upload=upload
            )
        return self.work_order


class VerifyForm(StepForm):
    name = "verify"
    heading = _("Verify and sign off")
    submit = _("Sign off the repair")
    note = _text(_("Note"), rows=2)

    def run(self) -> WorkOrder:
        return services.work_order_verify(
            actor=self.actor,
            work_order=self.work_order,
            version=self.expected,
            note=self.cleaned_data["note"],
        )


class CancelForm(StepForm):
    name = "cancel"
    heading = pgettext_lazy("work order", "Cancel the work order")
    submit = pgettext_lazy("work order", "Cancel the work order")
    reason = _text(_("Why cancelled"), required=True, rows=2)

    def run(self) -> WorkOrder:
        return services.work_order_cancel(
            actor=self.actor,
            work_order=self.work_order,
            version=self.expected,
            reason=self.cleaned_data["reason"],
        )


STEP_FORMS: dict[str, type[StepForm]] = {
    form.name: form
    for form in (
        ReactForm,
        AssignForm,
        ArriveForm,
        ResolveForm,
        PhotoForm,
        VerifyForm,
        CancelForm,
    )
}
