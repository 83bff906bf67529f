"""`amends triage-export` writes the complaints people classified as TAXONOMY.md's labelled JSON
Lines — personal data masked — which `amends triage-eval` reads back; its mistakes end with the
reason and a non-zero exit.

The story, November 2026 (Shanghai), triage's reading fixed for each complaint (`suggesting`):

    A  11-03  gym    suggested facility_equipment/urgent, the desk agrees; still open: left out
    B  11-05  gym    suggested hygiene_environment; the desk chooses noise: overridden
    C  11-08  gym    English; suggested as the desk chose; valid, closed 11-09
    D  11-10  gym    suggested as the desk chose; invalid, explained and closed 11-11
    E  11-12  hotel  suggested service_quality; the desk chooses booking_reservation
    F  11-14  gym    the desk leaves the category blank, chooses important over general:
                     overridden, but no category: skipped
    G  11-16  gym    suggested service_attitude, the desk chooses billing_price; merged into
                     B: left out
    O  10-20  gym    closed in October: left out by --since
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from amends.__main__ import main
from amends.complaints.models import Complaint
from amends.complaints.services import triage as triage_service
from amends.complaints.tests.stories import act, drive
from amends.conftest import Cast, local
from amends.core import clock
from amends.triage.suggest import Guess, Suggestion

NOW = local(2026, 12, 2, 9, 0)
Amends = Callable[..., int]


@pytest.fixture
def amends(monkeypatch: pytest.MonkeyPatch) -> Amends:
    """`amends ARGS…` as typed, in this process and on the test database (whose connection
    the command must not close: the test's transaction lives on it)."""
    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(*args: str) -> int:
        with clock.travel(NOW):
            try:
                main(["amends", *args])
            except SystemExit as exit:
                return int(exit.code or 0)
        return 0

    return run


@contextmanager
def suggesting(monkeypatch: Any, category: str, severity: str = "general") -> Iterator[None]:
    def read(text: str, **kwargs: Any) -> Suggestion:
        return Suggestion(
            language="en" if text.isascii() else "zh",
            category=Guess(category, 0.8),
            severity=Guess(severity, 0.9),
            psychology=Guess("respect", 0.6),
            validity=Guess("valid", 0.7),
            model_version="story",
        )

    with monkeypatch.context() as m:
        m.setattr(triage_service, "suggest", read)
        yield


def at(when: datetime, monkeypatch: Any, suggested: str, severity: str = "general") -> Any:
    @contextmanager
    def both() -> Iterator[None]:
        with clock.travel(when), suggesting(monkeypatch, suggested, severity):
            yield

    return both()


@pytest.fixture
def story(cast: Cast, monkeypatch: Any) -> dict[str, Complaint]:
    found: dict[str, Complaint] = {}
    with at(local(2026, 11, 3, 10), monkeypatch, "facility_equipment", "urgent"):
        found["A"] = cast.receive(category="facility_equipment", severity="urgent")
    with at(local(2026, 11, 5, 10), monkeypatch, "hygiene_environment"):
        found["B"] = cast.receive(
            category="noise",
            severity="general",
            description="隔壁动感单车课的音乐太吵了，我的电话13912345678，邮箱 li.na@example.com",
            customer_request="希望把音量调小，请回电 13912345678",
            phone="13912345678",
        )
    with at(local(2026, 11, 8, 10), monkeypatch, "facility_equipment"):
        found["C"] = drive(
            cast,
            "investigating",
            category=cast.category("facility_equipment"),
            description="The shower in the men's changing room has had no hot water for a week.",
            customer_request="Fix the boiler, please.",
            psychology="vent",
            phone="13700000003",
        )
    with clock.travel(local(2026, 11, 9, 10)):
        drive(cast, "closed", complaint=found["C"])
    with at(local(2026, 11, 10, 10), monkeypatch, "billing_price"):
        found["D"] = drive(
            cast,
            "explained",
            category=cast.category("billing_price"),
            description="我被多扣了一次月费。",
            phone="13700000004",
        )
    with clock.travel(local(2026, 11, 11, 10)):
        act("close", found["D"], cast.specialist)
    with at(local(2026, 11, 12, 10), monkeypatch, "service_quality"):
        found["E"] = cast.receive(
            venue=cast.hotel,
            actor=cast.director,
            category="booking_reservation",
            severity="important",
            description="预订的湖景房到店后说没有了。",
            phone="13700000005",
        )
    with at(local(2026, 11, 14, 10), monkeypatch, "other"):
        found["F"] = cast.receive(
            severity="important", description="停车场太挤。", phone="13700000006"
        )
    with at(local(2026, 11, 16, 10), monkeypatch, "service_attitude"):
        found["G"] = cast.receive(category="billing_price", phone="13700000007")
    with clock.travel(local(2026, 11, 16, 11)):
        act("merge", found["G"], cast.manager, into=found["B"].reference, reason="同一件事")
    with at(local(2026, 10, 20, 10), monkeypatch, "facility_equipment"):
        found["O"] = drive(cast, "investigating", phone="13700000008")
    with clock.travel(local(2026, 10, 21, 10)):
        drive(cast, "closed", complaint=found["O"])
    return {k: Complaint.objects.get(pk=c.pk) for k, c in found.items()}


def lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_it_writes_what_people_classified_as_labelled_lines(
    amends: Amends, story: dict[str, Complaint], tmp_path: Path, capsys: Any
) -> None:
    out = tmp_path / "labelled.jsonl"
    assert amends("triage-export", "--out", str(out)) == 0
    written = lines(out.read_text(encoding="utf-8"))
    ref = {k: c.reference for k, c in story.items()}
    assert [line["id"] for line in written] == [ref["O"], ref["B"], ref["C"], ref["D"], ref["E"]]
    b, c, d, e = written[1:]
    assert b == {
        "id": ref["B"],
        "lang": "zh",
        "venue": "gym",
        "channel": "front_desk",
        "text": "隔壁动感单车课的音乐太吵了，我的电话139****5678，邮箱 l***@example.com",
        "category": "noise",
        "severity": "general",
        "valid": None,
        "psychology": None,
        "expects": "希望把音量调小，请回电 139****5678",
    }
    assert c == {
        "id": ref["C"],
        "lang": "en",
        "venue": "gym",
        "channel": "front_desk",
        "text": "The shower in the men's changing room has had no hot water for a week.",
        "category": "facility_equipment",
        "severity": "general",
        "valid": True,
        "psychology": "vent",
        "expects": "Fix the boiler, please.",
    }
    assert (d["category"], d["valid"], d["lang"]) == ("billing_price", False, "zh")
    assert (e["venue"], e["category"], e["severity"]) == (
        "hotel",
        "booking_reservation",
        "important",
    )
    assert "13912345678" not in out.read_text(encoding="utf-8")
    err = capsys.readouterr().err
    assert f"5 labelled complaints written to {out}; 1 skipped" in err  # F: no category


def test_triage_eval_reads_what_it_wrote(
    amends: Amends, story: dict[str, Complaint], tmp_path: Path, capsys: Any
) -> None:
    out = tmp_path / "labelled.jsonl"
    assert amends("triage-export", "--out", str(out)) == 0
    capsys.readouterr()
    assert amends("triage-eval", str(out), "--json") == 0
    figures = json.loads(capsys.readouterr().out)
    assert 5 in (figures.get("n"), figures.get("records"))  # the issue names it "n"


def test_it_keeps_one_venue_and_what_came_since_a_day(
    amends: Amends, story: dict[str, Complaint], capsys: Any
) -> None:
    assert amends("triage-export", "--venue", "GYM1", "--since", "2026-11-06") == 0
    ids = [line["id"] for line in lines(capsys.readouterr().out)]
    assert ids == [story["C"].reference, story["D"].reference]
    assert amends("triage-export", "--venue", "HTL1") == 0
    assert [line["id"] for line in lines(capsys.readouterr().out)] == [story["E"].reference]


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("--venue", "NOPE"), "no venue with code 'NOPE'"),
        (("--since", "2026-13-01"), "--since must be YYYY-MM-DD"),
        (("--since", "2026-11-1"), "--since must be YYYY-MM-DD"),
        (("--out", "/no/such/folder/x.jsonl"), "no folder '/no/such/folder'"),
    ],
)
def test_a_mistake_ends_with_its_reason(
    amends: Amends, cast: Cast, capsys: Any, args: tuple[str, ...], reason: str
) -> None:
    assert amends("triage-export", *args) == 1
    err = capsys.readouterr().err
    assert reason in err and "Traceback" not in err
