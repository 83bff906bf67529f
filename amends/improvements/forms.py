"""The inputs of the improvement services as Django forms, declared once for every face (the
console renders them; a dict from any face validates through them), like the complaints'
action catalogue: each step form names its step (`STEPS`), its title and button, its input and
the one service it calls (`run()`), and carries the version the person saw.

Complaints are given by reference ("GYM1-20261120-0001"), several separated by spaces or commas.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from amends.complaints import subjects
from amends.complaints.selectors import complaints_for_actor
from amends.core.errors import (
    DomainError,
    InvalidInput,
    InvalidTransition,
    PermissionDenied,
    StaleVersion,
)
from amends.core.input_guard import TEXT_CHARS
from amends.improvements import services
from amends.improvements.models import ImprovementAction
from amends.improvements.selectors import (
    OPEN_STATUSES,
    STEPS,
    linked_complaints,
    may_take,
    overdue,
    owners_for,
    possible_owners,
    raisable_venues,
    today_at,
)
from amends.orgs.models import User, Venue
from amends.orgs.selectors import scope_of, venues_for_actor
from amends.workflow.models import Category

EVERY_VENUE = "*"
_SPLIT = re.compile(r"[\s,，;；]+")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class StaffChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name_in() if hasattr(obj, "name_in") else str(obj)


class CategoryChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


def references(raw: str) -> list[str]:
    return [ref for ref in _SPLIT.split(raw.strip().upper()) if ref]


class ComplaintRefsField(forms.CharField):
    """References of complaints the actor may see; cleaned to their ids (unknown ones are
    refused by name, without saying whether they exist elsewhere)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 2_000)
        kwargs.setdefault("help_text", _("References, separated by spaces or commas."))
        super().__init__(**kwargs)
        self.actor: User | None = None

    def clean(self, value: Any) -> list[int]:
        raw = super().clean(value) or ""
        refs = references(raw)
        if not refs:
            return []
        if self.actor is None:
            raise forms.ValidationError(_("Unknown complaint: %(refs)s"), params={"refs": raw})
        found = dict(
            complaints_for_actor(actor=self.actor)
            .filter(reference__in=refs)
            .values_list("reference", "pk")
        )
        unknown = [ref for ref in refs if ref not in found]
        if unknown:
            raise forms.ValidationError(
                _("Unknown complaint: %(refs)s"), params={"refs": ", ".join(unknown)}
            )
        return [found[ref] for ref in dict.fromkeys(refs)]


