"""The trained model: TF-IDF features and one linear classifier per question (category,
severity, psychology, validity), read from `model/triage.json.gz` — written by
`amends triage-build` from the labelled data in `data/triage/train/`. Prediction is NumPy over
the features present in one text: well under a millisecond, no scikit-learn at run time."""

from __future__ import annotations

import base64
import gzip
import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from amends.core.once import once
from amends.triage.tokens import MODEL_DIR

MODEL_FILE = MODEL_DIR / "triage.json.gz"
HEADS = ("category", "severity", "psychology", "validity")


@dataclass(frozen=True)
class Head:
    classes: tuple[str, ...]
    intercept: np.ndarray  # (classes,)
    coef: np.ndarray  # (classes, features)


@dataclass(frozen=True)
class Prediction:
    classes: tuple[str, ...]
    probabilities: tuple[float, ...]
    # Per class, the features that pushed towards it most, strongest first.
    drivers: dict[str, tuple[str, ...]]

    def probability(self, code: str) -> float:
        return self.probabilities[self.classes.index(code)] if code in self.classes else 0.0

    @property
    def best(self) -> str:
        return self.classes[int(np.argmax(self.probabilities))]


def _unpack(packed: str) -> np.ndarray:
    """Floats written by the build (base64 of little-endian float32)."""
    return np.frombuffer(base64.b64decode(packed), dtype="<f4")


class Model:
    def __init__(self, data: dict[str, Any]) -> None:
        self.version: str = data["version"]
        self.settings: dict[str, Any] = data["settings"]
        self.index: dict[str, int] = {t: i for i, t in enumerate(data["vocabulary"])}
        self.vocabulary: list[str] = data["vocabulary"]
        features = len(self.vocabulary)
        self.idf = _unpack(data["idf"]).astype(np.float64)
        self.heads = {
            name: Head(
                tuple(h["classes"]),
                np.asarray(h["intercept"], dtype=np.float64),
                _unpack(h["coef"]).reshape(len(h["classes"]), features),
            )
            for name, h in data["heads"].items()
        }

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> Model:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return cls(json.load(f))

    def vectorize(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The indices and the L2-normalised sublinear TF-IDF values of the known tokens."""
        counts = Counter(t for t in tokens if t in self.index)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        idx = np.fromiter((self.index[t] for t in counts), dtype=np.int64, count=len(counts))
        tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), float, len(counts))
        values = tf * self.idf[idx]
        norm = float(np.sqrt(values @ values))
        return idx, values / norm if norm else values

    def predict(
        self, name: str, idx: np.ndarray, values: np.ndarray, *, top: int = 8
    ) -> Prediction:
        head = self.heads[name]
        weights = head.coef[:, idx] * values  # (classes, present)
        scores = head.intercept + weights.sum(axis=1)
        exp = np.exp(scores - scores.max())
        probs = exp / exp.sum()
        drivers: dict[str, tuple[str, ...]] = {}
        for ci, code in enumerate(head.classes):
            order = np.argsort(-weights[ci])[:top]
            drivers[code] = tuple(self.vocabulary[int(idx[j])] for j in order if weights[ci, j] > 0)
        return Prediction(head.classes, tuple(float(p) for p in probs), drivers)


@once
def current() -> Model:
    """The shipped model, loaded once per process."""
    return Model.load()
