"""/api/v1/: the ninja API, every answer JSON — also a path that does not exist (404) and a
method a path does not take (405), which Django and ninja would answer in plain text."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, path, re_path, reverse
from django.views.decorators.csrf import csrf_exempt

from amends.api.api import api
from amends.api.errors import MESSAGES, body

View = Callable[..., HttpResponse]


def _json_405(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and "json" not in response.get("Content-Type", ""):
            allowed = response.get("Allow", "")
            response = JsonResponse(
                body("method_not_allowed", MESSAGES["method_not_allowed"]), status=405
            )
            response["Allow"] = allowed
        return response

    return wrapped


@csrf_exempt
def index(request: HttpRequest) -> HttpResponse:
    """Where to start: the OpenAPI document and the docs page (no key needed)."""
    return JsonResponse(
        {
            "name": api.title,
            "version": api.version,
            "openapi": reverse("api:openapi-json"),
            "docs": reverse("api:openapi-view"),
        }
    )


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return JsonResponse(body("not_found", MESSAGES["not_found"]), status=404)


def _patterns() -> list[URLPattern | URLResolver]:
    patterns, _app, _namespace = api.urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = _json_405(pattern.callback)
    return list(patterns)


app_name = "api"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", index, name="index"),
    *_patterns(),
    re_path(r"^(?P<rest>.*)$", not_found, name="not-found"),
]
