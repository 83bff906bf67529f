"""The live KPI board: every venue the reader may report on side by side, the company's total
for a company-wide reader, the monthly report's own figures with their colours against the
company's targets — green, amber, red at the exact edges — and a cost that does not grow with
the complaints."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from amends.conftest import local
from amends.core import clock
from amends.core.errors import PermissionDenied
from amends.reports.drill import complaints_behind
from amends.reports.kpi import kpi_board
from amends.reports.monthly import build_monthly_report
from amends.reports.tests.data import NOVEMBER, NOW
from amends.workflow.models import ServiceTargets


def targets(cast, **values):
    defaults = {
        "respond_within_hours": D("24"),
        "average_response_hours": D("12"),
        "resolution_rate": D("98"),
        "positive_rate": D("95"),
        "on_time_rate": D("95"),
        "reopen_rate": D("5"),
        "nps": D("0"),
        "amber_margin": D("10"),
    }
    ServiceTargets.objects.update_or_create(company=cast.company, defaults={**defaults, **values})


def board(cast, actor="director"):
    return kpi_board(actor=getattr(cast, actor), month=NOVEMBER, now=NOW)


def test_a_director_sees_every_venue_and_the_company(cast, november):
    kpi = board(cast)
    assert [row.label for row in kpi.rows] == [
        "静安健身会所",
        "浦东健身会所",
        "外滩酒店",
        "All venues",
    ]
    gym, gym2, _hotel, company = kpi.rows
    # Open now at the gym: O1 C1 C2 C5 C7 C8 C9 D1 (C3 C4 closed, C6 merged), all overdue.
    assert (gym.figure("open").value, gym.figure("overdue").value) == (8, 8)
    assert gym.figure("overdue").rag == "red"
    assert (gym2.figure("open").value, gym2.figure("overdue").value) == (0, 0)
    assert gym2.figure("overdue").rag == "green"
    assert company.figure("open").value == 8 and company.venue is None
    # Each links to exactly the complaints it counts (the drill-down).
    for row in (gym, company):
        for key in ("open", "overdue"):
            figure = row.figure(key)
            listed = complaints_behind(actor=cast.director, params=figure.link, now=NOW)
            assert listed.count() == figure.value, (row.label, key)
    # The headline figures are the monthly report's own.
    report = build_monthly_report(
        actor=cast.director,
        company=cast.company,
        venue=cast.gym,
        month=NOVEMBER,
        language="en",
        now=NOW,
    )
    assert gym.figures[2:] == report.figures
    assert company.figure("received").value == 8 and gym2.figure("received").value == 0
    assert kpi.current_to == NOW and kpi.month == NOVEMBER


def test_a_venue_manager_sees_their_venue_only_and_the_front_desk_nothing(cast, november):
    assert [row.venue for row in board(cast, "manager").rows] == [cast.gym]
    with pytest.raises(PermissionDenied) as refused:
        board(cast, "desk")
    assert refused.value.code == "report_not_allowed"


def test_colours_change_exactly_at_the_targets_edges(cast, november):
    def colour(key):
        return next(r for r in board(cast).rows if r.venue == cast.gym).figure(key).rag

    # Positive feedback is 50.0 % (at least the target): margin 11 % of the target.
    targets(cast, positive_rate=D("50"), amber_margin=D("11"))
    assert colour("positive_rate") == "green"  # meets it
    targets(cast, positive_rate=D("55"), amber_margin=D("11"))
    assert colour("positive_rate") == "amber"  # 5.0 short, less than 6.05
    targets(cast, positive_rate=D("56.2"), amber_margin=D("11"))
    assert colour("positive_rate") == "red"  # 6.2 short, 6.182 allowed
    # The reopen rate is 33.3 % (at most the target).
    targets(cast, reopen_rate=D("33.3"), amber_margin=D("11"))
    assert colour("reopen_rate") == "green"
    targets(cast, reopen_rate=D("30.3"), amber_margin=D("11"))
    assert colour("reopen_rate") == "amber"  # 3.0 over, 3.333 allowed
    targets(cast, reopen_rate=D("30"), amber_margin=D("11"))
    assert colour("reopen_rate") == "red"  # 3.3 over, exactly the 3.3 allowed: not less
    # The average first response is 25.1 h.
    targets(cast, average_response_hours=D("23"), amber_margin=D("10"))
    assert colour("avg_first_response_hours") == "amber"  # 2.1 over, 2.3 allowed
    targets(cast, average_response_hours=D("22.8"), amber_margin=D("10"))
    assert colour("avg_first_response_hours") == "red"  # 2.3 over, 2.28 allowed


def test_the_board_costs_the_same_whatever_the_number_of_complaints(cast, november):
    board(cast)  # the rollups' state row and the reader's scope exist from now on
    with CaptureQueriesContext(connection) as before:
        board(cast)
    for day in (2, 3, 4):
        with clock.travel(local(2026, 11, day, 10)):
            cast.receive(phone=f"1380000010{day}", category="noise", severity="urgent")
    with CaptureQueriesContext(connection) as after:
        board(cast)
    assert len(after) == len(before)


def test_a_venue_without_surveys_answered_has_no_satisfaction_yet(cast, november):
    # One complaint at the second gym on 11-12, not closed, so no survey: counted, not scored.
    with clock.travel(local(2026, 11, 12, 10, 0)):
        cast.receive(actor=cast.outsider, venue=cast.gym2, category="service_attitude")
    gym, gym2, _hotel, _company = board(cast).rows
    assert gym2.figure("received").value == 1
    assert gym2.figure("satisfaction").value is None and gym2.figure("nps").value is None
    assert gym.figure("satisfaction").value == D("3.50")  # the gym's own: C3 5, C4 2
    for row in (gym, gym2):
        report = build_monthly_report(
            actor=cast.director,
            company=cast.company,
            venue=row.venue,
            month=NOVEMBER,
            language="en",
            now=NOW,
        )
        assert row.figures[2:] == report.figures, row.label
