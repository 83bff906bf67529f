"""Normalising and masking personal data (phones, e-mails, names).

Normalisers turn what a visitor typed into one canonical form, so the same person always gives the
same blind index (`crypto.blind_index`). Maskers produce what staff screens, exports and logs may
show; they never raise, because they run while rendering.
"""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from amends.core.errors import InvalidInput

__all__ = ["mask_email", "mask_name", "mask_phone", "normalize_email", "normalize_phone"]

# Longer than any real phone number with separators; stops pathological input before parsing.
_MAX_PHONE_INPUT = 64
_CN_COUNTRY_CODE = 86


def normalize_phone(raw: str, *, region: str | None = None) -> str:
    """Return `raw` as E.164 (e.g. "+8613800138000").

    Numbers without a "+" or international prefix are read as numbers of `region` (default
    `settings.AMENDS_DEFAULT_PHONE_REGION`), so "138 0013 8000", "13800138000",
    "+86 138-0013-8000" and "008613800138000" all give the same result. Raises
    `InvalidInput(code="invalid_phone")` if the text cannot be parsed or is not a valid number.
    """
    text = (raw or "").strip()
    if not text or len(text) > _MAX_PHONE_INPUT:
        raise InvalidInput(_("Enter a valid phone number."), code="invalid_phone")
    try:
        number = phonenumbers.parse(text, region or settings.AMENDS_DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(_("Enter a valid phone number."), code="invalid_phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(_("Enter a valid phone number."), code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> str:
    """Return `raw` stripped and fully lower-cased, after Django's `validate_email`.

    The whole address is lower-cased (not only the domain): virtually no provider treats the
    local part case-sensitively, and one person must map to one blind index. Raises
    `InvalidInput(code="invalid_email")` for anything `validate_email` rejects.
    """
    text = (raw or "").strip().lower()
    try:
        validate_email(text)
    except ValidationError as exc:
        raise InvalidInput(_("Enter a valid email address."), code="invalid_email") from exc
    return text


def mask_phone(e164: str) -> str:
    """Return a display-safe phone number; "" returns "".

    * Chinese mobiles (+86, 11 digits starting with 1): first 3 and last 4 digits of the national
      number, stars between, no country code: "+8613800138000" -> "138****8000" (the form Chinese
      customers know from bank and delivery apps).
    * Every other number: "+<country code> " then the first 2 and last 2 digits of the national
      number with one star per hidden digit: "+442079460034" -> "+44 20******34". National
      numbers of 4 digits or fewer are fully starred.
    * Text that cannot be parsed as a phone number gives "****" (reveals nothing, not even length).
    """
    text = (e164 or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, settings.AMENDS_DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return "****"
    national = phonenumbers.national_significant_number(number)
    if not national:
        return "****"
    if number.country_code == _CN_COUNTRY_CODE and len(national) == 11 and national[0] == "1":
        return f"{national[:3]}****{national[-4:]}"
    if len(national) <= 4:
        body = "*" * len(national)
    else:
        body = f"{national[:2]}{'*' * (len(national) - 4)}{national[-2:]}"
    return f"+{number.country_code} {body}"


def mask_email(email: str) -> str:
    """Return the first character of the local part, "***", and the domain unchanged.

    "li.wei@example.com" -> "l***@example.com"; "" returns ""; text without "@" gives its first
    character and "***".
    """
    text = (email or "").strip()
    if not text:
        return ""
    local, at, domain = text.rpartition("@")
    if not at:
        return f"{text[0]}***"
    if not local:
        return f"***@{domain}"
    return f"{local[0]}***@{domain}"


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x3400 <= code <= 0x4DBF  # CJK Extension A
        or 0x4E00 <= code <= 0x9FFF  # CJK Unified Ideographs
        or 0xF900 <= code <= 0xFAFF  # CJK Compatibility Ideographs
        or 0x20000 <= code <= 0x3134F  # Extensions B-G
    )


def mask_name(name: str) -> str:
    """Return a display-safe name; "" returns "".

    * Names containing Chinese characters keep their first character and star every other
      character (whitespace ignored): "张伟" -> "张*", "欧阳娜娜" -> "欧***". A one-character name
      gives "*" so the full name is never shown.
    * Other names keep the initial of each word followed by "***" (fixed, so length is hidden):
      "Emma Watson" -> "E*** W***".
    """
    text = (name or "").strip()
    if not text:
        return ""
    if any(_is_cjk(char) for char in text):
        chars = "".join(text.split())
        if len(chars) == 1:
            return "*"
        return chars[0] + "*" * (len(chars) - 1)
    return " ".join(f"{word[0]}***" for word in text.split())
