"""API keys: `Authorization: Bearer <key>`, checked on every request, limited per key per minute.

The key becomes a `Principal` (kind api_key, with the key's company, venue and scopes), which
every service takes as `actor`; the transition table decides what it may do (`api:<scope>`).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from amends.api.errors import ApiError
from amends.core import ratelimit
from amends.core.errors import PermissionDenied
from amends.core.principals import ApiScope, Principal
from amends.orgs.services import api_key_authenticate

RATE_WINDOW = 60  # seconds

# Scopes that may read every complaint the key reaches. A key with none of them (only
# complaints:write) reads the complaints it recorded itself.
READ_SCOPES = frozenset({ApiScope.READ.value, ApiScope.HANDLE.value, ApiScope.CUSTOMER.value})


class ApiKeyAuth(HttpBearer):
    """Bearer API key → Principal; 401 unauthorized for an unknown or revoked key, 429
    rate_limited (with Retry-After) past AMENDS_API_RATE_PER_MINUTE requests this minute."""

    openapi_description = "An API key: `Authorization: Bearer amk_…` (see docs/api.md)."

    def authenticate(self, request: HttpRequest, token: str) -> Principal:
        try:
            principal = api_key_authenticate(raw=token)
        except PermissionDenied:
            raise ApiError(401, "unauthorized") from None
        limit = settings.AMENDS_API_RATE_PER_MINUTE
        if not ratelimit.allow("api-key", str(principal.ref), limit=limit, per=RATE_WINDOW):
            wait = RATE_WINDOW - int(time.time()) % RATE_WINDOW
            raise ApiError(429, "rate_limited", headers={"Retry-After": str(max(wait, 1))})
        return principal


def principal_of(request: HttpRequest) -> Principal:
    """The authenticated key's principal (set by `ApiKeyAuth`)."""
    auth: Any = getattr(request, "auth", None)
    if not isinstance(auth, Principal):
        raise ApiError(401, "unauthorized")
    return auth


def company_of(principal: Principal) -> int:
    """The key's company (every API key has one)."""
    if principal.company_id is None:
        raise ApiError(401, "unauthorized")
    return principal.company_id


def require_scope(principal: Principal, *scopes: str) -> None:
    """Refuse (403 scope_missing) a key holding none of `scopes`."""
    if not principal.scopes & set(scopes):
        raise ApiError(
            403,
            "scope_missing",
            _("This API key lacks the scope: %(scope)s.") % {"scope": " | ".join(scopes)},
        )
