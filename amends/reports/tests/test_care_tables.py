"""The member-care tables of November 2026 at the Jing'an gym, worked out by hand:

campaign "新会员三日回访": 3 calls due in November — one satisfied (5), one not satisfied
          (2, opened a complaint), one still to call → coverage 66.7 %, satisfied 50.0 %,
          average 3.50, 1 complaint
care sent renewal: 1 sent, 1 opted out
coaches   the coach: 5, 4, 2 → 3.67, 2 satisfied, 66.7 %
first contact 2 assigned 11-20: one called 11-25 (within 7 days), one never → overdue
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from amends.care import services
from amends.care.tests.stories import campaign, member, rule
from amends.conftest import local
from amends.core import clock
from amends.reports.tables_care import CareTables
from amends.workflow.rules import DEFAULT_TARGETS


def tables(cast, venue=None, language="en"):
    builder = CareTables(
        company=cast.company,
        venue=venue,
        month=date(2026, 11, 1),
        now=local(2026, 12, 1, 9, 0),
        targets=DEFAULT_TARGETS,
        language=language,
    )
    return {t.key: t for t in builder.care_tables()}


def test_the_care_tables_of_november(cast):
    campaign(cast)
    members = []
    for number in ("A", "B", "C"):
        m = member(cast, number)
        m = services.specialist_assign(
            member=m, specialist=cast.specialist, now=local(2026, 11, 20, 9, 0)
        )
        members.append(m)
    calls = [
        services.campaign_trigger(
            venue=cast.gym, trigger="joining", member=m, at=local(2026, 11, 22, 10, 0), key="j"
        )
        for m in members
    ]
    with clock.travel(local(2026, 11, 25, 11, 0)):
        services.call_record(
            actor=cast.specialist,
            call=calls[0],
            version=1,
            reached=True,
            outcome="satisfied",
            score=5,
        )
        services.call_record(
            actor=cast.specialist,
            call=calls[1],
            version=1,
            reached=True,
            outcome="not_satisfied",
            score=2,
            notes="更衣室太挤",
        )
    rule(cast, "renewal")
    member(cast, "R1", expires_on=date(2026, 11, 24))
    member(cast, "R2", expires_on=date(2026, 11, 24), opt_outs=["sms"])
    services.care_run(venue=cast.gym, now=local(2026, 11, 23, 10, 0))
    with clock.travel(local(2026, 11, 21, 19, 0)):
        for value in (5, 4, 2):
            services.coach_feedback_record(
                actor=cast.specialist, venue=cast.gym, coach=cast.coach, score=value
            )

    found = tables(cast, cast.gym)
    [row] = found["campaign_coverage"].rows
    assert row.values == (
        "新会员三日回访",
        "GYM1",
        3,
        2,
        0,
        1,
        0,
        D("66.7"),
        D("50.0"),
        D("50.0"),
        D("3.50"),
        1,
    )
    assert [r.values for r in found["care_sent"].rows] == [
        ("Renewal reminder", 1, 1, 0, 2),
        ("Total", 1, 1, 0, 2),
    ]
    assert [r.values for r in found["coach_satisfaction"].rows] == [
        ("Coach", 3, D("3.67"), 2, D("66.7")),
    ]
    # Three members assigned on the 20th: A and B were called on the 25th (within 7 days),
    # C never — overdue on 1 December.
    assert [r.values for r in found["first_contact"].rows] == [
        ("静安健身会所", 3, 2, D("66.7"), 1),
    ]
    # The company's report holds the gym's rows; the other gym has none.
    assert tables(cast)["campaign_coverage"].rows == found["campaign_coverage"].rows
    assert tables(cast, cast.gym2)["care_sent"].rows == ()


def test_the_staff_table_carries_each_coachs_member_ratings(cast):
    """Satisfaction per coach sits in the report's staff table, beside the complaints naming
    them: three ratings in November (5, 4, 2 → 3.67); one in December does not count."""
    from amends.reports.monthly import build_monthly_report

    for at, value in (
        (local(2026, 11, 3, 10, 0), 5),
        (local(2026, 11, 15, 18, 0), 4),
        (local(2026, 11, 30, 23, 59), 2),
        (local(2026, 12, 1, 0, 1), 1),
    ):
        with clock.travel(at):
            services.coach_feedback_record(
                actor=cast.specialist, venue=cast.gym, coach=cast.coach, score=value
            )
    report = build_monthly_report(
        actor=None,
        company=cast.company,
        venue=cast.gym,
        month=date(2026, 11, 1),
        language="en",
        now=local(2026, 12, 2, 9, 0),
    )
    staff = report.table("staff")
    keys = [c.key for c in staff.columns]
    [row] = [r for r in staff.rows if r.link.get("staff") == str(cast.coach.pk)]
    assert row.values[keys.index("coach_ratings")] == 3
    assert row.values[keys.index("coach_satisfaction")] == D("3.67")
    assert row.values[keys.index("complaints")] == 0
