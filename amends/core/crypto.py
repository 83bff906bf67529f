"""Field-level encryption and blind indexes for personal data.

Contracts:

* `encrypt` / `decrypt` use a `MultiFernet` built from `settings.AMENDS_FIELD_KEYS`: the first key
  encrypts, every key decrypts, so a new key can be put in front and old rows re-encrypted at
  leisure with `rotate`. Fernet tokens are authenticated and randomised: the same plaintext gives a
  different token each time, which is why ciphertext can never be searched directly.
* `blind_index` gives a deterministic, keyed HMAC of a (normalised) value, so rows can be found by
  exact value without storing the value in clear. Each `purpose` gets its own sub-key, so the phone
  index and the e-mail index of the same string are unrelated.
* The empty string maps to the empty string everywhere, so "not given" stays recognisably blank.
"""

from __future__ import annotations

import hashlib
import hmac
import threading

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from amends.core.errors import DomainError

__all__ = ["DecryptionFailed", "blind_index", "decrypt", "encrypt", "rotate"]


class DecryptionFailed(DomainError):
    """No configured key can decrypt (or authenticate) a token.

    This means lost or mis-configured keys, or a tampered value: never the visitor's fault, so it
    maps to a server error rather than a 4xx.
    """

    code = "decryption_failed"
    http_status = 500


# The cache is keyed on the exact tuple of keys so `override_settings` (tests) and a settings
# reload both get a fresh MultiFernet without anyone having to clear the cache by hand.
_cache_lock = threading.Lock()
_cached: tuple[tuple[str, ...], MultiFernet] | None = None


def _current_keys() -> tuple[str, ...]:
    keys = tuple(getattr(settings, "AMENDS_FIELD_KEYS", None) or ())
    if not keys:
        raise ImproperlyConfigured("AMENDS_FIELD_KEYS must list at least one Fernet key.")
    return keys


def _fernet() -> MultiFernet:
    """Return the MultiFernet for the keys currently in settings (built once per key tuple)."""
    global _cached
    keys = _current_keys()
    cached = _cached
    if cached is not None and cached[0] == keys:
        return cached[1]
    try:
        multi = MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as exc:
        # Never echo the key itself: it is a secret.
        raise ImproperlyConfigured(
            "AMENDS_FIELD_KEYS contains a value that is not a valid Fernet key."
        ) from exc
    with _cache_lock:
        _cached = (keys, multi)
    return multi


def encrypt(plaintext: str) -> str:
    """Encrypt `plaintext` with the first key; return the Fernet token as text.

    "" returns "" (blank stays blank). Two calls with the same value return different tokens.
    """
    if plaintext == "":
        return ""
    return _fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """Return the plaintext of a token made by `encrypt` with any configured key.

    "" returns "". Raises `DecryptionFailed` if no key can decrypt or the token was altered.
    """
    if token == "":
        return ""
    try:
        data = _fernet().decrypt(token.encode("utf-8"))
    except InvalidToken as exc:
        raise DecryptionFailed(_("Stored data could not be decrypted.")) from exc
    return data.decode("utf-8")


def rotate(token: str) -> str:
    """Re-encrypt `token` with the first (current) key; "" returns "".

    Raises `DecryptionFailed` if no configured key can decrypt the token.
    """
    if token == "":
        return ""
    try:
        return _fernet().rotate(token.encode("utf-8")).decode("ascii")
    except InvalidToken as exc:
        raise DecryptionFailed(_("Stored data could not be decrypted.")) from exc


def _purpose_key(purpose: str) -> bytes:
    master = getattr(settings, "AMENDS_BLIND_INDEX_KEY", "")
    if not master:
        raise ImproperlyConfigured("AMENDS_BLIND_INDEX_KEY must be set.")
    # A sub-key per purpose: an attacker who learns which phone hash matches a row learns
    # nothing about e-mail hashes, and the same string in two columns cannot be correlated.
    return hmac.new(
        master.encode("utf-8"), b"purpose:" + purpose.encode("utf-8"), hashlib.sha256
    ).digest()


def blind_index(value: str, *, purpose: str) -> str:
    """Return a 64-char hex HMAC-SHA256 of `value` under the sub-key for `purpose`.

    Deterministic for the same value, purpose and `settings.AMENDS_BLIND_INDEX_KEY`; differs when
    any of them differs. Callers must normalise first (e.g. `pii.normalize_phone`) because the
    index matches exact bytes only. "" returns "". An empty `purpose` is a programming error
    (ValueError).
    """
    if not purpose:
        raise ValueError("blind_index needs a non-empty purpose")
    if value == "":
        return ""
    return hmac.new(_purpose_key(purpose), value.encode("utf-8"), hashlib.sha256).hexdigest()
