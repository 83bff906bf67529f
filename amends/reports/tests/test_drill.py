"""Each figure and table row links to exactly the complaints it counts, within what the reader
may see; a bad link is refused with a code, never a 500."""

from __future__ import annotations

import pytest

from amends.core.errors import InvalidInput
from amends.reports.drill import complaints_behind
from amends.reports.monthly import build_monthly_report
from amends.reports.tests.data import NOVEMBER, NOW

# The column of each table holding the count its rows' links list.
COUNTED = {
    "classification": 3,
    "validity": 1,
    "times_by_category": 1,
    "times_by_severity": 1,
    "times_by_department": 1,
    "escalations": 2,
    "reopens": 1,
    "compensation": 1,
    "satisfaction": 1,
    "staff": 2,
    "causes": 1,
    "cause_kinds": 1,
    "recurring": 3,
}


def behind(cast, actor="director", **params):
    return complaints_behind(actor=getattr(cast, actor), params=params, now=NOW)


@pytest.fixture
def report(cast, november):
    return build_monthly_report(
        actor=cast.director,
        company=cast.company,
        venue=cast.gym,
        month=NOVEMBER,
        language="en",
        now=NOW,
    )


def test_each_counting_figure_lists_as_many_complaints_as_it_counts(cast, report):
    for key in ("received", "merged", "open_now", "responded", "escalated", "repeat_complainants"):
        figure = report.figure(key)
        assert behind(cast, **figure.link).count() == figure.value, key
    assert {c.reference for c in behind(cast, **report.figure("merged").link)} == {
        "GYM1-20261120-0002"
    }


def test_a_rate_links_to_the_complaints_that_miss_it(cast, report):
    month = {"month": "2026-11", "venue": "GYM1"}
    assert behind(cast, **month, measure="within_target_missed").count() == 5  # 8 − 3 within
    assert behind(cast, **month, measure="within_target_judged").count() == 8
    assert behind(cast, **month, measure="response_late").count() == 5  # 8 judged, 3 on time
    assert behind(cast, **month, measure="resolution_late").count() == 6  # 7 judged, 1 on time
    assert behind(cast, **month, measure="resolved").count() == 2
    assert behind(cast, **month, measure="resolvable").count() == 7
    assert behind(cast, **month, measure="reopened").count() == 1
    assert behind(cast, **month, measure="surveyed").count() == 2
    assert behind(cast, **month, measure="positive").count() == 1
    assert behind(cast, **month, measure="detractors").count() == 1
    assert behind(cast, **month, measure="compensated").count() == 2  # ¥500 and ¥300 paid
    assert behind(cast, **month, measure="response_overdue").count() == 4  # C2 C5 C8 C9
    assert report.figure("within_target_rate").link["measure"] == "within_target_missed"


def test_every_table_row_lists_as_many_complaints_as_it_counts(cast, report):
    checked = 0
    for key, column in COUNTED.items():
        for row in report.table(key).rows:
            if row.link:
                assert behind(cast, **row.link).count() == row.values[column], (key, row)
                checked += 1
    assert checked >= 30


def test_the_list_stays_within_the_readers_scope(cast, report):
    assert behind(cast, actor="outsider", month="2026-11", venue="GYM1").count() == 0
    assert behind(cast, actor="outsider", month="2026-11").count() == 0
    assert behind(cast, actor="stranger", month="2026-11").count() == 0
    assert behind(cast, actor="manager", month="2026-11").count() == 8
    # The front desk sees the venue's complaints in the console, and so here too.
    assert behind(cast, actor="desk", month="2026-11", venue="GYM1").count() == 8


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "bad_month"),
        ({"month": "2026-13"}, "bad_month"),
        ({"month": "11/2026"}, "bad_month"),
        ({"month": "9999-12"}, "bad_month"),
        ({"month": "2026-11", "staff": "²"}, "unknown_staff"),
        ({"month": "2026-11", "staff": "99999999999999999999999"}, "unknown_staff"),
        ({"month": "2026-11", "measure": "everything"}, "unknown_measure"),
        ({"month": "2026-11", "venue": "OGYM"}, "unknown_venue"),
        ({"month": "2026-11", "category": "weather"}, "unknown_category"),
        ({"month": "2026-11", "severity": "mild"}, "unknown_severity"),
        ({"month": "2026-11", "channel": "pigeon"}, "unknown_channel"),
        ({"month": "2026-11", "department": "kitchen"}, "unknown_department"),
        ({"month": "2026-11", "staff": "me"}, "unknown_staff"),
        ({"month": "2026-11", "validity": "maybe"}, "unknown_validity"),
        ({"month": "2026-11", "cause": "fate"}, "unknown_cause"),
        ({"month": "2026-11", "level": "top"}, "bad_level"),
        ({"month": "2026-11", "measure": "granted", "remedy": "gold"}, "unknown_remedy"),
    ],
)
def test_a_bad_link_is_refused_with_a_code(cast, params, code):
    with pytest.raises(InvalidInput) as refused:
        complaints_behind(actor=cast.director, params=params, now=NOW)
    assert refused.value.code == code
