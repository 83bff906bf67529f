"""One complaint read: language, category, severity, psychology and validity, each with its
confidence and the words that drove it; the rule signals; the personal data in the text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from amends.triage import language, pii, signals
from amends.triage.model import Model, Prediction, current
from amends.triage.tokens import display, features

URGENT = "urgent"
IMPORTANT = "important"
GENERAL = "general"
SEVERITY_RANK = {GENERAL: 1, IMPORTANT: 2, URGENT: 3}
# Validity as the labelled data has it (true / false / null) and as a complaint records it.
VALIDITY_CODES = {"true": "valid", "false": "invalid", "null": "undecided"}


@dataclass(frozen=True)
class Guess:
    code: str
    confidence: float
    reasons: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "confidence": round(self.confidence, 3),
            "reasons": [pii.mask(r) for r in self.reasons],
        }


@dataclass(frozen=True)
class Suggestion:
    language: str
    category: Guess
    severity: Guess
    psychology: Guess
    validity: Guess
    signals: tuple[signals.Signal, ...] = ()
    pii: tuple[pii.PiiFound, ...] = ()
    model_version: str = ""
    # Why the severity is urgent when a rule made it so (the phrases, not negated).
    urgent_by_rule: tuple[str, ...] = field(default=())

    @property
    def urgent(self) -> bool:
        """An urgent suggestion alerts at once, whatever its confidence (recall first)."""
        return self.severity.code == URGENT

    def as_record(self) -> dict[str, Any]:
        """What a complaint keeps of its suggestion: codes, confidences and reasons, the kinds of
        personal data found — never the personal data itself."""
        return {
            "language": self.language,
            "category": self.category.as_dict(),
            "severity": self.severity.as_dict(),
            "psychology": self.psychology.as_dict(),
            "validity": self.validity.as_dict(),
            "signals": [
                {"kind": s.kind, "words": s.words, "negated": s.negated}
                for s in self.signals
                if not pii.find(s.words)
            ],
            "pii": pii.kinds_in_found(self.pii),
            "model": self.model_version,
        }


def _reasons(drivers: tuple[str, ...], *, skip_rules: bool = True) -> tuple[str, ...]:
    """The drivers as words a receiver reads: rule tokens and single characters that are part
    of a longer driver are left out, each word once."""
    words: list[str] = []
    for token in drivers:
        if (token.startswith("!") or token.startswith("$:")) and skip_rules:
            continue
        word = display(token)
        if any(word in w for w in words) or not word.strip():
            continue
        words = [w for w in words if w not in word]
        words.append(word)
    # Words read better than single characters: these only when there is little else.
    longer = [w for w in words if len(w) > 1]
    return tuple(longer[:4] if len(longer) >= 2 else words[:4])


def _guess(pred: Prediction, code: str | None = None) -> Guess:
    code = code or pred.best
    return Guess(code, pred.probability(code), _reasons(pred.drivers.get(code, ())))


def _severity(pred: Prediction, found: list[signals.Signal], text: str, model: Model) -> Guess:
    settings = model.settings
    p_urgent = pred.probability(URGENT)
    strong = signals.urgent_signals(text, found)
    rule_words = tuple(dict.fromkeys(s.words for s in strong))
    if p_urgent >= settings["urgent_threshold"] or (
        rule_words and p_urgent >= settings["urgent_with_signal"]
    ):
        reasons = rule_words + _reasons(pred.drivers.get(URGENT, ()))
        return Guess(URGENT, p_urgent, tuple(dict.fromkeys(reasons))[:4])
    rest = {c: pred.probability(c) for c in (IMPORTANT, GENERAL)}
    code = max(rest, key=lambda c: rest[c])
    confidence = rest[code] / (sum(rest.values()) or 1.0)
    return Guess(code, confidence, _reasons(pred.drivers.get(code, ())))


def suggest(text: str, *, model: Model | None = None) -> Suggestion:
    """Read one complaint (its description with whatever else the customer said)."""
    model = model or current()
    personal = pii.find(text)
    # Read without the personal data: it neither triggers a rule nor becomes a reason.
    text = pii.neutralize(text, personal)
    found = signals.find(text)
    idx, values = model.vectorize(features(text, found))
    category = model.predict("category", idx, values)
    severity = model.predict("severity", idx, values)
    psychology = model.predict("psychology", idx, values)
    validity = model.predict("validity", idx, values)
    sev = _severity(severity, found, text, model)
    return Suggestion(
        language=language.detect(text),
        category=_guess(category),
        severity=sev,
        psychology=_guess(psychology),
        validity=Guess(
            VALIDITY_CODES[validity.best],
            validity.probability(validity.best),
            _reasons(validity.drivers.get(validity.best, ())),
        ),
        signals=tuple(found),
        pii=tuple(personal),
        model_version=model.version,
        urgent_by_rule=tuple(s.words for s in signals.urgent_signals(text, found))
        if sev.code == URGENT
        else (),
    )
