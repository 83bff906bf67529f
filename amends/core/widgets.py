"""Widgets that render in Python what Django renders through templates.

Django's `Select` renders every option through an included template: a picker of 300 staff
costs 15 ms of a page's CPU, and the queue's filter form carries five pickers. `FastSelect`
writes the same HTML (the same attributes, the same escaping, the same optgroups) directly.

Django's `ModelChoiceField` reads its choices with `QuerySet.iterator()`, which on PostgreSQL
is a server-side cursor: `DECLARE … WITH HOLD` (the result materialised at the end of the
statement's transaction), `FETCH`, `CLOSE` — three round trips for a dozen venues, 2–4 ms more
than one ordinary query per picker. `FetchedModelChoiceField` reads them with one.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


def _value(value: Any) -> str:
    return "" if value is None else str(value)  # the template's `stringformat:'s'`


def _attrs(attrs: dict[str, Any]) -> SafeString:
    """`django/forms/widgets/attrs.html`: in order; False left out; True as a bare name."""
    return format_html_join(
        "",
        "{}{}",
        (
            (format_html(" {}", name), "" if value is True else format_html('="{}"', str(value)))
            for name, value in attrs.items()
            if value is not False
        ),
    )


class FastSelect(forms.Select):
    """A `Select` whose HTML is Django's own, built without a template per option."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = []
        for group_name, options, _index in widget["optgroups"]:
            html = format_html_join(
                "\n  ",
                '<option value="{}"{}>{}</option>',
                ((_value(o["value"]), _attrs(o["attrs"]), o["label"]) for o in options),
            )
            if group_name:
                html = format_html('<optgroup label="{}">\n  {}\n</optgroup>', group_name, html)
            parts.append(html)
        return format_html(
            '<select name="{}"{}>\n  {}\n</select>',
            widget["name"],
            _attrs(widget["attrs"]),
            mark_safe("\n  ".join(parts)),  # noqa: S308 - each part was built by format_html
        )


class FetchedChoiceIterator(ModelChoiceIterator):
    """`ModelChoiceIterator` reading the choices with one ordinary query (no server-side
    cursor): a picker lists a few dozen rows at most."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class FetchedModelChoiceField(forms.ModelChoiceField):
    """A `ModelChoiceField` whose choices are read with one ordinary query."""

    iterator = FetchedChoiceIterator


class ListedChoiceIterator(ModelChoiceIterator):
    """The choices of a `ListedModelChoiceField`: its list, in order, no query."""

    def _objects(self) -> list[Any]:
        return getattr(self.field, "objects", [])

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self._objects():
            yield self.choice(obj)

    def __len__(self) -> int:
        return len(self._objects()) + (self.field.empty_label is not None)

    def __bool__(self) -> bool:
        return self.field.empty_label is not None or bool(self._objects())


class ListedModelChoiceField(forms.ModelChoiceField):
    """A `ModelChoiceField` over rows the request has already read (the venues a person works
    in): choices listed and the chosen row cleaned from that list, without a query.
    `set_objects()` gives the list and keeps `queryset` (the same rows) for callers that filter
    it."""

    iterator = ListedChoiceIterator

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.objects: list[Any] = []

    def set_objects(self, objects: list[Any]) -> None:
        self.objects = list(objects)
        assert self.queryset is not None  # given at construction
        self.queryset = self.queryset.model._default_manager.filter(
            pk__in=[obj.pk for obj in self.objects]
        )

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        chosen = str(value)
        for obj in self.objects:
            if str(obj.pk) == chosen:
                return obj
        raise forms.ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )
