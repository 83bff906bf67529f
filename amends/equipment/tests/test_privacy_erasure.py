"""A complaint's erasure reaches its work orders: the purge (and a deletion request) blanks the
description and the reporter's name a work order copied from the complaint."""

from __future__ import annotations

from amends.complaints.models import Complaint
from amends.complaints.tests.stories import S, drive
from amends.conftest import local
from amends.core import clock
from amends.equipment import services
from amends.equipment.models import WorkOrder
from amends.equipment.tests.helpers import add_asset
from amends.privacy.models import PurgeRecord
from amends.privacy.purge import purge


def test_the_purge_blanks_the_work_orders_of_the_complaint(cast):
    tm = add_asset(cast)
    with clock.travel(local(2026, 11, 20, 9, 0)):
        c = drive(cast, S.INVESTIGATING, description="跑步机皮带打滑，李娜摔倒")
        order = services.fault_report(
            asset=tm,
            source="complaint",
            description="皮带打滑，李娜摔倒",
            reporter_name="李娜",
            actor=cast.specialist,
            complaint=Complaint.objects.get(pk=c.pk),
        )
        other = services.fault_report(
            asset=tm, source="staff", description="屏幕不亮", actor=cast.maintenance
        )
    with clock.travel(local(2026, 11, 20, 10, 0)):
        drive(cast, S.CLOSED, complaint=Complaint.objects.get(pk=c.pk))
    purge(now=local(2029, 11, 21, 12, 0))
    order = WorkOrder.objects.get(pk=order.pk)
    assert (order.description, order.reporter_name) == ("", "")
    assert WorkOrder.objects.get(pk=other.pk).description == "屏幕不亮"
    record = PurgeRecord.objects.get(complaint_id=c.pk, outcome=PurgeRecord.Outcome.ERASED)
    assert record.counts["equipment.work_orders"] == 1
