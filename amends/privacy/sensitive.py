"""Which sensitive personal data a complaint carries, read from what triage found at intake.

- injury / health: a triage signal of that kind (assault counts as injury) not negated;
- id_number: triage found an ID-card number in the text;
- minor: the text speaks of a child (a rule of words; staff can flag it too).
"""

from __future__ import annotations

import re
from typing import Any

from amends.complaints.events import SENSITIVE_KINDS

INJURY = "injury"
HEALTH = "health"
ID_NUMBER = "id_number"
MINOR = "minor"
# The kinds and their labels: declared once with the timeline event that tells them.
KINDS = SENSITIVE_KINDS
_SIGNALS = {"injury": INJURY, "assault": INJURY, "health": HEALTH}
_MINOR = re.compile(
    r"未成年|儿童|小孩|孩子|我(?:的)?(?:儿子|女儿)|小朋友|婴儿|宝宝|"
    r"\b(?:child|children|kid|kids|minor|my (?:son|daughter)|toddler|baby)\b",
    re.IGNORECASE,
)


def kinds_from(triage: dict[str, Any] | None, text: str = "") -> list[str]:
    """The sensitive kinds in a complaint's triage record and text, in KINDS order."""
    found: set[str] = set()
    record = triage or {}
    for signal in record.get("signals") or []:
        if isinstance(signal, dict) and not signal.get("negated"):
            kind = _SIGNALS.get(str(signal.get("kind")))
            if kind:
                found.add(kind)
    if "id_card" in (record.get("pii") or []):
        found.add(ID_NUMBER)
    if text and _MINOR.search(text):
        found.add(MINOR)
    return [k for k in KINDS if k in found]
