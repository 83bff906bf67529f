"""Every error the API answers, as JSON: `{"code": ..., "message": ..., "fields": {...}}`.

`code` is stable and machine-readable; `message` is in the request's language (Accept-Language,
through LocaleMiddleware); `fields` maps an input field to its messages when the input was at
fault. Statuses:

| status | when | codes (examples) |
|---|---|---|
| 400 | the request could not be read | malformed_request, invalid_cursor |
| 401 | no API key, an unknown or a revoked one | unauthorized |
| 403 | the key may see the complaint but not do this | action_not_allowed, scope_missing |
| 404 | no such complaint (or out of the key's reach), path | complaint_not_found, not_found |
| 405 | the path does not take this method | method_not_allowed |
| 409 | a stale version; not possible in this state | stale_version, invalid_transition |
| 422 | the input is not valid | invalid_input, idempotency_key_reused |
| 429 | too many requests for this key this minute | rate_limited (Retry-After) |
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, Field

from amends.core.errors import DomainError, InvalidInput

IDENTIFIER = re.compile(r"\w+")

# Messages the API gives in its own words, by code (the services' own messages otherwise).
MESSAGES: dict[str, Any] = {
    "unauthorized": _("Give a valid API key: Authorization: Bearer <key>."),
    "rate_limited": _("Too many requests with this API key: wait and try again."),
    "not_found": _("There is nothing here."),
    "complaint_not_found": _("This complaint does not exist."),
    "venue_not_found": _("This venue does not exist."),
    "method_not_allowed": _("This path does not take this method."),
    "invalid_input": _("The request is not valid: see the fields."),
    "malformed_request": _("The request body could not be read."),
    "invalid_cursor": _("This cursor is not valid: start again from the first page."),
    "idempotency_key_reused": _("This Idempotency-Key was already used for another request."),
    "customer_required": _("Give the customer's name, phone or email."),
    "forbidden": _("This API key may not do this."),
}

# Which input field an error code of the services is about.
FIELD_OF_CODE = {
    "invalid_phone": "phone",
    "invalid_email": "email",
    "customer_required": "customer_name",
    "version_required": "version",
}

# How a pydantic error type reads, in the reader's language.
PYDANTIC_MESSAGES: dict[str, Any] = {
    "missing": _("This field is required."),
    "extra_forbidden": _("Unknown field."),
    "string_too_long": _("This text is too long."),
    "string_too_short": _("This text is too short."),
    "literal_error": _("Choose one of the allowed values."),
    "enum": _("Choose one of the allowed values."),
}


class ErrorOut(BaseModel):
    """An error answer."""

    code: str = Field(description="Stable, machine-readable error code.")
    message: str = Field(description="What went wrong, in the request's language.")
    fields: dict[str, list[str]] = Field(
        default_factory=dict, description="Input field → its messages, when the input was at fault."
    )


class ApiError(Exception):
    """An error the API itself raises (not a service's): status, code, message, fields."""

    def __init__(
        self,
        status: int,
        code: str,
        message: Any = None,
        *,
        fields: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message if message is not None else MESSAGES.get(code, code)
        self.fields = dict(fields or {})
        self.headers = dict(headers or {})


def body(code: str, message: Any, fields: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": str(message), "fields": _fields(fields or {})}


def _fields(fields: Mapping[str, Any]) -> dict[str, list[str]]:
    """Normalise a service's `fields` (field → message or messages) to field → list of str."""
    out: dict[str, list[str]] = {}
    for name, messages in fields.items():
        if isinstance(messages, list | tuple):
            out[str(name)] = [str(m) for m in messages]
        else:
            out[str(name)] = [str(messages)]
    return out


def domain_status(error: DomainError) -> int:
    """The HTTP status of a service's error: bad input is 422 (the request was readable)."""
    return 422 if isinstance(error, InvalidInput) else error.http_status


def domain_body(error: DomainError) -> dict[str, Any]:
    fields = dict(error.params.get("fields") or {})
    field = FIELD_OF_CODE.get(error.code)
    message = MESSAGES.get(error.code, error.message)
    if field and field not in fields:
        fields[field] = [message]
    return body(error.code, message, fields)


def validation_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Ninja's (pydantic's) errors as field → messages. The location's leading parts (where the
    value came from: body, query, path, header; the parameter's own name) are left out."""
    out: dict[str, list[str]] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header", "form", "file", "cookie"):
            loc = loc[1:]
        if len(loc) > 1 and loc[0] in ("payload", "filters", "query", "data"):
            loc = loc[1:]
        # A union's member ("literal['a','b']", "function-after[…]") is no part of the field.
        named = list(itertools.takewhile(lambda part: IDENTIFIER.fullmatch(part), loc))
        name = ".".join(named) or "__all__"
        message = PYDANTIC_MESSAGES.get(str(error.get("type", "")))
        if message is None:
            raw = str(error.get("msg", ""))
            message = _("Enter a valid value.") if not raw else raw.removeprefix("Value error, ")
        out.setdefault(name, []).append(str(message))
    return out
