from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from amends.inbound.tests.imap import ImapServer, imap_server_fixture


@pytest.fixture(scope="session")
def imap_server_process() -> Iterator[ImapServer]:
    """One dovecot for the session (it starts in about a second)."""
    yield from imap_server_fixture()


@pytest.fixture
def imap_server(imap_server_process: ImapServer) -> Iterator[ImapServer]:
    """A real IMAP server with an empty INBOX: host, port, user, password, append(raw)."""
    imap_server_process.clear()
    yield imap_server_process


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    # The per-sender loop guard counts in the cache, which outlives a test's database.
    cache.clear()
