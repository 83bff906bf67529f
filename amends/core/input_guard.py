"""Input that no face may take, refused before any view sees it, and text limits for services.

`InputGuardMiddleware` answers 400 (the API's JSON error shape under /api/, the error page
elsewhere) when a request carries:

- a NUL character anywhere a view or the database could read it: the path, a query or form
  key or value (any method, also PUT/PATCH form bodies), a JSON body's keys and strings (the
  API: `"\\u0000"` is NUL once parsed), a header or a cookie (a session or CSRF cookie with NUL
  reaches the database). PostgreSQL cannot store or even compare text holding NUL, so left
  alone it is a 500 there (code "nul_character");
- a form or query value longer than `MAX_FIELD_CHARS` (code "text_too_long"): a backstop under
  each form's own `max_length`, so that no form, even one that forgot its limit, writes an
  unbounded text.

It complements `amends.console.middleware.RefuseNulMiddleware` (path, query and POST form
only) and belongs in MIDDLEWARE just after it (or in its place: it checks everything that one
does). It reads the body only for JSON and url-encoded requests; multipart bodies are left to
Django's parser (their fields are checked through `request.POST`, file names are cleaned by
`amends.core.uploads.safe_filename`).

`check_text` is the service-side rule: a service refuses a text over its limit with
`InvalidInput` ("text_too_long", naming the field), whatever face called it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from amends.core.errors import InvalidInput

__all__ = [
    "MAX_FIELD_CHARS",
    "InputGuardMiddleware",
    "check_text",
    "refusal_of",
]

NUL = "\x00"
MAX_FIELD_CHARS = 20_000
"""No form or query value is longer (the longest text a form takes is 10,000 characters)."""

# Limits shared by forms, API schemas and services.
NAME_CHARS = 100
PHONE_CHARS = 40
EMAIL_CHARS = 254
SHORT_TEXT_CHARS = 300
TEXT_CHARS = 5_000
LONG_TEXT_CHARS = 10_000
SEARCH_CHARS = 200


def check_text(value: str | None, *, limit: int, field: str, label: Any = "") -> str:
    """`value` unchanged if it is at most `limit` characters; else `InvalidInput`
    ("text_too_long") saying the limit, with `field` for the form or API to point at."""
    text = value or ""
    if NUL in text:
        raise InvalidInput(
            _("The text holds a NUL character, which no field may contain."),
            code="nul_character",
            field=field,
            fields={field: [str(_("The text holds a NUL character."))]},
        )
    if len(text) > limit:
        message = (
            format_lazy(
                _("{label} is too long: at most {limit} characters, not {length}."),
                label=label,
                limit=limit,
                length=len(text),
            )
            if label
            else format_lazy(
                _("The text is too long: at most {limit} characters, not {length}."),
                limit=limit,
                length=len(text),
            )
        )
        raise InvalidInput(
            message, code="text_too_long", field=field, limit=limit, fields={field: [message]}
        )
    return text


# --- the middleware ---------------------------------------------------------------------------


def _strings(value: Any) -> Iterable[str]:
    """Every key and string in a parsed JSON value."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for key, child in item.items():
                yield str(key)
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)


def _form_items(query: QueryDict) -> Iterable[tuple[str, str]]:
    for key, values in query.lists():
        for value in values:
            yield key, value


def _body_query(request: HttpRequest) -> QueryDict | None:
    """The url-encoded body of a request that is not a POST (Django parses only POST's)."""
    if request.method in ("GET", "HEAD", "OPTIONS", "POST"):
        return None
    if request.content_type != "application/x-www-form-urlencoded":
        return None
    try:
        return QueryDict(request.body, encoding=request.encoding)
    except Exception:  # a body Django cannot read is the view's to refuse
        return None


def _json_body(request: HttpRequest) -> Any:
    content_type = request.content_type or ""
    if content_type != "application/json" and not content_type.endswith("+json"):
        return None
    try:
        return json.loads(request.body or b"null")
    except Exception:  # not JSON (or too big): the view answers it
        return None


def refusal_of(request: HttpRequest) -> str | None:
    """The code of what is wrong with `request` ("nul_character", "text_too_long"), or None."""
    if NUL in request.path or NUL in request.path_info:
        return "nul_character"
    for name, value in request.META.items():
        if name.startswith("HTTP_") and isinstance(value, str) and NUL in value:
            return "nul_character"
    for name, value in request.COOKIES.items():
        if NUL in name or NUL in value:
            return "nul_character"
    queries: list[QueryDict] = [request.GET]
    if request.method == "POST":
        queries.append(request.POST)
    extra = _body_query(request)
    if extra is not None:
        queries.append(extra)
    too_long = False
    for query in queries:
        for key, value in _form_items(query):
            if NUL in key or NUL in value:
                return "nul_character"
            too_long = too_long or len(value) > MAX_FIELD_CHARS
    parsed = _json_body(request)
    if parsed is not None and any(NUL in text for text in _strings(parsed)):
        return "nul_character"
    return "text_too_long" if too_long else None


MESSAGES = {
    "nul_character": _("The request holds a NUL character, which no field may contain."),
    "text_too_long": format_lazy(
        _("A field of the request is too long (at most {limit} characters)."),
        limit=MAX_FIELD_CHARS,
    ),
}


class InputGuardMiddleware:
    """Refuse, with 400, a request holding NUL anywhere or an over-long form value (see the
    module's doc). Nothing else is touched."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            code = refusal_of(request)
        except Exception:  # an unreadable request is the view's (Django's) to refuse
            code = None
        if code is None:
            return self.get_response(request)
        message = str(MESSAGES[code])
        if request.path.startswith("/api/"):
            return JsonResponse({"code": code, "message": message, "fields": {}}, status=400)
        context = {"message": message, "code": code}
        return render(request, "console/error.html", context, status=400)
