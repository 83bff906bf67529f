"""A customer's link never reaches the logs: Django logs the path of every refused request."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from amends.core.logs import RedactTokens, redact

TRACKING = "/c/GYM1-20261120-0001/4f189e66a1b2c3d4e5f60718293a4b5c/do/message/"
SURVEY = "/s/Zq3vN8yK2mQpL0xR7tW4uE1iO9aS6dF5gH3jK8lC2bV/"


def test_it_masks_tracking_and_survey_tokens_and_keeps_the_rest() -> None:
    assert redact(f"Bad Request: {TRACKING}") == "Bad Request: /c/GYM1-20261120-0001/…/do/message/"
    assert redact(f"Gone: {SURVEY}") == "Gone: /s/…/"
    assert redact("/console/c/GYM1-20261120-0001/") == "/console/c/GYM1-20261120-0001/"


@pytest.mark.django_db
def test_a_refused_customer_request_is_logged_without_its_token(caplog) -> None:
    caplog.handler.addFilter(RedactTokens())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        Client().get("/c/GYM1-20261120-0001/4f189e66a1b2c3d4e5f60718293a4b5c/")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "GYM1-20261120-0001" in logged
    assert "4f189e66a1b2c3d4e5f60718293a4b5c" not in logged


def test_the_log_handler_amends_configures_masks_them() -> None:
    handlers = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]
    assert handlers and all(
        any(isinstance(f, RedactTokens) for f in handler.filters) for handler in handlers
    )
