"""Personal data in free text: Chinese mobile and landline numbers, 18-digit resident ID-card
numbers (checksum ISO 7064 MOD 11-2 and a real birth date), bank-card numbers (Luhn) and email
addresses. `find` lists them, `mask` hides them, `contains` tells whether a text holds a given
phone number, ID, card or email (for privacy requests).

Numbers are checked, not just shaped: an order number of 18 digits with a wrong check digit, a
16-digit invoice number that fails Luhn, a room number or a time are not personal data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

PHONE = "phone"
LANDLINE = "landline"
ID_CARD = "id_card"
BANK_CARD = "bank_card"
EMAIL = "email"
KINDS = (ID_CARD, BANK_CARD, PHONE, LANDLINE, EMAIL)


@dataclass(frozen=True)
class PiiFound:
    kind: str
    start: int
    end: int
    value: str

    @property
    def masked(self) -> str:
        return mask_value(self.kind, self.value)


_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6})\s?(\d{8})\s?(\d{3}[\dXx])(?![0-9A-Za-z])")
_CARD = re.compile(
    r"(?<![\d-])(?:\d{16,19}|\d{4}(?:[ -]\d{4}){3}(?:[ -]?\d{1,3})?|\d{6}[ -]\d{10,13})(?![\d-])"
)
_MOBILE = re.compile(r"(?<![\d+])(?:(?:\+|00)?86[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?![\d])")
_LANDLINE = re.compile(
    r"(?<![\d])(?:(?:\+86|0086)[ -]?[1-9]\d{1,2}[ -]?|\(0\d{2,3}\)\s?|（0\d{2,3}）\s?|0\d{2,3}[ -])"
    r"(?:[2-9]\d{2,3}[ -]?\d{4})(?:-\d{1,5})?(?![\d])"
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_card_valid(number: str) -> bool:
    """An 18-digit resident ID: a known province, a real birth date and the check digit."""
    n = number.upper()
    if not re.fullmatch(r"\d{17}[\dX]", n) or not ("11" <= n[:2] <= "91"):
        return False
    try:
        born = date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError:
        return False
    if not date(1900, 1, 1) <= born <= date(2100, 1, 1):
        return False
    total = sum(int(d) * w for d, w in zip(n[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == n[17]


def _id_shaped(digits: str) -> bool:
    """An 18-digit number with a province and a birth date where an ID card has them: an ID
    card with a wrong check digit, more likely than a rare 18-digit bank card."""
    if len(digits) != 18 or not ("11" <= digits[:2] <= "91"):
        return False
    try:
        date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    except ValueError:
        return False
    return 1900 <= int(digits[6:10]) <= 2100


def luhn_valid(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def find(text: str) -> list[PiiFound]:
    """Every piece of personal data in `text`, in order. Where two readings overlap, the checked
    ones win (an ID card before a bank card before a phone number)."""
    found: list[PiiFound] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    def add(kind: str, m: re.Match[str]) -> None:
        found.append(PiiFound(kind, m.start(), m.end(), m.group(0)))
        taken.append((m.start(), m.end()))

    for m in _EMAIL.finditer(text):
        add(EMAIL, m)
    for m in _ID.finditer(text):
        if free(m.start(), m.end()) and id_card_valid(_digits(m.group(0)[:-1]) + m.group(0)[-1]):
            add(ID_CARD, m)
    for m in _CARD.finditer(text):
        digits = _digits(m.group(0))
        if (
            free(m.start(), m.end())
            and 16 <= len(digits) <= 19
            and digits[0] in "3456789"
            and luhn_valid(digits)
            and not _id_shaped(digits)
        ):
            add(BANK_CARD, m)
    for m in _MOBILE.finditer(text):
        if free(m.start(), m.end()):
            add(PHONE, m)
    for m in _LANDLINE.finditer(text):
        if free(m.start(), m.end()):
            add(LANDLINE, m)
    return sorted(found, key=lambda f: f.start)


def mask_value(kind: str, value: str) -> str:
    """A piece of personal data as a masked display shows it: enough to recognise, not to use."""
    if kind == EMAIL:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    digits = _digits(value) if kind != ID_CARD else re.sub(r"\s", "", value)
    if kind == PHONE:
        return f"{digits[-11:-8]}****{digits[-4:]}"
    if kind == LANDLINE:
        return f"****{digits[-4:]}"
    if kind == ID_CARD:
        return f"{digits[:3]}***********{digits[-4:]}"
    return f"**** **** **** {digits[-4:]}"


def mask(text: str) -> str:
    """`text` with every piece of personal data masked."""
    if not text:
        return text
    out, last = [], 0
    for f in find(text):
        out.append(text[last : f.start])
        out.append(f.masked)
        last = f.end
    out.append(text[last:])
    return "".join(out)


def neutralize(text: str, found: list[PiiFound] | None = None) -> str:
    """`text` with every piece of personal data replaced by a neutral mark, as triage reads it:
    a phone number or an email address ("injured.runner@…") must neither trigger a rule nor
    become a reason shown to anyone."""
    found = find(text) if found is None else found
    if not found:
        return text
    out, last = [], 0
    for f in found:
        out.append(text[last : f.start])
        out.append(" ＊ ")
        last = f.end
    out.append(text[last:])
    return "".join(out)


def kinds_in(text: str) -> list[str]:
    """The kinds of personal data in `text` (each once, in KINDS order)."""
    present = {f.kind for f in find(text)}
    return [k for k in KINDS if k in present]


def normalized(kind: str, value: str) -> str:
    """The comparable form of a value: digits only (the last 11 of a mobile), an email in lower
    case."""
    if kind == EMAIL:
        return value.strip().lower()
    if kind == ID_CARD:
        return re.sub(r"\s", "", value).upper()
    digits = _digits(value)
    return digits[-11:] if kind == PHONE else digits


def contains(text: str, value: str) -> bool:
    """Whether `text` holds `value` (a phone, ID, card or email, however it is spelled) as
    personal data. Used to find a person's data for a privacy request."""
    needle = value.strip()
    if not needle:
        return False
    if "@" in needle:
        kinds = {EMAIL}
        want = needle.lower()
    else:
        digits = _digits(needle)
        kinds = {PHONE, LANDLINE, ID_CARD, BANK_CARD}
        want = digits[-11:] if len(digits) >= 11 and digits[-11] == "1" else digits
        if needle.upper().endswith("X"):
            want = re.sub(r"\s", "", needle).upper()
    for f in find(text):
        if f.kind in kinds:
            have = normalized(f.kind, f.value)
            if have == want or (f.kind == PHONE and have == want[-11:]):
                return True
    return False


def kinds_in_found(found: tuple[PiiFound, ...] | list[PiiFound]) -> list[str]:
    present = {f.kind for f in found}
    return [k for k in KINDS if k in present]