def _text(label: Any, *, required: bool = False, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_CHARS,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class _Fields(forms.Form):
    """What raising and editing share: title, what will be done, owner, due date, complaints."""

    title = forms.CharField(label=_("Title"), max_length=200)
    description = _text(_("What will be done"))
    owner = StaffChoice(label=_("Action owner"), queryset=User.objects.none())
    due_on = forms.DateField(label=_("Due"), widget=DateInput())
    complaints = ComplaintRefsField(label=_("Linked complaints"))

    def limit_to(self, actor: User) -> None:
        """Offer only what `actor` may pick: the company's staff, complaints they can see."""
        # Only staff at the venues the actor sees (or company-wide); the service checks that
        # the one chosen may own an action at its venue (`may_own`).
        self.fields["owner"].queryset = (  # type: ignore[attr-defined]
            possible_owners(actor=actor)
            .filter(
                Q(grants__venue__in=venues_for_actor(actor=actor)) | Q(grants__venue__isnull=True)
            )
            .distinct()
        )
        self.fields["complaints"].actor = actor  # type: ignore[attr-defined]


class RaiseForm(_Fields):
    """Raise an improvement action (the console's "new" page)."""

    title_text: ClassVar[Any] = _("Raise an improvement action")
    submit: ClassVar[Any] = _("Raise the action")

    venue = forms.ChoiceField(label=_("Venue"))
    source = forms.ChoiceField(label=_("Raised from"), choices=ImprovementAction.Source.choices)
    source_label = forms.CharField(label=_("Report line"), max_length=200, required=False)
    category = CategoryChoice(
        label=_("Cause (category)"), queryset=Category.objects.none(), required=False
    )
    subject_text = forms.CharField(
        label=_("About (place, machine, person)"), max_length=200, required=False
    )
    subject_key = forms.CharField(widget=forms.HiddenInput, max_length=220, required=False)

    field_order = [
        "venue",
        "source",
        "source_label",
        "category",
        "subject_text",
        "title",
        "description",
        "owner",
        "due_on",
        "complaints",
    ]

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.limit_to(actor)
        venues, company_wide = raisable_venues(actor=actor)
        choices = [(v.code, f"{v.code} {v.name_in()}") for v in venues]
        if company_wide:
            choices.insert(0, (EVERY_VENUE, str(_("Every venue (company-wide)"))))
        self.fields["venue"].choices = choices  # type: ignore[attr-defined]
        self.fields["category"].queryset = Category.objects.filter(  # type: ignore[attr-defined]
            company_id=actor.company_id or 0, is_active=True
        )
        self.venues = {v.code: v for v in venues}

    def chosen_venue(self) -> Venue | None:
        code = self.cleaned_data["venue"]
        return None if code == EVERY_VENUE else self.venues[code]

    def run(self) -> ImprovementAction:
        data = self.cleaned_data
        return services.improvement_raise(
            actor=self.actor,
            venue=self.chosen_venue(),
            title=data["title"],
            description=data["description"],
            source=data["source"],
            source_label=data["source_label"],
            category=data["category"],
            subject_text=data["subject_text"],
            subject_key=data["subject_key"],
            owner=data["owner"],
            due_on=data["due_on"],
            complaint_ids=data["complaints"],
        )


def raise_initial(*, actor: User, params: dict[str, str]) -> tuple[dict[str, Any], str]:
    """The raise form's first values from the page's query parameters, and the complaint it
    comes from (its reference, or ""):

    - `?complaint=REF`: from a complaint the actor may see — its venue, category and subject,
      linked;
    - `?source=report&venue=CODE&category=CODE&label=…`: from a report line;
    - `?source=cause&venue=CODE&category=CODE&subject=…`: from a recurring cause.
    Values the actor may not use are left out."""
    venues, company_wide = raisable_venues(actor=actor)
    codes = {v.code for v in venues}
    initial: dict[str, Any] = {"owner": actor.pk, "due_on": _in_a_month(actor, venues)}
    reference = (params.get("complaint") or "").strip().upper()
    if reference:
        complaint = (
            complaints_for_actor(actor=actor)
            .select_related("venue", "category")
            .filter(reference=reference)
            .first()
        )
        if complaint is not None:
            initial.update(
                source=ImprovementAction.Source.COMPLAINT,
                complaints=complaint.reference,
                category=complaint.category_id,
                subject_text=complaint.subject_text,
                title=complaint.subject_text or (str(complaint.category or "")),
            )
            if complaint.venue.code in codes:
                initial["venue"] = complaint.venue.code
            return initial, complaint.reference
    source = params.get("source", "")
    if source in ImprovementAction.Source.values:
        initial["source"] = source
    venue = (params.get("venue") or "").strip().upper()
    if venue in codes:
        initial["venue"] = venue
    elif not venue and company_wide and source in ("report", "cause"):
        initial["venue"] = EVERY_VENUE
    category = Category.objects.filter(
        company_id=actor.company_id or 0, code=params.get("category", "")
    ).first()
    if category is not None:
        initial["category"] = category.pk
    if params.get("label"):
        initial["source_label"] = params["label"][:200]
        initial["title"] = params["label"][:200]
    if params.get("subject"):
        initial["subject_text"] = params["subject"][:200]
    if subjects.is_key(params.get("subject_key", "")):
        initial["subject_key"] = params["subject_key"][:220]
    return initial, ""


def _in_a_month(actor: User, venues: list[Venue]) -> str:
    return (today_at(venues[0] if venues else None) + timedelta(days=30)).isoformat()


# --- the steps on one action ---------------------------------------------------------------------


class StepForm(forms.Form):
    """One step on an action: its name (a key of STEPS), title and button, its input, and the
    service it calls with the version the person saw."""

    name: ClassVar[str] = ""
    submit: ClassVar[Any] = _("Save")

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, action: ImprovementAction, actor: User, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})["version"] = action.version
        super().__init__(*args, **kwargs)
        self.action, self.actor = action, actor

    @property
    def heading(self) -> Any:
        return STEPS[self.name].label

    @property
    def expected(self) -> int:
        return int(self.cleaned_data["version"])

    def run(self) -> ImprovementAction:
        raise NotImplementedError


class StartForm(StepForm):
    name = "start"
    submit = _("Start")

    def run(self) -> ImprovementAction:
        return services.improvement_start(
            action=self.action, actor=self.actor, expected_version=self.expected
        )


class CompleteForm(StepForm):
    name = "complete"
    submit = _("Mark as done")
    outcome = _text(_("What was done"), required=True)

    def run(self) -> ImprovementAction:
        return services.improvement_complete(
            action=self.action,
            actor=self.actor,
            expected_version=self.expected,
            outcome=self.cleaned_data["outcome"],
        )


class CancelForm(StepForm):
    name = "cancel"
    submit = _("Cancel the action")
    reason = _text(_("Why cancelled"), required=True)

    def run(self) -> ImprovementAction:
        return services.improvement_cancel(
            action=self.action,
            actor=self.actor,
            expected_version=self.expected,
            reason=self.cleaned_data["reason"],
        )


class LinkForm(StepForm):
    name = "link"
    submit = _("Link")
    complaint = forms.CharField(label=_("Complaint reference"), max_length=40)

    def clean_complaint(self) -> Any:
        reference = self.cleaned_data["complaint"].strip().upper()
        found = complaints_for_actor(actor=self.actor).filter(reference=reference).first()
        if found is None:
            raise forms.ValidationError(
                _("Unknown complaint: %(refs)s"), params={"refs": reference}
            )
        return found

    def run(self) -> ImprovementAction:
        return services.improvement_link_complaint(
            action=self.action,
            actor=self.actor,
            expected_version=self.expected,
            complaint=self.cleaned_data["complaint"],
        )


