"""A mail gateway hands amends the emails it receives: a raw RFC 5322 message per request.

The message is stored once by its Message-ID and processed (a new complaint, or a reply threaded
into one) by `amends.inbound.services.inbound_store_and_process`, the same path as amends' own
mailbox reader; sending the same message twice is harmless."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from amends.api.auth import company_of, principal_of, require_scope
from amends.api.errors import ApiError, ErrorOut
from amends.api.schemas import InboundOut, Text
from amends.api.selectors import venue_for_key
from amends.complaints.models import Complaint
from amends.core.principals import ApiScope, Principal
from amends.orgs.models import Venue

router = Router(tags=["inbound"])

ERRORS = frozenset({400, 401, 403, 404, 422, 429})

REQUEST_BODY = {
    "required": True,
    "content": {
        "message/rfc822": {"schema": {"type": "string", "format": "binary"}},
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"raw": {"type": "string", "format": "byte"}},
                "required": ["raw"],
                "additionalProperties": False,
            }
        },
    },
}


class InboundQuery(Schema):
    venue: Text | None = Field(
        None, max_length=12, description="Venue code; default the key's venue."
    )


def raw_message(request: HttpRequest) -> bytes:
    """The raw message: the body itself, or base64 in `{"raw": …}` for a JSON body."""
    try:
        content = request.body
    except RequestDataTooBig:
        raise ApiError(400, "malformed_request") from None
    if request.content_type == "application/json":
        try:
            data: Any = json.loads(content)
            raw = base64.b64decode(data["raw"], validate=True)
        except (
            ValueError,
            TypeError,
            KeyError,
            RecursionError,
            binascii.Error,
            UnicodeDecodeError,
        ):
            raise ApiError(400, "malformed_request") from None
    else:
        raw = content
    if not raw.strip():
        raise ApiError(400, "malformed_request")
    return raw


def _venue(principal: Principal, code: str | None) -> Venue:
    """The venue a new complaint opens at — and whose company a reply must belong to: never
    none, so a key's mail can only thread into its own company's complaints."""
    if code:
        return venue_for_key(principal=principal, code=code)
    if principal.venue_id is not None:
        return Venue.objects.get(pk=principal.venue_id)
    message = _("Say which venue the mailbox belongs to: ?venue=CODE.")
    raise ApiError(422, "venue_required", message, fields={"venue": [message]})


@router.post(
    "/inbound/email",
    response={202: InboundOut, ERRORS: ErrorOut},
    operation_id="inbound_email",
    summary="Hand over a received email (raw RFC 5322)",
    openapi_extra={"requestBody": REQUEST_BODY},
)
def inbound_email(request: HttpRequest, query: Query[InboundQuery]) -> Status[InboundOut]:
    """Needs complaints:write. Answers 202 with what became of the message: `complaint` (a new
    one, `reference` given), `reply` (threaded into `reference`), `ignored` (auto-reply, bounce,
    loop), `failed` or `pending` (kept, to be processed again)."""
    from amends.inbound.services import inbound_store_and_process

    principal = principal_of(request)
    require_scope(principal, ApiScope.WRITE)
    venue = _venue(principal, query.venue)
    # A venue key's gateway threads replies into that venue's complaints only.
    limited = principal.venue_id is not None
    message = inbound_store_and_process(raw=raw_message(request), venue=venue, venue_only=limited)
    reference = None
    if message.complaint_id is not None:
        reach = Complaint.objects.filter(pk=message.complaint_id, company_id=company_of(principal))
        if principal.venue_id is not None:
            reach = reach.filter(venue_id=principal.venue_id)
        reference = reach.values_list("reference", flat=True).first()
    return Status(202, InboundOut(status=message.status, reference=reference))
