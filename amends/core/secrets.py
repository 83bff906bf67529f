"""Secrets for the embedded deployment.

In production every secret comes from the environment and a missing one stops start-up. On a
laptop or a front-desk PC (the embedded default) amends generates them once into
`var/secrets.json` (mode 0600, in a 0700 directory, whatever the umask) so that `make run`
needs no manual step and no secret ever lives in the source tree. Losing that file loses the
ability to decrypt personal data: back it up with the database. `private_dir` and
`private_file` make var/ and the SQLite database private the same way.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured


def _generate() -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "AMENDS_FIELD_KEYS": Fernet.generate_key().decode(),
        "AMENDS_BLIND_INDEX_KEY": secrets.token_urlsafe(32),
        "AMENDS_TIMELINE_KEY": secrets.token_urlsafe(32),
    }


def load_or_create(path: Path) -> dict[str, str]:
    """Return the secrets stored at `path`, creating the file atomically the first time.

    Safe when several processes start at once (test workers): the loser of the O_EXCL race reads
    the winner's file.
    """
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        _restrict(path, PRIVATE_FILE)
        for _ in range(50):
            text = path.read_text()
            if text.strip():
                return dict(json.loads(text))
            import time

            time.sleep(0.05)
        raise
    os.fchmod(fd, PRIVATE_FILE)  # whatever the umask said
    values = _generate()
    with os.fdopen(fd, "w") as handle:
        json.dump(values, handle, indent=2)
    return values


# --- private files and directories ----------------------------------------------------------

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def _restrict(path: Path, mode: int) -> None:
    """chmod `path` to `mode` if it is ours; a file someone else owns (a shared mount) is left
    as its owner set it."""
    try:
        if path.stat().st_uid == os.geteuid() and path.stat().st_mode & 0o777 != mode:
            os.chmod(path, mode)
    except OSError:
        pass


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) readable by this user only (0700), whatever the
    umask; an existing directory of ours is narrowed to 0700 too. Returns `path`."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    _restrict(path, PRIVATE_DIR)
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty if missing, 0600 whatever the umask, and narrow an existing file of
    ours (and SQLite's "-wal"/"-shm" companions, which SQLite creates with the database file's
    mode) to 0600. An empty file is a valid empty SQLite database. Returns `path`."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        pass
    except FileNotFoundError:  # no such directory: whoever opens it will say so
        return path
    else:
        os.fchmod(fd, PRIVATE_FILE)
        os.close(fd)
    for each in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        if each.exists():
            _restrict(each, PRIVATE_FILE)
    return path


MIN_HMAC_KEY_BYTES = 32


def fernet_keys(name: str, raw: str) -> list[str]:
    """The comma-separated Fernet keys of `raw`, each checked; the error names `name`."""
    keys = [key.strip() for key in raw.split(",") if key.strip()]
    if not keys:
        raise ImproperlyConfigured(f"{name} holds no key")
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ImproperlyConfigured(
                f"{name}: key {position} is not a Fernet key (32 url-safe base64-encoded bytes; "
                "make one with Fernet.generate_key())"
            ) from None
    return keys


def hmac_key(name: str, value: str) -> str:
    """`value` if it is long enough for HMAC-SHA256 (at least 32 bytes); the error names `name`."""
    if len(value.encode()) < MIN_HMAC_KEY_BYTES:
        raise ImproperlyConfigured(
            f"{name} must be at least {MIN_HMAC_KEY_BYTES} bytes long, not {len(value.encode())}"
        )
    return value
