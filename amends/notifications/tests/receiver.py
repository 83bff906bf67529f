"""A tiny real HTTP server for tests (http.server in a thread): the SMS gateway and a webhook
receiver. It records every request and answers what it is told to.

    receiver.answer(503)            # the next request gets 503, then back to the default
    receiver.default = (200, '{"id": "gw-1"}')
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.default: tuple[int, str] = (200, '{"ok": true}')
        self._answers: list[tuple[int, str]] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.requests.append(
                        Request("POST", self.path, dict(self.headers.items()), body)
                    )
                    status, text = (
                        receiver._answers.pop(0) if receiver._answers else receiver.default
                    )
                    text = text.replace("{n}", str(len(receiver.requests)))
                payload = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet tests

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def answer(self, *statuses: int | tuple[int, str]) -> None:
        """The next requests' answers, in order (a bare status answers an empty JSON object)."""
        with self._lock:
            for status in statuses:
                self._answers.append(status if isinstance(status, tuple) else (status, "{}"))

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    """A real HTTP server on loopback: webhooks may reach it (AMENDS_WEBHOOK_ALLOW_PRIVATE, as an
    intranet integration would be configured)."""
    settings.AMENDS_WEBHOOK_ALLOW_PRIVATE = True
    server = Receiver()
    try:
        yield server
    finally:
        server.close()
