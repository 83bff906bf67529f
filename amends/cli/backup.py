"""Backups and restore: `amends backup` and `amends restore` (docs/architecture.md, "Scale").

A backup is one tar file, created 0600, holding

- `manifest.json`: when, which amends and database engine, the latest migration of every app and
  the number of complaints, customers and timeline events (so a restore can check what it got);
- the database: `database.dump` (`pg_dump --format=custom`, a consistent snapshot taken while
  amends runs) or `database.sqlite3` (SQLite's online backup API, consistent while others write);
- `media/`: the evidence files and other uploads under MEDIA_ROOT.

It never holds the secrets (the field-encryption and blind-index keys, the timeline key): a
backup that leaks is then ciphertext. Keep the keys apart (a password manager, the deployment's
secret store); a restore checks that the keys in use open the restored personal data and says
so plainly when they do not.

A restore refuses a database that already holds complaints, unless told `--force` (it then
replaces it). After the restore it compares the counts with the manifest and verifies every
timeline, unless `--no-verify`.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.migrations.recorder import MigrationRecorder

from amends.complaints.models import Complaint, ComplaintEvent
from amends.core import crypto
from amends.core import secrets as local_secrets
from amends.members.models import Customer

MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
MEDIA = "media"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Restored:
    manifest: dict[str, Any]
    counts: dict[str, int]
    media_files: int


def _engine(alias: str = "default") -> str:
    engine = settings.DATABASES[alias]["ENGINE"]
    return "postgresql" if engine.endswith("postgresql") else "sqlite"


def _version() -> str:
    try:
        return metadata.version("amends")
    except metadata.PackageNotFoundError:
        return "unknown"


def _counts() -> dict[str, int]:
    return {
        "complaints": Complaint.objects.count(),
        "customers": Customer.objects.count(),
        "events": ComplaintEvent.objects.count(),
    }


def _migrations() -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder.Migration.objects.values_list("app", "name").order_by(
        "app", "name"
    ):
        latest[app] = name
    return latest


def _pg_env(alias: str = "default") -> tuple[list[str], dict[str, str]]:
    """libpq connection options of `alias`, as arguments and environment (the password never
    goes on a command line, where `ps` would show it)."""
    db = settings.DATABASES[alias]
    args = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    tool = shutil.which(command[0])
    if tool is None:
        raise BackupError(
            f"{command[0]} is not installed; install PostgreSQL's client tools "
            "(Debian: apt-get install postgresql-client)"
        )
    done = subprocess.run(  # noqa: S603 — a fixed tool with arguments from settings
        [tool, *command[1:]], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")


def _sqlite_raw(alias: str = "default") -> sqlite3.Connection:
    connection = connections[alias]
    connection.ensure_connection()
    return connection.connection


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(datetime.now(UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


def backup(target: Path, *, media_root: Path | None = None) -> dict[str, Any]:
    """Write a backup of the default database and the media to `target` (a new file)."""
    media_root = Path(media_root or settings.MEDIA_ROOT)
    if target.exists():
        raise BackupError(f"{target} exists; a backup never overwrites a file")
    target.parent.mkdir(parents=True, exist_ok=True)
    engine = _engine()
    manifest = {
        "format": 1,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "amends": _version(),
        "engine": engine,
        "migrations": _migrations(),
        "counts": _counts(),
        "secrets": "not included: restore with the same AMENDS_FIELD_KEYS and timeline key",
    }
    with tempfile.TemporaryDirectory(prefix="amends-backup-") as work:
        if engine == "postgresql":
            dump = Path(work) / PG_DUMP
            args, env = _pg_env()
            _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(dump), *args], env)
        else:
            dump = Path(work) / SQLITE_COPY
            copy = sqlite3.connect(dump)
            try:
                _sqlite_raw().backup(copy)
            finally:
                copy.close()
        local_secrets.private_file(target)
        with tarfile.open(target, "w") as archive:
            _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode())
            archive.add(dump, arcname=dump.name)
            if media_root.is_dir():
                archive.add(media_root, arcname=MEDIA)
    os.chmod(target, 0o600)
    return manifest


@contextmanager
def _opened(source: Path) -> Iterator[tuple[dict[str, Any], Path]]:
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    if not tarfile.is_tarfile(source):
        raise BackupError(f"{source} is not an amends backup (not a tar file)")
    with (
        tarfile.open(source, "r") as archive,
        tempfile.TemporaryDirectory(prefix="amends-restore-") as work,
    ):
        try:
            # The "data" filter refuses absolute paths, "..", links out of the tree and devices.
            archive.extractall(work, filter="data")
        except (tarfile.TarError, OSError) as exc:
            raise BackupError(f"{source} cannot be unpacked safely: {exc}") from None
        try:
            manifest = json.loads((Path(work) / MANIFEST).read_text())
        except (OSError, ValueError):
            raise BackupError(f"{source} has no readable {MANIFEST}") from None
        yield manifest, Path(work)


def restore(source: Path, *, force: bool = False, media_root: Path | None = None) -> Restored:
    """Restore the backup `source` into the default database and MEDIA_ROOT."""
    media_root = Path(media_root or settings.MEDIA_ROOT)
    engine = _engine()
    with _opened(source) as (manifest, work):
        if manifest.get("engine") != engine:
            raise BackupError(
                f"the backup is of {manifest.get('engine')}, this amends runs on {engine}"
            )
        try:
            present = Complaint.objects.exists()
        except DatabaseError:  # a new database without tables holds nothing
            present = False
        if present and not force:
            raise BackupError(
                "this database already holds complaints; restore into an empty database, "
                "or give --force to replace it"
            )
        if engine == "postgresql":
            connections.close_all()
            args, env = _pg_env()
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    *args,
                    str(work / PG_DUMP),
                ],
                env,
            )
        else:
            copy = sqlite3.connect(work / SQLITE_COPY)
            try:
                copy.backup(_sqlite_raw())
            finally:
                copy.close()
        media_files = 0
        if (work / MEDIA).is_dir():
            for path in (work / MEDIA).rglob("*"):
                if path.is_file():
                    destination = media_root / path.relative_to(work / MEDIA)
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, destination)
                    media_files += 1
    counts = _counts()
    expected = manifest.get("counts", {})
    if counts != expected:
        raise BackupError(f"restored {counts}, but the backup's manifest says {expected}")
    _check_keys()
    return Restored(manifest=manifest, counts=counts, media_files=media_files)


def _check_keys() -> None:
    """The keys in use open the restored personal data (one customer is enough to know)."""
    try:
        Customer.objects.order_by("pk").first()  # decrypted as the row is loaded
    except crypto.DecryptionFailed as exc:
        raise BackupError(
            "the database is restored, but the field keys in use cannot open its personal "
            "data: start amends with the AMENDS_FIELD_KEYS the backup was made with"
        ) from exc
