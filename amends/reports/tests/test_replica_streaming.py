"""The reports on a real streaming replica, tried on this machine.

A private PostgreSQL primary (its own data directory, port and socket) is seeded with the
benchmark company; `pg_basebackup -R` makes a hot standby of it, which streams the primary's
WAL; `amends bench report`, run as a deployment runs it (`DATABASE_URL` the primary,
`AMENDS_REPORTS_DATABASE_URL` the standby), reads its figures from the standby: the standby's
own statistics count the rows read, and it refuses a write. Then a change on the primary
reaches the standby a moment later. `test_replica.py` checks the router itself, statement by
statement, against Django's test mirror.

The machine's PostgreSQL server binaries are used (`/usr/lib/postgresql/<version>/bin`); as
root, the servers run as the `postgres` account, as initdb demands. The PostgreSQL suite runs it
(the SQLite suite has no need to try it twice).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="tried once, by the PostgreSQL suite"
)

AMENDS = [sys.executable, "-m", "amends"]
MOVE_FIRST = (
    "UPDATE complaints_complaint SET location = '二楼前台' "
    "WHERE id = (SELECT min(id) FROM complaints_complaint)"
)
WHERE_FIRST = (
    "SELECT location FROM complaints_complaint "
    "WHERE id = (SELECT min(id) FROM complaints_complaint)"
)
# How often the standby read the daily figures, which only a report reads.
READ = (
    "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables "
    "WHERE relname = 'reports_dailyrollup'"
)


def server_binaries() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_basebackup"), reverse=True)
    if not found:
        pytest.fail("PostgreSQL's server binaries (initdb, pg_ctl, pg_basebackup) are not here")
    return found[0].parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """One PostgreSQL server of our own: a data directory, a port, a log."""

    def __init__(self, bin_dir: Path, root: Path, name: str, port: int) -> None:
        self.bin, self.root, self.port = bin_dir, root, port
        self.data = root / name
        self.log = root / f"{name}.log"

    def run(self, program: str, *args: str, timeout: float = 120) -> str:
        command = [str(self.bin / program), *args]
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"{program} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def configure(self) -> None:
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.root}'\n"
                "wal_level = replica\nmax_wal_senders = 4\nfsync = off\n"
            )

    def start(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def url(self, database: str = "amends") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def sql(self, query: str) -> str:
        where = ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "amends"]
        return self.run("psql", *where, "-Atc", query).strip()


@pytest.fixture
def pair() -> Iterator[tuple[Cluster, Cluster]]:
    """A primary with the benchmark company, and a hot standby streaming from it."""
    bin_dir = server_binaries()
    # Not pytest's tmp_path: its parents are root's alone, where the postgres account cannot go.
    root = Path(tempfile.mkdtemp(prefix="amends-replica-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    primary = Cluster(bin_dir, root, "primary", free_port())
    standby = Cluster(bin_dir, root, "standby", free_port())
    try:
        owner = ["-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]
        primary.run("initdb", "-D", str(primary.data), *owner)
        primary.configure()
        with (primary.data / "pg_hba.conf").open("a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        primary.start()
        at_primary = ["-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"]
        primary.run("createdb", *at_primary, "amends")
        env = {**os.environ, "DATABASE_URL": primary.url()}
        env.pop("AMENDS_REPORTS_DATABASE_URL", None)
        for step in (
            ["migrate", "-v", "0"],
            ["bench", "-v", "0", "seed", "--complaints", "600", "--venues", "2", "--months", "3"],
        ):
            done = subprocess.run(
                [*AMENDS, *step], env=env, capture_output=True, text=True, timeout=600
            )
            assert done.returncode == 0, done.stderr
        # A copy of the primary that starts as a standby (-R: standby.signal and the primary's
        # address), on its own port; -c fast: not waiting for a spread checkpoint.
        copy = ["-D", str(standby.data), "-R", "-X", "stream", "-c", "fast"]
        standby.run("pg_basebackup", *at_primary, *copy)
        standby.configure()  # its own port (the later line wins)
        standby.start()
        yield primary, standby
    finally:
        standby.stop()
        primary.stop()
        shutil.rmtree(root, ignore_errors=True)


def rollup_reads(standby: Cluster) -> int:
    return int(standby.sql(READ))


def test_the_reports_read_from_a_streaming_replica(pair: tuple[Cluster, Cluster]) -> None:
    primary, standby = pair
    assert standby.sql("SELECT pg_is_in_recovery()") == "t"
    assert primary.sql("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") == "1"
    assert standby.sql("SELECT count(*) FROM complaints_complaint") == "600"

    before = rollup_reads(standby)
    env = {
        **os.environ,
        "DATABASE_URL": primary.url(),
        "AMENDS_REPORTS_DATABASE_URL": standby.url(),
    }
    report = ["bench", "report", "--repeat", "1", "--skip-exports", "--json"]
    done = subprocess.run([*AMENDS, *report], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["reads_from"] == "reports"
    assert figures["venue_month_complaints"] > 0 and figures["company_complaints"] == 600
    # The standby's own statistics count the report's reads of the daily figures (a standby
    # keeps its own, and shows them within a second or so).
    deadline = time.monotonic() + 10
    while rollup_reads(standby) == before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert rollup_reads(standby) > before

    # Read-only: a write is refused there.
    with pytest.raises(AssertionError, match="read-only transaction"):
        standby.sql(MOVE_FIRST.replace("二楼前台", "x"))
    # A change on the primary reaches the standby a moment later.
    primary.sql(MOVE_FIRST)
    deadline = time.monotonic() + 10
    while standby.sql(WHERE_FIRST) != "二楼前台":
        assert time.monotonic() < deadline, "the standby did not catch up in 10 s"
        time.sleep(0.1)
