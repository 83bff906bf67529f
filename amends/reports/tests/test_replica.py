"""With AMENDS_REPORTS_DATABASE_URL set, the reports read their figures from the alias "reports"
and everything else — intake, the console's pages, every write — stays on "default"; migrate
never touches the replica.

The replica here is Django's test mirror of "default" (`TEST: {"MIRROR": "default"}`, as
settings.py configures it): a second connection to the same test database, so what the primary
commits the replica reads, as a streaming replica would a moment later. The alias is added to
the running process for the test and removed after it, because the test database is set up once
for the whole run without it. The tests commit (transaction=True): a second connection cannot see
a transaction the first has not committed — as with a real replica.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connections, router
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from amends.complaints.models import Complaint
from amends.conftest import Cast, local
from amends.core import clock
from amends.reports import db
from amends.reports.db import ReplicaRouter
from amends.reports.kpi import kpi_board
from amends.reports.monthly import build_monthly_report

REPLICA = "reports"
FIGURE_TABLES = ("complaints_complaint", "reports_dailyrollup", "complaints_survey")


@pytest.fixture(scope="module")
def replica(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    """The alias "reports" as a test mirror of "default", from the first test that asks for it
    to the end of this module. Module-scoped so that it exists before each test's database
    set-up, which then lets the tests that name it (`databases=[…, "reports"]`) use it."""
    assert REPLICA not in settings.DATABASES
    mirror = copy.deepcopy(connections["default"].settings_dict)
    mirror["TEST"] = {**mirror.get("TEST", {}), "MIRROR": "default"}
    settings.DATABASES[REPLICA] = mirror
    if REPLICA not in connections.settings:  # the handler's own copy of the settings
        connections.settings[REPLICA] = mirror
    # What the test runner does for a mirror: point its connection at the default's database.
    connections[REPLICA].creation.set_as_test_mirror(connections["default"].settings_dict)
    try:
        yield REPLICA
    finally:
        with django_db_blocker.unblock():
            connections[REPLICA].close()
        del connections[REPLICA]
        settings.DATABASES.pop(REPLICA, None)
        connections.settings.pop(REPLICA, None)


BOTH = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])


class Watch:
    """The SQL each connection ran inside the block."""

    def __init__(self) -> None:
        self.contexts = {alias: CaptureQueriesContext(connections[alias]) for alias in connections}

    def __enter__(self) -> Watch:
        for context in self.contexts.values():
            context.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        for context in self.contexts.values():
            context.__exit__(*exc)

    def sql(self, alias: str) -> list[str]:
        return [q["sql"] for q in self.contexts[alias].captured_queries]


def touches(statement: str, tables: tuple[str, ...] = FIGURE_TABLES) -> bool:
    return any(f'"{table}"' in statement for table in tables)


def november_complaints(cast: Cast) -> list[Complaint]:
    with clock.travel(local(2026, 11, 5, 10, 0)):
        first = cast.receive()
    with clock.travel(local(2026, 11, 12, 15, 30)):
        second = cast.receive(category="hygiene_environment", phone="13900139000")
    return [first, second]


# These two run first: the replica below exists from its first test to the end of the module.


@pytest.mark.django_db(transaction=True)
def test_without_a_replica_the_reports_read_the_primary(cast) -> None:
    november_complaints(cast)
    assert db.reading() == "default" and not db.on_replica()
    with clock.travel(local(2026, 12, 1, 8, 0)), Watch() as watch:
        build_monthly_report(
            actor=None, company=cast.company, venue=cast.gym, month=date(2026, 11, 1), language="en"
        )
    assert any(touches(q, ("complaints_complaint",)) for q in watch.sql("default"))


def test_the_router_sends_everything_else_to_the_primary_and_never_migrates_the_replica() -> None:
    assert "amends.reports.db.ReplicaRouter" in settings.DATABASE_ROUTERS
    for model in apps.get_models():
        assert router.db_for_read(model) == "default"
        assert router.db_for_write(model) == "default"
        assert router.allow_migrate_model(REPLICA, model) is False
        assert router.allow_migrate_model("default", model) is True
    assert ReplicaRouter().allow_migrate(REPLICA, "reports") is False
    assert ReplicaRouter().allow_migrate("default", "reports") is True


@BOTH
def test_the_figures_of_a_monthly_report_are_read_from_the_replica(replica, cast) -> None:
    november_complaints(cast)
    assert db.reading() == REPLICA and db.on_replica()
    with clock.travel(local(2026, 12, 1, 8, 0)), Watch() as watch:
        report = build_monthly_report(
            actor=cast.manager,
            company=cast.company,
            venue=cast.gym,
            month=date(2026, 11, 1),
            language="en",
        )
    on_replica, on_default = watch.sql(REPLICA), watch.sql("default")
    # Every figure is computed on the replica, and sees what the primary committed.
    assert any(touches(q, ("complaints_complaint",)) for q in on_replica)
    assert any(touches(q, ("reports_dailyrollup",)) for q in on_replica)
    received = next(f for f in report.figures if f.key == "received")
    assert received.value == 2
    # The primary is asked nothing about complaints, rollups or surveys: only who may read
    # (the actor's grants) and the company's settings.
    assert [q for q in on_default if touches(q)] == []
    # Reading from a replica, the report does not write: no rollup refresh on the primary.
    assert not any(
        q.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for q in on_default
    )
    assert report.current_to is None or report.current_to <= local(2026, 12, 1, 8, 0)


@BOTH
def test_the_kpi_board_counts_open_and_overdue_on_the_replica(replica, cast) -> None:
    november_complaints(cast)
    with clock.travel(local(2026, 11, 20, 9, 0)), Watch() as watch:
        board = kpi_board(actor=cast.director, month=date(2026, 11, 1))
    assert board.rows
    assert any(touches(q, ("complaints_complaint",)) for q in watch.sql(REPLICA))
    assert [q for q in watch.sql("default") if touches(q)] == []


@BOTH
def test_intake_and_the_console_stay_on_the_primary(replica, cast, client) -> None:
    with clock.travel(local(2026, 11, 5, 10, 0)), Watch() as watch:
        complaint = cast.receive()
    assert watch.sql(REPLICA) == []
    assert any(q.lstrip().upper().startswith("INSERT") for q in watch.sql("default"))

    client.force_login(cast.manager)
    with clock.travel(local(2026, 11, 5, 11, 0)), Watch() as watch:
        page = client.get(reverse("console:complaint", args=[complaint.reference]))
        queue = client.get(reverse("console:dashboard"))
    assert page.status_code == 200 and queue.status_code == 200
    assert complaint.reference in page.content.decode()
    assert watch.sql(REPLICA) == []  # the console reads its own writes
    assert watch.sql("default")
