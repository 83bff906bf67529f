"""The database helpers: durations, percentiles (the same numbers on SQLite and PostgreSQL —
this file runs on both), month windows in a venue's zone and the month's cohort."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db.models import F

from amends.complaints.models import Complaint
from amends.reports.figures import (
    MEASURES,
    RESPONSE_SECONDS,
    Seconds,
    add_months,
    cohort,
    measure_filters,
    month_span,
    percentile,
    percentiles_by,
)
from amends.reports.tests.data import NOVEMBER, NOW
from amends.workflow.rules import DEFAULT_TARGETS

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_seconds_is_the_wall_clock_duration(cast, november):
    waits = dict(
        Complaint.objects.filter(responded_at__isnull=False)
        .annotate(wait=Seconds(F("responded_at"), F("received_at")))
        .values_list("reference", "wait")
    )
    assert waits["GYM1-20261101-0001"] == 3600.0  # C1: 00:01 → 01:01
    assert waits["GYM1-20261110-0001"] == 1800.0  # C3: 09:00 → 09:30
    assert waits["GYM1-20261112-0001"] == 345600.0  # C4: four days


def test_percentile_interpolates_between_ranks_in_the_database(cast, november):
    month = cohort(company=cast.company, venue=cast.gym, month=NOVEMBER)
    # First responses [1800 3600 10800 345600] s (C3 C1 C7 C4).
    assert percentile(month, RESPONSE_SECONDS, 0.0) == 1800.0
    assert percentile(month, RESPONSE_SECONDS, 0.5) == 7200.0  # rank 1.5: 3600 + 0.5 × 7200
    # rank 2.7: 10800 + 0.7 × 334800 (to a microsecond: both databases interpolate in doubles)
    assert percentile(month, RESPONSE_SECONDS, 0.9) == pytest.approx(245160.0, abs=1e-6)
    assert percentile(month, RESPONSE_SECONDS, 1.0) == 345600.0
    assert percentile(month.filter(reference="GYM1-20261101-0001"), RESPONSE_SECONDS, 0.9) == 3600.0
    assert percentile(month.none(), RESPONSE_SECONDS, 0.5) is None
    by_department = percentiles_by(month, "department__code", RESPONSE_SECONDS, 0.5)
    assert by_department == {"customer_service": 10800.0, "maintenance": 3600.0}


def test_a_month_is_bounded_by_local_midnights(cast):
    assert month_span(NOVEMBER, SHANGHAI) == (
        datetime(2026, 10, 31, 16, tzinfo=UTC),
        datetime(2026, 11, 30, 16, tzinfo=UTC),
    )
    _start, end = month_span(date(2026, 12, 1), "Asia/Shanghai")
    assert end == datetime(2026, 12, 31, 16, tzinfo=UTC)
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert add_months(date(2026, 11, 1), -12) == date(2025, 11, 1)


def test_the_cohort_is_the_month_in_shanghai_without_merged_complaints(cast, november):
    references = set(
        cohort(company=cast.company, venue=cast.gym, month=NOVEMBER).values_list(
            "reference", flat=True
        )
    )
    assert november.c1.reference in references  # 11-01 00:01 (10-31 16:01 UTC)
    assert november.c9.reference in references  # 11-30 23:59 (15:59 UTC)
    assert november.o1.reference not in references  # 10-31 23:59 (15:59 UTC)
    assert november.d1.reference not in references  # 12-01 00:01 (11-30 16:01 UTC)
    assert november.c6.reference not in references  # merged
    assert len(references) == 8
    company = cohort(company=cast.company, venue=None, month=NOVEMBER)
    assert set(company.values_list("reference", flat=True)) == references


def test_every_linkable_measure_has_one_definition(cast):
    assert set(measure_filters(NOW, DEFAULT_TARGETS)) | {"merged"} == MEASURES
