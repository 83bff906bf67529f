"""The API object: authentication, error answers, and the routers of each topic."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Swagger
from ninja.errors import HttpError, ValidationError

from amends.api.auth import ApiKeyAuth
from amends.api.errors import MESSAGES, ApiError, body, domain_body, domain_status
from amends.api.errors import validation_fields as _validation_fields
from amends.core.errors import DomainError

DESCRIPTION = """Complaints, their actions, conversation and evidence, the taxonomy and the venues,
for a venue's app, a mini-program, a mail gateway or a CRM. Authenticate with an API key:
`Authorization: Bearer amk_…`. Errors are JSON `{"code", "message", "fields"}`. See docs/api.md."""

# Codes of the statuses ninja itself answers (no key, unreadable body …).
HTTP_CODES = {
    400: "malformed_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    429: "rate_limited",
}

api = NinjaAPI(
    title="amends API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=ApiKeyAuth(),
    # ninja is an installed app: its template loads Swagger UI from our static files (served by
    # whitenoise), never from a CDN.
    docs=Swagger(settings={"persistAuthorization": True}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def answer(request: HttpRequest, status: int, content: dict[str, Any]) -> HttpResponse:
    return api.create_response(request, content, status=status)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    response = answer(request, exc.status, body(exc.code, exc.message, exc.fields))
    for name, value in exc.headers.items():
        response[name] = value
    if exc.status == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return answer(request, domain_status(exc), domain_body(exc))


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = _validation_fields(list(exc.errors))
    return answer(request, 422, body("invalid_input", MESSAGES["invalid_input"], fields))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = HTTP_CODES.get(exc.status_code, "http_error")
    response = answer(request, exc.status_code, body(code, MESSAGES.get(code, str(exc))))
    if exc.status_code == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return answer(request, 404, body("not_found", MESSAGES["not_found"]))


def _routers() -> None:
    from amends.api import complaints, equipment, inbound, reference, triage

    api.add_router("", reference.router)
    api.add_router("", complaints.router)
    api.add_router("", inbound.router)
    api.add_router("", triage.router)
    api.add_router("", equipment.router)


_routers()
