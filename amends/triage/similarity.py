"""How alike two complaint texts are: the overlap of their character pairs and words (Jaccard),
from 0 (nothing shared) to 1 (the same). The same matter told twice — at the desk and by email,
in other words — shares most of its telling details ("3号跑步机", "皮带", "打滑")."""

from __future__ import annotations

import re

from amends.triage.tokens import CJK_RUN, normalize

_WORD = re.compile(r"[a-z]{3,}|\d+")
_COMMON = frozenset(
    [
        "the",
        "and",
        "was",
        "were",
        "that",
        "this",
        "with",
        "have",
        "has",
        "had",
        "for",
        "not",
        "you",
        "your",
        "are",
        "but",
        "they",
        "them",
        "from",
        "just",
        "very",
        "when",
        "what",
        "then",
        "there",
        "their",
        "been",
        "our",
    ]
)
# At or above this, the same customer's two texts are the same matter.
SAME_MATTER = 0.35


def shingles(text: str) -> frozenset[str]:
    norm = normalize(text)
    out: set[str] = set()
    for run in CJK_RUN.findall(norm):
        out.update(run[i : i + 2] for i in range(len(run) - 1))
    out.update(w for w in _WORD.findall(norm) if w not in _COMMON)
    return frozenset(out)


def similarity(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)
