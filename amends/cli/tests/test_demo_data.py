"""The demo's data files (amends/demo/data/*.toml) hold only values the code knows: a typo in a
category, a slot or a remedy kind fails here, not halfway through a six-month history."""

from __future__ import annotations

import string

import pytest

from amends.complaints.models import Consequence, RemedyProposal
from amends.demo import logins, texts
from amends.orgs.roles import Role
from amends.workflow.taxonomy import DEFAULT_CATEGORIES, Psychology, Severity

CATEGORIES = {code for code, _zh, _en in DEFAULT_CATEGORIES}
# Slots the planner fills for every complaint, besides those of [slots] in each language file.
PLANNED_SLOTS = {"locker", "room", "n", "amount", "coach", "staff"}


def _slots(words: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(words) if name}


def test_it_reads_every_file_into_known_values() -> None:
    words = texts.load()
    for lang in ("zh", "en"):
        known = PLANNED_SLOTS | set(words.slots[lang])
        for text in (*words.complaints[lang], *words.abusive[lang]):
            assert text.category in CATEGORIES, text
            assert text.category in words.handling, text
            assert text.severity in Severity.values, text
            assert text.venue in ("gym", "hotel"), text
            assert text.psychology in ("", *Psychology.values), text
            assert text.stakes in ("low", "mid", "high"), text
            assert text.subject in ("", "coach", "desk", "staff"), text
            assert _slots(text.text) <= known, text
    kinds = set(RemedyProposal.Kind.values)
    for tiers in (words.paid_remedies, words.hotel_remedies):
        assert set(tiers) == {"small", "mid", "high"}
        assert {kind for options in tiers.values() for kind, _pair in options} <= kinds
    assert {h.zero[0] for h in words.handling.values()} <= kinds
    assert set(words.executed) == kinds
    assert {kind for kind, _note in words.steps.consequences} <= set(Consequence.Kind.values)
    assert set(words.steps.survey_comments) == {1, 2, 3, 4, 5}


def test_it_names_the_ten_demo_logins_with_known_roles() -> None:
    assert [p.username for p in logins()] == [
        "desk",
        "specialist",
        "manager",
        "gm",
        "maintenance",
        "courses",
        "director",
        "auditor",
        "privacy",
        "admin",
    ]
    words = texts.load()
    venues = {code for code, _name, _name_en, _kind in words.venues}
    assert all(p.role in Role.values for p in words.staff)
    assert all(p.venue in venues for p in words.staff if p.venue)
    assert len({p.username for p in words.staff}) == len(words.staff)


def test_it_names_the_file_and_entry_of_a_malformed_step() -> None:
    table = {"unknown_entry": ["a", "b"]}
    with pytest.raises(texts.DataError, match=r"steps\.toml: unknown entries \['unknown_entry'\]"):
        texts._steps(table)
