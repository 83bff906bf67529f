"""The daily rollups: built from the complaints per venue and local day of receipt, kept
current from the timeline (only the days touched since the watermark are rebuilt, a margin of
recent events read again), the same rows whether refreshed or rebuilt, summed by month."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from amends.complaints.models import ComplaintEvent
from amends.complaints.tests.stories import act
from amends.conftest import local
from amends.core import clock, jobs
from amends.reports import rollups
from amends.reports.models import DailyRollup, RollupState
from amends.reports.rollups import Totals, month_totals, rebuild, refresh
from amends.reports.tests.data import NOW


def cells():
    """Every rollup row as comparable values."""
    names = ["venue_id", "day", "category__code", "severity", "channel", *rollups.MEASURES]
    return sorted(tuple(row) for row in DailyRollup.objects.values_list(*names))


def watermark() -> int:
    return RollupState.objects.get(key="complaints").last_event_id


def newest_event() -> int:
    return ComplaintEvent.objects.order_by("-pk").values_list("pk", flat=True)[0]


def test_a_refresh_builds_a_row_per_venue_day_category_severity_and_channel(cast, november):
    with clock.travel(NOW):
        rebuilt = refresh(now=NOW)
    # Local days of receipt: 10-31 (O1), 11-01, 11-05, 11-10, 11-12, 11-20 (C5; C6 merged),
    # 11-25, 11-26, 11-30, 12-01 (D1).
    assert rebuilt == 10
    assert watermark() == newest_event()
    assert rollups.current_to() == NOW
    days = sorted(set(DailyRollup.objects.values_list("day", flat=True)))
    assert days[0] == date(2026, 10, 31) and days[-1] == date(2026, 12, 1)
    first = DailyRollup.objects.get(day=date(2026, 11, 1))  # C1, received 10-31 16:01 UTC
    assert (first.category.code, first.severity, first.channel) == (
        "facility_equipment",
        "urgent",
        "phone",
    )
    assert (first.received, first.responded, first.response_seconds) == (1, 1, 3600)
    assert (first.responded_late, first.responded_within_target, first.resolved) == (0, 1, 0)
    c2 = DailyRollup.objects.get(day=date(2026, 11, 5))
    assert (c2.received, c2.valid, c2.responded, c2.resolved, c2.reopened) == (1, 1, 0, 0, 1)
    c4 = DailyRollup.objects.get(day=date(2026, 11, 12))
    assert (c4.invalid, c4.responded_late, c4.resolved, c4.resolved_late) == (1, 1, 1, 1)
    assert (c4.resolution_seconds, c4.surveyed, c4.satisfaction_total) == (691200, 1, 2)
    assert (c4.positive, c4.nps_answers, c4.promoters, c4.detractors) == (0, 1, 0, 1)
    nov20 = DailyRollup.objects.filter(day=date(2026, 11, 20))
    assert [r.received for r in nov20] == [1]  # C5; C6 was merged into it
    assert DailyRollup.objects.get(day=date(2026, 11, 25)).escalated == 1  # C7


def test_a_refresh_rebuilds_only_the_days_touched_since_the_watermark(cast, november, monkeypatch):
    monkeypatch.setattr(rollups, "MARGIN", 0)
    refresh(now=NOW)
    before = cells()
    assert refresh(now=NOW) == 0  # nothing happened: nothing rebuilt
    assert cells() == before
    with clock.travel(local(2026, 12, 3, 12, 30)):  # C7 (received 11-25) is resolved
        act(
            "investigation",
            november.c7,
            cast.specialist,
            report="已清洁",
            validity="valid",
            responsibility="department",
            cause="objective",
        )
    assert refresh(now=NOW) == 1  # the gym's 11-25 only
    changed = [c for c in cells() if c not in before]
    assert len(changed) == 1 and changed[0][1] == date(2026, 11, 25)
    assert DailyRollup.objects.get(day=date(2026, 11, 25)).valid == 1
    assert watermark() == newest_event()


def test_a_refresh_reads_a_margin_of_events_again_for_late_commits(cast, november, monkeypatch):
    refresh(now=NOW)
    with clock.travel(local(2026, 12, 3, 12, 30)):
        act(
            "investigation",
            november.c7,
            cast.specialist,
            report="已清洁",
            validity="valid",
            responsibility="department",
            cause="objective",
        )
    # A slower transaction committed this event after a refresh had read past its id.
    RollupState.objects.filter(key="complaints").update(last_event_id=newest_event())
    monkeypatch.setattr(rollups, "MARGIN", 0)
    assert refresh(now=NOW) == 0  # without the margin it would be missed …
    assert DailyRollup.objects.get(day=date(2026, 11, 25)).valid == 0
    monkeypatch.setattr(rollups, "MARGIN", 500)
    assert refresh(now=NOW) == 10  # … with it, every day of the last 500 events is rebuilt
    assert DailyRollup.objects.get(day=date(2026, 11, 25)).valid == 1


def test_a_report_refreshes_its_own_venues_without_moving_the_watermark(cast, november):
    refresh(now=NOW)
    mark = watermark()
    # Nothing new since the job: a report page rebuilds (writes) nothing.
    assert refresh(now=NOW, venue_ids=[cast.gym.pk]) == 0
    with clock.travel(local(2026, 12, 3, 12, 30)):
        act(
            "investigation",
            november.c7,
            cast.specialist,
            report="已清洁",
            validity="valid",
            responsibility="department",
            cause="objective",
        )
    assert refresh(now=NOW, venue_ids=[cast.gym2.pk]) == 0  # nothing happened at GYM2
    assert DailyRollup.objects.get(day=date(2026, 11, 25)).valid == 0
    assert refresh(now=NOW, venue_ids=[cast.gym.pk]) >= 1
    assert DailyRollup.objects.get(day=date(2026, 11, 25)).valid == 1
    assert watermark() == mark  # the job still reads every venue's events


def test_a_rebuild_gives_the_rows_a_refresh_gives_and_is_idempotent(cast, november):
    refresh(now=NOW)
    refreshed = cells()
    DailyRollup.objects.all().delete()
    RollupState.objects.all().delete()
    with clock.travel(NOW):
        assert rebuild() == 32  # the gym from 10-31 to 12-01: 1 + 30 + 1 days
    assert cells() == refreshed
    assert watermark() == newest_event()
    with clock.travel(NOW):
        rebuild()
        rebuild(venue_ids=[cast.gym.pk], since=date(2026, 11, 1), until=date(2026, 11, 30))
    assert cells() == refreshed


def test_month_totals_sum_the_rows_of_each_month(cast, november):
    refresh(now=NOW)
    totals = month_totals(
        venue_ids=[cast.gym.pk],
        months=[date(2026, 11, 1), date(2026, 10, 1), date(2025, 11, 1)],
    )
    november_totals = totals[date(2026, 11, 1)]
    assert november_totals == Totals(
        received=8,
        valid=2,  # C2 C3
        invalid=1,  # C4
        responded=4,  # C1 C3 C4 C7
        response_seconds=3600 + 1800 + 345600 + 10800,
        responded_late=1,  # C4
        responded_within_target=3,
        resolved=2,  # C3 C4
        resolution_seconds=86400 + 691200,
        resolved_late=1,  # C4
        reopened=1,  # C2
        escalated=1,  # C7
        surveyed=2,
        satisfaction_total=7,  # 5 + 2
        positive=1,
        nps_answers=2,
        promoters=1,
        detractors=1,
    )
    assert november_totals.avg_response_hours == D("25.1")  # 361800 s / 4 / 3600 = 25.125
    assert november_totals.on_time_rate == D("75.0")
    assert november_totals.resolution_rate == D("25.0")  # 2 / 8
    assert november_totals.positive_share == D("50.0")
    assert november_totals.nps == D("0.00")
    assert november_totals.mean_satisfaction == D("3.50")
    assert totals[date(2026, 10, 1)].received == 1  # O1
    assert totals[date(2025, 11, 1)] == Totals()
    assert totals[date(2025, 11, 1)].avg_response_hours is None
    assert month_totals(venue_ids=[cast.gym2.pk], months=[date(2026, 11, 1)]) == {
        date(2026, 11, 1): Totals()
    }


def test_the_jobs_refresh_and_rebuild_recent_days(cast, november):
    run = jobs.run("reports.rollup", now=NOW)
    assert run.ok and run.counts == {"days": 10}
    assert rollups.current_to() == NOW
    before = cells()
    run = jobs.run("reports.rollup_recent", now=NOW)
    # 45 days before 12-03 (UTC date) to 12-03: the gym's, GYM2's, the hotel's and OGYM's.
    assert run.ok and run.counts == {"days": 4 * 46}
    assert cells() == before


@pytest.mark.parametrize("name", ["reports.rollup", "reports.rollup_recent"])
def test_the_jobs_are_registered(name):
    assert jobs.get(name).func.__module__ == "amends.reports.rollups"
