"""The shipped model is what `amends triage-build` makes from the data in the repository: the
build runs here, into a scratch directory, and must give the same bytes."""

import gzip
import json

from amends.triage import build, tokens
from amends.triage.model import MODEL_FILE


def test_the_committed_model_is_the_build_of_the_committed_data(tmp_path):
    summary = build.build(tmp_path)
    assert (tmp_path / "words.txt").read_bytes() == tokens.WORDS.read_bytes(), (
        "amends/triage/model/words.txt is stale: run `amends triage-build`"
    )
    assert (tmp_path / "triage.json.gz").read_bytes() == MODEL_FILE.read_bytes(), (
        "amends/triage/model/triage.json.gz is stale: run `amends triage-build`"
    )
    with gzip.open(MODEL_FILE, "rt", encoding="utf-8") as f:
        shipped = json.load(f)
    assert shipped["version"] == summary["version"]
    assert shipped["records"] == summary["records"] >= 2000


def test_the_held_out_data_is_never_trained_on():
    train = build.read_jsonl(sorted((build.DATA / "train").glob("*.jsonl")))
    heldout = build.read_jsonl(sorted((build.DATA / "heldout").glob("*.jsonl")))
    assert heldout
    assert not {r["text"] for r in train} & {r["text"] for r in heldout}
    assert not {r["id"] for r in train} & {r["id"] for r in heldout}
