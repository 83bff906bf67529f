"""The action catalogue (see `base`): importing this package registers every action, in the
order a handler meets them."""

from __future__ import annotations

from amends.complaints.catalogue import handling, resolution
from amends.complaints.catalogue.base import (
    CATALOGUE,
    ActionForm,
    ActionSpec,
    available,
    bind,
    errors_of,
    execute,
    perform,
    refuse_stale,
    refuse_unavailable,
    spec_of,
)

__all__ = [
    "CATALOGUE",
    "ActionForm",
    "ActionSpec",
    "available",
    "bind",
    "errors_of",
    "execute",
    "handling",
    "perform",
    "refuse_stale",
    "refuse_unavailable",
    "resolution",
    "spec_of",
]
