"""A real IMAP server for tests: Debian's dovecot, started in a temporary directory.

    def test_it_polls(imap_server):
        imap_server.append(raw_message)
        mailbox = Mailbox(imap_host=imap_server.host, imap_port=imap_server.port, imap_ssl=False,
                          imap_user=imap_server.user, imap_password=imap_server.password, ...)

One user with a plain-text password, Maildir storage, no TLS, listening on 127.0.0.1 on a
free port; base, state and log files in the temporary directory. dovecot refuses to deliver
mail as root, so the mail belongs to the `dovecot` system user when the tests run as root.
The fixture fails (never skips) when dovecot is missing: the inbound tests need it.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

DOVECOT = os.environ.get("AMENDS_TEST_DOVECOT", "/usr/sbin/dovecot")
USER, PASSWORD = "amends", "amends-imap-test"
START_SECONDS = 20

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
last_valid_gid = {gid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@dataclass
class ImapServer:
    host: str
    port: int
    user: str
    password: str
    root: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def connect(self) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.login(self.user, self.password)
        return client

    def append(self, raw: bytes, folder: str = "INBOX", flags: str = "") -> None:
        """Deliver `raw` to `folder`, unseen (as a mail server would), or with `flags` (such as
        "(\\Seen)": someone read it first)."""
        client = self.connect()
        try:
            status, data = client.append(folder, flags, imaplib.Time2Internaldate(time.time()), raw)
            if status != "OK":
                raise AssertionError(f"IMAP APPEND failed: {status} {data!r}")
        finally:
            client.logout()

    def flags(self, folder: str = "INBOX") -> list[str]:
        """The flags of every message in `folder`, in order (to check what was marked seen)."""
        client = self.connect()
        try:
            client.select(folder, readonly=True)
            _status, data = client.fetch("1:*", "(FLAGS)")
            return [item.decode() for item in data if isinstance(item, bytes)]
        finally:
            client.logout()

    def clear(self, folder: str = "INBOX") -> None:
        client = self.connect()
        try:
            client.select(folder)
            _status, data = client.search(None, "ALL")
            if data and data[0]:
                client.store(b",".join(data[0].split()).decode(), "+FLAGS", "(\\Deleted)")
                client.expunge()
        finally:
            client.logout()

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def halt(self) -> None:
        """Stop the server, keeping the mail it holds (a mail server down for a while)."""
        _terminate(self.process)

    def resume(self) -> None:
        """Start it again, on the same port, with the mail it held."""
        self.process = _launch(self.root)
        _wait_until_it_answers(self)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _owner() -> tuple[int, int, str, str, str]:
    """(uid, gid, internal user, its group, login user) the server runs the mail as."""
    if os.geteuid() != 0:
        entry = pwd.getpwuid(os.geteuid())
        return entry.pw_uid, entry.pw_gid, entry.pw_name, entry.pw_name, entry.pw_name
    try:
        internal = pwd.getpwnam("dovecot")
        pwd.getpwnam("dovenull")
    except KeyError as missing:
        raise AssertionError(
            f"dovecot's system users are missing ({missing}): install the dovecot-imapd package"
        ) from None
    import grp

    group = grp.getgrgid(internal.pw_gid).gr_name
    return internal.pw_uid, internal.pw_gid, "dovecot", group, "dovenull"


def start() -> ImapServer:
    """Start dovecot; fail with the reason (and its log) if it does not answer in time."""
    if not (os.path.isfile(DOVECOT) and os.access(DOVECOT, os.X_OK)):
        raise AssertionError(
            f"dovecot is not installed at {DOVECOT}: the inbound email tests need a real IMAP "
            "server (apt-get install dovecot-imapd), or set AMENDS_TEST_DOVECOT"
        )
    uid, gid, internal, internal_group, login = _owner()
    root = Path(tempfile.mkdtemp(prefix="amends-imap-"))
    root.chmod(0o755)
    port = _free_port()
    for name in ("run", "state", "mail", "home"):
        (root / name).mkdir()
    if os.geteuid() == 0:
        for name in ("mail", "home"):
            os.chown(root / name, uid, gid)
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{root}/home::\n")
    (root / "users").chmod(0o644)
    conf = root / "dovecot.conf"
    conf.write_text(
        CONFIG.format(
            root=root,
            port=port,
            uid=uid,
            gid=gid,
            internal=internal,
            internal_group=internal_group,
            login=login,
        )
    )
    server = ImapServer("127.0.0.1", port, USER, PASSWORD, root, _launch(root))
    _wait_until_it_answers(server)
    return server


def _launch(root: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _wait_until_it_answers(server: ImapServer) -> None:
    """Return once the server answers a login; else stop it and fail with the reason."""
    process = server.process
    assert process is not None
    deadline = time.monotonic() + START_SECONDS
    last = ""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            stop(server)
            raise AssertionError(f"dovecot exited ({process.returncode}): {output}\n{last}")
        try:
            server.connect().logout()
            return
        except (OSError, imaplib.IMAP4.error) as exc:
            last = f"{type(exc).__name__}: {exc}"
            time.sleep(0.1)
    log = server.log()
    stop(server)
    raise AssertionError(
        f"dovecot did not answer on port {server.port} within {START_SECONDS}s: {last}\n{log}"
    )


def _terminate(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    if process is not None and process.stdout is not None:
        process.stdout.close()


def stop(server: ImapServer) -> None:
    _terminate(server.process)
    shutil.rmtree(server.root, ignore_errors=True)


def imap_server_fixture() -> Iterator[ImapServer]:
    server = start()
    try:
        yield server
    finally:
        stop(server)
