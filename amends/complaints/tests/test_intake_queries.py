"""What one intake costs: a fixed number of queries whatever the history of the venue and its
team, with routing rules, time limits and the calendar read once per process — and read afresh
when an administrator changes them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from amends.complaints import services
from amends.complaints.transitions import State
from amends.conftest import Cast, local
from amends.core import clock
from amends.workflow.models import RoutingRule, SlaPolicy

S = State

# The queries of one intake at the front desk, measured, the intake's own savepoint included
# (in a request it is the transaction's BEGIN and COMMIT): the reads (the customer; a known
# customer's earlier complaints, read once for the duplicate and the repeats; the routed team's
# loads), the reference, the complaint, then its messages in one insert (`outbox.batched`), its
# handler, its timeline — received, acknowledged, assigned, a known customer's "possible
# duplicate" — in one insert, and the row in its final state, head and seal in one update
# (`timeline.deferred`). Routing, time limits, the calendar, webhook subscriptions and the
# assignee's roles are not among them: they come from the per-process cache. (Before: 50 and
# 52, then 38 and 40, then 19 and 22, then 13 and 14.)
PLAIN_INTAKE_QUERIES = 11
KNOWN_CUSTOMER_QUERIES = 11
# The bound for the work itself, transaction control left out.
WORK_STATEMENTS = 12


def locker_broken(cast: Cast, *, phone: str, n: int = 1) -> services.Intake:
    return services.Intake(
        channel="front_desk",
        description=f"男更衣室 {n} 号储物柜的门关不上。",
        customer_name="赵磊",
        phone=phone,
        category=cast.category("facility_equipment"),
        severity="general",
    )


def receive(cast: Cast, intake: services.Intake):
    return services.complaint_receive(actor=cast.desk, venue=cast.gym, intake=intake)


def count(cast: Cast, intake: services.Intake) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        complaint = receive(cast, intake)
    assert complaint.state == S.ASSIGNED
    return len(queries), [q["sql"] for q in queries.captured_queries]


def test_it_records_a_plain_complaint_in_a_fixed_number_of_queries(cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        receive(cast, locker_broken(cast, phone="13700000001"))  # the process's caches filled
        n, sql = count(cast, locker_broken(cast, phone="13700000002"))
    assert n <= PLAIN_INTAKE_QUERIES, "\n".join(sql)
    work = [q for q in sql if not q.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert len(work) <= WORK_STATEMENTS
    # Every event in one insert, the complaint written twice: created, then as it ends.
    assert sum('INTO "complaints_complaintevent"' in q for q in sql) == 1
    assert sum('UPDATE "complaints_complaint" SET' in q for q in sql) == 1
    assert sum('INTO "notifications_outbox"' in q for q in sql) == 1  # three messages
    # Configuration comes from the cache, not the database.
    read = " ".join(sql)
    for table in ("workflow_routingrule", "workflow_slapolicy", "workflow_calendaroverride"):
        assert table not in read


def test_it_finds_a_known_customer_in_a_fixed_number_of_queries(cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        receive(cast, locker_broken(cast, phone="13700000003"))
        with clock.travel(local(2026, 11, 20, 10, 5)):
            n, sql = count(cast, locker_broken(cast, phone="13700000003", n=2))
    assert n <= KNOWN_CUSTOMER_QUERIES, "\n".join(sql)


def test_the_cost_does_not_grow_with_the_teams_history(cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        receive(cast, locker_broken(cast, phone="13700000010"))
        first, _sql = count(cast, locker_broken(cast, phone="13700000011"))
        for n in range(12):
            receive(cast, locker_broken(cast, phone=f"1370000002{n % 10}", n=n))
        later, _sql = count(cast, locker_broken(cast, phone="13700000031"))
    assert later == first


def test_the_least_loaded_counts_open_complaints_only(cast: Cast) -> None:
    """Two specialists: the one whose complaints are all closed gets the next one, however
    many they handled before."""
    with clock.travel(local(2026, 11, 20, 10, 0)):
        other = cast.category("other")
        handled = [
            services.complaint_receive(
                actor=cast.desk,
                venue=cast.gym,
                intake=services.Intake(
                    channel="front_desk",
                    description=f"第 {n} 次：前台没有回电话。",
                    phone=f"1390000000{n}",
                    category=other,
                    severity="general",
                ),
            )
            for n in range(4)
        ]
        busy = {c.assignee_id for c in handled}
        assert busy == {cast.specialist.pk, cast.specialist2.pk}
        # Everything specialist has is declined: they carry no open load any more.
        for c in handled:
            if c.assignee_id == cast.specialist.pk:
                services.complaint_decline(complaint=c, actor=cast.manager, reason="重复恶意投诉")
        after = services.complaint_receive(
            actor=cast.desk,
            venue=cast.gym,
            intake=services.Intake(
                channel="front_desk",
                description="空调太冷。",
                phone="13900000009",
                category=other,
                severity="general",
            ),
        )
    assert after.assignee == cast.specialist


def test_a_time_limit_changed_by_an_administrator_applies_to_the_next_complaint(
    cast: Cast,
) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        before = receive(cast, locker_broken(cast, phone="13700000040"))
        assert before.respond_due != local(2026, 11, 20, 12, 0)
        policy = SlaPolicy.objects.get(venue=cast.gym, severity="general")
        policy.mode, policy.respond_hours = "clock", Decimal("2")
        policy.save()  # as the admin saves it
        after = receive(cast, locker_broken(cast, phone="13700000041"))
    assert after.respond_due == local(2026, 11, 20, 12, 0)


def test_a_routing_rule_added_by_an_administrator_routes_the_next_complaint(cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        before = receive(cast, locker_broken(cast, phone="13700000050"))
        assert before.route_role == "maintenance"
        RoutingRule.objects.create(
            company=cast.company,
            venue=cast.gym,
            category=cast.category("facility_equipment"),
            department_code="customer_service",
            role="specialist",
            position=1,
        )
        after = receive(cast, locker_broken(cast, phone="13700000051"))
    assert (after.route_role, after.department.code) == ("specialist", "customer_service")


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_reference_is_taken_in_its_own_statement() -> None:
    """The console calls intake outside any transaction: the reference is taken by one upsert
    of the day's counter before the intake's transaction opens, the next number each time."""
    from amends.conftest import build_cast

    with clock.travel(local(2026, 11, 20, 9, 0)):
        cast = build_cast()
    seen: list[bool] = []  # for each statement on the counter: was a transaction open?

    def watch(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if "complaints_referencecounter" in sql:
            seen.append(connection.in_atomic_block)
        return execute(sql, params, many, context)

    with clock.travel(local(2026, 11, 20, 10, 0)), connection.execute_wrapper(watch):
        first = receive(cast, locker_broken(cast, phone="13700000060"))
        second = receive(cast, locker_broken(cast, phone="13700000061"))
    assert (first.reference, second.reference) == ("GYM1-20261120-0001", "GYM1-20261120-0002")
    assert seen == [False, False]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's plan (SQLite shows no index-only scans)"
)
def test_the_load_is_read_from_the_open_assignments_index_alone(cast: Cast) -> None:
    """Each candidate's open load and latest open assignment come off the partial index
    `complaint_assignee_open` (an index-only scan): the table's rows are not read, however many
    complaints the team holds."""
    from django.db import transaction

    from amends.complaints import routing
    from amends.orgs.roles import Role
    from amends.orgs.selectors import users_with_role

    with clock.travel(local(2026, 11, 20, 10, 0)):
        for n in range(3):
            complaint = services.Intake(
                channel="front_desk",
                description=f"第 {n} 次：前台没有回电话。",
                phone=f"1390000004{n}",
                category=cast.category("other"),
                severity="general",
            )
            receive(cast, complaint)
    team = users_with_role(venue=cast.gym, roles=[Role.SPECIALIST])
    with CaptureQueriesContext(connection) as read:
        loads = routing._by_load(team, routing.LOAD_CANDIDATES)
    assert sorted(getattr(p, "open_load", 0) for p in loads) == [1, 2]
    assert all(p.last_open == local(2026, 11, 20, 10, 0) for p in loads)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + read.captured_queries[-1]["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    reads = [line.strip() for line in plan.splitlines() if "complaints_complaint" in line]
    assert len(reads) == 2, plan  # the load and the latest assignment
    assert all("Index Only Scan" in r and "using complaint_assignee_open" in r for r in reads)
