"""The providers of a person's data: each app that keeps personal data registers how to export
it and how to erase it, so that a data-subject request covers every app (the after-sales apps
register theirs from their own `AppConfig.ready`):

    from amends.privacy import registry

    registry.register(
        "care",
        export=lambda customer: {"care_members": [{...}, ...]},
        erase=lambda customer, now: {"care_members": 1},
    )

`export(customer)` returns tables: a name → a list of flat dicts (one CSV each in the zip, and
all of them in the JSON); the table named `FILES` lists files to put in the zip as they are
(`{"name": path in the zip, "storage": name in the default storage}`).
`erase(customer, now)` erases what the app holds about the customer (inside the request's
transaction) and returns counts; it may raise `Refused` with a reason the
requester is told (an open case that needs the data). Names are unique; registering a name again
replaces it (a module imported twice in tests).

Two more hooks: `register_complaint_eraser` (the copies other apps keep of a complaint's text,
erased with it) and `register_purger` (other apps' own personal data, purged by the daily job
under the company's retention rules).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from amends.members.models import Customer

Tables = dict[str, list[dict[str, Any]]]
FILES = "__files__"
Exporter = Callable[[Customer], Tables]
Eraser = Callable[[Customer, datetime], dict[str, int]]


class Refused(Exception):
    """A provider cannot erase now; `reason` says why, in words for the requester."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Provider:
    name: str
    export: Exporter
    erase: Eraser
    # Providers run in this order (lower first); erasers may depend on others' rows.
    order: int = 100


_providers: dict[str, Provider] = {}


def register(name: str, *, export: Exporter, erase: Eraser, order: int = 100) -> Provider:
    provider = Provider(name=name, export=export, erase=erase, order=order)
    _providers[name] = provider
    return provider


def providers() -> list[Provider]:
    return sorted(_providers.values(), key=lambda p: (p.order, p.name))


# A complaint's erasure reaches the copies other apps keep of it (a work order's description):
# `func(complaint, now)` blanks them inside the erasure's transaction and returns counts. Called
# when a purge or a deletion request erases the complaint's free text.
ComplaintEraser = Callable[[Any, datetime], dict[str, int]]
_complaint_erasers: dict[str, ComplaintEraser] = {}


def register_complaint_eraser(name: str, func: ComplaintEraser) -> None:
    """Register (or replace) the eraser `name` of other apps' copies of a complaint's text."""
    _complaint_erasers[name] = func


def complaint_erasers() -> list[tuple[str, ComplaintEraser]]:
    return sorted(_complaint_erasers.items())


# Data other apps keep outside any complaint (a work order's reporter typed into a QR form) has
# its own retention: `func(company_id, rules, now)` erases what of the company's has passed its
# rule (`rules`: every data class's `retention.Rule` at the company) and returns counts. The
# daily purge calls each, once per company, in its own transaction.
Purger = Callable[[int, dict[str, Any], datetime], dict[str, int]]
_purgers: dict[str, Purger] = {}


def register_purger(name: str, func: Purger) -> None:
    """Register (or replace) the retention purger `name` of another app's own data."""
    _purgers[name] = func


def purgers() -> list[tuple[str, Purger]]:
    return sorted(_purgers.items())
