"""The staff table counts a complaint once for each person it names — as the one complained
about, or as the one found responsible, or both — with their surveys' mean."""

from __future__ import annotations

from decimal import Decimal as D

from amends.complaints.models import Complaint
from amends.complaints.tests.stories import act, drive
from amends.conftest import local
from amends.core import clock
from amends.reports.monthly import build_monthly_report
from amends.reports.tests.data import NOVEMBER, NOW, _answer, _receive


def _found_responsible(cast, c, staff):
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = drive(cast, "investigating", complaint=c)
        act(
            "investigation",
            c,
            cast.specialist,
            report="查明责任人。",
            validity="valid",
            responsibility="staff",
            responsible_staff=staff.pk,
            cause="subjective",
        )
    return Complaint.objects.get(pk=c.pk)


def test_a_complaint_counts_once_for_each_person_it_names(cast):
    # A: about the coach, and the coach found responsible: one complaint for the coach.
    a = _receive(
        cast, local(2026, 11, 3, 10, 0), category="service_attitude", subject_staff=cast.coach
    )
    _found_responsible(cast, a, cast.coach)
    # B: about the coach, the maintenance man found responsible: one for each.
    b = _receive(
        cast, local(2026, 11, 4, 10, 0), category="service_attitude", subject_staff=cast.coach
    )
    _found_responsible(cast, b, cast.maintenance)
    # C: about no one, the course supervisor found responsible; closed and surveyed (4, 4/5).
    c = _receive(cast, local(2026, 11, 5, 10, 0), category="service_attitude")
    c = _found_responsible(cast, c, cast.courses)
    with clock.travel(local(2026, 11, 21, 10, 0)):
        drive(cast, "closed", complaint=c)
    _answer(c, local(2026, 11, 22, 10, 0), satisfaction=4, nps=8)
    # D: about the course supervisor too, closed and surveyed (5): the mean is 4.50.
    d = _receive(
        cast, local(2026, 11, 6, 10, 0), category="service_attitude", subject_staff=cast.courses
    )
    with clock.travel(local(2026, 11, 21, 11, 0)):
        drive(cast, "closed", complaint=d)
    _answer(d, local(2026, 11, 22, 11, 0), satisfaction=5, nps=10)

    report = build_monthly_report(
        actor=cast.director,
        company=cast.company,
        venue=cast.gym,
        month=NOVEMBER,
        language="en",
        now=NOW,
    )
    staff = {row.values[0]: row.values[2:5] for row in report.table("staff").rows}
    assert staff == {
        "Coach": (2, 0, None),  # A B
        "Courses": (2, 2, D("4.50")),  # C D: (4 + 5) / 2
        "Maintenance": (1, 0, None),  # B
    }
