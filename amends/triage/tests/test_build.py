"""The shipped model is what `amends triage-build` makes from the data in the repository: the
build runs here, into a scratch directory, and must give the same model. On the machine that
built it the bytes are the same; elsewhere a different BLAS may move a weight in its last
places, so the weights are compared to 1e-3 and everything else exactly."""

import gzip
import json

import numpy as np

from amends.triage import build, tokens
from amends.triage.model import MODEL_FILE, Model


def load(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return json.load(f)


def test_the_committed_model_is_the_build_of_the_committed_data(tmp_path):
    summary = build.build(tmp_path)
    assert (tmp_path / "words.txt").read_bytes() == tokens.WORDS.read_bytes(), (
        "amends/triage/model/words.txt is stale: run `amends triage-build`"
    )
    built, shipped = load(tmp_path / "triage.json.gz"), load(MODEL_FILE)
    stale = "amends/triage/model/triage.json.gz is stale: run `amends triage-build`"
    assert built["version"] == shipped["version"] == summary["version"], stale
    assert built["records"] == shipped["records"] >= 4000
    assert built["vocabulary"] == shipped["vocabulary"], stale
    for name, value in shipped["settings"].items():
        assert abs(built["settings"][name] - value) <= 0.02, stale
    ours, theirs = Model(built), Model(shipped)
    assert np.allclose(ours.idf, theirs.idf, atol=1e-4), stale
    for name, head in theirs.heads.items():
        assert ours.heads[name].classes == head.classes, stale
        assert np.allclose(ours.heads[name].intercept, head.intercept, atol=1e-3), stale
        assert np.allclose(ours.heads[name].coef, head.coef, atol=1e-3), stale


def test_the_held_out_data_is_never_trained_on():
    train = build.read_jsonl(sorted((build.DATA / "train").glob("*.jsonl")))
    heldout = build.read_jsonl(sorted((build.DATA / "heldout").glob("*.jsonl")))
    assert len(train) >= 4000 and len(heldout) >= 800
    assert not {r["text"] for r in train} & {r["text"] for r in heldout}
    assert not {r["id"] for r in train} & {r["id"] for r in heldout}
