"""Every figure and table of the gym's November 2026 report, against numbers worked out by hand
from the story in `data.py` (read at 2026-12-03 12:00 Shanghai). Each expected value is a
literal with its arithmetic beside it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest

from amends.conftest import local
from amends.core import clock
from amends.orgs.models import Venue
from amends.reports.monthly import build_monthly_report
from amends.reports.tests.data import NOVEMBER, NOW


def report(cast, language="en", venue="gym", actor="director"):
    return build_monthly_report(
        actor=getattr(cast, actor),
        company=cast.company,
        venue=getattr(cast, venue) if venue else None,
        month=NOVEMBER,
        language=language,
        now=NOW,
    )


def rows(table):
    return [row.values for row in table.rows]


def test_it_counts_every_headline_figure_as_worked_out_by_hand(cast, november):
    r = report(cast)
    assert r.title == "静安健身会所 — complaints report, November 2026"  # no English name: Chinese
    assert (r.period_start, r.period_end) == (
        datetime(2026, 10, 31, 16, 0, tzinfo=UTC),  # 11-01 00:00 Shanghai
        datetime(2026, 11, 30, 16, 0, tzinfo=UTC),  # 12-01 00:00 Shanghai
    )
    assert r.time_zone == "Asia/Shanghai" and r.venue_code == "GYM1" and r.current_to == NOW
    values = {f.key: f.value for f in r.figures}
    assert values == {
        # C1 C2 C3 C4 C5 C7 C8 C9 (O1 is October's at 23:59, D1 December's at 00:01; C6 merged)
        "received": 8,
        "merged": 1,  # C6
        "open_now": 6,  # all but C3 and C4, closed
        "responded": 4,  # C1 C3 C4 C7 (C2's response is owed again since its reopening)
        "avg_first_response_hours": D("25.1"),  # (1.0 + 0.5 + 96.0 + 3.0) / 4 = 25.125
        "p90_first_response_hours": D("68.1"),  # [0.5 1 3 96], rank 0.9×3 = 2.7: 3 + 0.7×93
        # judged: all 8 (responded, or waiting > 24 h); missed: C4 (96 h) and C2 C5 C8 C9
        "within_target_rate": D("37.5"),  # 3 / 8
        # judged: C1 C3 C4 C7 responded + C2 C5 C8 C9 overdue; missed: C4 late + the 4 overdue
        "response_on_time_rate": D("37.5"),  # 3 / 8
        # judged: C3 C4 resolved + C1 C2 C5 C7 C8 overdue (C9's runs to 12-03 23:59);
        # missed: C4 (resolved 11-20, due 11-16) + those 5
        "resolution_on_time_rate": D("14.3"),  # 1 / 7
        "resolution_rate": D("28.6"),  # resolved C3 C4, of C3 C4 + C1 C2 C5 C7 C8 past due: 2/7
        "reopen_rate": D("33.3"),  # C2, of those resolved at some time (C2 C3 C4): 1/3
        "escalated": 1,  # C7
        "satisfaction": D("3.50"),  # (5 + 2) / 2
        "positive_rate": D("50.0"),  # C3's 5, of 2 answered
        "nps": D("0.00"),  # 1 promoter (10) − 1 detractor (3), of 2: 50 % − 50 %
        "repeat_complainants": 1,  # C5's customer (C3's)
        "compensation_paid": D("800.00"),  # C2 ¥500 + C3 ¥300, both carried out
    }
    targets = {f.key: (f.target, f.rag) for f in r.figures if f.target is not None}
    assert targets == {
        "avg_first_response_hours": (D("12"), "red"),  # 13.1 over; amber only below 12 + 1.2
        "within_target_rate": (D("100"), "red"),
        "response_on_time_rate": (D("95"), "red"),
        "resolution_on_time_rate": (D("95"), "red"),
        "resolution_rate": (D("98"), "red"),
        "reopen_rate": (D("5"), "red"),
        "positive_rate": (D("95"), "red"),
        "nps": (D("0"), "green"),  # at least 0
    }
    # Month over month from the rollups: October holds O1 only, last November nothing.
    changes = {f.key: (f.change, f.change_year) for f in r.figures if f.change is not None}
    assert changes == {"received": (D("700.0"), None)}  # (8 − 1) / 1; no base last year
    assert r.figure("received").link == {"month": "2026-11", "venue": "GYM1", "measure": "received"}


def test_it_fills_every_table_as_worked_out_by_hand(cast, november):
    r = report(cast)
    share = D("12.5")  # one complaint of eight
    assert rows(r.table("classification")) == [
        # category position, then severity urgent → general, then channel
        ("Service attitude", "Important", "Phone", 1, share),  # C5 (a repeat: important)
        ("Service attitude", "General", "Front desk", 1, share),  # C3
        ("Service quality", "Important", "Front desk", 1, share),  # C2 (reopened: important)
        ("Facilities and equipment", "Urgent", "Phone", 1, share),  # C1
        # C7, and C8: the same cause (更衣室) again at the venue, at least important (SPEC §2)
        ("Hygiene and environment", "Important", "App / mini-program", 2, D("25.0")),
        ("Billing and price", "General", "Phone", 1, share),  # C4
        ("Noise", "Urgent", "Phone", 1, share),  # C9
        ("Total", "", "", 8, D("100.0")),
    ]
    assert r.table("classification").rows[0].link == {
        "month": "2026-11",
        "venue": "GYM1",
        "category": "service_attitude",
        "severity": "important",
        "channel": "phone",
    }
    assert rows(r.table("validity")) == [
        ("Valid", 2, D("25.0")),  # C2 C3
        ("Invalid (unfounded)", 1, D("12.5")),  # C4
        ("Undecided", 5, D("62.5")),
        ("Total", 8, D("100.0")),
    ]
    h = D
    assert rows(r.table("times_by_category")) == [
        # responded, mean, median, p90 (h); resolved, mean, median, p90 (h); on time %, %
        # C3 0.5 h / 24 h on time; C5 overdue on both
        (
            "Service attitude",
            1,
            h("0.5"),
            h("0.5"),
            h("0.5"),
            1,
            h("24.0"),
            h("24.0"),
            h("24.0"),
            D("50.0"),
            D("50.0"),
        ),
        # C2: its response owed again and overdue, its resolution overdue
        ("Service quality", 0, None, None, None, 0, None, None, None, D("0.0"), D("0.0")),
        (
            "Facilities and equipment",
            1,
            h("1.0"),
            h("1.0"),
            h("1.0"),
            0,
            None,
            None,
            None,
            D("100.0"),
            D("0.0"),
        ),
        # C7 3.0 h on time, C8 overdue: 1/2; both resolutions overdue
        (
            "Hygiene and environment",
            1,
            h("3.0"),
            h("3.0"),
            h("3.0"),
            0,
            None,
            None,
            None,
            D("50.0"),
            D("0.0"),
        ),
        # C4 96 h and 192 h (11-12 10:00 → 11-20 10:00), both late
        (
            "Billing and price",
            1,
            h("96.0"),
            h("96.0"),
            h("96.0"),
            1,
            h("192.0"),
            h("192.0"),
            h("192.0"),
            D("0.0"),
            D("0.0"),
        ),
        # C9: response overdue; its resolution deadline still runs: no verdict
        ("Noise", 0, None, None, None, 0, None, None, None, D("0.0"), None),
        # resolutions [24 192]: mean 108, p90 = 24 + 0.9 × 168 = 175.2
        (
            "All",
            4,
            h("25.1"),
            h("2.0"),
            h("68.1"),
            2,
            h("108.0"),
            h("108.0"),
            h("175.2"),
            D("37.5"),
            D("14.3"),
        ),
    ]
    assert rows(r.table("times_by_severity")) == [
        (
            "Urgent",
            1,
            h("1.0"),
            h("1.0"),
            h("1.0"),
            0,
            None,
            None,
            None,
            D("50.0"),
            D("0.0"),
        ),  # C1 C9
        (
            "Important",
            1,
            h("3.0"),
            h("3.0"),
            h("3.0"),
            0,
            None,
            None,
            None,
            D("25.0"),
            D("0.0"),
        ),  # C2 C5 C7 C8 (C8: the same cause as C7, so important)
        # C3 C4: [0.5 96] mean 48.25, p90 = 0.5 + 0.9 × 95.5 = 86.45; resolutions C3 C4 (C4 late)
        (
            "General",
            2,
            h("48.3"),
            h("48.3"),
            h("86.5"),
            2,
            h("108.0"),
            h("108.0"),
            h("175.2"),
            D("50.0"),
            D("50.0"),
        ),
        (
            "All",
            4,
            h("25.1"),
            h("2.0"),
            h("68.1"),
            2,
            h("108.0"),
            h("108.0"),
            h("175.2"),
            D("37.5"),
            D("14.3"),
        ),
    ]
    assert rows(r.table("times_by_department")) == [
        # all but C1: responded C3 0.5, C4 96, C7 3 → mean 33.17, p90 = 3 + 0.8 × 93 = 77.4;
        # on time 2 of 7 judged; resolutions on time 1 (C3) of 6 judged (not C9)
        (
            "Customer service",
            3,
            h("33.2"),
            h("3.0"),
            h("77.4"),
            2,
            h("108.0"),
            h("108.0"),
            h("175.2"),
            D("28.6"),
            D("16.7"),
        ),
        (
            "Maintenance",
            1,
            h("1.0"),
            h("1.0"),
            h("1.0"),
            0,
            None,
            None,
            None,
            D("100.0"),
            D("0.0"),
        ),  # C1
        (
            "All",
            4,
            h("25.1"),
            h("2.0"),
            h("68.1"),
            2,
            h("108.0"),
            h("108.0"),
            h("175.2"),
            D("37.5"),
            D("14.3"),
        ),
    ]
    assert rows(r.table("escalations")) == [
        (1, "Customer-service manager", 1, share),  # C7, to the manager
        ("Total", "", 1, share),
    ]
    assert rows(r.table("reopens")) == [
        ("Service quality", 1, 1, D("100.0")),  # C2
        ("Total", 1, 3, D("33.3")),  # of C2 C3 C4
    ]
    assert rows(r.table("compensation")) == [
        ("Refund", 2, D("800.00"), 2, D("800.00")),  # ¥500 (C2) + ¥300 (C3), both carried out
        ("Total", 2, D("800.00"), 2, D("800.00")),
    ]
    assert rows(r.table("satisfaction")) == [
        # answered, mean, % 4–5, promoters, passives, detractors, NPS
        ("All", 2, D("3.50"), D("50.0"), 1, 0, 1, D("0.00")),
        ("Service attitude", 1, D("5.00"), D("100.0"), 1, 0, 0, D("100.00")),  # C3: 5, 10
        ("Billing and price", 1, D("2.00"), D("0.0"), 0, 0, 1, D("-100.00")),  # C4: 2, 3
    ]
    assert rows(r.table("staff")) == [
        # C2 is about the coach (not surveyed); no member rated a coach; the warning on C2
        ("Coach", "Courses", 1, 0, None, 0, None, 0, 1, 0, 0),
    ]
    assert [c.key for c in r.table("staff").columns][-4:] == [
        "training",
        "warning",
        "coaching",
        "other",
    ]
    assert r.table("staff").rows[0].link["staff"] == str(cast.coach.pk)
    assert rows(r.table("causes")) == [
        ("Service attitude", 2, D("25.0"), D("25.0")),  # C3 C5
        ("Hygiene and environment", 2, D("25.0"), D("50.0")),  # C7 C8
        ("Service quality", 1, share, D("62.5")),
        ("Facilities and equipment", 1, share, D("75.0")),
        ("Billing and price", 1, share, D("87.5")),
        ("Noise", 1, share, D("100.0")),
    ]
    assert rows(r.table("cause_kinds")) == [
        ("Subjective (attitude, negligence)", 2, D("25.0")),  # C2 C3 (the coach was late)
        ("Objective (equipment, pricing, outside parties)", 0, D("0.0")),
        ("Undecided", 6, D("75.0")),
    ]
    assert rows(r.table("recurring")) == [
        ("静安健身会所", "Hygiene and environment", "更衣室", 2, 2),  # C7 and C8 (" 更衣室 ")
    ]
    assert r.table("recurring").rows[0].link["subject"] == "place:更衣室"
    # From the rollups: rates there are of those responded / resolved / surveyed.
    assert rows(r.table("comparison")) == [
        ("Complaints received", D("8"), D("1"), D("700.0"), D("0"), None),
        ("Responded to", D("4"), D("0"), None, D("0"), None),
        ("Average first response (hours)", D("25.1"), None, None, None, None),
        ("Responded within the target time", D("75.0"), None, None, None, None),  # C1 C3 C7 of 4
        ("First responses on time", D("75.0"), None, None, None, None),  # C4 late
        ("Resolutions on time", D("50.0"), None, None, None, None),  # C4 late, of C3 C4
        ("Resolution rate", D("25.0"), D("0.0"), None, None, None),  # 2 / 8; October 0 / 1
        ("Reopen rate", D("33.3"), None, None, None, None),
        ("Escalated", D("1"), D("0"), None, D("0"), None),
        ("Satisfaction (1–5)", D("3.50"), None, None, None, None),
        ("Positive feedback (4–5)", D("50.0"), None, None, None, None),
        ("Net promoter score", D("0.00"), None, None, None, None),
    ]


def test_it_draws_the_charts_from_the_same_figures(cast, november):
    r = report(cast)
    trend = r.chart("trend")
    assert (
        trend.labels[0] == "2025-11" and trend.labels[-1] == "2026-11" and len(trend.labels) == 13
    )
    received, resolution, on_time = trend.series
    assert received.values == (0.0,) * 11 + (1.0, 8.0)  # O1 in October
    assert resolution.values == (None,) * 11 + (0.0, 25.0)
    assert on_time.values == (None,) * 12 + (75.0,)
    assert (resolution.kind, resolution.axis) == ("line", "right")
    names = (
        "Service attitude",
        "Hygiene and environment",
        "Service quality",
        "Facilities and equipment",
        "Billing and price",
        "Noise",
    )
    assert r.chart("categories").labels == names
    assert r.chart("categories").series[0].values == (2.0, 2.0, 1.0, 1.0, 1.0, 1.0)
    _bars, line = r.chart("pareto").series
    assert line.values == (25.0, 50.0, 62.5, 75.0, 87.5, 100.0) and line.axis == "right"
    times = r.chart("response_times")
    assert times.labels == ("< 1 h", "1–4 h", "4–12 h", "12–24 h", "24–48 h", "> 48 h")
    # C3 0.5 h; C1 1.0 h (on the edge: 1–4 h) and C7 3.0 h; C4 96 h
    assert times.series[0].values == (1.0, 2.0, 0.0, 0.0, 0.0, 1.0)


def test_it_is_written_in_the_report_language(cast, november):
    # (The report's own words are translated once the lead merges /tmp/i18n/figures.json:
    # "%(scope)s — complaints report, %(month)s" → "%(scope)s %(month)s 投诉月报".)
    r = report(cast, language="zh-hans")
    assert r.title.startswith("静安健身会所") and "2026年11月" in r.title
    assert r.language == "zh-hans"
    assert r.table("classification").rows[0].values[:3] == ("服务态度", "重要", "电话")


def test_a_company_report_counts_each_venue_in_its_own_time_zone(cast, november):
    Venue.objects.filter(pk=cast.gym2.pk).update(timezone="Asia/Tokyo")
    cast.gym2.refresh_from_db()
    tokyo = datetime(2026, 11, 1, 0, 30, tzinfo=__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    with clock.travel(tokyo):  # 10-31 23:30 in Shanghai, but November in Tokyo
        cast.receive(actor=cast.outsider, venue=cast.gym2, phone="13800000011")
    with clock.travel(local(2026, 11, 30, 23, 30)):  # 12-01 00:30 in Tokyo: December there
        cast.receive(actor=cast.outsider, venue=cast.gym2, phone="13800000012")
    whole = report(cast, venue=None)
    assert whole.venue_code == "" and whole.scope_label == "Lifeforce Fitness"
    assert whole.figure("received").value == 9  # the gym's 8 + GYM2's first
    assert "venue" not in whole.figure("received").link
    assert report(cast).figure("received").value == 8


def test_it_counts_nothing_of_an_empty_month(cast, november):
    r = build_monthly_report(
        actor=None,
        company=cast.company,
        venue=cast.gym,
        month=date(2026, 9, 1),
        language="en",
        now=NOW,
    )
    assert r.figure("received").value == 0
    assert r.figure("avg_first_response_hours").value is None
    assert r.figure("avg_first_response_hours").rag == ""
    assert r.figure("compensation_paid").value == D("0.00")
    assert rows(r.table("classification")) == [("Total", "", "", 0, None)]


def test_it_refuses_a_venue_of_another_company(cast, november):
    from amends.core.errors import NotFound

    with pytest.raises(NotFound):
        build_monthly_report(
            actor=None,
            company=cast.company,
            venue=Venue.objects.get(code="OGYM"),
            month=NOVEMBER,
            language="en",
            now=NOW,
        )


def test_it_lists_the_improvement_actions_of_the_month_with_their_effect(cast, november):
    from amends.improvements.services import improvement_complete, improvement_raise

    with clock.travel(local(2026, 11, 26, 10, 0)):  # after C7 (11-25) and C8 (11-26 09:00)
        mats = improvement_raise(
            actor=cast.manager,
            venue=cast.gym,
            title="更衣室防滑垫",
            source="cause",
            category=cast.category("hygiene_environment"),
            owner=cast.manager,
            due_on=date(2026, 11, 28),
        )
    with clock.travel(local(2026, 11, 27, 10, 0)):
        improvement_complete(
            action=mats, actor=cast.manager, expected_version=mats.version, outcome="已铺设"
        )
    with clock.travel(local(2026, 11, 10, 12, 0)):
        improvement_raise(  # due in November, never done: listed, overdue
            actor=cast.manager,
            venue=cast.gym,
            title="收费公示",
            source="cause",
            category=cast.category("billing_price"),
            owner=cast.manager,
            due_on=date(2026, 11, 20),
        )
        improvement_raise(  # due in December: not this month's
            actor=cast.manager,
            venue=cast.gym,
            title="噪音排查",
            source="cause",
            category=cast.category("noise"),
            owner=cast.manager,
            due_on=date(2026, 12, 15),
        )
    assert rows(report(cast).table("improvements")) == [
        # before: billing complaints in [10-11 12:00, 11-10 12:00): none (C4 came 11-12)
        (
            "收费公示",
            "Open",
            date(2026, 11, 20),
            None,
            0,
            0,
            30,
            "Waiting for the after-window to pass",
        ),
        # before: hygiene in [10-27 10:00, 11-26 10:00): C7 C8 (C6 merged); after: from 11-27
        # 10:00 for 30 days, not over on 12-03
        (
            "更衣室防滑垫",
            "Done",
            date(2026, 11, 28),
            datetime(2026, 11, 27, 2, 0, tzinfo=UTC),
            2,
            0,
            30,
            "Waiting for the after-window to pass",
        ),
    ]
