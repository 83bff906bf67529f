"""Console request plumbing: the signed-in person's language, and domain errors as pages."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

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
