"""`amends bench intake|queue|search|dashboard|approvals`: the console measured on the running
stack — a server started for the run (`server.py`), staff of the seeded company BENCH signed in
over HTTP, N clients at once (`load.py`) — with what each request cost the server.

What each bench asks (the users are the seeded staff, each client another person):

- intake: the console's intake form (the face most complaints come through: a front desk typing
  while the customer talks), posted with its CSRF token and confirmed, by the front desks of
  different venues; each request records one complaint (texts from the seeded corpus, a new
  phone each). Then, in the same run, on the same connections and server, the ceiling: a bare
  Django insert view (`ceiling.py`), one row per request.
- queue: the first page of "mine", "overdue" and "all", for managers and front desks in turn.
- search: the header search, with queries drawn from the seeded complaints' own texts: Chinese
  of one, two and three or more characters, mixed ("储物柜 128") and English; managers, front
  desks and the director.
- dashboard: the start page of managers, general managers and the director.
- approvals: the approvals inbox of managers, general managers and the director.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import random
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import django
from django.db import connection

from amends.cli.bench.load import Client, LoadError, Request, run_load
from amends.cli.bench.seed import BENCH_CODE, BENCH_PASSWORD, SeedError, check_allowed
from amends.cli.bench.server import Server, ServerError
from amends.cli.models import BenchCeilingRow
from amends.cli.prefork import THREADS
from amends.complaints.models import Complaint
from amends.orgs.models import Company, RoleGrant
from amends.orgs.roles import Role

BENCHES = ("intake", "queue", "search", "dashboard", "approvals")
QUEUE_NAMES = ("mine", "overdue", "all")
DONE = re.compile(r"/console/new/done/([^/]+)/")
CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
NUMBER = re.compile(r"(?<![\d.])\d{2,4}(?![\d.])")
ENGLISH_WORD = re.compile(r"\b[A-Za-z]{4,}\b")


class BenchError(Exception):
    """The bench cannot run here (the message says why)."""


@dataclass
class Cast:
    """The seeded staff a bench signs in, by role: (username, venue id or None), venues in turn."""

    company: Company
    by_role: dict[str, list[tuple[str, int | None]]]

    def pick(self, roles: tuple[str, ...], count: int) -> list[tuple[str, int | None, str]]:
        """`count` people, the roles taken in turn and, within a role, a different venue each."""
        chosen = []
        for k in range(count):
            role = roles[k % len(roles)]
            people = self.by_role.get(role) or []
            if not people:
                raise BenchError(f"the company {BENCH_CODE} has nobody with the role {role}")
            username, venue = people[(k // len(roles)) % len(people)]
            chosen.append((username, venue, role))
        return chosen


def _cast() -> Cast:
    company = Company.objects.filter(code=BENCH_CODE).first()
    if company is None:
        raise BenchError(
            f"no company {BENCH_CODE} in this database: seed it first "
            "(amends bench seed --complaints N)"
        )
    by_role: dict[str, list[tuple[str, int | None]]] = {}
    # The first person of each role at each venue, venue after venue.
    seen: set[tuple[str, int | None]] = set()
    for username, role, venue in (
        RoleGrant.objects.filter(user__company=company, user__is_active=True)
        .order_by("venue__code", "user__username")
        .values_list("user__username", "role", "venue_id")
    ):
        if (role, venue) in seen or not username.startswith("bench-"):
            continue
        seen.add((role, venue))
        by_role.setdefault(role, []).append((username, venue))
    return Cast(company=company, by_role=by_role)


def _corpus(company: Company, size: int, rng: random.Random) -> list[tuple[str, str]]:
    """(language, description) of up to `size` seeded complaints picked at random by id."""
    ids = Complaint.objects.filter(company=company).order_by("pk").values_list("pk", flat=True)
    first, last = ids.first(), ids.last()
    if first is None or last is None:
        raise BenchError(f"the company {BENCH_CODE} has no complaints: seed some first")
    wanted = {rng.randint(first, last) for _ in range(size * 2)}
    return list(
        Complaint.objects.filter(company=company, pk__in=wanted)
        .order_by("pk")
        .values_list("language", "description")[:size]
    )


def search_queries(corpus: list[tuple[str, str]], rng: random.Random) -> list[tuple[str, str]]:
    """(kind, query) drawn from the complaints' own words, the five kinds in equal shares:
    Chinese 1, 2 and 3+ characters, mixed Chinese and a number, English."""
    zh = [text for lang, text in corpus if lang != "en"]
    en = [text for lang, text in corpus if lang == "en"]
    out: list[tuple[str, str]] = []
    for _ in range(40):
        runs = [run for text in rng.sample(zh, min(5, len(zh))) for run in CJK_RUN.findall(text)]
        if runs:
            run = rng.choice(runs)
            start = rng.randrange(len(run))
            out.append(("zh1", run[start]))
            start = rng.randrange(len(run) - 1)
            out.append(("zh2", run[start : start + 2]))
            longer = [r for r in runs if len(r) >= 3]
            if longer:
                run = rng.choice(longer)
                length = rng.randint(3, min(5, len(run)))
                start = rng.randrange(len(run) - length + 1)
                out.append(("zh3+", run[start : start + length]))
        for text in rng.sample(zh, min(10, len(zh))):
            numbers, runs = NUMBER.findall(text), CJK_RUN.findall(text)
            if numbers and runs:
                run = rng.choice(runs)
                out.append(("mixed", f"{run[:3]} {rng.choice(numbers)}"))
                break
        words = [
            w.lower()
            for text in rng.sample(en, min(5, len(en)))
            for w in ENGLISH_WORD.findall(text)
        ]
        if words:
            out.append(("en", rng.choice(words)))
    if not out:
        raise BenchError("the seeded complaints have no text to search for")
    return out


def _intake_form(venue: int | None, corpus: list[tuple[str, str]], rng: random.Random) -> dict:
    lang, description = rng.choice(corpus)
    return {
        "venue": str(venue),
        "channel": "front_desk",
        "customer_name": rng.choice(("王女士", "李先生", "张女士", "陈先生", "Emma Clark")),
        "phone": f"139{rng.randrange(10**8):08d}",
        "description": description,
        "customer_request": "",
        "language": lang if lang == "en" else "zh-hans",
        "confirm": "1",
    }


def _plan(
    bench: str, people: list[tuple[str, int | None, str]], corpus: list[tuple[str, str]], seed: int
) -> tuple[Callable[[int, int], Request], Callable[[int], list[Request]]]:
    """The request each client sends i-th, and the untimed requests that warm it up."""
    rng = random.Random(seed)  # noqa: S311 - made-up load, reproducible
    if bench == "queue":

        def queue(k: int, i: int) -> Request:
            name = QUEUE_NAMES[(k + i) % len(QUEUE_NAMES)]
            return Request("GET", f"/console/queue/{name}/", kind=f"{people[k][2]}:{name}")

        return queue, lambda k: [queue(k, n) for n in range(len(QUEUE_NAMES))]
    if bench == "search":
        queries = search_queries(corpus, rng)
        rng.shuffle(queries)

        def search(k: int, i: int) -> Request:
            kind, text = queries[(k * 7 + i) % len(queries)]
            path = "/console/search/?" + urlencode({"q": text})
            return Request("GET", path, ok=(200, 302), kind=kind)

        return search, lambda k: [search(k, n) for n in range(2)]
    if bench in ("dashboard", "approvals"):
        path = "/console/" if bench == "dashboard" else "/console/approvals/"

        def page(k: int, i: int) -> Request:
            return Request("GET", path, kind=people[k][2])

        return page, lambda k: [page(k, 0)]
    if bench == "intake":

        def intake(k: int, i: int) -> Request:
            form = _intake_form(people[k][1], corpus, rng)
            return Request("POST", "/console/new/", form, ok=(302,), kind="intake", csrf=True)

        return intake, lambda k: [Request("GET", "/console/new/")]
    raise BenchError(f"unknown bench {bench!r}")


ROLES = {
    "queue": (Role.MANAGER, Role.FRONT_DESK),
    "search": (Role.MANAGER, Role.FRONT_DESK, Role.MANAGER, Role.DIRECTOR),
    "dashboard": (Role.MANAGER, Role.GENERAL_MANAGER, Role.DIRECTOR),
    "approvals": (Role.MANAGER, Role.GENERAL_MANAGER, Role.DIRECTOR),
    "intake": (Role.FRONT_DESK,),
}


def run(
    bench: str,
    *,
    concurrency: int = 8,
    requests: int = 300,
    workers: int = 1,
    threads: int = THREADS,
    seed: int = 1,
) -> dict[str, Any]:
    """Start the server, sign `concurrency` people in, send `requests` requests, stop the server
    (whatever happens); return the figures (see docs/benchmarks.md for each key)."""
    try:
        check_allowed()
    except SeedError as exc:
        raise BenchError(str(exc).replace("bench seed", f"bench {bench}")) from None
    if bench not in BENCHES:
        raise BenchError(f"unknown bench {bench!r}: one of {', '.join(BENCHES)}")
    if min(concurrency, requests, workers, threads) < 1:
        raise BenchError("--concurrency, --requests, --workers and --threads must be 1 or more")
    cast = _cast()
    rng = random.Random(seed)  # noqa: S311
    corpus = _corpus(cast.company, 400, rng)
    people = cast.pick(ROLES[bench], concurrency)
    users = [(username, BENCH_PASSWORD) for username, _venue, _role in people]
    plan, warmup = _plan(bench, people, corpus, seed)
    complaints = Complaint.objects.count()
    load_before = os.getloadavg()
    figures: dict[str, Any] = {"bench": bench}
    try:
        with Server(workers=workers, threads=threads) as server:
            measured, clients = run_load(
                port=server.port,
                users=users,
                plan=plan,
                requests=requests,
                warmup=warmup,
                cpu=server.cpu_seconds,
                check=server.check,
            )
            figures.update(measured.summary())
            figures["by_kind"] = measured.by_kind()
            if measured.errors:
                figures["error_examples"] = measured.errors[:5]
            if bench == "intake":
                references = [
                    m.group(1) for _r, a in measured.samples if (m := DONE.search(a.location))
                ]
                figures["created"] = len(references)
                figures["created_references"] = references[:3]
                figures.update(_ceiling(server, clients, requests))
            rss = server.rss_mb()
            figures["server_pids"] = server.pids
            for client in clients:
                client.close()
    except (ServerError, LoadError) as exc:
        raise BenchError(str(exc)) from exc
    figures.update(
        concurrency=concurrency,
        workers=workers,
        threads=threads,
        server="waitress",
        server_rss_mb=round(max(rss), 1) if rss else None,
        server_rss_mb_each=[round(r, 1) for r in rss],
        complaints=complaints,
        users=sorted({role for _u, _v, role in people}),
        database=_database(),
        machine=_machine(load_before),
        versions=_versions(),
    )
    return figures


def _ceiling(server: Server, clients: list[Client], requests: int) -> dict[str, Any]:
    """The bare insert view on the same connections and server, then its rows deleted. The
    clients send no cookies to it: no session, no user — one insert through the middleware."""
    for client in clients:
        client.cookies.clear()
    measured, _ = run_load(
        port=server.port,
        users=[],
        plan=lambda k, i: Request("POST", "/bench/ceiling/", {}, ok=(201,), kind="ceiling"),
        requests=requests,
        cpu=server.cpu_seconds,
        check=server.check,
        clients=clients,
    )
    ids = [int(a.body) for _r, a in measured.samples if a.status == 201 and a.body.isdigit()]
    for start in range(0, len(ids), 1000):
        BenchCeilingRow.objects.filter(pk__in=ids[start : start + 1000]).delete()
    summary = measured.summary(prefix="ceiling_")
    keep = (
        *("per_s", "p50_ms", "p95_ms", "mean_ms", "queries_per_request", "cpu_ms_per_request"),
        *("app_cpu_ms_per_request", "errors", "requests"),
    )
    return {f"ceiling_{key}": summary[f"ceiling_{key}"] for key in keep}


def _database() -> dict[str, Any]:
    if connection.vendor == "postgresql":
        version = connection.pg_version  # type: ignore[attr-defined]
        text = f"{version // 10000}.{version % 10000}"
    else:
        text = sqlite3.sqlite_version
    return {
        "vendor": connection.vendor,
        "name": str(connection.settings_dict.get("NAME")),
        "version": text,
    }


def _machine(load_before: tuple[float, float, float]) -> dict[str, Any]:
    ram = 0
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    ram = int(line.split()[1]) // 1024
    except OSError:
        pass
    return {
        "node": platform.node(),
        "cpus": os.cpu_count(),
        "ram_mb": ram,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


def _versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "waitress": importlib.metadata.version("waitress"),
        "database": _database()["version"],
    }


def table(figures: dict[str, Any]) -> str:
    """The figures as text for a person."""
    f = figures
    lines = [
        f"amends bench {f['bench']}: {f['requests']:,} requests, {f['concurrency']} clients, "
        f"{f['workers']} worker(s) × {f['threads']} threads (waitress), "
        f"{f['complaints']:,} complaints",
        f"  p50 {f['p50_ms']:.1f} ms   p95 {f['p95_ms']:.1f} ms   mean {f['mean_ms']:.1f} ms   "
        f"max {f['max_ms']:.1f} ms   {f['per_s']:.1f} requests/s",
        f"  queries per request {f['queries_per_request']} (max {f['queries_max']})   "
        f"server CPU per request {f['cpu_ms_per_request']} ms "
        f"(request thread {f['app_cpu_ms_per_request']} ms)",
        f"  errors {f['errors']}   statuses {f['statuses']}",
    ]
    if "ceiling_per_s" in f:
        lines.append(
            f"  created {f['created']} complaints; ceiling (bare insert view): "
            f"{f['ceiling_per_s']:.1f}/s, p50 {f['ceiling_p50_ms']:.1f} ms, "
            f"p95 {f['ceiling_p95_ms']:.1f} ms, {f['ceiling_queries_per_request']} queries, "
            f"CPU {f['ceiling_cpu_ms_per_request']} ms per request"
        )
    for kind, k in f.get("by_kind", {}).items():
        lines.append(
            f"    {kind:<24} {k['requests']:>6}  p50 {k['p50_ms']:>8.1f} ms  "
            f"p95 {k['p95_ms']:>8.1f} ms  queries {k['queries_per_request']}"
        )
    m, v, d = f["machine"], f["versions"], f["database"]
    lines.append(
        f"  server RSS after the load {f['server_rss_mb']} MB (each worker: "
        f"{f['server_rss_mb_each']})"
    )
    lines.append(
        f"  machine {m['node']}: {m['cpus']} CPUs, {m['ram_mb']:,} MB RAM, load average "
        f"{m['load_average_before']} → {m['load_average_after']}"
    )
    lines.append(
        f"  Python {v['python']}, Django {v['django']}, waitress {v['waitress']}, "
        f"{d['vendor']} {d['version']} ({d['name']})"
    )
    return "\n".join(lines)
