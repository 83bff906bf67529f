"""A choice's label without translating every choice of the field.

Django's `get_<field>_display()` builds `dict(make_hashable(field.flatchoices))` on every call.
Hashing the (value, label) pairs hashes each lazy label, and hashing a lazy label translates it:
a list of 25 complaints showing state, channel and severity asked gettext about 700 times,
a fifth of the list's rendering. `QuickDisplay` keeps one value → label map per field (the
labels stay lazy, so the map serves every language) and translates only the label shown.

    class Complaint(QuickDisplay, models.Model):
        state = models.CharField(choices=State.choices, ...)

    complaint.get_state_display()    # as Django's, one translation
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

_MAPS: dict[int, dict[Any, Any]] = {}


def label_of(field: models.Field[Any, Any], value: Any) -> Any:
    """The label of `value` among `field`'s choices (the value itself when it is not one)."""
    labels = _MAPS.get(id(field))
    if labels is None:
        labels = {make_hashable(key): label for key, label in field.flatchoices}
        _MAPS[id(field)] = labels
    return force_str(labels.get(make_hashable(value), value), strings_only=True)


class QuickDisplay:
    """A model mixin: every `get_<field>_display()` of the model reads `label_of`."""

    def _get_FIELD_display(self, field: models.Field[Any, Any]) -> Any:
        return label_of(field, getattr(self, field.attname))
