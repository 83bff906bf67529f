"""A fault from the machine's QR code to a verified repair, in a real browser, in Chinese and in
English: a member scans the treadmill's code, says the belt slips and that it is unsafe; the
machine is out of service at once. The maintenance man signs in, finds the work order at the top
of his list, reacts, arrives, records the repair with its cause and cost; the customer-service
manager signs it off and the treadmill is back in service.

The live server runs on the real clock (a travelled clock does not cross threads). Screenshots
go to test-artifacts/browser/<lang>/equipment-fault/."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from amends.conftest import Cast
from amends.console.tests.browser import LANGS, Console, fill
from amends.equipment.models import Asset, WorkOrder
from amends.equipment.tests.helpers import add_asset, fresh

TEXT = {
    "zh-hans": {
        "fault": "跑步机皮带打滑，差点摔倒。",
        "name": "王先生",
        "cause": "皮带松动，已调紧并更换。",
        "parts": "跑步带一条",
        "note": "试跑十分钟正常。",
    },
    "en": {
        "fault": "The belt slips, I nearly fell.",
        "name": "Mr Wang",
        "cause": "The belt was loose: tightened and replaced.",
        "parts": "One running belt",
        "note": "Ten minutes' test run: fine.",
    },
}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize("lang", LANGS)
def test_a_fault_from_the_qr_code_to_a_verified_repair(
    lang: str, console_for: Any, cast: Cast
) -> None:
    words = TEXT[lang]
    treadmill = add_asset(cast)
    c: Console = console_for(lang, "equipment-fault")

    # The member scans the code on the machine: its name and place, three questions.
    page = c.open(f"/p/asset/{treadmill.public_token}/", "qr-fault-form")
    expect(page.locator("section.machine")).to_have_attribute("data-asset", "TM-01")
    form = page.locator("form.fault-form")
    fill(form, {"description": words["fault"], "unsafe": "yes", "name": words["name"]})
    c.shot("qr-fault-form-filled")
    with page.expect_navigation():
        form.locator("button.primary").click()
    c.check_lang()
    c.shot("qr-fault-thanks")
    order = WorkOrder.objects.get(asset=treadmill)
    expect(page.locator("#work-order-number")).to_have_text(order.number)
    assert fresh(treadmill).status == Asset.Status.OUT_OF_SERVICE

    # The maintenance man finds it at the top of his work orders.
    c.sign_in(cast.maintenance)
    c.open("/console/equipment/", "work-orders")
    first = page.locator("table.work-orders tbody tr").first
    expect(first).to_have_attribute("data-number", order.number)
    expect(first.locator("[data-unsafe]")).to_be_visible()
    with page.expect_navigation():
        first.locator(f"a[href$='/wo/{order.number}/']").click()
    c.check_lang()
    c.shot("work-order")
    head = page.locator("header.work-order-head")
    expect(head).to_have_attribute("data-status", "reported")
    expect(page.locator("[data-asset-status]")).to_have_attribute(
        "data-asset-status", "out_of_service"
    )

    c.act("react", "reacted")
    expect(head).to_have_attribute("data-status", "reacted")
    c.act("arrive", "arrived")
    expect(head).to_have_attribute("data-status", "arrived")
    c.act(
        "resolve",
        "repaired",
        {"cause": words["cause"], "parts": words["parts"], "cost": "180.50"},
    )
    expect(head).to_have_attribute("data-status", "resolved")
    expect(page.locator("[data-cost]")).to_have_attribute("data-cost", "180.50")
    expect(c.available("verify")).to_have_count(0)  # not his own repair's sign-off

    # The manager signs the repair off: the treadmill is back in service.
    c.sign_in(cast.manager)
    c.open(f"/console/equipment/wo/{order.number}/", "work-order-to-sign-off")
    c.act("verify", "verified", {"note": words["note"]})
    expect(head).to_have_attribute("data-status", "verified")
    expect(page.locator("[data-asset-status]")).to_have_attribute("data-asset-status", "in_service")
    kinds = page.locator("ol.timeline li[data-kind]").evaluate_all(
        "items => items.map(i => i.dataset.kind)"
    )
    assert kinds[0] == "reported" and kinds[-2:] == ["verified", "back_in_service"]
    with page.expect_navigation():
        page.locator("a[data-asset='TM-01']").click()
    c.check_lang()
    c.shot("asset-back-in-service")
    expect(page.locator("header.asset-head")).to_have_attribute("data-status", "in_service")
    assert fresh(treadmill).status == Asset.Status.IN_SERVICE
    assert WorkOrder.objects.get(pk=order.pk).status == WorkOrder.Status.VERIFIED
