"""Typed event payloads: frozen dataclasses that check their own field types and are stored as
JSON (`events.py` declares one per kind of timeline event).

A field's metadata (`meta`) may rename its stored key, mark it as a staff member's id (the
narrative resolves those to names), or leave it out of the stored JSON when it is None.
"""

from __future__ import annotations

from dataclasses import MISSING, field, fields
from datetime import datetime
from decimal import Decimal
from types import NoneType, UnionType
from typing import Any, Self, Union, get_args, get_origin, get_type_hints

from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise


def meta(
    *, key: str = "", staff: bool = False, optional: bool = False, group: str = ""
) -> dict[str, Any]:
    """A payload field's metadata. `key`: the stored JSON key when it is not the field's name.
    `staff`: the value is a staff member's id (the narrative resolves it to a name). `optional`:
    the key is left out when the value is None — unless `group` names a field that was
    written."""
    return {"key": key, "staff": staff, "optional": optional, "group": group}


def optional(*, staff: bool = False, group: str = "") -> Any:
    return field(default=None, metadata=meta(staff=staff, optional=True, group=group))


def staff(default: Any) -> Any:
    return field(default=default, metadata=meta(staff=True))


class Payload:
    """The base of every payload. The constructor refuses a value of the wrong type
    (`TypeError`), as it refuses an unknown field; `data()` is what is stored, `load()` reads a
    stored event back (leniently: a key missing from an old event takes a blank value)."""

    def __post_init__(self) -> None:
        for name, hint in _hints(type(self)).items():
            value = getattr(self, name)
            if not _fits(value, hint):
                raise TypeError(f"{type(self).__name__}.{name}: {value!r} is not {_show(hint)}")

    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        written: set[str] = set()
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            meta = f.metadata
            if meta.get("optional") and value is None and meta.get("group") not in written:
                continue
            out[meta.get("key") or f.name] = value
            written.add(f.name)
        return out

    @classmethod
    def load(cls, data: dict[str, Any]) -> Self:
        hints = _hints(cls)
        values: dict[str, Any] = {}
        for f in fields(cls):  # type: ignore[arg-type]
            key = f.metadata.get("key") or f.name
            if key in data:
                values[f.name] = _coerce(data[key], hints[f.name])
            elif f.default is MISSING:
                values[f.name] = _blank(hints[f.name])
        return cls(**values)

    def staff_ids(self) -> set[int]:
        """The staff ids this payload names (to be resolved to names in one query)."""
        return {
            value
            for f in fields(self)  # type: ignore[arg-type]
            if f.metadata.get("staff") and isinstance(value := getattr(self, f.name), int)
        }


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    """The fields' types, resolved once per class."""
    if cls not in _HINTS:
        hints = get_type_hints(cls)
        _HINTS[cls] = {f.name: hints[f.name] for f in fields(cls)}
    return _HINTS[cls]


def _options(hint: Any) -> tuple[Any, ...]:
    return get_args(hint) if get_origin(hint) in (Union, UnionType) else (hint,)


def _fits(value: Any, hint: Any) -> bool:
    if hint is Any:
        return True
    if get_origin(hint) in (Union, UnionType):
        return any(_fits(value, option) for option in get_args(hint))
    if hint is NoneType:
        return value is None
    if get_origin(hint) is list:
        (item,) = get_args(hint)
        return isinstance(value, list) and all(_fits(v, item) for v in value)
    if get_origin(hint) is tuple:
        items = get_args(hint)
        return (
            isinstance(value, tuple | list)
            and len(value) == len(items)
            and all(_fits(v, item) for v, item in zip(value, items, strict=True))
        )
    if get_origin(hint) is dict:
        k, v = get_args(hint)
        return isinstance(value, dict) and all(
            _fits(a, k) and _fits(b, v) for a, b in value.items()
        )
    if hint is str:
        return isinstance(value, str | Promise)  # lazy texts are stored as plain strings
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def _show(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint)


def _coerce(value: Any, hint: Any) -> Any:
    """A stored JSON value back as the field's type (datetimes and decimals were stored as
    strings)."""
    if isinstance(value, str):
        if datetime in _options(hint):
            return parse_datetime(value)
        if Decimal in _options(hint):
            return Decimal(value)
    return value


def _blank(hint: Any) -> Any:
    options = _options(hint)
    if NoneType in options:
        return None
    blanks: dict[Any, Any] = {str: "", int: 0, bool: False, list: [], dict: {}}
    first = get_origin(options[0]) or options[0]
    if first not in blanks:
        raise TypeError(f"no blank value for {_show(hint)}")
    return blanks[first]
