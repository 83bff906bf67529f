"""Fixed-window rate limits over Django's cache (local memory on one node, Redis across nodes).

    if not allow("public-form:ip", client_ip, limit=10, per=3600):
        ...refuse with 429...

A window is `per` seconds long and starts at a multiple of `per`; each call counts one hit.
The key is hashed, so a phone number or an IP address never appears in the cache in clear.
Why our own dozen lines rather than django-ratelimit: the limits are taken inside services and
the API's auth (not only around views), and counted per phone number, which the decorator
library does not key on without a request.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache


def _key(scope: str, subject: str, per: int) -> str:
    window = int(time.time()) // per
    digest = hashlib.sha256(f"{scope}\x00{subject}".encode()).hexdigest()[:32]
    return f"rl:{scope}:{window}:{digest}"


def hit(scope: str, subject: str, *, per: int) -> int:
    """Count one hit of `subject` in `scope`'s current window; the count so far."""
    key = _key(scope, subject, per)
    if cache.add(key, 1, timeout=per + 1):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=per + 1)
        return 1


def allow(scope: str, subject: str, *, limit: int, per: int) -> bool:
    """Count one hit and say whether it is within `limit` hits per `per` seconds."""
    return hit(scope, subject, per=per) <= limit


def reset(scope: str, subject: str, *, per: int) -> None:
    """Forget `subject`'s hits in the current window (tests, an admin lifting a block)."""
    cache.delete(_key(scope, subject, per))
