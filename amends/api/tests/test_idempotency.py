"""Idempotency-Key: a retried request records one complaint and answers the same, even when two
identical requests race (PostgreSQL, two threads)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections

from amends.api.models import IdempotencyRecord
from amends.api.tests.conftest import NOW, Api, Keys, complaint_json
from amends.complaints.models import Complaint
from amends.conftest import Cast
from amends.core import clock, jobs


def test_the_same_request_again_gets_the_same_answer_and_one_complaint(
    cast: Cast, keys: Keys
) -> None:
    app = Api(keys.app)
    with clock.travel(NOW):
        first = app.post("/complaints", complaint_json(), headers={"Idempotency-Key": "order-1"})
        again = app.post("/complaints", complaint_json(), headers={"Idempotency-Key": "order-1"})
    assert first.status == again.status == 201
    assert again.json == first.json
    assert Complaint.objects.count() == 1
    assert IdempotencyRecord.objects.get().response_status == 201


def test_the_same_key_with_another_body_is_refused(cast: Cast, keys: Keys) -> None:
    app = Api(keys.app, language="zh-hans")
    with clock.travel(NOW):
        app.post("/complaints", complaint_json(), headers={"Idempotency-Key": "k"})
        other = app.post(
            "/complaints", complaint_json(description="另一件事"), headers={"Idempotency-Key": "k"}
        )
    assert (other.status, other["code"]) == (422, "idempotency_key_reused")
    assert Complaint.objects.count() == 1


def test_keys_are_per_api_key_and_a_failed_request_keeps_nothing(cast: Cast, keys: Keys) -> None:
    with clock.travel(NOW):
        bad = Api(keys.app).post(
            "/complaints", complaint_json(phone="12"), headers={"Idempotency-Key": "same"}
        )
        assert bad.status == 422
        assert not IdempotencyRecord.objects.exists()
        mine = Api(keys.app).post(
            "/complaints", complaint_json(), headers={"Idempotency-Key": "same"}
        )
        theirs = Api(keys.crm).post(
            "/complaints", complaint_json(), headers={"Idempotency-Key": "same"}
        )
    assert mine.status == theirs.status == 201
    assert mine["reference"] != theirs["reference"]
    # Without a key, each request records a complaint.
    with clock.travel(NOW):
        Api(keys.app).post("/complaints", complaint_json())
    assert Complaint.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_identical_requests_racing_record_one_complaint(cast: Cast, keys: Keys) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row-level waiting on a unique index is PostgreSQL's; SQLite has one writer")
    replies: list[Any] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def send() -> None:
        try:
            barrier.wait()
            with clock.travel(NOW):
                replies.append(
                    Api(keys.app).post(
                        "/complaints", complaint_json(), headers={"Idempotency-Key": "race"}
                    )
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert [r.status for r in replies] == [201] * 4
    assert len({r["reference"] for r in replies}) == 1
    assert Complaint.objects.count() == 1


def test_keys_are_forgotten_after_a_day(cast: Cast, keys: Keys) -> None:
    app = Api(keys.app)
    with clock.travel(NOW):
        first = app.post("/complaints", complaint_json(), headers={"Idempotency-Key": "daily"})
    with clock.travel(NOW + timedelta(hours=23)):
        assert jobs.run("api.forget_idempotency_keys").counts == {"idempotency_keys_forgotten": 0}
    with clock.travel(NOW + timedelta(days=1, minutes=1)):
        assert jobs.run("api.forget_idempotency_keys").counts == {"idempotency_keys_forgotten": 1}
        again = app.post("/complaints", complaint_json(), headers={"Idempotency-Key": "daily"})
    assert again["reference"] != first["reference"]
