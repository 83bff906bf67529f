"""Which language a complaint is written in: `zh`, `en` or `mixed`."""

from __future__ import annotations

import re

ZH = "zh"
EN = "en"
MIXED = "mixed"

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def detect(text: str) -> str:
    """Chinese characters weigh against English words (one word carries about as much as two
    characters); a few loan words ("WiFi", "VIP") in a Chinese text keep it Chinese."""
    han = len(_CJK.findall(text))
    words = len(_LATIN_WORD.findall(text))
    if han == 0:
        return EN if words else ZH
    if words == 0:
        return ZH
    share = han / (han + 2 * words)
    if share >= 0.7:
        return ZH
    if share <= 0.3:
        return EN
    return MIXED
