"""`amends bench queue|intake|…` measure the console on a real server over real HTTP: staff of
the seeded chain sign in, load the pages, record complaints — and no server is left behind."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client

from amends.cli.bench.seed import seed
from amends.cli.models import BenchCeilingRow
from amends.complaints.models import Complaint

pytestmark = pytest.mark.django_db(transaction=True)

KEYS = {
    "bench",
    "p50_ms",
    "p95_ms",
    "mean_ms",
    "per_s",
    "requests",
    "concurrency",
    "workers",
    "queries_per_request",
    "cpu_ms_per_request",
    "server_rss_mb",
    "complaints",
    "database",
    "machine",
    "versions",
}


@pytest.fixture
def served_database(settings: Any, tmp_path: Path) -> Iterator[None]:
    """The test database, where a server in another process can open it: PostgreSQL's test
    database as it is; SQLite's (in memory) copied to a file for the test, then put back."""
    # The server checks the seeded staff's password with the product's hashers, not the tests'.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():  # type: ignore[attr-defined]
        yield
        return
    path = tmp_path / "bench.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as copy:
        connection.connection.backup(copy)
    memory, name = connection.connection, connection.settings_dict["NAME"]
    connection.connection = None  # kept open: closing it would drop the in-memory database
    connection.settings_dict["NAME"] = str(path)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = name
        connection.connection = memory


@pytest.fixture
def chain(served_database: None) -> None:
    """Two venues, two months, 300 complaints, the clock as it is (the server's is real)."""
    seed(complaints=300, venues=2, months=2)


def bench(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("bench", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_it_loads_the_queues_over_http_as_a_manager_and_a_front_desk(chain) -> None:
    figures = bench("queue", "--requests", "20", "--concurrency", "2")
    assert set(figures) >= KEYS
    assert figures["bench"] == "queue"
    assert figures["requests"] == 20 and figures["errors"] == 0
    assert figures["statuses"] == {"200": 20}
    assert 0 < figures["p50_ms"] <= figures["p95_ms"]
    assert figures["per_s"] > 0 and figures["concurrency"] == 2 and figures["workers"] == 1
    assert figures["users"] == ["front_desk", "manager"]
    assert {kind.split(":")[1] for kind in figures["by_kind"]} == {"mine", "overdue", "all"}
    # The cost headers of bench mode came back with every answer.
    assert figures["queries_per_request"] >= 3 and figures["cpu_ms_per_request"] > 0
    assert figures["server_rss_mb"] > 30
    assert figures["complaints"] == 300
    assert figures["database"]["vendor"] == connection.vendor
    assert figures["machine"]["cpus"] >= 1 and figures["machine"]["ram_mb"] > 0
    assert figures["versions"]["django"].startswith("5.2")
    assert all(gone(pid) for pid in figures["server_pids"])


def test_it_records_complaints_through_the_intake_form_and_measures_the_ceiling(chain) -> None:
    figures = bench("intake", "--requests", "12", "--concurrency", "2", "--workers", "2")
    assert set(figures) >= KEYS
    assert figures["errors"] == 0 and figures["statuses"] == {"302": 12}
    assert 0 < figures["p50_ms"] <= figures["p95_ms"] and figures["per_s"] > 0
    # Every request recorded a complaint, numbered like any other.
    assert figures["created"] == 12
    assert Complaint.objects.count() == 312
    for reference in figures["created_references"]:
        complaint = Complaint.objects.get(reference=reference)
        assert complaint.channel == "front_desk" and complaint.search_tokens
    # The ceiling ran in the same run, on the same server, and left no row behind.
    assert figures["ceiling_per_s"] > 0 and figures["ceiling_errors"] == 0
    assert 0 < figures["ceiling_p50_ms"] <= figures["ceiling_p95_ms"]
    assert figures["ceiling_queries_per_request"] == 1
    assert BenchCeilingRow.objects.count() == 0
    assert figures["workers"] == 2 and len(figures["server_rss_mb_each"]) == 2
    assert all(gone(pid) for pid in figures["server_pids"])


def test_bench_mode_is_off_unless_the_bench_starts_the_server(client: Client, settings) -> None:
    assert not settings.AMENDS_BENCH
    assert not any("bench" in name for name in settings.MIDDLEWARE)
    assert client.post("/bench/ceiling/").status_code == 404
    assert "X-Bench-Queries" not in client.get("/console/login/").headers


def test_it_refuses_to_serve_in_production(settings) -> None:
    settings.AMENDS_ENV = "production"
    with pytest.raises(CommandError, match="production"):
        call_command("bench", "queue", "--json", stdout=StringIO())


def test_it_asks_for_a_seed_first(served_database) -> None:
    with pytest.raises(CommandError, match="seed it first"):
        call_command("bench", "search", "--json", stdout=StringIO())
