"""The name a member types into an asset's QR form is contact data: the daily purge erases it
once the company's contact-data period has run from the work order's closure (verified or
cancelled), and leaves the work order, an open one's name and a complaint's copy alone."""

from __future__ import annotations

from amends.conftest import local
from amends.core import clock
from amends.equipment import services
from amends.equipment.models import WorkOrder
from amends.equipment.tests.helpers import add_asset, fresh, report
from amends.orgs.roles import Role
from amends.orgs.services import role_grant, staff_create
from amends.privacy import services as privacy_services
from amends.privacy.models import PurgeRecord
from amends.privacy.purge import purge


def _stories(cast):
    tm = add_asset(cast)
    bike = add_asset(cast, "SB-01", name="动感单车 Spin bike")
    # 20 Nov 2026: 王先生 reports the treadmill through its QR code; it is repaired and signed
    # off at 18:00 Beijing time.
    repaired = report(cast, tm, local(2026, 11, 20, 9, 0), reporter_name="王先生")
    with clock.travel(local(2026, 11, 20, 16, 0)):
        repaired = services.work_order_resolve(
            actor=cast.maintenance, work_order=repaired, version=repaired.version, cause="皮带松"
        )
    with clock.travel(local(2026, 11, 20, 18, 0)):
        repaired = services.work_order_verify(
            actor=cast.manager, work_order=repaired, version=repaired.version
        )
    # 25 Nov: 赵女士 reports the bike; it was a false report, cancelled at 10:00.
    false_alarm = report(cast, bike, local(2026, 11, 25, 9, 0), reporter_name="赵女士")
    with clock.travel(local(2026, 11, 25, 10, 0)):
        services.work_order_cancel(
            actor=cast.maintenance,
            work_order=false_alarm,
            version=false_alarm.version,
            reason="单车正常",
        )
    # 26 Nov: 钱先生's report of the bike is still open.
    still_open = report(cast, bike, local(2026, 11, 26, 9, 0), reporter_name="钱先生")
    return fresh(repaired), fresh(false_alarm), still_open


def test_the_reporters_name_goes_the_day_after_the_contact_data_period_ends(cast):
    repaired, false_alarm, still_open = _stories(cast)

    def names() -> list[str]:
        return [fresh(w).reporter_name for w in (repaired, false_alarm, still_open)]

    # Contact data is kept 36 months after closure: through 20 Nov 2029 for the repaired one.
    purge(now=local(2029, 11, 20, 23, 0))
    assert names() == ["王先生", "赵女士", "钱先生"]
    assert not PurgeRecord.objects.filter(note__startswith="work orders").exists()

    purge(now=local(2029, 11, 21, 0, 30))
    assert names() == ["", "赵女士", "钱先生"]
    record = PurgeRecord.objects.get(note__startswith="work orders")
    assert record.at == local(2029, 11, 21, 0, 30) and record.classes == ["contact_data"]
    assert record.counts == {"work_orders": 1}
    assert record.rule == {"contact_data": "contact_data: 36 months after closed"}
    assert "王先生" not in str(record.__dict__)  # never the value erased

    # The cancelled one: kept through 25 Nov 2029, erased on the 26th. The open one stays.
    purge(now=local(2029, 11, 25, 12, 0))
    assert names() == ["", "赵女士", "钱先生"]
    purge(now=local(2029, 11, 26, 12, 0))
    assert names() == ["", "", "钱先生"]
    # The work orders themselves stay, for the uptime figures.
    repaired = fresh(repaired)
    assert repaired.status == WorkOrder.Status.VERIFIED and repaired.cause == "皮带松"


def test_a_shorter_contact_data_rule_erases_sooner(cast):
    with clock.travel(local(2026, 11, 1, 9, 0)):
        officer = staff_create(
            company=cast.company, username="officer", password="amends-test", display_name="DPO"
        )
        role_grant(user=officer, role=Role.PRIVACY_OFFICER, venue=None)
    privacy_services.retention_rule_set(
        actor=officer, data_class="contact_data", months=6, trigger="closed"
    )
    repaired, false_alarm, _open = _stories(cast)
    purge(now=local(2027, 5, 20, 12, 0))
    assert fresh(repaired).reporter_name == "王先生"
    purge(now=local(2027, 5, 21, 12, 0))
    assert (fresh(repaired).reporter_name, fresh(false_alarm).reporter_name) == ("", "赵女士")
