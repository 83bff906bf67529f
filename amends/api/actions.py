"""One API operation per catalogued action, derived from its form (STYLE §11).

Each `ActionForm`'s fields become a pydantic model (`version` plus the action's fields, typed
from the form fields), so OpenAPI lists every action with its input; the JSON is then validated
again by the form itself through `catalogue.perform`, which refuses a stale version (409), an
action the key may not take (403) or not in this state (409), and bad input (422, per field).
Actions that take a file (evidence) are served by the multipart endpoint instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django import forms
from django.utils import translation
from pydantic import BaseModel, ConfigDict, Field, create_model

from amends.api.schemas import LocalMoment, Text
from amends.complaints.catalogue import CATALOGUE, ActionForm, ActionSpec
from amends.complaints.models import Complaint
from amends.workflow.models import Category

MAX_ID = 2**53  # ids beyond a JSON-safe integer are no ids of ours
MAX_INT = 2**31 - 1


def takes_file(form: type[ActionForm]) -> bool:
    return any(isinstance(f, forms.FileField) for f in form.base_fields.values())


def _choices(field: forms.ChoiceField) -> list[str]:
    choices: Any = field.choices
    return [str(value) for value, label in choices if not isinstance(label, list | tuple)]


def field_type(field: forms.Field) -> tuple[Any, dict[str, Any]]:
    """The pydantic type of a form field, and its constraints."""
    if isinstance(field, forms.TypedChoiceField) and set(_choices(field)) - {""} == {"yes", "no"}:
        return bool, {}
    if _is_category(field):
        return Text, {"max_length": 40}  # a category is given by its code
    if isinstance(field, forms.ModelChoiceField):
        return int, {"ge": 1, "le": MAX_ID}  # a person, a department: by id
    if isinstance(field, forms.ChoiceField):
        values = tuple(dict.fromkeys(v for v in _choices(field) if v))
        if not field.required:
            values = (*values, "")
        return Literal[values], {}
    if isinstance(field, forms.BooleanField):
        return bool, {}
    if isinstance(field, forms.IntegerField):
        return int, {"ge": -MAX_INT, "le": MAX_INT}
    if isinstance(field, forms.DecimalField):
        return Decimal, {"ge": 0, "max_digits": field.max_digits, "decimal_places": 2}
    if isinstance(field, forms.DateTimeField):
        return LocalMoment, {}
    if isinstance(field, forms.CharField):
        constraints: dict[str, Any] = {}
        if field.max_length:
            constraints["max_length"] = field.max_length
        return Text, constraints
    return Text, {}


def input_model(spec: ActionSpec) -> type[BaseModel]:
    """`version` and the action's fields; optional fields may be left out (they keep their
    current values, as the form's initial values say)."""
    fields: dict[str, Any] = {}
    with translation.override("en"):
        for name, field in spec.form.base_fields.items():
            if isinstance(field, forms.FileField):
                continue
            if name == "version":
                fields[name] = (
                    int,
                    Field(ge=1, le=MAX_INT, description="The complaint's current version."),
                )
                continue
            kind, constraints = field_type(field)
            label = str(field.label or name)
            if field.required:
                fields[name] = (kind, Field(description=label, **constraints))
            else:
                fields[name] = (kind | None, Field(None, description=label, **constraints))
    camel = "".join(part.title() for part in spec.name.split("_"))
    model: type[BaseModel] = create_model(
        f"{camel}Input", __config__=ConfigDict(extra="forbid"), **fields
    )
    return model


def _is_category(field: forms.Field | None) -> bool:
    return (
        isinstance(field, forms.ModelChoiceField)
        and field.queryset is not None
        and field.queryset.model is Category
    )


def data_of(spec: ActionSpec, payload: BaseModel, complaint: Complaint) -> dict[str, Any]:
    """The fields the caller gave (others keep their current values), as the form takes them:
    a moment becomes wall time at the venue, which is how the forms read a date and time; a
    category code becomes its id (an unknown code is left for the form to refuse)."""
    data = payload.model_dump(exclude_unset=True)
    for key, value in data.items():
        if isinstance(value, datetime) and value.tzinfo is not None:
            data[key] = value.astimezone(ZoneInfo(complaint.venue.timezone)).replace(tzinfo=None)
        elif value and _is_category(spec.form.base_fields.get(key)):
            found = (
                Category.objects.filter(company_id=complaint.company_id, code=value)
                .values_list("pk", flat=True)
                .first()
            )
            data[key] = found if found is not None else value
    return data


def json_actions() -> list[ActionSpec]:
    return [spec for spec in CATALOGUE.values() if not takes_file(spec.form)]


Register = Callable[[ActionSpec, type[BaseModel]], None]


def register_all(register: Register) -> None:
    for spec in json_actions():
        register(spec, input_model(spec))


def new_complaint_of(result: Any, complaint: Complaint) -> str | None:
    if isinstance(result, Complaint) and result.pk != complaint.pk:
        return result.reference
    return None


def english(text: Any) -> str:
    with translation.override("en"):
        return str(text)
