"""Fifty people at once on the same five complaints (threads, each with its own database
connection, through the action catalogue every face uses):

- ten of them press "explain" on the same complaint with the version they all read: the gate
  lets exactly one transition through from that state; the others get 409 (stale version) or
  "not possible in this state", never a 500, a deadlock or a second transition;
- fifty notes written by people who retry on 409 with a fresh read: every note is there exactly
  once, the version rose once per write — no update lost;
- afterwards no lock is left behind and every timeline verifies.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connection, connections, transaction

from amends.complaints.catalogue import perform
from amends.complaints.integrity import verify_all
from amends.complaints.models import Complaint, ComplaintEvent
from amends.complaints.tests.stories import S, drive
from amends.conftest import Cast, local
from amends.core import clock
from amends.core.errors import DomainError, InvalidTransition, StaleVersion

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # SQLite lets one writer in at a time by design (IMMEDIATE transactions), and the tests'
    # in-memory database refuses a second connection's writes outright: this runs in the
    # PostgreSQL half of `make test`.
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"
    ),
]

CLIENTS = 50
COMPLAINTS = 5


def run_clients(work: Any, count: int) -> list[Any]:
    """Run `work(n)` in `count` threads at once (started together); its results, in order."""
    start = threading.Barrier(count)
    results: list[Any] = [None] * count

    def client(n: int) -> None:
        try:
            start.wait(timeout=60)
            results[n] = work(n)
        except BaseException as exc:
            results[n] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a client hung (a deadlock?)"
    return results


@pytest.fixture
def five(cast: Cast) -> list[Complaint]:
    with clock.travel(local(2026, 11, 23, 10, 0)):  # Monday morning, GYM1
        return [drive(cast, S.INVALID) for _ in range(COMPLAINTS)]


def test_of_ten_who_explain_the_same_complaint_at_once_exactly_one_gets_through(
    cast: Cast, five: list[Complaint]
):
    read = {c.pk: Complaint.objects.get(pk=c.pk).version for c in five}

    def explain(n: int) -> str:
        complaint = Complaint.objects.get(pk=five[n % COMPLAINTS].pk)
        with clock.travel(local(2026, 11, 23, 11, 0)):
            perform(
                "explain",
                complaint=complaint,
                actor=cast.specialist,
                data={
                    "version": read[complaint.pk],
                    "message": f"经查看监控，系操作不当，已为您讲解正确用法。（{n}）",
                },
            )
        return "done"

    results = run_clients(explain, CLIENTS)

    outcomes = Counter(
        r if isinstance(r, str) else type(r).__name__
        for r in results  # the kinds of answer
    )
    unexpected = [str(r) for r in results if not isinstance(r, str | DomainError)]
    assert outcomes["done"] == COMPLAINTS, (outcomes, unexpected[:3])
    assert set(outcomes) <= {"done", "StaleVersion", "InvalidTransition"}, outcomes
    assert all(
        isinstance(r, StaleVersion | InvalidTransition) and r.http_status in (409, 400)
        for r in results
        if not isinstance(r, str)
    )
    for complaint in five:
        stored = Complaint.objects.get(pk=complaint.pk)
        assert stored.state == S.EXPLAINED
        assert stored.version == read[complaint.pk] + 1
        into_explained = ComplaintEvent.objects.filter(
            complaint=stored, kind="transition", data__to=S.EXPLAINED
        )
        assert into_explained.count() == 1
    assert_no_lock_left(five)


def test_fifty_notes_written_at_once_are_all_kept_and_none_overwrites_another(
    cast: Cast, five: list[Complaint]
):
    before = {c.pk: Complaint.objects.get(pk=c.pk).version for c in five}

    def note(n: int) -> int:
        tries = 0
        while True:
            tries += 1
            complaint = Complaint.objects.get(pk=five[n % COMPLAINTS].pk)
            try:
                perform(
                    "note",
                    complaint=complaint,
                    actor=cast.specialist,
                    data={"version": complaint.version, "text": f"第{n}位同事的记录"},
                )
            except StaleVersion:
                if tries > 200:
                    raise
                continue
            return tries

    results = run_clients(note, CLIENTS)

    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(results) > CLIENTS  # some did meet a 409, and wrote again after reading again
    for complaint in five:
        stored = Complaint.objects.get(pk=complaint.pk)
        notes = ComplaintEvent.objects.filter(complaint=stored, kind="note")
        texts = sorted(e.data["text"] for e in notes)
        expected = sorted(
            f"第{n}位同事的记录" for n in range(CLIENTS) if five[n % COMPLAINTS].pk == stored.pk
        )
        assert texts == expected  # each exactly once
        assert stored.version == before[stored.pk] + len(expected)
    assert_no_lock_left(five)


def assert_no_lock_left(five: list[Complaint]) -> None:
    """Every row can be locked at once (nobody holds it), no session is left in a transaction,
    and every timeline verifies."""
    if connection.features.has_select_for_update_nowait:
        with transaction.atomic():
            locked = Complaint.objects.select_for_update(nowait=True).filter(
                pk__in=[c.pk for c in five]
            )
            assert len(list(locked)) == COMPLAINTS
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state LIKE 'idle in transaction%%' AND pid <> pg_backend_pid()"
            )
            assert cursor.fetchone()[0] == 0
    checked, breaks = verify_all()
    assert breaks == [] and checked >= COMPLAINTS


def test_a_domain_error_is_what_a_refusal_raises():
    # The outcomes above count on the catalogue raising domain errors for refusals.
    assert issubclass(StaleVersion, DomainError) and issubclass(InvalidTransition, DomainError)
