"""HTTP load for the benches: signed-in clients on threads, each with its own keep-alive
connection (`http.client`, the standard library: no new dependency) and cookies, like a browser;
the timings of what they asked, and the server's cost headers (`middleware.py`).

`run_load` signs every client in first (GET the sign-in page, POST the form with its CSRF token,
keep the session and CSRF cookies), lets each warm its connection and its server process with a
few untimed requests, then — all clients released together — sends `requests` requests in all,
each client taking the next one as soon as its previous answer is read.
"""

from __future__ import annotations

import http.client
import math
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

from amends.cli.bench.middleware import CPU_HEADER, QUERIES_HEADER

TIMEOUT = 120.0
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class LoadError(Exception):
    """A client could not sign in or prepare (the message says which and why)."""


@dataclass
class Answer:
    status: int
    location: str
    body: bytes
    ms: float
    queries: int | None
    cpu_ms: float | None


@dataclass
class Request:
    """One request of a bench: what to send, what a good answer's status is, and a label (the
    queue's name, the kind of search query …) the figures are also broken down by."""

    method: str
    path: str
    form: dict[str, str] | None = None
    ok: tuple[int, ...] = (200,)
    kind: str = ""
    csrf: bool = False  # a console form: send the page's CSRF token with it


class Client:
    """One browser: a keep-alive connection to the server and its cookies."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)

    def close(self) -> None:
        self.conn.close()

    def send(self, method: str, path: str, form: dict[str, str] | None = None) -> Answer:
        headers = {"Host": f"127.0.0.1:{self.port}", "Accept-Language": "zh-hans"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            # Django checks the Referer of a secure request only; sent anyway, as a browser does.
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            # The server closed a kept-alive connection: reconnect once, as a browser would.
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
            started = time.perf_counter()
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        ms = (time.perf_counter() - started) * 1000
        for raw in response.msg.get_all("Set-Cookie") or []:
            cookie: SimpleCookie = SimpleCookie()
            cookie.load(raw)
            for name, morsel in cookie.items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        queries = response.getheader(QUERIES_HEADER)
        cpu = response.getheader(CPU_HEADER)
        return Answer(
            status=response.status,
            location=response.getheader("Location") or "",
            body=data,
            ms=ms,
            queries=int(queries) if queries is not None else None,
            cpu_ms=float(cpu) if cpu is not None else None,
        )

    def take_csrf(self, page: bytes) -> None:
        """Keep the CSRF token of a page's form (what a browser posts back with it)."""
        found = CSRF_FIELD.search(page)
        if found:
            self.csrf = found.group(1).decode()

    def sign_in(self, username: str, password: str) -> None:
        page = self.send("GET", "/console/login/")
        self.take_csrf(page.body)
        if page.status != 200 or not self.csrf:
            raise LoadError(f"the sign-in page answered {page.status} without a form")
        answer = self.send(
            "POST",
            "/console/login/",
            {"csrfmiddlewaretoken": self.csrf, "username": username, "password": password},
        )
        if answer.status != 302 or "sessionid" not in self.cookies:
            raise LoadError(f"{username} could not sign in (HTTP {answer.status})")

    def do(self, request: Request) -> Answer:
        form = request.form
        if request.csrf and form is not None:
            form = {**form, "csrfmiddlewaretoken": self.csrf}
        return self.send(request.method, request.path, form)


