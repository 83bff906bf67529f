"""Files amends writes are its own: evidence, the SQLite database, the local secrets and var/
are created 0600 (files) and 0700 (directories), whatever the umask says."""

from __future__ import annotations

import io
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from amends.complaints import services
from amends.complaints.tests.test_evidence import png_bytes
from amends.conftest import Cast
from amends.core import secrets


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most careless umask: everything readable and writable by everyone."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def test_the_settings_ask_for_private_uploads(settings) -> None:
    assert settings.FILE_UPLOAD_PERMISSIONS == 0o600
    assert settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS == 0o700


def test_evidence_files_and_their_folders_are_private(
    cast: Cast, settings, tmp_path: Path, open_umask: None
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    complaint = cast.receive()
    data = png_bytes()
    evidence = services.evidence_add(
        complaint=complaint,
        actor=cast.desk,
        name="现场.png",
        stream=io.BytesIO(data),
        size=len(data),
    )
    stored = settings.MEDIA_ROOT / evidence.file.name
    assert mode(stored) == 0o600
    folder = stored.parent
    while folder != tmp_path:
        assert mode(folder) == 0o700, folder
        folder = folder.parent


def test_the_secrets_file_is_private_and_an_open_one_is_narrowed(
    tmp_path: Path, open_umask: None
) -> None:
    path = tmp_path / "var" / "secrets.json"
    values = secrets.load_or_create(path)
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    path.chmod(0o644)
    path.parent.chmod(0o755)
    assert secrets.load_or_create(path) == values
    assert mode(path) == 0o600 and mode(path.parent) == 0o700


def test_the_sqlite_database_and_its_journal_are_private(tmp_path: Path, open_umask: None) -> None:
    database = secrets.private_file(tmp_path / "amends.sqlite3")
    assert mode(database) == 0o600
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE t (x)")
    connection.execute("INSERT INTO t VALUES (1)")
    connection.commit()
    for companion in (Path(f"{database}-wal"), Path(f"{database}-shm")):
        assert companion.exists() and mode(companion) == 0o600, companion
    connection.close()
    database.chmod(0o644)
    secrets.private_file(database)
    assert mode(database) == 0o600


def test_private_file_leaves_a_missing_directory_to_whoever_opens_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "db.sqlite3"
    assert secrets.private_file(missing) == missing and not missing.exists()


def test_starting_amends_makes_var_the_database_and_the_secrets_private(tmp_path: Path) -> None:
    var = tmp_path / "var"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AMENDS_", "DATABASE_URL", "SECRET_KEY"))
    }
    env.update(AMENDS_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="amends.settings")
    program = "import os; os.umask(0)\nfrom django.conf import settings\nsettings.DATABASES\n"
    subprocess.run([sys.executable, "-c", program], env=env, check=True, cwd=tmp_path)
    assert mode(var) == 0o700
    assert mode(var / "secrets.json") == 0o600
    assert mode(var / "amends.sqlite3") == 0o600
