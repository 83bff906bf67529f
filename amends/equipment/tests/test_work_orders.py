"""A fault from the machine's QR code to a verified repair, and who may do what on the way."""

from datetime import UTC
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from amends.conftest import local
from amends.core import clock
from amends.core.errors import (
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    StaleVersion,
)
from amends.core.principals import Principal, PrincipalKind
from amends.equipment import selectors, services
from amends.equipment.models import Asset, Downtime
from amends.equipment.tests.helpers import add_asset, fresh, report
from amends.notifications.models import Outbox

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def step(name, actor, wo, when, **kw):
    with clock.travel(when):
        return getattr(services, f"work_order_{name}")(
            actor=actor, work_order=wo, version=wo.version, **kw
        )


def test_an_unsafe_fault_from_the_qr_code_takes_the_machine_out_until_verified(cast):
    tm = add_asset(cast)
    assert selectors.asset_by_token(tm.public_token) == tm
    wo = report(cast, tm, local(2026, 11, 23, 10, 0), unsafe=True, reporter_name="王先生")
    assert wo.number == "WO-GYM1-2026-000001"
    assert wo.source == "member" and wo.reporter_name == "王先生" and wo.reported_by is None
    tm = fresh(tm)
    assert tm.status == Asset.Status.OUT_OF_SERVICE and not selectors.bookable(tm)
    assert Downtime.objects.get(asset=tm).ended_at is None
    alert = Outbox.objects.get(recipient_user=cast.maintenance)
    assert alert.kind == "urgent_alert" and wo.number in alert.subject
    assert alert.context == {"work_order": wo.number}

    wo = step("react", cast.maintenance, wo, local(2026, 11, 23, 10, 20))
    wo = step("arrive", cast.maintenance, wo, local(2026, 11, 23, 10, 40))
    wo = step(
        "resolve",
        cast.maintenance,
        wo,
        local(2026, 11, 23, 11, 30),
        cause="皮带松了 belt loose",
        parts="belt",
        cost="180.5",
    )
    assert wo.cost == Decimal("180.50") and wo.resolved_by == cast.maintenance
    assert fresh(tm).status == Asset.Status.OUT_OF_SERVICE  # until signed off
    assert selectors.steps_for(cast.maintenance, wo) == ["cancel"]
    assert selectors.steps_for(cast.manager, wo) == ["verify", "cancel"]
    assert selectors.steps_for(cast.desk, wo) == []
    # The technician who repaired it does not sign it off while the venue has someone else.
    with pytest.raises(PermissionDenied) as refused:
        step("verify", cast.maintenance, wo, local(2026, 11, 23, 11, 40))
    assert refused.value.code == "sign_off_by_another"
    wo = step("verify", cast.manager, wo, local(2026, 11, 23, 12, 0))
    assert wo.status == "verified" and wo.verified_by == cast.manager
    tm = fresh(tm)
    assert tm.status == Asset.Status.IN_SERVICE and selectors.bookable(tm)
    down = Downtime.objects.get(asset=tm)
    assert down.ended_at == local(2026, 11, 23, 12, 0).astimezone(UTC)
    kinds = list(wo.events.values_list("kind", flat=True))
    assert kinds == [
        "reported",
        "out_of_service",
        "reacted",
        "arrived",
        "resolved",
        "verified",
        "back_in_service",
    ]
    with pytest.raises(InvalidTransition):
        step("cancel", cast.manager, wo, local(2026, 11, 23, 12, 5), reason="x")