@dataclass
class Figures:
    """What a load measured: every answer's time and cost, and the wall time of the whole."""

    samples: list[tuple[Request, Answer]] = field(default_factory=list)
    seconds: float = 0.0
    server_cpu_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def summary(self, prefix: str = "") -> dict[str, Any]:
        times = sorted(a.ms for _r, a in self.samples)
        queries = [a.queries for _r, a in self.samples if a.queries is not None]
        cpu = [a.cpu_ms for _r, a in self.samples if a.cpu_ms is not None]
        n = len(self.samples)
        statuses: dict[str, int] = {}
        for _r, answer in self.samples:
            statuses[str(answer.status)] = statuses.get(str(answer.status), 0) + 1
        return {
            f"{prefix}requests": n,
            f"{prefix}p50_ms": round(percentile(times, 50), 2),
            f"{prefix}p95_ms": round(percentile(times, 95), 2),
            f"{prefix}mean_ms": round(sum(times) / n, 2) if n else 0.0,
            f"{prefix}max_ms": round(times[-1], 2) if times else 0.0,
            f"{prefix}per_s": round(n / self.seconds, 2) if self.seconds else 0.0,
            f"{prefix}seconds": round(self.seconds, 3),
            f"{prefix}queries_per_request": round(sum(queries) / len(queries), 2)
            if queries
            else None,
            f"{prefix}queries_max": max(queries) if queries else None,
            # The server processes' own CPU over the run (/proc), per request: what a request
            # costs the web tier, waitress' I/O thread and garbage collection included.
            f"{prefix}cpu_ms_per_request": round(self.server_cpu_seconds * 1000 / n, 3)
            if n
            else None,
            # The CPU of the thread that served it, as the request's own header says.
            f"{prefix}app_cpu_ms_per_request": round(sum(cpu) / len(cpu), 3) if cpu else None,
            f"{prefix}statuses": statuses,
            f"{prefix}errors": len(self.errors),
        }

    def by_kind(self) -> dict[str, dict[str, Any]]:
        kinds: dict[str, Figures] = {}
        for request, answer in self.samples:
            kinds.setdefault(request.kind or "-", Figures()).samples.append((request, answer))
        result = {}
        for kind, figures in sorted(kinds.items()):
            times = sorted(a.ms for _r, a in figures.samples)
            queries = [a.queries for _r, a in figures.samples if a.queries is not None]
            result[kind] = {
                "requests": len(times),
                "p50_ms": round(percentile(times, 50), 2),
                "p95_ms": round(percentile(times, 95), 2),
                "queries_per_request": round(sum(queries) / len(queries), 2) if queries else None,
            }
        return result


def percentile(ordered: Sequence[float], p: float) -> float:
    """The nearest-rank percentile of sorted values (0.0 for none)."""
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return float(ordered[rank - 1])


def run_load(
    *,
    port: int,
    users: Sequence[tuple[str, str]],
    plan: Callable[[int, int], Request],
    requests: int,
    warmup: Callable[[int], list[Request]] | None = None,
    cpu: Callable[[], float] = lambda: 0.0,
    check: Callable[[], None] = lambda: None,
    clients: list[Client] | None = None,
) -> tuple[Figures, list[Client]]:
    """Sign `len(users)` clients in (or reuse `clients`), warm them up, then send `requests`
    requests from all of them at once: request i of client k is `plan(k, i)`.

    Returns the figures and the clients (still signed in, for a second load on the same
    connections). An answer with a status `Request.ok` does not list is counted as an error."""
    concurrency = len(users) if clients is None else len(clients)
    ready = threading.Barrier(concurrency + 1)
    go = threading.Event()
    lock = threading.Lock()
    taken = [0]
    figures = Figures()
    made: list[Client | None] = [None] * concurrency
    failures: list[BaseException] = []

    def work(k: int) -> None:
        try:
            client = clients[k] if clients is not None else Client(port)
            made[k] = client
            if clients is None:
                client.sign_in(*users[k])
            for request in warmup(k) if warmup else []:
                answer = client.do(request)
                if answer.status not in request.ok:
                    raise LoadError(f"{request.method} {request.path} answered {answer.status}")
                client.take_csrf(answer.body)
        except BaseException as exc:
            failures.append(exc)
            ready.abort()
            return
        try:
            ready.wait()
        except threading.BrokenBarrierError:
            return
        go.wait()
        i = 0
        while True:
            with lock:
                if taken[0] >= requests:
                    return
                taken[0] += 1
            request = plan(k, i)
            i += 1
            try:
                answer = client.do(request)
            except (http.client.HTTPException, OSError) as exc:
                with lock:
                    figures.errors.append(f"{request.method} {request.path}: {exc}")
                continue
            with lock:
                figures.samples.append((request, answer))
                if answer.status not in request.ok:
                    figures.errors.append(f"{request.method} {request.path}: {answer.status}")

    threads = [threading.Thread(target=work, args=(k,), daemon=True) for k in range(concurrency)]
    for thread in threads:
        thread.start()
    try:
        ready.wait()
    except threading.BrokenBarrierError:
        for thread in threads:
            thread.join(timeout=TIMEOUT)
        check()
        raise LoadError(f"a client failed before the load: {failures[0]!r}") from (
            failures[0] if failures else None
        )
    cpu_before = cpu()
    started = time.perf_counter()
    go.set()
    for thread in threads:
        thread.join()
    figures.seconds = time.perf_counter() - started
    figures.server_cpu_seconds = cpu() - cpu_before
    return figures, [c for c in made if c is not None]
