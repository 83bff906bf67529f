"""Forms of the console. They parse and validate input; every write is one service call in
`run()`, so the console and any other face share every rule."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from amends.complaints import selectors, services
from amends.complaints.catalogue import CATALOGUE, ActionForm
from amends.complaints.catalogue.fields import (
    BLANK,
    CategoryChoice,
    DateTimeLocalInput,
    local_datetime,
)
from amends.complaints.transitions import State
from amends.core.input_guard import EMAIL_CHARS, LONG_TEXT_CHARS, SEARCH_CHARS, TEXT_CHARS
from amends.core.widgets import FastSelect, ListedModelChoiceField
from amends.orgs.models import User, Venue
from amends.orgs.roles import INTAKE_ROLES
from amends.orgs.selectors import people_at, scope_of, venues_for_actor
from amends.workflow.models import Category
from amends.workflow.selectors import categories_of
from amends.workflow.taxonomy import Channel, Severity

# --- intake -------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """One or more files. Their type is judged by their content when they are attached
    (`evidence_add`), after the complaint is recorded, so a bad file never loses a complaint."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if len(files) > MAX_INTAKE_PHOTOS:
            raise forms.ValidationError(
                _("Attach at most %(n)s files here; add more on the complaint page."),
                code="too_many_files",
                params={"n": MAX_INTAKE_PHOTOS},
            )
        return [super(PhotosField, self).clean(f, initial) for f in files]


MAX_INTAKE_PHOTOS = 10


