"""Preventive maintenance: every N days or N hours of use, one open work order per plan."""

import pytest

from amends.conftest import local
from amends.core import clock, jobs
from amends.core.errors import InvalidInput
from amends.equipment import services
from amends.equipment.models import WorkOrder
from amends.equipment.tests.helpers import add_asset


def run(when):
    return jobs.run("equipment.plans", now=when).counts


def test_a_plan_by_days_opens_one_work_order_and_moves_on_when_verified(cast):
    tm = add_asset(cast)
    with clock.travel(local(2026, 11, 1, 9, 0)):
        plan = services.plan_save(
            actor=cast.maintenance,
            asset=tm,
            data={"name": "月度保养", "every_days": 30, "checklist": "润滑皮带\n检查急停"},
        )
    assert str(plan.next_due_on) == "2026-12-01"
    assert run(local(2026, 11, 30, 12, 0)) == {"opened": 0}
    assert run(local(2026, 12, 1, 7, 0)) == {"opened": 1}
    assert run(local(2026, 12, 1, 8, 0)) == {"opened": 0}  # one open per plan
    wo = WorkOrder.objects.get(plan=plan)
    assert (wo.kind, wo.source, wo.response_due_at) == ("preventive", "plan", None)
    assert "润滑皮带" in wo.description
    with clock.travel(local(2026, 12, 1, 10, 0)):
        wo = services.work_order_resolve(
            actor=cast.maintenance, work_order=wo, version=wo.version, cause="保养完成"
        )
    with clock.travel(local(2026, 12, 1, 11, 0)):
        services.work_order_verify(actor=cast.manager, work_order=wo, version=wo.version)
    plan.refresh_from_db()
    assert str(plan.last_done_on) == "2026-12-01" and str(plan.next_due_on) == "2026-12-31"
    assert run(local(2026, 12, 2, 8, 0)) == {"opened": 0}


def test_cancelling_a_plans_work_order_moves_the_plan_on_and_it_is_not_reopened(cast):
    tm = add_asset(cast)
    with clock.travel(local(2026, 11, 1, 9, 0)):
        plan = services.plan_save(
            actor=cast.maintenance, asset=tm, data={"name": "月度保养", "every_days": 30}
        )
    assert run(local(2026, 12, 1, 7, 0)) == {"opened": 1}
    wo = WorkOrder.objects.get(plan=plan)
    with clock.travel(local(2026, 12, 1, 7, 30)):
        services.work_order_cancel(
            actor=cast.manager,
            work_order=wo,
            version=wo.version,
            reason="上周已保养 done last week",
        )
    assert run(local(2026, 12, 1, 8, 0)) == {"opened": 0}
    assert run(local(2026, 12, 1, 9, 30)) == {"opened": 0}
    assert WorkOrder.objects.filter(plan=plan).count() == 1
    plan.refresh_from_db()
    assert str(plan.next_due_on) == "2026-12-31"


def test_a_plan_by_hours_of_use_follows_the_meter(cast):
    tm = add_asset(cast)
    with clock.travel(local(2026, 11, 1, 9, 0)):
        services.record_hours(asset=tm, hours=1000)
        tm.refresh_from_db()
        services.plan_save(
            actor=cast.maintenance, asset=tm, data={"name": "500h", "every_hours": 500}
        )
    services.record_hours(asset=tm, hours=1499, actor=cast.maintenance)
    assert run(local(2026, 11, 10, 9, 0)) == {"opened": 0}
    services.record_hours(asset=tm, hours=1500)
    assert run(local(2026, 11, 10, 10, 0)) == {"opened": 1}
    with pytest.raises(InvalidInput):
        services.record_hours(asset=tm, hours=900)


def test_a_plan_needs_an_interval(cast):
    tm = add_asset(cast)
    with pytest.raises(InvalidInput):
        services.plan_save(actor=cast.maintenance, asset=tm, data={"name": "x"})
