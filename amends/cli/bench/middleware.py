"""Bench mode only (AMENDS_BENCH=1 in the server's environment; settings.py adds it first in
MIDDLEWARE then, never otherwise): every response says what its request cost the server.

- `X-Bench-Queries`: the SQL statements the request ran, on every database alias, counted with
  `connection.execute_wrapper` from the first middleware on (sessions and the user included).
- `X-Bench-CPU-Ms`: the CPU time of the thread that served the request (`time.thread_time`).
  Not `time.process_time`: waitress serves on threads, and the process's CPU clock would count
  whatever the neighbouring threads did meanwhile. The whole process's CPU over a run is read
  from /proc by the bench itself (`cpu_ms_per_request`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from django.db import connections
from django.http import HttpRequest, HttpResponse

QUERIES_HEADER = "X-Bench-Queries"
CPU_HEADER = "X-Bench-CPU-Ms"


class BenchMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = [0]

        def counter(
            execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
        ) -> Any:
            count[0] += 1
            return execute(sql, params, many, context)

        started = time.thread_time()
        with ExitStack() as stack:
            for alias in connections:
                stack.enter_context(connections[alias].execute_wrapper(counter))
            response = self.get_response(request)
        response[QUERIES_HEADER] = str(count[0])
        response[CPU_HEADER] = f"{(time.thread_time() - started) * 1000:.3f}"
        return response
