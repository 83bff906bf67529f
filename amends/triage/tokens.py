"""The features a complaint is read by: Chinese characters and character pairs, Chinese words
(jieba, with amends' own trimmed dictionary), English words and word pairs, sums of money in
buckets, and the rule signals with their negation. One function, used by the model build and by
every prediction, so that both read a text the same way."""

from __future__ import annotations

import itertools
import logging
import re
import unicodedata
from pathlib import Path
from typing import Any

from amends.core.once import once
from amends.triage import signals

MODEL_DIR = Path(__file__).resolve().parent / "model"
WORDS = MODEL_DIR / "words.txt"

CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+")
_STOP_EN = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "i",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "he",
        "she",
        "his",
        "her",
        "they",
        "them",
        "their",
        "with",
        "as",
        "by",
        "from",
    ]
)


@once
def _jieba() -> Any:
    """A jieba tokenizer over amends' own dictionary (loaded once per process, about 15 MB)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer(str(WORDS))
    tokenizer.initialize()
    return tokenizer


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def chinese_words(run: str) -> list[str]:
    return [w for w in _jieba().cut(run, HMM=True) if len(w) >= 2]


def money_bucket(value: float) -> str:
    if value <= 50:
        return "$:small"
    if value < 3000:
        return "$:mid"
    return "$:large"


def features(text: str, found: list[signals.Signal] | None = None) -> list[str]:
    """The feature tokens of `text` (with repeats: the model counts them). `found`: its rule
    signals, when the caller has them already."""
    norm = normalize(text)
    out: list[str] = []
    for run in CJK_RUN.findall(norm):
        out.extend(run)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
        out.extend(f"w:{w}" for w in chinese_words(run))
    words = [w for w in _LATIN.findall(norm) if not w.isdigit()]
    out.extend(w for w in words if w not in _STOP_EN)
    out.extend(f"{a} {b}" for a, b in itertools.pairwise(words))
    for amount in signals.amounts(text):
        out.append(money_bucket(float(amount)))
    for s in signals.find(text) if found is None else found:
        out.append(f"!{s.kind}:{'no' if s.negated else 'yes'}")
    return out


def display(token: str) -> str:
    """A feature as the receiver reads it in the reason ("w:跑步机" → "跑步机")."""
    if token.startswith("w:"):
        return token[2:]
    return token
