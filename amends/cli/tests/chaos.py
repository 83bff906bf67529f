"""The stack of the fault tests, as real processes: amends' web server, a Celery worker and beat
on a Redis of their own, an SMTP server, an IMAP server (dovecot) with the venue's complaints
mailbox, polled every 2 s, and a small supervisor that restarts whatever died (as
systemd's Restart=always does in production).

Everything runs against a database of its own: a fresh PostgreSQL database when the tests run
on PostgreSQL (DATABASE_URL), else a SQLite file in the stack's var directory.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from amends.inbound.tests import imap
from amends.notifications.tests.smtp import SmtpServer, free_port

AMENDS = [sys.executable, "-m", "amends"]


def _wait_for(probe: Any, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if probe():
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not come up within {seconds} s")
        time.sleep(0.2)


@dataclass
class Process:
    """One long-running process of the stack, started in its own process group."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None
    starts: int = 0
    kills: int = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                self.argv,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """kill -9, the whole process group (a worker's children too)."""
        if self.popen is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)
        self.kills += 1

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
                self.popen.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                self.kill()


@dataclass
class Stack:
    root: Path
    env: dict[str, str]
    smtp: SmtpServer
    imap: imap.ImapServer
    web_port: int
    redis_port: int
    processes: dict[str, Process] = field(default_factory=dict)
    database: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def amends(self, *args: str, timeout: int = 300) -> str:
        done = subprocess.run(
            [*AMENDS, *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            raise RuntimeError(f"amends {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def python(self, code: str) -> Any:
        """Run `code` in a Django shell of the stack; it prints one JSON value, returned."""
        out = self.amends("shell", "-c", code)
        return json.loads(out.strip().splitlines()[-1])

    def add(self, name: str, *argv: str) -> Process:
        process = Process(name, list(argv), self.env, self.root / f"{name}.log")
        self.processes[name] = process
        process.start()
        return process

    def supervise(self) -> None:
        """Restart every process that is not running (Restart=always)."""
        for process in self.processes.values():
            if not process.alive:
                process.start()

    def wait_web(self) -> None:
        _wait_for(
            lambda: urllib.request.urlopen(f"{self.url}/console/login/", timeout=2).status == 200,
            seconds=60,
            what="the web server",
        )

    def redis_up(self) -> bool:
        import redis

        return bool(redis.Redis(port=self.redis_port, socket_connect_timeout=1).ping())


@contextmanager
def stack(root: Path) -> Iterator[Stack]:
    """Build the stack in `root`: a new database, migrated, with the cast of amends' tests, an
    API key and a mailbox on the IMAP server; then Redis, the web server, a worker and beat, and
    the SMTP server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMENDS_")}
    env.pop("DATABASE_URL", None)
    smtp = SmtpServer()
    smtp.start()
    mail = imap.start()
    redis_port = free_port()
    env.update(
        DJANGO_SETTINGS_MODULE="amends.settings",
        AMENDS_VAR_DIR=str(root / "var"),
        AMENDS_REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        AMENDS_EMAIL_HOST="127.0.0.1",
        AMENDS_EMAIL_PORT=str(smtp.port),
        AMENDS_EMAIL_USE_TLS="false",
        AMENDS_DELIVERY_SECONDS="1",
        AMENDS_DELIVERY_FIRST_RETRY_SECONDS="2",
        AMENDS_DELIVERY_LEASE_SECONDS="30",
        AMENDS_MAIL_POLL_SECONDS="2",
        CHAOS_IMAP_PORT=str(mail.port),
        CHAOS_IMAP_USER=mail.user,
        CHAOS_IMAP_PASSWORD=mail.password,
        AMENDS_API_RATE_PER_MINUTE="100000",
        PYTHONUNBUFFERED="1",
    )
    database = ""
    outer = os.environ.get("DATABASE_URL", "")
    if outer.startswith("postgres"):
        parts = urllib.parse.urlsplit(outer)
        database = f"amends_chaos_{uuid.uuid4().hex[:10]}"
        env["DATABASE_URL"] = urllib.parse.urlunsplit(parts._replace(path=f"/{database}"))
        _psql(outer, f'CREATE DATABASE "{database}"')
    the = Stack(
        root=root,
        env=env,
        smtp=smtp,
        imap=mail,
        web_port=free_port(),
        redis_port=redis_port,
        database=database,
    )
    try:
        the.amends("migrate", "-v0")
        the.env["CHAOS_API_KEY"] = the.python(SETUP)["key"]
        redis_server = shutil.which("redis-server")
        assert redis_server, "redis-server is needed (apt-get install redis-server)"
        the.add(
            "redis",
            redis_server,
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        )
        _wait_for(the.redis_up, seconds=20, what="Redis")
        the.add(
            "web",
            *AMENDS,
            "serve",
            "--no-jobs",
            "--port",
            str(the.web_port),
            "--threads",
            "6",
        )
        the.add("worker", *AMENDS, "worker", "--pool", "threads", "--concurrency", "2")
        the.add("beat", *AMENDS, "beat")
        the.wait_web()
        yield the
    finally:
        for process in the.processes.values():
            process.stop()
        smtp.stop()
        imap.stop(mail)
        if database:
            _psql(outer, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _psql(url: str, statement: str) -> None:
    """`statement` on the server `url` names, through its maintenance database `postgres`: the
    database the URL names need not exist (on a new machine the suite has only its test
    database)."""
    import psycopg

    server = urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(statement)


# The cast of amends' tests (company LIFE, GYM1, the desk "desk" with the tests' password), an
# API key, and GYM1's complaints mailbox on the stack's IMAP server.
SETUP = """
import json, os
from amends.orgs.services import api_key_create
from amends.conftest import build_cast
from amends.notifications.models import Mailbox
cast = build_cast()
_, raw = api_key_create(
    actor=None, company=cast.company, name="chaos", scopes=["complaints:write"], venue=cast.gym
)
Mailbox.objects.create(
    venue=cast.gym,
    address="complaints@gym1.example.com",
    imap_host="127.0.0.1",
    imap_port=int(os.environ["CHAOS_IMAP_PORT"]),
    imap_ssl=False,
    imap_user=os.environ["CHAOS_IMAP_USER"],
    imap_password=os.environ["CHAOS_IMAP_PASSWORD"],
)
print(json.dumps({"key": raw}))
"""

CHECK = """
import json
from amends.complaints.models import Complaint
from amends.notifications.models import Outbox
markers = {}
for description in Complaint.objects.values_list("description", flat=True):
    for marker in description.split():
        if marker.startswith("chaos-"):
            markers[marker] = markers.get(marker, 0) + 1
emails = list(
    Outbox.objects.filter(channel="email").values_list("status", "message_id", "recipient_address")
)
print(json.dumps({
    "markers": markers,
    "emails": [[status, message_id] for status, message_id, _ in emails],
}))
"""


class Browser:
    """A staff member's browser, over real HTTP: cookies, CSRF and all."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def _csrf(self) -> str:
        for cookie in self.jar:
            if cookie.name == "csrftoken":
                return cookie.value or ""
        return ""

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=20) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as answer:
            return answer.code, answer.read().decode()

    def post(self, path: str, data: dict[str, str]) -> tuple[int, dict[str, str]]:
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self._csrf()}).encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        try:
            with self.opener.open(request, timeout=20) as answer:
                return answer.status, dict(answer.headers)
        except urllib.error.HTTPError as answer:
            return answer.code, dict(answer.headers)

    def sign_in(self, username: str, password: str) -> None:
        self.get("/console/login/")
        status, _headers = self.post(
            "/console/login/", {"username": username, "password": password}
        )
        if status != 302:
            raise OSError(f"sign-in answered {status}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def api_post(base: str, key: str, idempotency: str, payload: dict[str, Any]) -> int:
    request = urllib.request.Request(
        base + "/api/v1/complaints",
        data=json.dumps(payload).encode(),
        headers={
            "Authorization": f"Bearer {key}",
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as answer:
        return int(answer.code)
