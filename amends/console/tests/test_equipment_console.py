"""The equipment screens of the console on Monday 23 November 2026, as the gym's maintenance
man, its customer-service manager, the front desk (who sees and reports, never repairs) and the
other gym's staff (who see nothing of this gym) use them: the work orders with their clocks,
one work order's steps, the asset register and its import, the maintenance plans, and a work
order opened from a complaint. Every page checks who is asking; a refused step re-shows its form
with the message and writes nothing."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from amends.conftest import Cast, local
from amends.core import clock, config_cache
from amends.equipment import services
from amends.equipment.models import Asset, AssetImport, MaintenancePlan, WorkOrder
from amends.equipment.tests.helpers import add_asset, fresh, report
from amends.orgs.models import User

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
NOW = local(2026, 11, 23, 13, 0)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    # force_login's request has no REMOTE_ADDR: django-axes records the sign-in with the
    # address its callable gives, which PostgreSQL's inet column refuses as "unknown".
    settings.AXES_CLIENT_IP_CALLABLE = lambda request: (
        request.META.get("REMOTE_ADDR") or "127.0.0.1"
    )


def as_(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def page(name: str, *args: Any) -> str:
    return reverse(f"console:{name}", args=args)


def text(response: Any) -> str:
    return response.content.decode()


def get(client: Client, url: str, **params: Any) -> Any:
    with clock.travel(NOW):
        return client.get(url, params)


def post(client: Client, url: str, data: dict[str, Any], **extra: Any) -> Any:
    with clock.travel(NOW):
        return client.post(url, data, **extra)


@pytest.fixture
def tm(cast: Cast) -> Asset:
    return add_asset(cast)


@pytest.fixture
def bike(cast: Cast) -> Asset:
    return add_asset(cast, "BK-01", name="动感单车 Spin bike", location="单车房")


# --- the work orders list --------------------------------------------------------------------


def test_maintenance_sees_open_work_orders_first_the_overdue_first_reaction_marked(
    client: Client, cast: Cast, tm: Asset, bike: Asset
) -> None:
    late = report(cast, tm, local(2026, 11, 23, 10, 0), unsafe=True)  # due 12:00
    fresh_one = report(cast, bike, local(2026, 11, 23, 12, 30))  # due 14:30
    done = report(cast, bike, local(2026, 11, 20, 9, 0))
    with clock.travel(local(2026, 11, 20, 9, 30)):
        done = services.work_order_cancel(
            actor=cast.manager, work_order=done, version=done.version, reason="重复"
        )
    as_(client, cast.maintenance)
    listed = get(client, page("work_orders"))
    assert listed.status_code == 200
    html = text(listed)
    numbers = re.findall(r'<tr data-number="([^"]+)"', html)
    assert numbers == [late.number, fresh_one.number]  # open only, the overdue first
    row = re.search(rf'<tr data-number="{late.number}"[^>]*>', html)
    assert row and "data-overdue" in row.group(0)
    assert 'data-minutes-left="90"' in html  # 13:00 → 14:30, opening hours
    everything = text(get(client, page("work_orders"), status="all"))
    assert re.findall(r'<tr data-number="([^"]+)"', everything)[-1] == done.number
    assert done.number in text(get(client, page("work_orders"), status="cancelled"))


def test_only_mine_lists_the_work_orders_given_to_me(
    client: Client, cast: Cast, tm: Asset, bike: Asset
) -> None:
    mine = report(cast, tm, local(2026, 11, 23, 10, 0))
    other = report(cast, bike, local(2026, 11, 23, 10, 5))
    with clock.travel(local(2026, 11, 23, 10, 10)):
        services.work_order_assign(
            actor=cast.manager, work_order=mine, version=mine.version, assignee=cast.maintenance
        )
    as_(client, cast.maintenance)
    html = text(get(client, page("work_orders"), mine="on"))
    assert mine.number in html and other.number not in html


def test_the_other_gyms_staff_see_none_of_this_gyms_equipment(
    client: Client, cast: Cast, tm: Asset
) -> None:
    order = report(cast, tm, local(2026, 11, 23, 10, 0))
    for person in (cast.outsider, cast.stranger):
        as_(client, person)
        assert order.number not in text(get(client, page("work_orders"), status="all"))
        assert get(client, page("work_order", order.number)).status_code == 404
        assert tm.code not in text(get(client, page("assets")))
        assert get(client, page("asset", tm.pk)).status_code == 404
        refused = post(client, page("work_order_act", order.number, "react"), {"version": 1})
        assert refused.status_code == 404
    assert fresh(order).status == WorkOrder.Status.REPORTED


def test_pages_ask_for_a_sign_in(client: Client, cast: Cast, tm: Asset) -> None:
    for url in (page("work_orders"), page("assets"), page("plans"), page("asset", tm.pk)):
        assert get(client, url).status_code == 302


# --- one work order ----------------------------------------------------------------------------


def _act(client: Client, order: WorkOrder, name: str, **data: Any) -> Any:
    data.setdefault("version", fresh(order).version)
    return post(client, page("work_order_act", order.number, name), data)


def test_the_desk_sees_a_work_order_but_has_nothing_to_do_on_it(
    client: Client, cast: Cast, tm: Asset
) -> None:
    order = report(cast, tm, local(2026, 11, 23, 12, 0))
    as_(client, cast.desk)
    shown = get(client, page("work_order", order.number))
    assert shown.status_code == 200
    html = text(shown)
    assert 'id="form-react"' not in html and 'id="form-resolve"' not in html
    assert 'id="form-photo"' in html  # staff of the venue may add a photo of the fault
    refused = _act(client, order, "react")
    assert refused.status_code == 403
    assert fresh(order).status == WorkOrder.Status.REPORTED


def test_a_work_order_shows_its_clock_asset_source_and_complaint(
    client: Client, cast: Cast, tm: Asset
) -> None:
    with clock.travel(local(2026, 11, 23, 12, 0)):
        complaint = cast.receive(category="facility_equipment")
        order = services.complaint_open_work_order(
            actor=cast.manager, complaint=complaint, asset=tm, description="皮带打滑"
        )
    as_(client, cast.maintenance)
    html = text(get(client, page("work_order", order.number)))
    assert f'data-asset="{tm.code}"' in html
    assert "2026-11-23 14:00" in html  # due: two hours of opening hours
    assert 'data-minutes-elapsed="60"' in html and 'data-minutes-left="60"' in html
    assert f'data-complaint="{complaint.reference}"' in html  # routed to maintenance
    # A coach sees the gym's work orders, not this complaint: it is named, not linked.
    as_(client, cast.coach)
    html = text(get(client, page("work_order", order.number)))
    assert f'data-complaint="{complaint.reference}"' not in html
    assert complaint.reference not in html
    as_(client, cast.manager)
    html = text(get(client, page("work_order", order.number)))
    assert f'data-complaint="{complaint.reference}"' in html
    assert 'id="form-react"' in html and 'id="form-cancel"' in html


def test_maintenance_takes_the_steps_and_the_manager_signs_off(
    client: Client, cast: Cast, tm: Asset
) -> None:
    order = report(cast, tm, local(2026, 11, 23, 12, 0), unsafe=True)
    as_(client, cast.maintenance)
    done = _act(client, order, "react", note="马上到")
    assert done.status_code == 302 and fresh(order).status == "reacted"
    assert fresh(order).response_minutes == 60
    assert _act(client, order, "assign", assignee=cast.maintenance.pk).status_code == 302
    assert _act(client, order, "arrive").status_code == 302
    photo = SimpleUploadedFile("belt.png", PNG, content_type="image/png")
    resolved = _act(
        client, order, "resolve", cause="皮带松了", parts="皮带", cost="180.50", photos=photo
    )
    assert resolved.status_code == 302, text(resolved)
    order = fresh(order)
    assert order.status == "resolved" and str(order.cost) == "180.50"
    assert order.photos.count() == 1
    html = text(get(client, page("work_order", order.number)))
    assert 'id="form-verify"' not in html  # not his own repair's sign-off
    assert "data-cause" in html and "皮带松了" in html
    photo_url = page("work_order_photo", order.number, order.photos.get().pk)
    assert photo_url in html
    served = get(client, photo_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert _act(client, order, "verify").status_code == 403

    as_(client, cast.manager)
    assert _act(client, order, "verify", note="试跑正常").status_code == 302
    assert fresh(order).status == "verified" and fresh(tm).status == "in_service"
    html = text(get(client, page("work_order", order.number)))
    kinds = re.findall(r'data-kind="([a-z_]+)"', html)
    assert kinds[:3] == ["reported", "out_of_service", "reacted"] and "verified" in kinds
    with translation.override("zh-hans"):
        assert gettext("Nothing for you to do on this work order now.") in html

    as_(client, cast.outsider)
    assert get(client, photo_url).status_code == 404


def test_a_repair_without_its_cause_is_shown_again_with_the_message(
    client: Client, cast: Cast, tm: Asset
) -> None:
    order = report(cast, tm, local(2026, 11, 23, 12, 0))
    as_(client, cast.maintenance)
    refused = _act(client, order, "resolve", cause="", cost="-3", parts="皮带")
    assert refused.status_code == 400
    html = text(refused)
    assert 'id="resolve-cause_error"' in html and 'id="resolve-cost_error"' in html
    assert re.search(r'<details id="act-resolve"\s+open', html)
    assert "皮带" in html  # as it was filled
    not_a_photo = SimpleUploadedFile("x.png", b"%PDF-1.4 hello", content_type="image/png")
    refused = _act(client, order, "resolve", cause="皮带", cost="1", photos=not_a_photo)
    assert refused.status_code == 400 and 'id="resolve-photos_error"' in text(refused)
    assert fresh(order).status == "reported" and fresh(order).photos.count() == 0


def test_a_step_on_a_stale_page_says_someone_else_changed_it(
    client: Client, cast: Cast, tm: Asset
) -> None:
    order = report(cast, tm, local(2026, 11, 23, 12, 0))
    seen = order.version
    as_(client, cast.manager)
    assert _act(client, order, "react").status_code == 302
    as_(client, cast.maintenance)
    stale = _act(client, order, "cancel", version=seen, reason="误报")
    assert stale.status_code == 409
    html = text(stale)
    assert "Someone else changed this meanwhile" in html or "其他人" in html
    assert re.search(r'<details id="act-cancel"\s+open', html) and "误报" in html
    assert fresh(order).status == "reacted"


def test_a_step_not_available_now_is_refused(client: Client, cast: Cast, tm: Asset) -> None:
    order = report(cast, tm, local(2026, 11, 23, 12, 0))
    as_(client, cast.manager)
    assert _act(client, order, "verify").status_code == 409
    assert _act(client, order, "nonsense").status_code == 404
    assert fresh(order).status == "reported"


# --- assets ------------------------------------------------------------------------------------


def test_the_register_lists_assets_with_their_status_and_uptime_this_month(
    client: Client, cast: Cast, tm: Asset, bike: Asset
) -> None:
    report(cast, tm, local(2026, 11, 23, 10, 0), unsafe=True)  # down since 10:00
    as_(client, cast.maintenance)
    listed = get(client, page("assets"))
    html = text(listed)
    assert re.findall(r'<tr data-asset="([^"]+)" data-status="([a-z_]+)"', html) == [
        ("BK-01", "in_service"),
        ("TM-01", "out_of_service"),
    ]
    # 1–23 November, 06:00–22:00: 22 days × 16 h + 7 h today = 359 h open; down 3 h.
    assert 'data-uptime="100.00"' in html and 'data-uptime="99.16"' in html
    assert page("asset_new") in html and page("asset_import") in html
    only_out = text(get(client, page("assets"), status="out_of_service"))
    assert "TM-01" in only_out and "BK-01" not in only_out
    assert "TM-01" not in text(get(client, page("assets"), q="单车"))

    as_(client, cast.desk)
    html = text(get(client, page("assets")))
    assert "TM-01" in html and page("asset_new") not in html
    assert get(client, page("asset_new")).status_code == 403
    assert get(client, page("asset_import")).status_code == 403


def test_an_asset_page_shows_its_qr_code_plans_work_orders_and_downtimes(
    client: Client, cast: Cast, tm: Asset
) -> None:
    order = report(cast, tm, local(2026, 11, 23, 10, 0), unsafe=True)
    with clock.travel(local(2026, 11, 1, 9, 0)):
        services.plan_save(
            actor=cast.maintenance, asset=tm, data={"name": "月度保养", "every_days": 30}
        )
    as_(client, cast.maintenance)
    html = text(get(client, page("asset", tm.pk)))
    assert f"/p/asset/{tm.public_token}/" in html
    assert reverse("public:asset_poster", args=[tm.public_token]) in html
    assert "月度保养" in html and order.number in html and 'data-downtime="open"' in html
    assert 'id="form-service"' in html and 'id="form-report"' in html

    as_(client, cast.desk)
    html = text(get(client, page("asset", tm.pk)))
    assert 'id="form-report"' in html and 'id="form-service"' not in html
    assert page("asset_edit", tm.pk) not in html


def test_staff_report_a_fault_from_the_asset_page(client: Client, cast: Cast, tm: Asset) -> None:
    as_(client, cast.desk)
    empty = post(client, page("asset_report", tm.pk), {"description": ""})
    assert empty.status_code == 400 and 'id="fault-description_error"' in text(empty)
    done = post(client, page("asset_report", tm.pk), {"description": "扶手松了", "unsafe": "on"})
    assert done.status_code == 302
    order = WorkOrder.objects.get(asset=tm)
    assert order.source == "staff" and order.reported_by == cast.desk and order.unsafe
    assert done["Location"] == page("work_order", order.number)
    assert fresh(tm).status == "out_of_service"


def test_an_asset_is_added_and_edited_and_bad_input_comes_back(
    client: Client, cast: Cast, tm: Asset
) -> None:
    as_(client, cast.maintenance)
    assert get(client, page("asset_new")).status_code == 200
    bad = post(
        client,
        page("asset_new"),
        {
            "venue": "GYM1",
            "code": "TM-01",
            "name": "另一台跑步机",
            "category": "cardio",
            "purchased_on": "2026-05-01",
            "warranty_ends_on": "2026-04-01",
        },
    )
    assert bad.status_code == 400 and 'id="id_warranty_ends_on_error"' in text(bad)
    taken = post(
        client,
        page("asset_new"),
        {"venue": "GYM1", "code": "tm-01", "name": "另一台跑步机", "category": "cardio"},
    )
    assert taken.status_code == 400 and 'id="id_code_error"' in text(taken)
    other_gym = post(
        client,
        page("asset_new"),
        {"venue": "GYM2", "code": "X-1", "name": "x", "category": "cardio"},
    )
    assert other_gym.status_code == 400  # not a venue he may choose
    not_a_photo = SimpleUploadedFile("tm.png", b"%PDF-1.4 x", content_type="image/png")
    refused = post(
        client,
        page("asset_new"),
        {"venue": "GYM1", "code": "TM-02", "name": "跑步机二号", "photo": not_a_photo},
    )
    assert refused.status_code == 400 and 'id="id_photo_error"' in text(refused)
    photo = SimpleUploadedFile("tm.png", PNG, content_type="image/png")
    made = post(
        client,
        page("asset_new"),
        {
            "venue": "GYM1",
            "code": "TM-02",
            "name": "跑步机二号",
            "category": "cardio",
            "photo": photo,
        },
    )
    assert made.status_code == 302
    new = Asset.objects.get(code="TM-02")
    assert made["Location"] == page("asset", new.pk)
    assert page("asset_photo", new.pk) in text(get(client, page("asset", new.pk)))
    served = get(client, page("asset_photo", new.pk))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert get(client, page("asset_photo", tm.pk)).status_code == 404  # none

    edit = page("asset_edit", tm.pk)
    fields = {"code": "TM-01", "name": "跑步机一号", "category": "cardio", "location": "三楼"}
    seen = tm.version
    assert post(client, edit, {**fields, "version": seen}).status_code == 302
    assert fresh(tm).location == "三楼"
    stale = post(client, edit, {**fields, "location": "一楼", "version": seen})
    assert stale.status_code == 409 and fresh(tm).location == "三楼"
    assert "一楼" in text(stale)

    as_(client, cast.desk)
    assert get(client, edit).status_code == 403
    as_(client, cast.outsider)
    assert get(client, page("asset_photo", new.pk)).status_code == 404


def test_the_lists_cost_the_same_whatever_their_length(
    client: Client, cast: Cast, tm: Asset
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(url: str) -> int:
        config_cache.clear()  # the reader's grants read again: the page's full cost
        with CaptureQueriesContext(connection) as seen:
            assert get(client, url).status_code == 200
        return len(seen)

    as_(client, cast.maintenance)
    report(cast, tm, local(2026, 11, 23, 10, 0), unsafe=True)
    with clock.travel(local(2026, 11, 1, 9, 0)):
        services.plan_save(
            actor=cast.maintenance, asset=tm, data={"name": "保养", "every_days": 30}
        )
    few = (queries(page("work_orders")), queries(page("assets")), queries(page("plans")))
    for n in range(2, 7):
        asset = add_asset(cast, f"TM-{n:02d}", location=f"{n}楼")
        report(cast, asset, local(2026, 11, 23, 10, n), unsafe=n % 2 == 0)
        with clock.travel(local(2026, 11, 1, 9, 0)):
            services.plan_save(
                actor=cast.maintenance, asset=asset, data={"name": "保养", "every_days": 30}
            )
    many = (queries(page("work_orders")), queries(page("assets")), queries(page("plans")))
    assert many == few


def test_an_asset_is_taken_out_of_service_and_returned(
    client: Client, cast: Cast, tm: Asset
) -> None:
    as_(client, cast.maintenance)
    url = page("asset_service", tm.pk)
    no_reason = post(client, url, {"version": tm.version, "reason": ""})
    assert no_reason.status_code == 400 and 'id="service-reason_error"' in text(no_reason)
    assert post(client, url, {"version": tm.version, "reason": "更换电机"}).status_code == 302
    tm = fresh(tm)
    assert tm.status == "out_of_service"
    stale = post(client, url, {"version": tm.version - 1, "reason": ""})
    assert stale.status_code == 409 and fresh(tm).status == "out_of_service"
    assert post(client, url, {"version": tm.version, "reason": ""}).status_code == 302
    assert fresh(tm).status == "in_service"
    as_(client, cast.desk)
    assert post(client, url, {"version": fresh(tm).version, "reason": "x"}).status_code == 403


def test_a_retired_asset_leaves_the_register(client: Client, cast: Cast, tm: Asset) -> None:
    as_(client, cast.manager)
    assert post(client, page("asset_retire", tm.pk), {"version": tm.version}).status_code == 302
    assert fresh(tm).status == "retired"
    assert "TM-01" not in text(get(client, page("assets")))
    assert "TM-01" in text(get(client, page("assets"), status="retired"))


# --- the spreadsheet import --------------------------------------------------------------------


def workbook(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["编号", "名称", "类别", "位置", "购买日期"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_an_import_shows_its_progress_and_each_refused_row(
    client: Client, cast: Cast, monkeypatch: Any
) -> None:
    from amends.equipment import services_imports

    monkeypatch.setattr(services_imports, "INLINE_ROWS", 0)  # left to the job: it polls
    data = workbook(
        [
            ["TM-10", "跑步机", "有氧", "二楼", "2024-03-01"],
            ["", "没有编号", "有氧", "二楼", ""],
            ["BK-10", "单车", "cardio", "单车房", "not a date"],
        ]
    )
    as_(client, cast.maintenance)
    bad = post(client, page("asset_import"), {"venue": "GYM1"})
    assert bad.status_code == 400 and 'id="id_file_error"' in text(bad)
    upload = SimpleUploadedFile("assets.xlsx", data, content_type=XLSX)
    started = post(client, page("asset_import"), {"venue": "GYM1", "file": upload})
    assert started.status_code == 302
    job = AssetImport.objects.get()
    assert started["Location"] == page("asset_import_status", job.pk)

    polled = get(client, page("asset_import_status", job.pk))
    html = text(polled)
    assert "<progress" in html and 'hx-trigger="every 1s"' in html
    partial = client.get(page("asset_import_status", job.pk), HTTP_HX_REQUEST="true")
    body = text(partial)
    assert body.startswith('<div id="import-progress"') and "<html" not in body
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script
    assert not re.search(r"\son[a-z]+=|hx-on", body)

    services.import_run(job.pk)
    body = text(client.get(page("asset_import_status", job.pk), HTTP_HX_REQUEST="true"))
    assert 'data-status="done"' in body and "hx-trigger" not in body
    assert 'data-created="1"' in body
    assert re.findall(r'<tr data-row="(\d+)">', body) == ["3", "4"]
    assert Asset.objects.filter(code="TM-10").exists()
    assert not Asset.objects.filter(code="BK-10").exists()  # a row with an error changes nothing

    as_(client, cast.outsider)
    assert get(client, page("asset_import_status", job.pk)).status_code == 404


# --- plans -------------------------------------------------------------------------------------


def test_maintenance_plans_are_added_listed_and_edited(
    client: Client, cast: Cast, tm: Asset
) -> None:
    as_(client, cast.maintenance)
    url = page("plan_new", tm.pk)
    no_interval = post(client, url, {"name": "月度保养", "checklist": "皮带\n润滑"})
    assert no_interval.status_code == 400 and "月度保养" in text(no_interval)
    made = post(
        client,
        url,
        {"name": "月度保养", "every_days": "30", "checklist": "皮带\n润滑\n", "active": "on"},
    )
    assert made.status_code == 302
    plan = MaintenancePlan.objects.get()
    assert plan.checklist == ["皮带", "润滑"] and plan.every_days == 30
    listed = text(get(client, page("plans")))
    assert f'data-plan="{plan.pk}"' in listed and "TM-01" in listed

    edit = page("plan_edit", plan.pk)
    assert get(client, edit).status_code == 200
    fields = {"name": "季度保养", "every_days": "90", "active": "on"}
    seen = plan.version
    assert post(client, edit, {**fields, "version": seen}).status_code == 302
    assert fresh(plan).name == "季度保养"
    stale = post(client, edit, {**fields, "name": "x", "version": seen})
    assert stale.status_code == 409 and fresh(plan).name == "季度保养"

    as_(client, cast.desk)
    assert get(client, edit).status_code == 403
    assert post(client, url, {"name": "x", "every_days": "3"}).status_code == 403
    as_(client, cast.outsider)
    assert get(client, edit).status_code == 404
    assert f'data-plan="{plan.pk}"' not in text(get(client, page("plans")))


# --- from a complaint --------------------------------------------------------------------------


def _render_panel(user: User, complaint: Any) -> str:
    request = RequestFactory().get("/console/")
    request.user = user
    template = Template("{% load equipment_tags %}{% complaint_work_orders complaint %}")
    return template.render(Context({"request": request, "complaint": complaint}))


def test_a_work_order_is_opened_from_a_complaint_and_shown_on_its_panel(
    client: Client, cast: Cast, tm: Asset
) -> None:
    other_gym = add_asset(cast, "TM-90", venue=cast.gym2, actor=cast.director)
    with clock.travel(local(2026, 11, 23, 12, 0)):
        complaint = cast.receive(category="facility_equipment")
    panel = _render_panel(cast.manager, complaint)
    assert page("work_order_from_complaint", complaint.reference) in panel
    assert 'data-work-orders="0"' in panel

    as_(client, cast.manager)
    url = page("work_order_from_complaint", complaint.reference)
    form = text(get(client, url))
    assert complaint.description[:10] in form  # prefilled
    assert f'value="{tm.pk}"' in form and f'value="{other_gym.pk}"' not in form
    refused = post(client, url, {"asset": other_gym.pk, "description": "x"})
    assert refused.status_code == 400 and 'id="id_asset_error"' in text(refused)
    opened = post(client, url, {"asset": tm.pk, "description": "皮带打滑", "unsafe": "on"})
    assert opened.status_code == 302
    order = WorkOrder.objects.get(complaint=complaint)
    assert order.source == "complaint" and order.unsafe and fresh(tm).status == "out_of_service"

    panel = _render_panel(cast.manager, complaint)
    assert f'data-number="{order.number}"' in panel
    assert order.number not in _render_panel(cast.outsider, complaint)
    as_(client, cast.outsider)
    assert get(client, url).status_code == 404


def test_the_panel_stays_away_from_complaints_about_other_things(cast: Cast) -> None:
    with clock.travel(local(2026, 11, 23, 12, 0)):
        complaint = cast.receive(category="service_attitude", description="前台态度很差。")
    assert _render_panel(cast.manager, complaint).strip() == ""


def test_every_control_of_the_equipment_pages_is_labelled(
    client: Client, cast: Cast, tm: Asset
) -> None:
    from amends.console.tests.test_accessibility import unlabelled

    order = report(cast, tm, local(2026, 11, 23, 12, 0))
    with clock.travel(local(2026, 11, 1, 9, 0)):
        plan = services.plan_save(
            actor=cast.maintenance, asset=tm, data={"name": "保养", "every_days": 30}
        )
        complaint = cast.receive(category="facility_equipment")
    as_(client, cast.manager)
    for url in [
        page("work_orders"),
        page("work_order", order.number),
        page("assets"),
        page("asset", tm.pk),
        page("asset_new"),
        page("asset_edit", tm.pk),
        page("asset_import"),
        page("plans"),
        page("plan_new", tm.pk),
        page("plan_edit", plan.pk),
        page("work_order_from_complaint", complaint.reference),
        reverse("public:asset_fault", args=[tm.public_token]),
    ]:
        assert unlabelled(text(get(client, url))) == [], url


def test_the_navigation_puts_work_orders_first_for_maintenance(cast: Cast) -> None:
    from amends.console.templatetags.equipment_tags import equipment_nav

    assert equipment_nav(cast.maintenance) == "first"
    assert equipment_nav(cast.manager) == equipment_nav(cast.desk) == "shown"
    assert equipment_nav(cast.director) == equipment_nav(cast.auditor) == "shown"
    assert equipment_nav(cast.coach) == equipment_nav(cast.specialist) == ""