def test_a_second_unsafe_fault_keeps_the_machine_out_until_it_is_verified_too(cast):
    tm = add_asset(cast)
    first = report(cast, tm, local(2026, 11, 23, 10, 0), unsafe=True)
    second = report(cast, tm, local(2026, 11, 23, 10, 5), unsafe=True, description="扶手松动")
    assert second.number == "WO-GYM1-2026-000002"
    assert second.events.get(kind="reported").data["others_open"] == [first.number]
    assert selectors.work_orders_for(cast.maintenance).count() == 2
    first = step("resolve", cast.maintenance, first, local(2026, 11, 23, 11, 0), cause="belt")
    first = step("verify", cast.manager, first, local(2026, 11, 23, 11, 30))
    assert fresh(tm).status == Asset.Status.OUT_OF_SERVICE
    assert first.events.filter(kind="back_in_service").count() == 0
    second = step(
        "cancel", cast.manager, second, local(2026, 11, 23, 12, 0), reason="重复 duplicate"
    )
    assert fresh(tm).status == Asset.Status.IN_SERVICE


def test_a_lone_technician_signs_off_his_own_repair(cast):
    hotel_tech = _technician(cast, cast.hotel, "hoteltech")
    ac = add_asset(cast, "AC-01", venue=cast.hotel, actor=hotel_tech, category="hvac")
    wo = report(cast, ac, local(2026, 11, 23, 10, 0), actor=hotel_tech)
    wo = step("resolve", hotel_tech, wo, local(2026, 11, 23, 10, 30), cause="filter")
    wo = step("verify", hotel_tech, wo, local(2026, 11, 23, 10, 40))
    assert wo.events.get(kind="verified").data["own_sign_off"] is True
    # the reaction was recorded with the repair
    assert wo.reacted_at == local(2026, 11, 23, 10, 30) and wo.response_minutes == 30


def _technician(cast, venue, name):
    from amends.orgs.models import Department
    from amends.orgs.roles import Role
    from amends.orgs.services import role_grant, staff_create

    user = staff_create(
        company=cast.company, username=name, password="x-x-x-x-9", display_name=name
    )
    role_grant(
        user=user,
        role=Role.MAINTENANCE,
        venue=venue,
        department=Department.objects.get(venue=venue, code="maintenance"),
    )
    return user


def test_a_stale_version_is_refused_and_nothing_changes(cast):
    tm = add_asset(cast)
    wo = report(cast, tm, local(2026, 11, 23, 10, 0))
    old = wo.version
    step("react", cast.maintenance, wo, local(2026, 11, 23, 10, 5))
    wo.version = old
    with pytest.raises(StaleVersion) as stale:
        step("resolve", cast.manager, wo, local(2026, 11, 23, 10, 10), cause="belt")
    assert stale.value.params["current_version"] == old + 1
    assert fresh(wo).status == "reacted"
    with pytest.raises(StaleVersion), clock.travel(local(2026, 11, 23, 10, 10)):
        services.take_out_of_service(
            actor=cast.maintenance, asset=tm, version=tm.version + 5, reason="noise"
        )


def test_people_of_another_venue_or_company_are_refused(cast):
    tm = add_asset(cast)
    wo = report(cast, tm, local(2026, 11, 23, 10, 0))
    for stranger in (cast.outsider, cast.stranger):
        with pytest.raises(NotFound):
            step("react", stranger, wo, local(2026, 11, 23, 10, 5))
        with pytest.raises(NotFound):
            selectors.work_order_get(stranger, wo.number)
        with pytest.raises(NotFound):
            report(cast, tm, local(2026, 11, 23, 10, 6), actor=stranger)
        assert not selectors.assets_for(stranger).exists()
        with pytest.raises(NotFound):
            services.asset_save(actor=stranger, venue=cast.gym, data={"code": "X", "name": "x"})
    # the front desk reports and sees, but does not handle work orders
    assert report(cast, tm, local(2026, 11, 23, 10, 7), actor=cast.desk).reported_by == cast.desk
    with pytest.raises(PermissionDenied):
        step("react", cast.desk, wo, local(2026, 11, 23, 10, 8))
    # the auditor and the director see every venue; the auditor does not report
    assert selectors.work_order_get(cast.auditor, wo.number) == wo
    assert selectors.work_orders_for(cast.director).count() == 2
    with pytest.raises(PermissionDenied):
        report(cast, tm, local(2026, 11, 23, 10, 9), actor=cast.auditor)
    assert selectors.assets_for(cast.outsider, q="TM").count() == 0


