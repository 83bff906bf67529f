"""Where the reports read from: the replica when AMENDS_REPORTS_DATABASE_URL configures one
(the alias "reports"), else the default database.

Only the reports' read queries go there, explicitly (`.using(reading())`): the rest of amends
must read its own writes, so the router sends every ordinary read and write to "default" and
never migrates the replica (it is a copy of the primary, migrated there).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

REPLICA = "reports"


def reading() -> str:
    """The database alias report figures are read from."""
    return REPLICA if REPLICA in settings.DATABASES else "default"


def on_replica() -> bool:
    return reading() != "default"


class ReplicaRouter:
    """Everything to the primary unless a query names the replica itself."""

    def db_for_read(self, model: type, **hints: Any) -> str:
        return "default"

    def db_for_write(self, model: type, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # one database, two connections to it

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA
