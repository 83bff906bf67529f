"""`amends serve --workers N`: N server processes answer on one address; one killed is replaced
while the others go on answering; stopping the server stops every one of them."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

AMENDS = [sys.executable, "-m", "amends"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as response:
        return int(response.status)


def wait_until(check, seconds: float = 60.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("not in time")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A reaped child is gone; a zombie (not yet reaped) counts as gone too.
    state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
    return state != "Z"


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "AMENDS_VAR_DIR": str(tmp_path),
    }
    log = (tmp_path / "out.log").open("wb")
    parent = subprocess.Popen(
        [*AMENDS, "serve", "--workers", "3", "--port", str(port), "--no-jobs"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield parent, f"http://127.0.0.1:{port}", tmp_path / "out.log"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        log.close()


def workers(out: Path) -> list[int]:
    found = re.search(r"3 worker processes: ([\d, ]+)", out.read_text())
    return [int(pid) for pid in found.group(1).split(", ")] if found else []


def test_three_workers_answer_and_one_killed_is_replaced(server) -> None:  # type: ignore[no-untyped-def]
    parent, url, out = server
    assert wait_until(lambda: answers(f"{url}/console/login/") == 200)
    pids = wait_until(lambda: workers(out))
    assert len(set(pids)) == 3 and parent.pid not in pids
    assert all(alive(pid) for pid in pids)

    os.kill(pids[0], signal.SIGKILL)
    replaced = wait_until(
        lambda: re.search(rf"worker {pids[0]} exited .*started (\d+)", out.read_text())
    )
    newcomer = int(replaced.group(1))
    assert alive(newcomer) and newcomer not in pids
    for _ in range(20):  # whichever process takes the connection, it is answered
        assert answers(f"{url}/console/login/") == 200

    parent.send_signal(signal.SIGTERM)
    assert parent.wait(timeout=30) == 0
    assert not any(alive(pid) for pid in [*pids[1:], newcomer])


def test_it_refuses_zero_workers() -> None:
    done = subprocess.run(
        [*AMENDS, "serve", "--workers", "0"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0 and "--workers must be 1 or more" in done.stderr


def test_without_a_public_address_the_links_point_at_the_port_served(
    monkeypatch: Any, settings: Any
) -> None:
    """`make run PORT=8080`: the receipt's and the posters' links go to 8080, not 8000; an
    address given in the environment is kept."""
    from amends.cli.management.commands.serve import _default_public_url

    monkeypatch.setenv("AMENDS_PUBLIC_URL", "")
    _default_public_url("0.0.0.0", 8080)  # noqa: S104
    assert os.environ["AMENDS_PUBLIC_URL"] == settings.AMENDS_PUBLIC_URL
    assert settings.AMENDS_PUBLIC_URL == "http://127.0.0.1:8080"

    monkeypatch.setenv("AMENDS_PUBLIC_URL", "https://complaints.example.com")
    settings.AMENDS_PUBLIC_URL = "https://complaints.example.com"
    _default_public_url("127.0.0.1", 9000)
    assert settings.AMENDS_PUBLIC_URL == "https://complaints.example.com"
