"""The equipment tables of November 2026 at the gym (静安, open 06:00–22:00 every day: 480 h
in the month), worked out by hand:

    TM-01 treadmill   unsafe fault 11-10 09:00, reacted 09:20, repaired 16:00, verified 17:00
                      → 8 h out of service; more faults 11-20 and 11-25 (not reacted to)
    TM-02 treadmill   never down
    PUMP-1 pool pump  out of service by staff 11-30 18:00, still down → 4 h of November

    uptime  cardio 2 assets: 8 h of 960 h → 99.17 %;  pool 4 h of 480 h → 99.17 %;
            the gym 12 h of 1,440 h → 99.17 %; target 98 % met
    MTBF    the gym: (1,440 − 12) h / 3 faults = 476.0 h
    response 3 faults, 1 reacted within the 120 minutes → 33.3 %
    repeat  TM-01, 3 faults in 30 days
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from amends.conftest import local
from amends.core import clock
from amends.equipment import services
from amends.equipment.tests.helpers import add_asset, report
from amends.reports.tables_equipment import EquipmentTables
from amends.workflow.rules import DEFAULT_TARGETS


def tables(cast, venue=None):
    builder = EquipmentTables(
        company=cast.company,
        venue=venue,
        month=date(2026, 11, 1),
        now=local(2026, 12, 1, 9, 0),
        targets=DEFAULT_TARGETS,
        language="en",
    )
    return {t.key: t for t in builder.equipment_tables()}


def test_the_equipment_tables_of_november(cast):
    tm = add_asset(cast)
    add_asset(cast, "TM-02")
    pump = add_asset(cast, "PUMP-1", category="pool", name="泳池水泵")
    first = report(cast, tm, local(2026, 11, 10, 9, 0), unsafe=True)
    for when, name, kw in (
        (local(2026, 11, 10, 9, 20), "react", {}),
        (local(2026, 11, 10, 16, 0), "resolve", {"cause": "皮带"}),
    ):
        with clock.travel(when):
            first = getattr(services, f"work_order_{name}")(
                actor=cast.maintenance, work_order=first, version=first.version, **kw
            )
    with clock.travel(local(2026, 11, 10, 17, 0)):
        services.work_order_verify(actor=cast.manager, work_order=first, version=first.version)
    report(cast, tm, local(2026, 11, 20, 9, 0))
    report(cast, tm, local(2026, 11, 25, 9, 0))
    with clock.travel(local(2026, 11, 30, 18, 0)):
        services.take_out_of_service(
            actor=cast.maintenance, asset=pump, version=pump.version, reason="漏水"
        )

    found = tables(cast, cast.gym)
    uptime = [
        (r.values[1], r.values[2], r.values[5], r.values[7]) for r in found["equipment_uptime"].rows
    ]
    assert uptime == [
        ("Cardio", 2, D("99.17"), "yes"),
        ("Pool and spa", 1, D("99.17"), "yes"),
        ("All equipment", 3, D("99.17"), "yes"),
    ]
    total = found["equipment_mtbf"].rows[-1]
    assert total.total and total.values[2:] == (3, D("1428.0"), D("476.0"))
    assert found["equipment_response"].rows[0].values[1:5] == (3, 1, 1, D("33.3"))
    repeat = found["equipment_repeat_faults"].rows
    assert [(r.values[1], r.values[4]) for r in repeat] == [("TM-01", 3)]
    ledger = found["equipment_fault_ledger"].rows
    assert [r.values[0] for r in ledger] == [
        "WO-GYM1-2026-000001",
        "WO-GYM1-2026-000002",
        "WO-GYM1-2026-000003",
    ]
    assert ledger[0].values[10] == D("8.0") and ledger[0].values[7] == 20
    # the company's report: the gym only (the other venues have no equipment)
    company = tables(cast)
    assert {r.values[0] for r in company["equipment_uptime"].rows} == {"静安健身会所"}


def test_the_current_month_counts_up_to_now_only(cast):
    # TM-01 unsafe 11-14 06:00, still down at 11-15 06:00: 16 h of 14 days × 16 h = 224 h so far
    tm = add_asset(cast)
    report(cast, tm, local(2026, 11, 14, 6, 0), unsafe=True)
    builder = EquipmentTables(
        company=cast.company,
        venue=cast.gym,
        month=date(2026, 11, 1),
        now=local(2026, 11, 15, 6, 0),
        targets=DEFAULT_TARGETS,
        language="en",
    )
    found = {t.key: t for t in builder.equipment_tables()}
    venue = found["equipment_uptime"].rows[-1].values
    assert venue[3:6] == (D("224.0"), D("16.0"), D("92.86"))
    mtbf = found["equipment_mtbf"].rows[-1].values
    assert mtbf[2:] == (1, D("208.0"), D("208.0"))
    assert found["equipment_fault_ledger"].rows[0].values[10] == D("16.0")


def test_a_month_after_now_has_no_figure(cast):
    tm = add_asset(cast)
    report(cast, tm, local(2026, 11, 14, 6, 0), unsafe=True)
    builder = EquipmentTables(
        company=cast.company,
        venue=cast.gym,
        month=date(2026, 12, 1),
        now=local(2026, 11, 15, 6, 0),
        targets=DEFAULT_TARGETS,
        language="en",
    )
    found = {t.key: t for t in builder.equipment_tables()}
    venue = found["equipment_uptime"].rows[-1].values
    assert venue[5] is None and venue[7] == "—"
    assert found["equipment_mtbf"].rows[-1].values[4] is None
    assert found["equipment_fault_ledger"].rows == ()
