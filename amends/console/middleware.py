"""Console request plumbing: the signed-in person's language, and domain errors as pages."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from amends.core.errors import DomainError, NotFound, PermissionDenied


class UserLanguageMiddleware:
    """Speak the language the signed-in person chose (remembered on their account); anonymous
    visitors get LocaleMiddleware's choice from the cookie or the browser."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = getattr(user, "language", "") or translation.get_language()
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A DomainError that reached the top is the viewer's problem, never a 500: not found,
        not allowed, or a refused step, shown as a page with the reason (and its code)."""
        if not isinstance(exception, DomainError) or not request.path.startswith("/console/"):
            return None
        if isinstance(exception, NotFound):
            template = "console/404.html"
        elif isinstance(exception, PermissionDenied):
            template = "console/403.html"
        else:
            template = "console/error.html"
        context = {"message": exception.message, "code": exception.code}
        return render(request, template, context, status=exception.http_status)


NUL = "\x00"


def _carries_nul(request: HttpRequest) -> bool:
    if NUL in request.path:
        return True
    for query in (request.GET, request.POST if request.method == "POST" else None):
        if query is None:
            continue
        for key, values in query.lists():
            if NUL in key or any(NUL in value for value in values):
                return True
    return False


class RefuseNulMiddleware:
    """A NUL character in the address or a form field is refused with 400 before any view
    sees it: PostgreSQL cannot store or even compare text holding one (a 500 otherwise), and
    no person types one. The API answers in its JSON error shape; pages with the error page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _carries_nul(request):
            return self.get_response(request)
        message = _("The request holds a NUL character, which no field may contain.")
        if request.path.startswith("/api/"):
            body = {"code": "nul_character", "message": message, "fields": {}}
            return JsonResponse(body, status=400)
        context = {"message": message, "code": "nul_character"}
        return render(request, "console/error.html", context, status=400)
