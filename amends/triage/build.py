"""`amends triage-build`: the model from the labelled data, reproducibly.

The same data and the same library versions give the same bytes: the records are read in file
and line order, every random choice is seeded, numbers are rounded before they are written and
the gzip header carries no time. `make test` rebuilds into a scratch directory and compares.

1. `model/words.txt`: jieba's dictionary trimmed to its common words (frequency ≥ 100), with
   the venue words of `data/triage/words.txt` added — about 5 MB in memory instead of 90.
2. TF-IDF over `tokens.features` (sublinear, words seen in at least two complaints).
3. One multinomial logistic regression per question; validity's `null` is its own class.
4. The urgent thresholds from text by someone the model never read: each writer (a file of
   `data/triage/train/`) who covered every kind of complaint is held out in turn; the pair of
   thresholds with the best precision that keeps urgent recall at the target on their text is
   kept — other people's words are what the model meets in practice.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from amends.triage import pii, signals, tokens
from amends.triage.model import HEADS

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "triage"
JIEBA_MIN_FREQ = 100
URGENT_RECALL_TARGET = 0.985
C = {"category": 16.0, "severity": 2.0, "psychology": 2.0, "validity": 2.0}


def read_jsonl(paths: Iterable[Path]) -> list[dict[str, Any]]:
    records = []
    for path in paths:
        with path.open(encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    try:
                        record = json.loads(line)
                        if isinstance(record, dict):
                            record.setdefault("_writer", path.stem)
                        records.append(record)
                    except json.JSONDecodeError as bad:
                        raise ValueError(f"{path}:{n}: {bad.msg}") from None
    return records


def label(record: dict[str, Any], head: str) -> str:
    if head == "validity":
        return {True: "true", False: "false", None: "null"}[record.get("valid")]
    return str(record[head])


def write_words(target: Path) -> None:
    import jieba

    source = Path(jieba.__file__).resolve().parent / "dict.txt"
    lines = []
    for line in source.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and int(parts[1]) >= JIEBA_MIN_FREQ:
            lines.append(line)
    extra = DATA / "words.txt"
    if extra.exists():
        known = {line.split()[0] for line in lines}
        for word in extra.read_text(encoding="utf-8").split():
            if word not in known:
                lines.append(f"{word} 1000 n")
                known.add(word)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _packed(values: Any, places: int) -> str:
    """A matrix or vector of floats, rounded, as base64 of little-endian float32 (row-major):
    a tenth of the size of JSON numbers, and read without building Python floats."""
    rounded = np.round(np.asarray(values, dtype=np.float64), places).astype("<f4")
    return base64.b64encode(rounded.tobytes()).decode("ascii")


def _round(values: Iterable[float], places: int) -> list[float]:
    return [round(float(v), places) + 0.0 for v in values]


def _thresholds(probs: list[float], strong: list[bool], truth: list[bool]) -> dict[str, float]:
    """The (threshold, threshold with a rule signal) pair with the best precision whose
    recall reaches the target, on cross-validated probabilities."""
    grid = [round(x * 0.01, 2) for x in range(1, 80)]
    best: tuple[float, float, float, float] | None = None
    positives = sum(truth) or 1
    for t_main in grid:
        for t_sig in [g for g in grid if g <= t_main]:
            flagged = [
                p >= t_main or (s and p >= t_sig) for p, s in zip(probs, strong, strict=True)
            ]
            tp = sum(f and t for f, t in zip(flagged, truth, strict=True))
            recall = tp / positives
            precision = tp / (sum(flagged) or 1)
            if recall >= URGENT_RECALL_TARGET:
                key = (precision, recall, t_main, t_sig)
                if best is None or key > best:
                    best = key
    if best is None:
        return {"urgent_threshold": 0.05, "urgent_with_signal": 0.01}
    return {"urgent_threshold": best[2], "urgent_with_signal": best[3]}


def _urgent_thresholds(
    records: list[dict[str, Any]], x: Any, y: list[str], classes: list[str]
) -> dict[str, float]:
    """Thresholds from text by writers the fold never read: each writer who wrote about every
    kind of complaint (twelve categories or more) is held out in turn, the model trained on
    everyone else, and their complaints read with it."""
    from sklearn.linear_model import LogisticRegression

    by_writer: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        by_writer.setdefault(r.get("_writer", ""), []).append(i)
    broad = sorted(
        w for w, rows in by_writer.items() if len({records[i]["category"] for i in rows}) >= 12
    )
    urgent = classes.index("urgent")
    probs: list[float] = []
    strong: list[bool] = []
    truth: list[bool] = []
    for writer in broad:
        held = set(by_writer[writer])
        train = [i for i in range(len(records)) if i not in held]
        clf = LogisticRegression(C=C["severity"], max_iter=3000, class_weight="balanced")
        clf.fit(x[train], [y[i] for i in train])
        rows = sorted(held)
        probs.extend(float(p[urgent]) for p in clf.predict_proba(x[rows]))
        strong.extend(_strong(records[i]["text"]) for i in rows)
        truth.extend(y[i] == "urgent" for i in rows)
    return _thresholds(probs, strong, truth)


def _strong(text: str) -> bool:
    return bool(signals.urgent_signals(pii.neutralize(text)))


def train(records: list[dict[str, Any]], data_sha: str) -> dict[str, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    docs = [tokens.features(pii.neutralize(r["text"])) for r in records]
    vectorizer = TfidfVectorizer(
        analyzer=lambda d: d, sublinear_tf=True, min_df=2, norm="l2", dtype=np.float64
    )
    x = vectorizer.fit_transform(docs)
    heads: dict[str, Any] = {}
    settings: dict[str, Any] = {}
    for head in HEADS:
        y = [label(r, head) for r in records]
        clf = LogisticRegression(C=C[head], max_iter=3000, class_weight="balanced")
        clf.fit(x, y)
        heads[head] = {
            "classes": [str(c) for c in clf.classes_],
            "intercept": _round(clf.intercept_, 5),
            "coef": _packed(clf.coef_, 5),
        }
        if head == "severity":
            settings.update(_urgent_thresholds(records, x, y, list(clf.classes_)))
    vocabulary = [str(t) for t in vectorizer.get_feature_names_out()]
    return {
        "format": 2,
        "version": data_sha[:12],
        "records": len(records),
        "settings": settings,
        "vocabulary": vocabulary,
        "idf": _packed(vectorizer.idf_, 6),
        "heads": heads,
    }


def build(out_dir: Path | None = None, data_dir: Path = DATA) -> dict[str, Any]:
    """Build the words list and the model into `out_dir` (the shipped `model/` by default).
    Returns a summary (records, features, thresholds, version)."""
    out_dir = out_dir or tokens.MODEL_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    words = out_dir / "words.txt"
    write_words(words)
    original = tokens.WORDS
    tokens.WORDS = words
    tokens._jieba.cache_clear()
    try:
        paths = sorted((data_dir / "train").glob("*.jsonl"))
        digest = hashlib.sha256()
        code = [Path(tokens.__file__), Path(signals.__file__), Path(__file__)]
        for path in [words, *code, *paths]:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        records = read_jsonl(paths)
        model = train(records, digest.hexdigest())
    finally:
        tokens.WORDS = original
        tokens._jieba.cache_clear()
    raw = json.dumps(model, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        gz.write(raw.encode("utf-8"))
    (out_dir / "triage.json.gz").write_bytes(buffer.getvalue())
    return {
        "records": model["records"],
        "features": len(model["vocabulary"]),
        "version": model["version"],
        **model["settings"],
    }
