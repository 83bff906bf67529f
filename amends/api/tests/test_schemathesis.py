"""The whole OpenAPI document, fuzzed (Schemathesis): whatever a client sends, amends answers
no 5xx, and every answer matches the document — against a real database holding the cast, a
complaint and an API key with every scope.

Deterministic (derandomized Hypothesis, no example database) and bounded (MAX_EXAMPLES per
operation). Path parameters name real things (the complaint, a venue) so the operations run
their services, not only their 404s; the body's `version` is the complaint's current one, a new
complaint is at the gym, inbound mail is the gym's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from amends.api.tests.conftest import ALL, NOW, make_key
from amends.complaints.models import Complaint
from amends.complaints.tests.stories import received
from amends.conftest import Cast
from amends.core import clock

MAX_EXAMPLES = 5


class World:
    """What the fuzzed requests find: a complaint at the gym and a key with every scope."""

    def __init__(self, cast: Cast) -> None:
        with clock.travel(NOW):
            self.complaint = received(cast)
            self.key = make_key(cast.company, "fuzzer", ALL)


@pytest.fixture
def world(cast: Cast, settings: Any, tmp_path: Path) -> Iterator[World]:
    settings.AMENDS_API_RATE_PER_MINUTE = 100_000
    settings.MEDIA_ROOT = tmp_path  # evidence files
    # Requests go through the plain WSGI handler, which closes the database connection at the
    # end of each request; the test's transaction must outlive them (as Django's test client
    # arranges for its own requests).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield World(cast)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# The document needs no key and no database: it is read once, when the tests are collected
# (schemathesis' lazy fixture loader does not run on pytest 9), and calls go to the same WSGI
# application, in the test's own database transaction.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

# A raw email is bytes, as application/octet-stream is (the built-in binary serializer).
schemathesis.serializer.alias("message/rfc822", "application/octet-stream")


@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_never_fails_and_keeps_to_its_document(case: Any, world: World) -> None:
    complaint = Complaint.objects.get(pk=world.complaint.pk)
    if case.path_parameters:
        if "reference" in case.path_parameters:
            case.path_parameters["reference"] = complaint.reference
        if "code" in case.path_parameters:
            case.path_parameters["code"] = "GYM1"
    if isinstance(case.body, dict):
        if "version" in case.body:
            case.body["version"] = complaint.version
        if "venue" in case.body:  # a new complaint at the gym, whatever else it says
            case.body["venue"] = "GYM1"
    if case.path.endswith("/inbound/email"):  # mail of the gym's mailbox
        case.query = {**(case.query or {}), "venue": "GYM1"}
    case.call_and_validate(
        headers={"Authorization": f"Bearer {world.key}"},
        checks=[not_a_server_error, response_schema_conformance, status_code_conformance],
    )