def test_work_orders_go_to_the_venues_maintenance_people_only(cast):
    tm = add_asset(cast)
    wo = report(cast, tm, local(2026, 11, 23, 10, 0))
    with pytest.raises(InvalidInput):
        step("assign", cast.manager, wo, local(2026, 11, 23, 10, 5), assignee=cast.desk)
    wo = step("assign", cast.manager, wo, local(2026, 11, 23, 10, 5), assignee=cast.maintenance)
    assert wo.assignee == cast.maintenance
    assert list(selectors.work_orders_for(cast.maintenance, mine=True)) == [wo]
    assert Outbox.objects.filter(recipient_user=cast.maintenance, kind="assignment").count() == 2


def test_an_api_key_of_a_monitoring_system_reports_a_fault(cast):
    pump = add_asset(cast, "PUMP-1", category="pool", name="泳池水泵")
    key = Principal(
        kind=PrincipalKind.API_KEY,
        ref=7,
        company_id=cast.company.pk,
        name="BMS",
        scopes=frozenset(),
    )
    wo = report(cast, pump, local(2026, 11, 23, 3, 0), actor=key, source="monitoring")
    assert wo.source == "monitoring" and wo.reported_by is None
    assert wo.events.get().data["actor_name"] == "BMS"
    other = Principal(
        kind=PrincipalKind.API_KEY, ref=8, company_id=cast.company.pk, venue_id=cast.gym2.pk
    )
    with pytest.raises(NotFound):  # a key of the other gym: as if the pump did not exist
        report(cast, pump, local(2026, 11, 23, 3, 5), actor=other, source="monitoring")
    # nobody reports for the public form but a member
    with pytest.raises(PermissionDenied):
        report(cast, pump, local(2026, 11, 23, 3, 5), source="staff")


def test_verifying_a_repair_tells_the_complaints_owner(cast):
    tm = add_asset(cast)
    with clock.travel(local(2026, 11, 23, 9, 0)):
        complaint = cast.receive(category="facility_equipment")
    with clock.travel(local(2026, 11, 23, 9, 30)):
        wo = services.complaint_open_work_order(
            actor=cast.specialist,
            complaint=complaint,
            asset=tm,
            description="皮带打滑",
            unsafe=True,
        )
    assert wo.source == "complaint" and wo.complaint == complaint
    assert list(selectors.work_orders_for_complaint(cast.specialist, complaint)) == [wo]
    assert list(selectors.work_orders_for_complaint(cast.outsider, complaint)) == []
    with pytest.raises(NotFound):
        services.complaint_open_work_order(
            actor=cast.outsider, complaint=complaint, asset=tm, description="x"
        )
    wo = step("resolve", cast.maintenance, wo, local(2026, 11, 23, 10, 0), cause="belt")
    step("verify", cast.manager, wo, local(2026, 11, 23, 10, 30))
    complaint.refresh_from_db()
    told = Outbox.objects.filter(complaint_id=complaint.pk, context__work_order=wo.number)
    people = {m.recipient_user_id for m in told}
    assert people and people <= {complaint.owner_id, complaint.assignee_id}
    assert all(m.reference == complaint.reference for m in told)


def test_cancelling_a_complaints_work_order_tells_the_complaints_owner(cast):
    tm = add_asset(cast)
    with clock.travel(local(2026, 11, 23, 9, 0)):
        complaint = cast.receive(category="facility_equipment")
    with clock.travel(local(2026, 11, 23, 9, 30)):
        wo = services.complaint_open_work_order(
            actor=cast.specialist, complaint=complaint, asset=tm, description="皮带打滑"
        )
    step("cancel", cast.manager, wo, local(2026, 11, 23, 10, 0), reason="重复 duplicate")
    complaint.refresh_from_db()
    told = Outbox.objects.filter(complaint_id=complaint.pk, context__work_order=wo.number)
    people = {m.recipient_user_id for m in told}
    assert complaint.owner_id in people and people <= {complaint.owner_id, complaint.assignee_id}
    assert all("duplicate" in m.body for m in told)


