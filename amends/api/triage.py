"""Triage before a complaint is sent: a venue's app posts what the customer has typed and shows
the hints (category, severity, what to add) before the customer submits. Nothing is recorded."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from pydantic import Field

from amends.api.auth import principal_of, require_scope
from amends.api.errors import ErrorOut
from amends.api.schemas import Strict, Text, TriageOut, triage_out
from amends.complaints.services import triage as triage_service
from amends.core.errors import InvalidInput
from amends.core.principals import ApiScope

router = Router(tags=["triage"])

ERRORS = frozenset({400, 401, 403, 422, 429})
MAX_TEXT = 10_000  # as a complaint's description


class TriageIn(Strict):
    text: Text = Field(
        min_length=1,
        max_length=MAX_TEXT,
        description="What the customer has typed so far (description, consequence, request).",
    )


@router.post(
    "/triage",
    response={200: TriageOut, ERRORS: ErrorOut},
    operation_id="triage",
    summary="Read a complaint's text and suggest",
)
def triage(request: HttpRequest, payload: TriageIn) -> TriageOut:
    """Any reading scope is enough (complaints:read, or a key that records or speaks for the
    customer). Answers the suggestion — codes, confidences, the words behind them, the kinds of
    personal data in the text — and keeps nothing. Limited per key per minute like every call."""
    principal = principal_of(request)
    require_scope(principal, *(scope.value for scope in ApiScope))
    suggestion = triage_service.read(payload.text)
    out = triage_out(suggestion.as_record(), applied=[]) if suggestion is not None else None
    if out is None:
        message = _("Give the text to read.")
        raise InvalidInput(message, code="text_required", fields={"text": [message]})
    return out