class IntakeForm(forms.Form):
    """What the receiver types while the customer talks: the essentials first, in the order
    people speak (who, how to reach them, what happened, what they ask); the rest
    (`MORE_DETAILS`) behind "more details". Photos are attached when the complaint is recorded
    (the read-back step), each through `evidence_add`."""

    field_order = (
        "venue",
        "channel",
        "customer_name",
        "member_number",
        "phone",
        "description",
        "customer_request",
    )
    MORE_DETAILS = (
        "email",
        "language",
        "occurred_at",
        "location",
        "people_involved",
        "consequence",
        "subject_text",
        "category",
        "severity",
    )

    venue = ListedModelChoiceField(queryset=Venue.objects.none(), label=_("Venue"))
    channel = forms.ChoiceField(
        choices=Channel.choices, label=_("Channel"), initial=Channel.FRONT_DESK
    )
    # The form's one-time token, made when it is shown and carried through the read-back: the
    # same form sent twice records one complaint (`services.Intake.submission`).
    submission = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    customer_name = forms.CharField(label=_("Customer name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.CharField(label=_("Email"), max_length=EMAIL_CHARS, required=False)
    language = forms.ChoiceField(
        choices=[("zh-hans", "中文"), ("en", "English")],
        label=_("Customer's language"),
        initial="zh-hans",
    )
    member_number = forms.CharField(
        label=_("Membership / room / booking no."), max_length=60, required=False
    )
    description = forms.CharField(
        label=_("What happened"),
        max_length=LONG_TEXT_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    occurred_at = forms.DateTimeField(
        label=_("When it happened"), required=False, widget=DateTimeLocalInput()
    )
    location = forms.CharField(label=_("Where"), max_length=200, required=False)
    people_involved = forms.CharField(label=_("People involved"), max_length=300, required=False)
    consequence = forms.CharField(
        label=_("Consequence"),
        max_length=TEXT_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    customer_request = forms.CharField(
        label=_("What the customer asks for"),
        max_length=TEXT_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    subject_text = forms.CharField(
        label=_("Complained about (staff or department)"), max_length=200, required=False
    )
    category = CategoryChoice(
        queryset=Category.objects.none(),
        label=_("Category"),
        required=False,
        empty_label=_("Leave for the handler"),
    )
    severity = forms.ChoiceField(
        choices=[("", _("Leave for the handler")), *Severity.choices],
        label=_("Severity"),
        required=False,
    )
    photos = PhotosField(
        label=_("Photos"),
        required=False,
        help_text=_("Photos or files the customer shows (several at once)."),
    )

    def __init__(
        self,
        *args: Any,
        actor: User,
        venue: Venue | None = None,
        venues: list[Venue] | None = None,
        **kwargs: Any,
    ) -> None:
        """`venues`: the venues `actor` sees, when the request has read them already
        (`views.actor_venues`); the form offers those where they record complaints."""
        super().__init__(*args, **kwargs)
        scope = scope_of(actor)
        if venues is None:
            venues = list(venues_for_actor(actor=actor).select_related("company"))
        self.venues = [v for v in venues if scope.has_role(v.pk, *INTAKE_ROLES)]
        allowed = [v.pk for v in self.venues]
        self.fields["venue"].set_objects(self.venues)  # type: ignore[attr-defined]
        if venue is not None and venue.pk in allowed:
            self.fields["venue"].initial = venue.pk
        elif len(allowed) == 1:
            self.fields["venue"].initial = allowed[0]
        self.fields["category"].queryset = Category.objects.filter(  # type: ignore[attr-defined,misc]
            company_id=actor.company_id, is_active=True
        )
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        self.fields["photos"].widget.attrs.update({"accept": "image/*,application/pdf"})
        self.fields["submission"].initial = uuid.uuid4().hex

    def essentials(self) -> list[forms.BoundField]:
        """The fields asked first, in the order of the form (venue and channel excepted)."""
        skip = {"venue", "channel", "photos", "submission", *self.MORE_DETAILS}
        return [self[name] for name in self.fields if name not in skip]

    def more_details(self) -> list[forms.BoundField]:
        return [self[name] for name in self.MORE_DETAILS]

    def more_open(self) -> bool:
        """Show "more details" opened when something in it was filled or is wrong."""
        if not self.is_bound:
            return False
        return any(
            self[name].errors or (self.data.get(name) and name != "language")
            for name in self.MORE_DETAILS
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("customer_name") or data.get("phone") or data.get("email")):
            raise forms.ValidationError(
                _("Give the customer's name, phone or email."), code="customer_required"
            )
        return data

    def intake(self) -> services.Intake:
        d = self.cleaned_data
        return services.Intake(
            channel=d["channel"],
            description=d["description"],
            customer_name=d["customer_name"],
            phone=d["phone"],
            email=d["email"],
            language=d["language"],
            member_number=d["member_number"],
            occurred_at=local_datetime(d["occurred_at"], d["venue"]),
            location=d["location"],
            people_involved=d["people_involved"],
            consequence=d["consequence"],
            customer_request=d["customer_request"],
            subject_text=d["subject_text"],
            category=d["category"],
            severity=d["severity"],
            submission=d["submission"],
        )


# Where a refused intake's error belongs on the form.
INTAKE_ERROR_FIELDS = {
    "invalid_phone": "phone",
    "invalid_email": "email",
    "customer_required": None,
    "member_taken": "member_number",
}


# --- queues -------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=SEARCH_CHARS, required=False)
    venue = ListedModelChoiceField(
        queryset=Venue.objects.none(), label=_("Venue"), required=False, widget=FastSelect
    )
    category = ListedModelChoiceField(
        queryset=Category.objects.none(), label=_("Category"), required=False, widget=FastSelect
    )
    severity = forms.ChoiceField(
        choices=BLANK + list(Severity.choices),
        label=_("Severity"),
        required=False,
        widget=FastSelect,
    )
    state = forms.ChoiceField(
        choices=BLANK + list(State.choices), label=_("State"), required=False, widget=FastSelect
    )
    channel = forms.ChoiceField(
        choices=BLANK + list(Channel.choices), label=_("Channel"), required=False, widget=FastSelect
    )
    assignee = ListedModelChoiceField(
        queryset=User.objects.none(), label=_("Assignee"), required=False, widget=FastSelect
    )
    received_from = forms.DateField(
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label=_("Received to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    per = forms.TypedChoiceField(
        choices=[(25, "25"), (50, "50"), (100, "100")],
        coerce=int,
        empty_value=None,
        required=False,
        label=_("Per page"),
        widget=FastSelect,
    )

    def __init__(
        self, *args: Any, actor: User, venues: list[Venue] | None = None, **kwargs: Any
    ) -> None:
        """`venues`: the venues `actor` sees, when the request has read them already
        (`views.actor_venues`). The pickers list what is already in memory: the venues, and
        the company's categories and people from the per-process cache."""
        super().__init__(*args, **kwargs)
        self.actor = actor
        if venues is None:
            venues = list(venues_for_actor(actor=actor))
        self.fields["venue"].set_objects(venues)  # type: ignore[attr-defined]
        self.fields["category"].set_objects(  # type: ignore[attr-defined]
            categories_of(actor.company_id or 0)
        )
        # Only people at the venues the actor sees (or company-wide): a filter must not list
        # the names of staff elsewhere in the company.
        self.fields["assignee"].set_objects(  # type: ignore[attr-defined]
            people_at(company_id=actor.company_id, venue_ids=[v.pk for v in venues])
        )

    def narrows(self) -> bool:
        """Whether a filter is set (a valid one): the list is then not the whole queue."""
        return self.is_valid() and any(self.cleaned_data[name] for name in self.NARROWING)

    NARROWING = (
        "q",
        "venue",
        "category",
        "severity",
        "state",
        "channel",
        "assignee",
        "received_from",
        "received_to",
    )

    def apply(self, complaints: Any, tz: ZoneInfo) -> Any:
        if not self.is_valid():
            return complaints
        d = self.cleaned_data
        if d["q"]:
            # With the actor: a sensitive complaint is found by its words only by who may read them.
            complaints = selectors.search(complaints, d["q"], actor=self.actor)
        for name in ("venue", "category", "severity", "state", "channel", "assignee"):
            if d[name]:
                complaints = complaints.filter(**{name: d[name]})
        if d["received_from"]:
            complaints = complaints.filter(
                received_at__gte=datetime.combine(d["received_from"], datetime.min.time(), tz)
            )
        if d["received_to"]:
            complaints = complaints.filter(
                received_at__lte=datetime.combine(d["received_to"], datetime.max.time(), tz)
            )
        return complaints


# --- actions on a complaint -----------------------------------------------------------------

# The forms of the complaint page are the action catalogue's, in its order.
ACTION_FORMS: dict[str, type[ActionForm]] = {name: spec.form for name, spec in CATALOGUE.items()}
