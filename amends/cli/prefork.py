"""`amends serve --workers N`: N waitress processes sharing one listening socket.

The pre-fork model of gunicorn, with the server amends already depends on: the parent binds the
address once and starts N children (`amends serve --fd FD`), each serving `--threads` threads
on the inherited socket; the kernel hands each new connection to whichever child accepts first.
Python threads share one CPU (the GIL), so N processes are how one machine's cores are used.

The parent supervises: a child that dies (killed, out of memory) is started again; one that
keeps dying within `QUICK_EXIT_SECONDS` of its start (a bad setting, a port taken) stops the
whole server after `MAX_QUICK_EXITS` tries, with its exit status, instead of looping. SIGTERM or
Ctrl-C stops the children (SIGTERM, then SIGKILL after `STOP_SECONDS`) and then the parent.
"""

from __future__ import annotations

import logging
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

QUICK_EXIT_SECONDS = 5.0
MAX_QUICK_EXITS = 5
STOP_SECONDS = 10.0
# Threads per server process (`--threads`). Threads only overlap waiting (the database, the
# network): Python runs one at a time. Eight on this 2-core machine served the queue to 8
# clients at 19–20 pages a second (p95 610–650 ms, 48 ms of CPU a page); two or four at 30–31
# (p95 330–380 ms, 31 ms) — more threads only add switching between them (docs/benchmarks.md).
THREADS = 4


class PreforkError(Exception):
    """The server cannot go on (its children keep failing at start)."""


def listen(host: str, port: int) -> socket.socket:
    """The listening socket the children inherit."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.create_server((host, port), family=family, backlog=1024)
    listener.set_inheritable(True)
    return listener


class Prefork:
    """The parent: `run()` until `stop()` (or SIGTERM / SIGINT when run in the main thread)."""

    def __init__(
        self,
        listener: socket.socket,
        *,
        workers: int,
        threads: int,
        say: Callable[[str], None] = print,
    ) -> None:
        self.listener = listener
        self.workers, self.threads = workers, threads
        self.say = say
        self.children: list[tuple[subprocess.Popen[bytes], float]] = []
        self.stopping = threading.Event()
        self.restarts = 0

    def _spawn(self) -> tuple[subprocess.Popen[bytes], float]:
        fd = self.listener.fileno()
        argv = [sys.executable, "-m", "amends", "serve", "--fd", str(fd)]
        child = subprocess.Popen(  # noqa: S603 - this interpreter, amends, our arguments
            [*argv, "--threads", str(self.threads)],
            pass_fds=(fd,),
            stdin=subprocess.DEVNULL,
        )
        return child, time.monotonic()

    def stop(self, *args: Any) -> None:
        self.stopping.set()

    def run(self) -> None:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self.stop)
            signal.signal(signal.SIGINT, self.stop)
        quick_exits = 0
        try:
            self.children = [self._spawn() for _ in range(self.workers)]
            self.say(f"{self.workers} worker processes: {', '.join(self.pids_text())}")
            while not self.stopping.wait(0.5):
                for index, (child, started) in enumerate(self.children):
                    status = child.poll()
                    if status is None or self.stopping.is_set():
                        continue
                    quick = time.monotonic() - started < QUICK_EXIT_SECONDS
                    quick_exits = quick_exits + 1 if quick else 0
                    if quick_exits >= MAX_QUICK_EXITS:
                        raise PreforkError(
                            f"worker processes keep exiting at start (status {status}): stopping"
                        )
                    self.children[index] = self._spawn()
                    self.restarts += 1
                    self.say(
                        f"worker {child.pid} exited with status {status}; "
                        f"started {self.children[index][0].pid} in its place"
                    )
        finally:
            self._stop_children()

    def pids_text(self) -> list[str]:
        return [str(child.pid) for child, _started in self.children]

    def _stop_children(self) -> None:
        for child, _started in self.children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        for child, _started in self.children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
