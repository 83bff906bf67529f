"""Equipment through the API on Monday 23 November 2026: the gym's monitoring system reports a
treadmill's fault (once, whatever the retries), the booking system asks whether the machine may
be booked, and both read the work order. Keys without the equipment scopes, of another venue or
of another company are refused with a machine-readable code."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from amends.api.tests.conftest import Api, make_key
from amends.conftest import Cast, local
from amends.core import clock
from amends.equipment import services
from amends.equipment.models import Asset, WorkOrder
from amends.equipment.tests.helpers import add_asset, fresh
from amends.orgs.models import ApiKey, Company

NOW = local(2026, 11, 23, 10, 0)


@pytest.fixture(autouse=True)
def _at_ten() -> object:
    with clock.travel(NOW):
        yield


def equipment_key(company: Company, name: str, scopes: list[str], venue: object = None) -> str:
    """A key with equipment scopes. Made with a complaints scope, then given its equipment
    scopes (the key service accepts only the scopes `ApiScope` lists)."""
    raw = make_key(company, name, ["complaints:read"], venue)  # type: ignore[arg-type]
    ApiKey.objects.filter(company=company, name=name).update(scopes=scopes)
    return raw


@dataclass
class Keys:
    monitor: str  # the gym's monitoring system: equipment:write, GYM1 only
    booking: str  # the company's booking system: equipment:read, every venue
    complaints: str  # a complaints-only key
    gym2: str  # the other gym's monitor
    stranger: str  # another company's key


@pytest.fixture
def keys(cast: Cast) -> Keys:
    other = Company.objects.get(code="OTHER")
    return Keys(
        monitor=equipment_key(cast.company, "monitor", ["equipment:write"], cast.gym),
        booking=equipment_key(cast.company, "booking", ["equipment:read"]),
        complaints=make_key(cast.company, "crm", ["complaints:read", "complaints:write"]),
        gym2=equipment_key(cast.company, "gym2 monitor", ["equipment:write"], cast.gym2),
        stranger=equipment_key(other, "theirs", ["equipment:write", "equipment:read"]),
    )


@pytest.fixture
def tm(cast: Cast) -> Asset:
    return add_asset(cast)


FAULT = {"asset": "TM-01", "description": "电机温度过高 motor overheating", "unsafe": True}


def test_the_monitor_reports_an_unsafe_fault_and_the_machine_is_not_bookable(
    cast: Cast, keys: Keys, tm: Asset
) -> None:
    booking = Api(keys.booking)
    before = booking.get("/equipment/assets/TM-01", venue="GYM1")
    assert before.status == 200, before
    assert before["bookable"] is True and before["status"] == "in_service"
    assert before["open_work_orders"] == []

    made = Api(keys.monitor).post("/equipment/faults", {**FAULT, "reporter": "温控传感器 7"})
    assert made.status == 201, made
    number = made["number"]
    assert made["source"] == "monitoring" and made["status"] == "reported"
    assert made["unsafe"] is True and made["asset"] == "TM-01" and made["venue"] == "GYM1"
    assert made["asset_bookable"] is False and made["cost"] == "0.00"
    assert made["response_due_at"].startswith("2026-11-23T04:00:00")  # 12:00 in Shanghai
    order = WorkOrder.objects.get(number=number)
    assert order.reporter_name == "温控传感器 7" and order.reported_by is None

    after = booking.get("/equipment/assets/TM-01", venue="GYM1")
    assert after["bookable"] is False and after["status"] == "out_of_service"
    assert after["open_work_orders"] == [number]
    read = booking.get(f"/equipment/work-orders/{number}")
    assert read.status == 200 and read["number"] == number and read["version"] == order.version


def test_the_same_idempotency_key_makes_one_work_order(cast: Cast, keys: Keys, tm: Asset) -> None:
    monitor = Api(keys.monitor)
    headers = {"Idempotency-Key": "alarm-2026-11-23-0001"}
    first = monitor.post("/equipment/faults", FAULT, headers)
    again = monitor.post("/equipment/faults", FAULT, headers)
    assert first.status == again.status == 201
    assert first["number"] == again["number"] and WorkOrder.objects.count() == 1
    other = monitor.post("/equipment/faults", {**FAULT, "unsafe": False}, headers)
    assert other.status == 422 and other["code"] == "idempotency_key_reused"
    assert WorkOrder.objects.count() == 1


def test_a_venue_key_names_no_venue_a_company_key_must(cast: Cast, keys: Keys, tm: Asset) -> None:
    booking = Api(keys.booking)
    unnamed = booking.get("/equipment/assets/TM-01")
    assert unnamed.status == 422 and unnamed["code"] == "venue_required"
    assert "venue" in unnamed["fields"]
    venue_key = Api(keys.monitor).get("/equipment/assets/TM-01")  # write reads too
    assert venue_key.status == 200 and venue_key["venue"] == "GYM1"


def test_keys_without_the_scope_or_reach_are_refused(cast: Cast, keys: Keys, tm: Asset) -> None:
    order = Api(keys.monitor).post("/equipment/faults", {**FAULT, "unsafe": False})
    number = order["number"]

    no_scope = Api(keys.complaints)
    assert no_scope.post("/equipment/faults", {**FAULT, "venue": "GYM1"})["code"] == (
        "scope_missing"
    )
    assert no_scope.get("/equipment/assets/TM-01", venue="GYM1").status == 403
    assert no_scope.get(f"/equipment/work-orders/{number}").status == 403
    reader = Api(keys.booking).post("/equipment/faults", {**FAULT, "venue": "GYM1"})
    assert reader.status == 403 and reader["code"] == "scope_missing"

    gym2 = Api(keys.gym2)
    elsewhere = gym2.post("/equipment/faults", {**FAULT, "venue": "GYM1"})
    assert elsewhere.status == 404 and elsewhere["code"] == "venue_not_found"
    unknown_here = gym2.post("/equipment/faults", FAULT)
    assert unknown_here.status == 404 and unknown_here["code"] == "asset_not_found"
    read = gym2.get(f"/equipment/work-orders/{number}")
    assert read.status == 404 and read["code"] == "work_order_not_found"

    stranger = Api(keys.stranger)
    assert stranger.post("/equipment/faults", {**FAULT, "venue": "GYM1"}).status == 404
    assert stranger.get("/equipment/assets/TM-01", venue="GYM1").status == 404
    assert stranger.get(f"/equipment/work-orders/{number}").status == 404
    assert Api(None).get(f"/equipment/work-orders/{number}").status == 401
    assert WorkOrder.objects.count() == 1


def test_bad_input_is_a_422_with_its_fields(cast: Cast, keys: Keys, tm: Asset) -> None:
    monitor = Api(keys.monitor)
    for body, field in (
        ({"asset": "TM-01", "description": ""}, "description"),
        ({"asset": "TM-01", "description": "x" * 4001}, "description"),
        ({"asset": "TM-01", "description": "坏\x00了"}, "description"),
        ({"asset": "", "description": "x"}, "asset"),
        ({"asset": "TM-01", "description": "x", "colour": "red"}, "colour"),
        ({"asset": "TM-01", "description": "x", "unsafe": "perhaps"}, "unsafe"),
    ):
        refused = monitor.post("/equipment/faults", body)
        assert refused.status in (400, 422), (body, refused)
        if refused.status == 422:
            assert refused["code"] in ("invalid_input", "description_required"), refused
            assert field in refused["fields"], refused
    blank = monitor.post("/equipment/faults", {"asset": "TM-01", "description": "   "})
    assert blank.status == 422 and blank["code"] == "description_required"
    missing = monitor.post("/equipment/faults", {**FAULT, "asset": "NOPE"})
    assert missing.status == 404 and missing["code"] == "asset_not_found"
    assert not WorkOrder.objects.exists()


def test_a_retired_machine_cannot_take_a_fault(cast: Cast, keys: Keys, tm: Asset) -> None:
    services.asset_retire(actor=cast.maintenance, asset=tm, version=tm.version)
    refused = Api(keys.monitor).post("/equipment/faults", FAULT)
    assert refused.status == 404 and refused["code"] == "asset_not_found"
    assert fresh(tm).status == "retired"
