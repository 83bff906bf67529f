"""The console's equipment screens on Monday 23 November 2026: retiring an asset needs the
version the person saw, and a work order opened from a complaint never copies into its form
what the person may not read of the complaint (a sensitive description, a phone number)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from amends.conftest import Cast, local
from amends.console.tests.test_equipment_console import (  # noqa: F401
    _media,
    as_,
    get,
    page,
    post,
    text,
)
from amends.core import clock
from amends.equipment.tests.helpers import add_asset, fresh

PHONE = "13800138000"
INJURY = "孩子在泳池边滑倒，膝盖流血了，电话" + PHONE


def test_retiring_without_the_version_is_refused_and_a_stale_one_too(
    client: Client, cast: Cast
) -> None:
    tm = add_asset(cast)
    as_(client, cast.manager)
    assert post(client, page("asset_retire", tm.pk), {}).status_code == 400
    assert post(client, page("asset_retire", tm.pk), {"version": "abc"}).status_code == 400
    assert fresh(tm).status != "retired"
    stale = tm.version
    with clock.travel(local(2026, 11, 23, 12, 0)):
        tm.refresh_from_db()
    assert post(client, page("asset_retire", tm.pk), {"version": stale + 5}).status_code == 409
    assert fresh(tm).status != "retired"
    assert post(client, page("asset_retire", tm.pk), {"version": tm.version}).status_code == 302
    assert fresh(tm).status == "retired"


def _form_text(client: Client, user: Any, complaint: Any) -> str:
    as_(client, user)
    response = get(client, page("work_order_from_complaint", complaint.reference))
    assert response.status_code == 200
    return text(response)


def test_a_sensitive_description_is_not_prefilled_for_whom_may_not_read_it(
    client: Client, cast: Cast
) -> None:
    add_asset(cast)
    with clock.travel(local(2026, 11, 23, 9, 0)):
        complaint = cast.receive(category="facility_equipment", description=INJURY)
    assert complaint.sensitive
    # the specialist sees the complaint but is not one it is in the hands of
    seen = _form_text(client, cast.specialist, complaint)
    assert "膝盖流血" not in seen and "孩子" not in seen and PHONE not in seen
    # the manager reads it, the phone number masked all the same
    seen = _form_text(Client(), cast.manager, complaint)
    assert "膝盖流血" in seen and PHONE not in seen


def test_a_plain_description_is_prefilled_with_numbers_masked(client: Client, cast: Cast) -> None:
    add_asset(cast)
    with clock.travel(local(2026, 11, 23, 9, 0)):
        complaint = cast.receive(
            category="facility_equipment", description="跑步机皮带打滑，请回电 " + PHONE
        )
    seen = _form_text(client, cast.specialist, complaint)
    assert "跑步机皮带打滑" in seen and PHONE not in seen
