"""The server a bench measures: amends as production runs it — waitress (`amends serve`'s server,
already a dependency; gunicorn is not) on `amends.wsgi` — in child processes of the bench, on a
free port of 127.0.0.1, with DEBUG off and bench mode on (AMENDS_BENCH=1: the cost headers of
`middleware.py` and the ceiling's insert view).

`--workers N` starts N processes that accept on one listening socket, opened here and inherited
(the pre-fork model of gunicorn, and of several `amends serve` processes behind a balancer);
each serves `--threads` threads. The database is the one this process is connected to, named to
the children as a DATABASE_URL; the rest of the environment (secrets, cache, …) is inherited.

`Server` is a context manager: on leaving it — normally, on an error or on Ctrl-C — every child
is terminated (killed if it does not stop within 10 s) and reaped. Run as a module
(`python -m amends.cli.bench.server --fd N`), this file is the child.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

from django.db import connection

from amends.cli.prefork import THREADS

STOP_SECONDS = 10


class ServerError(Exception):
    """The server could not be started (the message says why, with its output)."""


def database_url() -> str:
    """The database this process is connected to, as the DATABASE_URL the children read."""
    db = connection.settings_dict
    name = str(db.get("NAME") or "")
    if connection.vendor == "sqlite":
        if connection.is_in_memory_db() or not name:  # type: ignore[attr-defined]
            raise ServerError(
                "the database is SQLite in memory: a server in another process cannot open it"
            )
        return f"sqlite:///{Path(name).resolve()}"
    if connection.vendor != "postgresql":
        raise ServerError(f"the bench serves SQLite or PostgreSQL, not {connection.vendor}")
    user = quote(str(db.get("USER") or ""), safe="")
    password = quote(str(db.get("PASSWORD") or ""), safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = str(db.get("HOST") or "")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{quote(host, safe='/')}{port}/{quote(name, safe='')}"


class Server:
    """`workers` waitress processes with `threads` threads each, serving amends in bench mode on
    `self.port`, until the `with` block ends."""

    def __init__(self, *, workers: int = 1, threads: int = THREADS) -> None:
        self.workers, self.threads = workers, threads
        self.processes: list[subprocess.Popen[bytes]] = []
        self.port = 0
        self._listener: socket.socket | None = None
        # The children's output, shown if one fails; closed by `stop`.
        self._log = tempfile.TemporaryFile()  # noqa: SIM115

    def __enter__(self) -> Server:
        try:
            self._start()
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def _start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1024)
        listener.set_inheritable(True)
        self._listener = listener
        self.port = int(listener.getsockname()[1])
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "AMENDS_BENCH": "1",
            "AMENDS_DEBUG": "false",
            "DJANGO_SETTINGS_MODULE": "amends.settings",
            "PYTHONUNBUFFERED": "1",
        }
        for _ in range(self.workers):
            self.processes.append(
                subprocess.Popen(  # noqa: S603 - this interpreter, this module, our arguments
                    [
                        sys.executable,
                        "-m",
                        "amends.cli.bench.server",
                        "--fd",
                        str(listener.fileno()),
                        "--threads",
                        str(self.threads),
                    ],
                    env=env,
                    pass_fds=(listener.fileno(),),
                    stdin=subprocess.DEVNULL,
                    stdout=self._log,
                    stderr=subprocess.STDOUT,
                )
            )

    def wait_ready(self, seconds: float = 90.0) -> None:
        """Wait until a worker answers the sign-in page; raise ServerError (with the output) if
        a worker exits first or none answers in time. Connections wait in the listening
        socket's queue meanwhile, so a client would otherwise hang on a dead server."""
        deadline = time.monotonic() + seconds
        while True:
            self.check()
            try:
                probe = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                probe.request("GET", "/console/login/")
                status = probe.getresponse().status
                probe.close()
                if status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            if time.monotonic() > deadline:
                raise ServerError(f"the server did not answer in {seconds:.0f} s:\n{self.output()}")
            time.sleep(0.2)

    def check(self) -> None:
        """Raise ServerError, with the server's output, if a worker has exited."""
        for process in self.processes:
            if process.poll() is not None:
                raise ServerError(
                    f"a server process exited with status {process.returncode}:\n{self.output()}"
                )

    def output(self) -> str:
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-4000:]

    def stop(self) -> None:
        """Terminate every worker and wait for it (kill it after STOP_SECONDS). Idempotent."""
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def rss_mb(self) -> list[float]:
        """Each worker's resident memory now (VmRSS of /proc/<pid>/status), in MB."""
        sizes = []
        for pid in self.pids:
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes.append(int(line.split()[1]) / 1024)
        return sizes

    def cpu_seconds(self) -> float:
        """The CPU time (user + system) the workers have used so far, from /proc/<pid>/stat."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in self.pids:
            with contextlib.suppress(OSError):
                stat = Path(f"/proc/{pid}/stat").read_text()
                fields = stat[stat.rindex(")") + 2 :].split()
                total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        return total


def _child(argv: list[str]) -> None:
    """A worker: amends.wsgi on the inherited listening socket, until SIGTERM."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--threads", type=int, default=THREADS)
    args = parser.parse_args(argv)
    import django

    django.setup()
    from django.conf import settings
    from waitress import serve  # type: ignore[import-untyped]

    from amends.wsgi import application

    def stop(signum: int, frame: Any) -> None:
        # At once: nothing here needs a graceful end (waitress would wait for its threads and
        # their kept-alive connections), and the database drops the connections with us.
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    serve(
        application,
        sockets=[socket.socket(fileno=args.fd)],
        threads=args.threads,
        ident="amends",
        max_request_body_size=6 * settings.AMENDS_MAX_UPLOAD_MB * 1024 * 1024,
        _quiet=True,
    )


if __name__ == "__main__":
    _child(sys.argv[1:])
