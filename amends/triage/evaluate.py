"""`amends triage-eval FILE.jsonl`: how well triage reads labelled complaints it did not train on.

Reads the labelled format of TAXONOMY.md (extra keys ignored; an optional `pii` list names the
exact substrings that are personal data) and measures: per-category precision, recall and F1
with the macro-F1; severity accuracy and its confusion matrix; urgent recall and precision;
psychology, validity and language accuracy; PII recall (and precision over records that list
their personal data); the time to read one complaint (p50 / p95, one core)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from amends.triage.build import label
from amends.triage.model import Model, current
from amends.triage.suggest import VALIDITY_CODES, suggest

CATEGORIES = (
    "service_attitude",
    "service_quality",
    "facility_equipment",
    "hygiene_environment",
    "class_schedule",
    "coach_staff_conduct",
    "billing_price",
    "membership_contract",
    "product_quality",
    "safety_security",
    "privacy_data",
    "noise",
    "lost_property",
    "booking_reservation",
    "other",
)
SEVERITIES = ("urgent", "important", "general")


class BadRecord(ValueError):
    pass


@dataclass
class _Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def figures(self) -> dict[str, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f, 4),
            "support": self.tp + self.fn,
        }


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def check(record: dict[str, Any], where: str) -> None:
    for key in ("text", "category", "severity"):
        if not isinstance(record.get(key), str) or not record[key]:
            raise BadRecord(f"{where}: '{key}' is missing or not text")
    if record["category"] not in CATEGORIES:
        raise BadRecord(f"{where}: unknown category {record['category']!r}")
    if record["severity"] not in SEVERITIES:
        raise BadRecord(f"{where}: unknown severity {record['severity']!r}")
    if "valid" in record and record["valid"] not in (True, False, None):
        raise BadRecord(f"{where}: 'valid' must be true, false or null")
    pii_list = record.get("pii")
    if pii_list is not None and not isinstance(pii_list, (list, str)):
        raise BadRecord(f"{where}: 'pii' must be a list of the personal data in the text")


def _pii_values(record: dict[str, Any]) -> list[str]:
    values = []
    listed = record.get("pii") or []
    for item in [listed] if isinstance(listed, str) else listed:
        if isinstance(item, dict):
            item = item.get("value") or item.get("text") or ""
        if isinstance(item, str) and item.strip():
            values.append(item.strip())
    return values


def evaluate(records: list[dict[str, Any]], *, model: Model | None = None) -> dict[str, Any]:
    model = model or current()
    suggest("预热 warm-up", model=model)  # load the dictionary before the clock runs
    cats = {c: _Counts() for c in CATEGORIES}
    sev_matrix = {t: dict.fromkeys(SEVERITIES, 0) for t in SEVERITIES}
    right = {"severity": 0, "psychology": 0, "validity": 0, "language": 0}
    seen = {"psychology": 0, "validity": 0, "language": 0}
    pii_listed = pii_found = pii_records = pii_flagged = pii_flagged_right = 0
    latencies: list[float] = []
    for r in records:
        start = time.perf_counter()
        s = suggest(r["text"], model=model)
        latencies.append((time.perf_counter() - start) * 1000)
        truth, guess = r["category"], s.category.code
        if truth == guess:
            cats[truth].tp += 1
        else:
            cats[truth].fn += 1
            if guess in cats:
                cats[guess].fp += 1
        sev_matrix[r["severity"]][s.severity.code] += 1
        right["severity"] += r["severity"] == s.severity.code
        if r.get("psychology"):
            seen["psychology"] += 1
            right["psychology"] += r["psychology"] == s.psychology.code
        if "valid" in r:
            seen["validity"] += 1
            right["validity"] += VALIDITY_CODES[label(r, "validity")] == s.validity.code
        if r.get("lang") in ("zh", "en"):
            seen["language"] += 1
            right["language"] += r["lang"] == s.language
        if "pii" in r:
            listed = _pii_values(r)
            pii_records += 1
            pii_listed += len(listed)
            spans = [(f.start, f.end) for f in s.pii]
            for value in listed:
                at = r["text"].find(value)
                end = at + len(value)
                if at >= 0 and any(a < end and at < b for a, b in spans):
                    pii_found += 1
            pii_flagged += len(spans)
            for f in s.pii:
                if any(
                    (at := r["text"].find(v)) >= 0 and f.start < at + len(v) and at < f.end
                    for v in listed
                ):
                    pii_flagged_right += 1
    n = len(records) or 1
    # Macro-F1 over every category in the labels or the suggestions (a category suggested but
    # never labelled counts, with F1 0): scikit-learn's definition.
    per_category = {
        c: cats[c].figures() for c in CATEGORIES if cats[c].tp + cats[c].fn + cats[c].fp
    }
    macro = sum(f["f1"] for f in per_category.values()) / (len(per_category) or 1)
    urgent = sev_matrix["urgent"]["urgent"]
    flagged = sum(sev_matrix[t]["urgent"] for t in SEVERITIES)
    actual = sum(sev_matrix["urgent"].values())
    pii_recall = round(pii_found / pii_listed, 4) if pii_listed else None
    latency = {
        "p50": round(_percentile(latencies, 0.5), 3),
        "p95": round(_percentile(latencies, 0.95), 3),
    }
    return {
        "records": len(records),
        "n": len(records),
        "model": model.version,
        # The headline figures, flat, for scripts that compare runs.
        "category_macro_f1": round(macro, 4),
        "severity_accuracy": round(right["severity"] / n, 4),
        "urgent_recall": round(urgent / actual, 4) if actual else None,
        "urgent_precision": round(urgent / flagged, 4) if flagged else None,
        "pii_recall": pii_recall,
        "latency_ms_p50": latency["p50"],
        "latency_ms_p95": latency["p95"],
        "category": {
            "per_category": per_category,
            "macro_f1": round(macro, 4),
            "accuracy": round(sum(c.tp for c in cats.values()) / n, 4),
        },
        "severity": {
            "accuracy": round(right["severity"] / n, 4),
            "confusion": sev_matrix,
            "urgent_recall": round(urgent / actual, 4) if actual else None,
            "urgent_precision": round(urgent / flagged, 4) if flagged else None,
        },
        "psychology_accuracy": round(right["psychology"] / (seen["psychology"] or 1), 4),
        "validity_accuracy": round(right["validity"] / (seen["validity"] or 1), 4),
        "language_accuracy": round(right["language"] / (seen["language"] or 1), 4),
        "pii": {
            "records": pii_records,
            "listed": pii_listed,
            "recall": pii_recall,
            "precision": round(pii_flagged_right / pii_flagged, 4) if pii_flagged else None,
        },
        "latency_ms": latency,
    }


def render(result: dict[str, Any]) -> str:
    """The figures as a plain-text report."""
    lines = [
        f"records: {result['records']}   model: {result['model']}",
        "",
        f"{'category':<22}{'precision':>10}{'recall':>8}{'f1':>8}{'support':>9}",
    ]
    for code, f in result["category"]["per_category"].items():
        lines.append(
            f"{code:<22}{f['precision']:>10.3f}{f['recall']:>8.3f}{f['f1']:>8.3f}{f['support']:>9}"
        )
    cat = result["category"]
    lines += [
        f"{'macro-F1':<22}{cat['macro_f1']:>26.3f}",
        f"category accuracy: {cat['accuracy']:.3f}",
        "",
    ]
    sev = result["severity"]
    lines.append(f"severity accuracy: {sev['accuracy']:.3f}")
    lines.append("truth / suggested".ljust(20) + "".join(f"{s:>11}" for s in SEVERITIES))
    for t in SEVERITIES:
        lines.append(f"{t:<20}" + "".join(f"{sev['confusion'][t][s]:>11}" for s in SEVERITIES))

    def fmt(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.3f}"

    lines += [
        f"urgent recall: {fmt(sev['urgent_recall'])}   "
        f"urgent precision: {fmt(sev['urgent_precision'])}",
        "",
        f"psychology accuracy: {result['psychology_accuracy']:.3f}   "
        f"validity accuracy: {result['validity_accuracy']:.3f}   "
        f"language accuracy: {result['language_accuracy']:.3f}",
        f"PII recall: {fmt(result['pii']['recall'])} ({result['pii']['listed']} listed in "
        f"{result['pii']['records']} records)   PII precision: {fmt(result['pii']['precision'])}",
        f"latency per complaint: p50 {result['latency_ms']['p50']:.2f} ms   "
        f"p95 {result['latency_ms']['p95']:.2f} ms",
    ]
    return "\n".join(lines)
