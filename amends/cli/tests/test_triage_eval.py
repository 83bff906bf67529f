"""`amends triage-eval`: the figures for a labelled file, as text or JSON; a bad file is a
clear error, never a traceback."""

import json

import pytest
from django.core.management import CommandError, call_command


def write(tmp_path, *records, raw=None):
    path = tmp_path / "labelled.jsonl"
    text = raw if raw is not None else "\n".join(json.dumps(r, ensure_ascii=False) for r in records)
    path.write_text(text, encoding="utf-8")
    return path


INJURY = {
    "id": "a1",
    "lang": "zh",
    "venue": "gym",
    "channel": "front_desk",
    "text": "跑步机皮带突然打滑，我摔倒了膝盖流血，前台说没办法。",
    "category": "facility_equipment",
    "severity": "urgent",
    "valid": True,
    "psychology": "respect",
    "pii": [],
    "expects": "apology",
    "extra": "ignored",
}
BILL = {
    **INJURY,
    "id": "a2",
    "lang": "en",
    "text": "I was charged twice for my protein shake, ¥38 each time. Call me on 13812345678.",
    "category": "billing_price",
    "severity": "general",
    "pii": ["13812345678"],
}


def test_it_prints_the_figures_as_json(tmp_path, capsys):
    call_command("triage_eval", str(write(tmp_path, INJURY, BILL)), "--json")
    result = json.loads(capsys.readouterr().out)
    assert result["n"] == result["records"] == 2
    assert result["urgent_recall"] == result["severity"]["urgent_recall"] == 1.0
    assert result["pii_recall"] == 1.0 and result["pii"]["listed"] == 1
    assert result["severity"]["confusion"]["urgent"]["urgent"] == 1
    assert set(result["category"]["per_category"]) >= {"facility_equipment", "billing_price"}
    assert 0 < result["latency_ms_p50"] <= result["latency_ms_p95"]


def test_it_prints_a_table(tmp_path, capsys):
    call_command("triage_eval", str(write(tmp_path, INJURY, BILL)))
    out = capsys.readouterr().out
    assert "macro-F1" in out and "urgent recall: 1.000" in out and "PII recall: 1.000" in out


@pytest.mark.parametrize(
    ("records", "raw", "message"),
    [
        ((), "not json\n", "not JSON Lines"),
        ((), "", "no records"),
        (({**INJURY, "category": "weather"},), None, "unknown category"),
        (({**INJURY, "valid": "true"},), None, "'valid' must be"),
        (({**INJURY, "pii": 5},), None, "'pii' must be"),
        (({**INJURY, "text": ""},), None, "'text' is missing"),
    ],
)
def test_a_bad_file_is_a_clear_error(tmp_path, records, raw, message):
    with pytest.raises(CommandError, match=message):
        call_command("triage_eval", str(write(tmp_path, *records, raw=raw)))


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("triage_eval", str(tmp_path / "nowhere.jsonl"))
