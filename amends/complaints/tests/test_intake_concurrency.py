"""Eight front desks of one venue record complaints at the same moment (PostgreSQL: real
concurrent transactions): every complaint gets its own reference, numbered without gaps, nobody
deadlocks, every timeline verifies — and no intake waits for another's transaction."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from amends.complaints import services
from amends.complaints.integrity import verify_complaint
from amends.complaints.models import Complaint
from amends.complaints.services import intake as intake_module
from amends.conftest import Cast, build_cast, local
from amends.core import clock

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"
    ),
]

WRITERS = 8
EACH = 10


@pytest.fixture
def cast_committed() -> Cast:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        return build_cast()


def intake(cast: Cast, n: int) -> services.Intake:
    return services.Intake(
        channel="front_desk",
        description=f"第 {n} 位会员：泳池水温太低。",
        customer_name="会员",
        phone=f"139{n:08d}",
        category=cast.category("facility_equipment"),
        severity="general",
    )


def in_threads(count: int, work: Callable[[int], Any], *, timeout: float = 120) -> list[Any]:
    """Run `work(i)` in `count` threads at once, each with its own connection; what each returned
    (or raised)."""
    results: list[Any] = [None] * count
    start = threading.Barrier(count)

    def run(i: int) -> None:
        try:
            start.wait()
            with clock.travel(local(2026, 11, 20, 10, 0)):
                results[i] = work(i)
        except Exception as failure:
            results[i] = failure
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "an intake never finished"
    return results


def test_eight_desks_at_once_get_eighty_distinct_references_without_gaps(
    cast_committed: Cast,
) -> None:
    cast = cast_committed

    def desk(i: int) -> list[str]:
        return [
            services.complaint_receive(
                actor=cast.desk, venue=cast.gym, intake=intake(cast, i * EACH + n)
            ).reference
            for n in range(EACH)
        ]

    results = in_threads(WRITERS, desk)
    failures = [r for r in results if isinstance(r, Exception)]
    assert not failures, failures
    references = [ref for refs in results for ref in refs]
    assert len(set(references)) == WRITERS * EACH
    assert sorted(references) == [f"GYM1-20261120-{n:04d}" for n in range(1, WRITERS * EACH + 1)]
    for complaint in Complaint.objects.filter(venue=cast.gym):
        assert verify_complaint(complaint) is None, complaint.reference


def test_an_intake_does_not_wait_for_another_still_writing(
    cast_committed: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first desk's intake is held in the middle of writing its timeline (its reference
    taken, its transaction open); the second desk's intake at the same venue goes through."""
    cast = cast_committed
    holding, release = threading.Event(), threading.Event()
    warn = intake_module.warn

    def slow_warn(complaint: Complaint, warnings: list[str]) -> None:
        if complaint.description.startswith("第 1 位"):
            holding.set()
            assert release.wait(60)
        warn(complaint, warnings)

    monkeypatch.setattr(intake_module, "warn", slow_warn)

    def desk(i: int) -> str:
        if i == 1:
            assert holding.wait(60)
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '5s'")  # waiting would fail, not hang
                return services.complaint_receive(
                    actor=cast.desk, venue=cast.gym, intake=intake(cast, 2)
                ).reference
            finally:
                release.set()
        return services.complaint_receive(
            actor=cast.desk, venue=cast.gym, intake=intake(cast, 1)
        ).reference

    first, second = in_threads(2, desk)
    release.set()
    assert not isinstance(second, Exception), second
    assert (first, second) == ("GYM1-20261120-0001", "GYM1-20261120-0002")