class EditForm(StepForm, _Fields):
    name = "edit"
    submit = _("Save")

    def __init__(self, *args: Any, action: ImprovementAction, actor: User, **kwargs: Any) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.update(
            title=action.title,
            description=action.description,
            owner=action.owner_id,
            due_on=action.due_on,
            complaints=" ".join(
                linked_complaints(actor=actor, action=action).values_list("reference", flat=True)
            ),
        )
        super().__init__(*args, action=action, actor=actor, **kwargs)
        self.limit_to(actor)
        self.fields["owner"].queryset = owners_for(  # type: ignore[attr-defined]
            company_id=action.company_id, venue_id=action.venue_id
        )

    def run(self) -> ImprovementAction:
        data = self.cleaned_data
        return services.improvement_update(
            action=self.action,
            actor=self.actor,
            expected_version=self.expected,
            title=data["title"],
            description=data["description"],
            owner=data["owner"],
            due_on=data["due_on"],
            complaint_ids=data["complaints"],
        )


STEP_FORMS: dict[str, type[StepForm]] = {
    form.name: form for form in (StartForm, CompleteForm, CancelForm, EditForm, LinkForm)
}
if set(STEP_FORMS) != set(STEPS):
    raise ImproperlyConfigured("every improvement step needs its form")


def refuse_stale(form: StepForm) -> None:
    """A stale version is refused (409) before the input is judged: the page the person acted on
    is out of date, whatever they typed. The service checks again under the row lock."""
    raw = form.data.get("version") if form.is_bound else None
    try:
        expected = int(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return  # the form reports the malformed version
    current = ImprovementAction.objects.filter(pk=form.action.pk).values_list("version", flat=True)
    if current and current[0] != expected:
        raise StaleVersion(
            _("Someone else changed this improvement action meanwhile. Reload it and try again."),
            current_version=current[0],
        )


def execute(form: forms.Form) -> ImprovementAction:
    """Run a valid bound form's service; a ValidationError from it becomes InvalidInput."""
    with transaction.atomic():
        try:
            return form.run()  # type: ignore[attr-defined]
        except forms.ValidationError as invalid:
            raise InvalidInput(" ".join(invalid.messages), code="invalid_input") from None


def refuse_unavailable(form: StepForm) -> None:
    """A step the actor may not take (403), or not in the action's status (409), is refused
    before the input is judged: there is no form to correct."""
    step = STEPS[form.name]
    if not may_take(form.actor, form.action, step):
        raise PermissionDenied(
            _("You may not do this: %(step)s.") % {"step": step.label},
            code="improvement_not_allowed",
        )
    if form.action.status not in step.sources:
        raise InvalidTransition(
            _("This cannot be done while the action is “%(status)s”.")
            % {"status": form.action.get_status_display()},
            code="improvement_step_not_available",
        )


# Which field a service's refusal is about, so the form shows it there.
FIELD_OF = {
    "title_required": "title",
    "title_long": "title",
    "owner_not_allowed": "owner",
    "due_required": "due_on",
    "due_in_past": "due_on",
    "complaint_not_linkable": "complaints",
    "complaint_required": "complaints",
    "label_required": "source_label",
    "cause_required": "category",
    "category_invalid": "category",
    "source_invalid": "source",
    "outcome_required": "outcome",
    "reason_required": "reason",
}


def show_refusal(form: forms.Form, refused: DomainError) -> None:
    """Put a service's refusal on the field it is about (or on the whole form)."""
    field = FIELD_OF.get(refused.code)
    if field == "complaints" and "complaint" in form.fields:
        field = "complaint"
    form.add_error(field if field in form.fields else None, str(refused.message))


class ListFilterForm(forms.Form):
    """The list's filters: status, venue, overdue only."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Open or in progress")),
            ("all", _("Any")),
            *ImprovementAction.Status.choices,
        ],
    )
    venue = forms.ChoiceField(label=_("Venue"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [("", _("All my venues"))]
        choices += [(v.code, f"{v.code} {v.name_in()}") for v in venues_for_actor(actor=actor)]
        if scope_of(actor).company_roles:
            choices.append((EVERY_VENUE, _("Company-wide")))
        self.fields["venue"].choices = choices  # type: ignore[attr-defined]

    def apply(
        self, actions: QuerySet[ImprovementAction], *, today: date
    ) -> QuerySet[ImprovementAction]:
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status", "")
        if status == "":
            actions = actions.filter(status__in=OPEN_STATUSES)
        elif status != "all":
            actions = actions.filter(status=status)
        venue = data.get("venue", "")
        if venue == EVERY_VENUE:
            actions = actions.filter(venue__isnull=True)
        elif venue:
            actions = actions.filter(venue__code=venue)
        if data.get("overdue"):
            actions = overdue(actions, today=today)
        return actions
