"""What every customer page shares: the language switch, the privacy headers, domain errors as
pages (never a 500), times in the venue's zone, a client's address for the rate limits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, translation
from django.utils.translation import gettext as _

from amends.core.errors import DomainError, NotFound, PermissionDenied
from amends.orgs.models import Venue

View = Callable[..., HttpResponse]
LANGUAGE_COOKIE_AGE = 365 * 86400


def public_page(view: View) -> View:
    """Wrap a customer page:

    - `?lang=zh-hans|en` switches the language (and remembers it in the language cookie), so a
      switch is a plain link and a poster's QR code can open the form in its own language;
    - the response is never stored by a browser or a proxy (`Cache-Control: no-store`: these
      pages carry a complaint, a contact or a CSRF token), never sends its address to another
      site as a Referer (`Referrer-Policy: same-origin`: tracking and survey links hold their
      token in the path) and is not indexed (`X-Robots-Tag: noindex`). Not `no-referrer`:
      with it, browsers send `Origin: null` on the page's own form posts, which Django's CSRF
      check rightly refuses;
    - a DomainError that reaches it is a page with the reason: not found (an unknown venue,
      reference, token), not allowed, or refused — never a 500.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        chosen = request.GET.get("lang", "")
        if chosen in dict(settings.LANGUAGES):
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        try:
            response = view(request, *args, **kwargs)
        except (NotFound, Http404):
            response = render(request, "public/404.html", status=404)
        except PermissionDenied as refused:
            response = _error(request, refused, status=403)
        except DomainError as refused:
            response = _error(request, refused, status=refused.http_status)
        if chosen in dict(settings.LANGUAGES):
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                chosen,
                samesite="Lax",
                max_age=LANGUAGE_COOKIE_AGE,
            )
        return private(response)

    return wrapper


def private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _error(request: HttpRequest, refused: DomainError, *, status: int) -> HttpResponse:
    context = {"message": refused.message, "code": refused.code}
    return render(request, "public/error.html", context, status=status)


def language() -> str:
    """The page's language as amends stores it ("zh-hans" or "en")."""
    return "en" if (translation.get_language() or "").startswith("en") else "zh-hans"


def venue_time(moment: datetime | None, venue: Venue) -> str:
    """`moment` as the customer reads it: in the venue's time zone, in the page's language."""
    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(venue.timezone or settings.TIME_ZONE))
    return _("%(date)s at %(time)s") % {
        "date": formats.date_format(local, "DATE_FORMAT"),
        "time": local.strftime("%H:%M"),
    }


def client_address(request: HttpRequest) -> str:
    """The client's address for the rate limits. REMOTE_ADDR: behind a proxy that is the
    proxy's, so deployments behind one must pass the client's address through (e.g. the
    proxy's real-IP module) rather than trust a header any client can write."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def absolute(path: str) -> str:
    """`path` on the public address customers reach amends at (AMENDS_PUBLIC_URL)."""
    return str(settings.AMENDS_PUBLIC_URL).rstrip("/") + path
