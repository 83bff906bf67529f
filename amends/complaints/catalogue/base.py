"""The action catalogue: every action on a complaint declared once.

An entry is an `ActionForm` subclass registered with `@action`. It names
- the action (`name`, the word faces use: the console's URL, the API's path, the demo's step),
- the transition-table action that decides who may take it (`permission`),
- its input, as typed, validated form fields whose messages come in the reader's language,
- the one service that does it (`service`, called by `run()`),
- that it needs the complaint's current version (`needs_version`, true for every action that
  changes a complaint or adds to it).
The console's forms, the API, the test story helper and the demo all derive from `CATALOGUE`
and call `perform()` (or `bind()` + `execute()` when they show the form again on bad input).

Why Django forms rather than pydantic schemas: the console renders them, they validate a dict
from any face (a POST, JSON, a story), and their messages are translated like the rest of
amends. The API derives its schemas from the same fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from django import forms
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from amends.complaints.models import Complaint
from amends.complaints.permissions import Actor, actor_tokens, may
from amends.complaints.requirements import offered
from amends.complaints.services.gate import check_available, lock
from amends.complaints.transitions import ACTIONS, Action
from amends.core.errors import InvalidInput, NotFound


class ActionForm(forms.Form):
    """One action's input. Subclasses set the class attributes and `service`, and say what the
    service gets besides the complaint, the actor and the version (`arguments()`), or override
    `run()` when the service takes something else than the complaint."""

    name: ClassVar[str] = ""
    permission: ClassVar[str] = ""
    title: ClassVar[Any] = ""
    submit: ClassVar[Any] = _("Save")
    needs_version: ClassVar[bool] = True
    service: ClassVar[Callable[..., Any]]

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, complaint: Complaint, actor: Actor, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})["version"] = complaint.version
        super().__init__(*args, **kwargs)
        self.complaint, self.actor = complaint, actor

    @property
    def expected(self) -> int:
        return int(self.cleaned_data["version"])

    def arguments(self) -> dict[str, Any]:
        return {}

    def run(self) -> Any:
        return type(self).service(
            complaint=self.complaint,
            actor=self.actor,
            expected_version=self.expected,
            **self.arguments(),
        )


@dataclass(frozen=True)
class ActionSpec:
    name: str
    form: type[ActionForm]

    @property
    def permission(self) -> Action:
        return ACTIONS[self.form.permission]

    @property
    def title(self) -> Any:
        return self.form.title

    @property
    def service(self) -> Callable[..., Any]:
        return self.form.service


CATALOGUE: dict[str, ActionSpec] = {}


def action(form: type[ActionForm]) -> type[ActionForm]:
    """Register `form` in the catalogue (class decorator). Names are unique; the permission must
    be an action of the transition table."""
    if not form.name or form.name in CATALOGUE:
        raise ValueError(f"action name missing or taken: {form.name!r}")
    if form.permission not in ACTIONS:
        raise ValueError(f"{form.name}: unknown permission {form.permission!r}")
    CATALOGUE[form.name] = ActionSpec(form.name, form)
    return form


def spec_of(name: str) -> ActionSpec:
    spec = CATALOGUE.get(name)
    if spec is None:
        raise NotFound(_("There is no such action."), code="unknown_action", action=name)
    return spec


def available(complaint: Complaint, actor: Actor) -> list[ActionSpec]:
    """The catalogued actions `actor` may take on `complaint` now, in catalogue order."""
    tokens = actor_tokens(complaint, actor)
    return [
        spec
        for spec in CATALOGUE.values()
        if complaint.state in spec.permission.sources
        and may(complaint, actor, spec.permission, tokens=tokens)
        and offered(complaint, spec.permission)
    ]


def bind(
    name: str,
    *,
    complaint: Complaint,
    actor: Actor,
    data: Mapping[str, Any] | None = None,
    files: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> ActionForm:
    """The action's form for `complaint`, bound to `data` when given (unbound otherwise)."""
    form_class = spec_of(name).form
    if data is None:
        return form_class(complaint=complaint, actor=actor, **kwargs)
    return form_class(data, files, complaint=complaint, actor=actor, **kwargs)


def errors_of(form: forms.Form) -> dict[str, list[str]]:
    return {field: [str(m) for m in messages] for field, messages in form.errors.items()}


def execute(form: ActionForm) -> Any:
    """Run a valid bound form: in one transaction, lock the complaint and refuse a stale
    version (StaleVersion, 409) before the service runs, so every catalogued action checks the
    version whatever its service does; then call the service. Raises the service's typed
    errors; a ValidationError from `run()` becomes InvalidInput. Changes nothing on error."""
    with transaction.atomic():
        if form.needs_version:
            lock(form.complaint, expected_version=form.expected)
        try:
            return form.run()
        except forms.ValidationError as invalid:
            raise InvalidInput(" ".join(invalid.messages), code="invalid_input") from None


def refuse_stale(form: ActionForm) -> None:
    """A stale version is refused (409) before the input is judged: the page the person acted on
    is out of date, whatever they typed. `execute()` checks again under the row lock."""
    raw: Any = form.data.get("version") if form.is_bound else None
    if not form.needs_version or raw in (None, ""):
        return
    try:
        expected = int(raw)
    except (TypeError, ValueError):
        return  # the form reports the malformed version
    with transaction.atomic():
        lock(form.complaint, expected_version=expected)


YES_NO = {True: "yes", False: "no", None: ""}


def _complete(blank: ActionForm, data: Mapping[str, Any]) -> dict[str, Any]:
    """`data` as a form expects it, from a face that sends native values (the API's JSON, the
    demo, the tests): a field not given keeps its current value (the form's initial value), a
    model instance is given by its primary key, and a yes/no choice accepts a boolean."""
    complete: dict[str, Any] = {}
    for name, field in blank.fields.items():
        if name in data:
            value = data[name]
            if isinstance(value, models.Model):
                value = value.pk
            elif isinstance(field, forms.TypedChoiceField) and (
                value is None or isinstance(value, bool)
            ):
                value = YES_NO[value]
            complete[name] = value
        elif name != "version":  # the version is the caller's to give, never filled in
            initial = blank.get_initial_for_field(field, name)
            if isinstance(initial, models.Model):
                initial = initial.pk
            if initial not in (None, "") and not isinstance(field, forms.FileField):
                complete[name] = initial
    return complete


def refuse_unavailable(form: ActionForm) -> None:
    """An action the actor may not take, or not in the complaint's state, is refused (404, 403
    or 409) before the input is judged: there is no form to correct."""
    spec = spec_of(form.name)
    check_available(form.complaint, form.actor, spec.permission)


def perform(
    name: str,
    *,
    complaint: Complaint,
    actor: Actor,
    data: Mapping[str, Any] | None = None,
    files: Mapping[str, Any] | None = None,
) -> Any:
    """Take action `name` on `complaint` for `actor` with `data` (the form's fields, including
    `version`; fields not given keep their current values). Bad input raises InvalidInput with
    `fields` (field → messages); a stale version StaleVersion; a refused step PermissionDenied
    or InvalidTransition; nothing changes then."""
    blank = bind(name, complaint=complaint, actor=actor)
    form = bind(
        name, complaint=complaint, actor=actor, data=_complete(blank, data or {}), files=files
    )
    refuse_stale(form)
    refuse_unavailable(form)
    if not form.is_valid():
        fields = errors_of(form)
        first = next(iter(fields.values()))[0]
        if "version" in fields:
            raise InvalidInput(
                _("The complaint's version is required."), code="version_required", fields=fields
            )
        raise InvalidInput(first, code="invalid_input", action=name, fields=fields)
    return execute(form)
