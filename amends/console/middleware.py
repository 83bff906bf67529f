"""Console request plumbing: the signed-in person's language, domain errors as pages, and the
security layer every response passes (CSP, no-store, the second factor, shared terminals)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from csp.middleware import CSPMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
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


# --- security -------------------------------------------------------------------------------


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, named here so that the one policy of settings.py
    (CONTENT_SECURITY_POLICY) is the policy of every page: the console, the customer's pages,
    the reports, the admin and the API's docs page alike (none needs an exception)."""


class NoStoreMiddleware:
    """Every answer Django gives is `Cache-Control: private, no-store` unless its view chose
    otherwise (the QR poster is public): complaint pages, unmasked contact details, evidence,
    exports and the customer's tracking pages must never sit in a browser's or a proxy's cache.
    Static files are answered by whitenoise before this and keep their long cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-store"
        return response


SHARED_TERMINAL_FIELD = "shared_terminal"


class SharedTerminalMiddleware:
    """A sign-in with "shared desk terminal" ticked ends when the browser closes: the session
    cookie is then a browser-session cookie (the server still drops it after
    AMENDS_SESSION_HOURS)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.method == "POST"
            and request.POST.get(SHARED_TERMINAL_FIELD)
            and request.path == reverse("console:login")
            and getattr(request, "user", None) is not None
            and request.user.is_authenticated
        ):
            request.session.set_expiry(0)
            request.session[SHARED_TERMINAL_FIELD] = True
        return response


class SecondFactorMiddleware:
    """A person who protected their sign-in with an authenticator app reaches the console and
    the admin only after giving its code in this session: any other page sends them to the code
    step (and back afterwards). Sign-in, sign-out and the language switch stay open."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from amends.console.security_auth import GUARDED_PREFIXES, needs_code

        path = request.path
        if path.startswith(GUARDED_PREFIXES) and path not in _open_paths() and needs_code(request):
            step = reverse("console:second_factor")
            target = (
                request.get_full_path() if request.method == "GET" else reverse("console:dashboard")
            )
            url = f"{step}?{urlencode({'next': target})}"
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return HttpResponseRedirect(url)
        return self.get_response(request)


def _open_paths() -> frozenset[str]:
    return frozenset(
        {
            reverse("console:login"),
            reverse("console:logout"),
            reverse("console:language"),
            reverse("console:second_factor"),
            reverse("admin:login"),
            reverse("admin:logout"),
        }
    )
