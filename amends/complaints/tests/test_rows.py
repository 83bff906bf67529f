"""`core.rows.update_each`: many rows, each with its own values and its own columns, in one
statement per set of columns — on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from amends.complaints.models import Complaint
from amends.complaints.tests.stories import drive
from amends.complaints.transitions import State
from amends.conftest import Cast, local
from amends.core import crypto
from amends.core.rows import update_each
from amends.members.models import Customer

S = State


def test_three_complaints_get_their_own_values_in_two_statements(cast: Cast) -> None:
    """Two complaints change the same columns (a reminder time, a list, a person) and one
    changes another (its location): two statements, and every row reads back as written."""
    first, second, third = (drive(cast, S.INVESTIGATING) for _ in range(3))
    untouched = drive(cast, S.INVESTIGATING)
    with CaptureQueriesContext(connection) as queries:
        statements = update_each(
            Complaint,
            [
                (
                    first.pk,
                    {
                        "remind_at": local(2026, 11, 20, 13, 0),
                        "sensitive": ["health"],
                        "escalated_to_id": cast.manager.pk,
                    },
                ),
                (
                    second.pk,
                    {"remind_at": None, "sensitive": [], "escalated_to_id": None},
                ),
                (third.pk, {"location": "二楼器械区 “B” 区"}),
                (untouched.pk, {}),
            ],
        )
    assert statements == len(queries) == 2
    first.refresh_from_db()
    second.refresh_from_db()
    third.refresh_from_db()
    assert (first.remind_at, first.sensitive, first.escalated_to_id) == (
        local(2026, 11, 20, 13, 0),
        ["health"],
        cast.manager.pk,
    )
    assert (second.remind_at, second.sensitive, second.escalated_to_id) == (None, [], None)
    assert third.location == "二楼器械区 “B” 区"
    assert Complaint.objects.get(pk=untouched.pk).location == untouched.location


def test_an_encrypted_column_is_stored_encrypted(cast: Cast) -> None:
    """Values are prepared by their fields: a name written through it is a token in the
    table, and reads back in clear."""
    a = Customer.objects.create(company=cast.company, name="王芳")
    b = Customer.objects.create(company=cast.company, name="李雷")
    update_each(Customer, [(a.pk, {"name": "王芳芳"}), (b.pk, {"name": "Li Lei"})])
    stored = dict(Customer.objects.filter(pk__in=[a.pk, b.pk]).values_list("pk", "name"))
    assert stored == {a.pk: "王芳芳", b.pk: "Li Lei"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM members_customer WHERE id = %s", [a.pk])
        [raw] = cursor.fetchone()
    assert raw != "王芳芳" and crypto.decrypt(raw) == "王芳芳"


def test_it_refuses_what_is_not_a_stored_column(cast: Cast) -> None:
    c = drive(cast, S.INVESTIGATING)
    for wrong in ({"escalated_to": cast.manager}, {"id": 5}, {"handlers": [1]}):
        with pytest.raises(ValueError, match="stored columns"):
            update_each(Complaint, [(c.pk, wrong)])