def test_photos_are_images_checked_from_their_bytes(cast):
    tm = add_asset(cast)
    wo = report(cast, tm, local(2026, 11, 23, 10, 0))
    with clock.travel(local(2026, 11, 23, 10, 5)):
        photo = services.work_order_add_photo(
            actor=cast.desk, work_order=wo, upload=SimpleUploadedFile("belt.png", PNG)
        )
        assert photo.content_type == "image/png"
        assert photo.file.name.startswith("workorders/GYM1/WO-GYM1-2026-000001-")
        assert "belt" not in photo.file.name
        with pytest.raises(InvalidInput):
            services.work_order_add_photo(
                actor=cast.desk, work_order=wo, upload=SimpleUploadedFile("a.png", b"hello")
            )
        with pytest.raises(NotFound):
            services.work_order_add_photo(
                actor=cast.outsider, work_order=wo, upload=SimpleUploadedFile("a.png", PNG)
            )


def test_numbers_run_per_venue_and_year(cast):
    tm = add_asset(cast)
    bike = add_asset(cast, "SB-01", venue=cast.gym2, actor=cast.director, name="动感单车")
    assert report(cast, bike, local(2026, 12, 31, 23, 0)).number == "WO-GYM2-2026-000001"
    report(cast, tm, local(2026, 12, 31, 23, 0))
    assert report(cast, tm, local(2027, 1, 1, 0, 30)).number == "WO-GYM1-2027-000001"


def test_staff_take_a_machine_out_of_service_and_back(cast):
    tm = add_asset(cast)
    with clock.travel(local(2026, 11, 23, 10, 0)):
        tm = services.take_out_of_service(
            actor=cast.maintenance, asset=tm, version=tm.version, reason="保养 servicing"
        )
    assert tm.status == "out_of_service"
    wo = report(cast, tm, local(2026, 11, 23, 10, 30), unsafe=True)
    tm = fresh(tm)
    with pytest.raises(InvalidTransition) as refused, clock.travel(local(2026, 11, 23, 11, 0)):
        services.return_to_service(actor=cast.maintenance, asset=tm, version=tm.version)
    assert refused.value.code == "unsafe_fault_open"
    wo = step("resolve", cast.maintenance, wo, local(2026, 11, 23, 11, 0), cause="x")
    step("verify", cast.manager, wo, local(2026, 11, 23, 11, 30))
    tm = fresh(tm)
    assert tm.status == "out_of_service"  # still taken out by staff
    with clock.travel(local(2026, 11, 23, 12, 0)):
        tm = services.return_to_service(actor=cast.maintenance, asset=tm, version=tm.version)
    assert tm.status == "in_service"
    assert not Downtime.objects.filter(asset=tm, ended_at__isnull=True).exists()
    with clock.travel(local(2026, 11, 23, 12, 30)):
        tm = services.asset_retire(actor=cast.manager, asset=tm, version=tm.version)
    with pytest.raises(InvalidInput):
        report(cast, tm, local(2026, 11, 23, 13, 0))
    with pytest.raises(NotFound):
        selectors.asset_by_token(tm.public_token)


def test_asset_codes_are_unique_per_venue_and_fields_checked(cast):
    add_asset(cast)
    with pytest.raises(InvalidInput) as taken:
        add_asset(cast, "tm-01")
    assert taken.value.params["field"] == "code"
    with pytest.raises(InvalidInput) as bad:
        add_asset(cast, "TM-02", purchased_on="2026-05-01", warranty_ends_on="2025-05-01")
    assert set(bad.value.params["errors"]) == {"warranty_ends_on"}
    assert add_asset(cast, "TM-01", venue=cast.gym2, actor=cast.director).code == "TM-01"
    with pytest.raises(PermissionDenied):
        add_asset(cast, "TM-03", actor=cast.desk)
