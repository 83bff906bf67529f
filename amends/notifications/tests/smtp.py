"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 at a free port, keeping every message it
accepts (raw bytes). Reusable: the `smtp_server` fixture points Django's SMTP backend at it.

    def test_it_mails(smtp_server):
        ...deliver...
        assert smtp_server.parsed()[0]["Subject"] == "…"

`stop()` takes the server down (connections are refused: the mail server is "down"); `start()`
brings it back on the same port.
"""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Keep:
    """The aiosmtpd handler: accept every message and keep it."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        answer = self.server.refuse.get(address)
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.server.messages.append(bytes(envelope.original_content or envelope.content))
        self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpServer:
    """A running SMTP server: `.port`, `.messages` (raw bytes, in arrival order), `.envelopes`
    ((MAIL FROM, RCPT TOs) per message), `.refuse` (recipients it refuses, with the answer)."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[bytes] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        # Recipients to refuse, with the answer: {"nobody@example.com": "550 No such user"}.
        self.refuse: dict[str, str] = {}
        self._controller: Controller | None = None

    def start(self) -> None:
        if self._controller is None:
            self._controller = Controller(_Keep(self), hostname=self.host, port=self.port)
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def parsed(self) -> list[EmailMessage]:
        """Every message as a parsed email (modern policy: headers decoded)."""
        return [
            email.message_from_bytes(raw, policy=policy.default)  # type: ignore[misc]
            for raw in self.messages
        ]

    def settings(self) -> dict[str, Any]:
        """Django settings that send through this server."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": self.host,
            "EMAIL_PORT": self.port,
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_TIMEOUT": 5,
        }


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpServer]:
    """A real SMTP server, and Django's mail pointed at it for the test."""
    server = SmtpServer()
    server.start()
    for name, value in server.settings().items():
        setattr(settings, name, value)
    try:
        yield server
    finally:
        server.stop()
