"""A member at the gym scans the QR code on the treadmill on Monday 23 November 2026: the form
names the machine and where it stands, asks what is wrong and whether it is unsafe to use, and
(if they like) their name. The thank-you page gives the work order's number; an unsafe fault
takes the machine out of service at once. Unknown or retired machines are not found; bad input
comes back with its message; the form is rate-limited like the complaint form. The machine's
QR poster encodes its form's address."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from amends.conftest import Cast, local
from amends.core import clock
from amends.equipment import services
from amends.equipment.models import Asset, WorkOrder
from amends.equipment.tests.helpers import add_asset, fresh
from amends.public import equipment_views
from amends.public.tests.test_poster import matrix_of, modules

NOW = local(2026, 11, 23, 10, 0)


@pytest.fixture
def tm(cast: Cast) -> Asset:
    return add_asset(cast)


def form_url(asset: Asset) -> str:
    return reverse("public:asset_fault", args=[asset.public_token])


def send(client: Client, asset: Asset, **data: Any) -> Any:
    fields = {"description": "跑步机皮带打滑，有异响。", "unsafe": "no", "name": ""}
    fields.update(data)
    with clock.travel(NOW):
        return client.post(form_url(asset), fields)


def test_a_member_reports_a_fault_and_gets_the_work_orders_number(
    client: Client, cast: Cast, tm: Asset
) -> None:
    shown = client.get(form_url(tm))
    assert shown.status_code == 200
    html = shown.content.decode()
    assert tm.name in html and "二楼" in html and cast.gym.name in html
    assert 'name="csrfmiddlewaretoken"' in html and 'name="unsafe"' in html
    assert shown["Cache-Control"] == "no-store"

    assert "data-already" not in html
    sent = send(client, tm, name="王先生")
    assert sent.status_code == 302
    assert sent["Location"] == reverse("public:asset_thanks", args=[tm.public_token])
    order = WorkOrder.objects.get(asset=tm)
    assert order.source == "member" and order.reporter_name == "王先生"
    assert not order.unsafe and order.reported_by is None
    assert fresh(tm).status == "in_service"

    with clock.travel(NOW):
        thanks = client.get(sent["Location"])
    assert thanks.status_code == 200
    assert f'id="work-order-number">{order.number}<' in thanks.content.decode()
    # Another browser (the next member at the machine) sees no number; the form says the
    # fault is already being handled.
    with clock.travel(NOW):
        other = Client().get(sent["Location"])
    assert other.status_code == 302 and other["Location"] == form_url(tm)
    assert 'data-already="1"' in Client().get(form_url(tm)).content.decode()


def test_an_unsafe_fault_takes_the_machine_out_of_service(
    client: Client, cast: Cast, tm: Asset
) -> None:
    sent = send(client, tm, unsafe="yes")
    assert sent.status_code == 302
    order = WorkOrder.objects.get(asset=tm)
    assert order.unsafe and order.events.filter(kind="out_of_service").exists()
    assert fresh(tm).status == "out_of_service" and not fresh(tm).bookable
    with clock.travel(NOW):
        thanks = client.get(sent["Location"]).content.decode()
        again = client.get(form_url(tm)).content.decode()
    assert "out of service" in thanks or "停用" in thanks or "暂停" in thanks
    assert 'data-status="out_of_service"' in again


def test_an_unknown_or_retired_machine_is_not_found(client: Client, cast: Cast, tm: Asset) -> None:
    assert client.get("/p/asset/nosuchtoken000/").status_code == 404
    assert client.get("/p/asset/" + "x" * 300 + "/").status_code == 404
    assert client.post("/p/asset/nosuchtoken000/", {"description": "x"}).status_code == 404
    with clock.travel(NOW):
        services.asset_retire(actor=cast.maintenance, asset=tm, version=tm.version)
    assert client.get(form_url(tm)).status_code == 404
    assert send(client, tm).status_code == 404
    assert client.get(reverse("public:asset_poster", args=[tm.public_token])).status_code == 404
    assert not WorkOrder.objects.exists()


def test_bad_input_comes_back_with_its_message_and_records_nothing(
    client: Client, cast: Cast, tm: Asset
) -> None:
    empty = send(client, tm, description="   ", unsafe="")
    assert empty.status_code == 400
    html = empty.content.decode()
    assert 'id="id_description_error"' in html and 'class="scale has-error"' in html
    long = send(client, tm, description="坏" * 2001, name="名" * 101)
    assert long.status_code == 400
    assert 'id="id_description_error"' in long.content.decode()
    assert 'id="id_name_error"' in long.content.decode()
    nul = send(client, tm, description="皮带\x00打滑")
    assert nul.status_code == 400
    odd = send(client, tm, unsafe="maybe")
    assert odd.status_code == 400
    assert not WorkOrder.objects.exists() and fresh(tm).status == "in_service"


def test_a_bot_filling_the_hidden_field_records_nothing(
    client: Client, cast: Cast, tm: Asset
) -> None:
    assert send(client, tm, website="http://spam.example").status_code == 400
    assert not WorkOrder.objects.exists()


def test_the_form_is_rate_limited_per_address(client: Client, cast: Cast, tm: Asset) -> None:
    for _n in range(equipment_views.FAULTS_PER_ADDRESS):
        assert send(client, tm).status_code == 302
    refused = send(client, tm, description="又坏了")
    assert refused.status_code == 429 and "又坏了" in refused.content.decode()
    assert WorkOrder.objects.count() == equipment_views.FAULTS_PER_ADDRESS


def test_the_form_needs_its_csrf_token(cast: Cast, tm: Asset) -> None:
    strict = Client(enforce_csrf_checks=True)
    refused = strict.post(form_url(tm), {"description": "x", "unsafe": "no"})
    assert refused.status_code == 403 and not WorkOrder.objects.exists()


def test_the_form_speaks_english_on_request(client: Client, cast: Cast, tm: Asset) -> None:
    html = client.get(form_url(tm) + "?lang=en").content.decode()
    assert "Is it unsafe to use?" in html and 'lang="en"' in html


def test_the_machines_poster_encodes_its_forms_address(
    client: Client, cast: Cast, tm: Asset, settings: Any
) -> None:
    settings.AMENDS_PUBLIC_URL = "https://amends.example.com"
    html = equipment_views.poster_html(tm, "zh-hans")
    url = f"https://amends.example.com/p/asset/{tm.public_token}/"
    assert url in html and tm.code in html and "二楼" in html
    svg = html[html.index("<svg") : html.index("</svg>") + 6]
    assert modules(svg) == matrix_of(url)
    english = equipment_views.poster_html(tm, "en")
    assert "Out of order? Tell us" in english and url + "?lang=en" in english
    pdf = client.get(reverse("public:asset_poster", args=[tm.public_token]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert re.search(r'filename="fault-poster-TM-01-zh-hans.pdf"', pdf["Content-Disposition"])
