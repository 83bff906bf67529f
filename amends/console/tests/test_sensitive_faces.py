"""A child slips by the pool and bleeds from the knee. The desk records it, and the complaint is
flagged sensitive (injury, a minor). Everyone who handles it — the desk that received it, its
owner, the venue's manager — reads every word of it on the complaint page. A specialist of the
venue who may see the complaint but does not handle it reads its page, its triage panel, its
timeline (notes, calls), what the customer asks for and the investigation report withheld
(“▇▇▇”); so does a complaints list exported by someone who may not read it. A complaint
without sensitive data reads the same for all of them."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from amends.complaints import services
from amends.complaints.models import Complaint
from amends.complaints.tests.stories import received
from amends.conftest import Cast, local
from amends.core import clock, jobs
from amends.orgs.models import User
from amends.orgs.roles import Role
from amends.orgs.services import role_grant, staff_create
from amends.reports import exports
from amends.reports.models import ReportExport

TOLD = "孩子在泳池边滑倒，膝盖流血了。"
ASKED = "孩子的医药费"
NOTE = "已电话联系家长，孩子膝盖缝了三针。"
CALL = "家长要求报销医药费和缝针的费用。"
REPORT = "泳池边防滑垫缺失，孩子膝盖受伤。"
SECRETS = ("膝盖", "医药费", "缝针", "缝了三针")


@pytest.fixture
def hurt(cast: Cast) -> Complaint:
    c = cast.receive(description=TOLD, customer_request=ASKED)
    c = services.complaint_add_note(complaint=c, actor=cast.desk, text=NOTE)
    c = services.complaint_add_note(complaint=c, actor=cast.desk, text=CALL, call=True)
    Complaint.objects.filter(pk=c.pk).update(investigation_report=REPORT)
    c.refresh_from_db()
    assert {"injury", "minor"} <= set(c.sensitive)
    # specialist2 may see the venue's complaints, but this one is not in their hands
    assert cast.specialist2.pk not in (c.assignee_id, c.owner_id, c.received_by_id)
    assert not c.revisits.filter(assignee=cast.specialist2).exists()
    return c


def page_of(client: Client, user: User, c: Complaint) -> str:
    client.force_login(user)
    response = client.get(reverse("console:complaint", args=[c.reference]))
    assert response.status_code == 200
    return response.content.decode()


def test_those_who_handle_it_read_every_word(cast: Cast, client: Client, hurt: Complaint):
    for who in (cast.manager, cast.desk):
        html = page_of(client, who, hurt)
        for text in (TOLD, ASKED, NOTE, CALL, REPORT):
            assert text in html, (who, text)
        assert "▇▇▇" not in html and "sensitive-note" not in html


def test_a_colleague_not_handling_it_reads_none_of_it(cast: Cast, client: Client, hurt: Complaint):
    html = page_of(client, cast.specialist2, hurt)
    for word in SECRETS:
        assert word not in html, word
    assert "▇▇▇" in html and "sensitive-note" in html
    assert hurt.reference in html  # the page itself is there: who, when, the clock


def test_the_page_reads_again_once_it_is_in_their_hands(
    cast: Cast, client: Client, hurt: Complaint
):
    Complaint.objects.filter(pk=hurt.pk).update(assignee=cast.specialist2)
    html = page_of(client, cast.specialist2, hurt)
    for text in (TOLD, ASKED, NOTE, CALL, REPORT):
        assert text in html, text


def test_a_complaint_without_sensitive_data_reads_the_same_for_everyone(cast: Cast, client: Client):
    told = "淋浴间没有热水，等了二十分钟。"
    c = cast.receive(description=told, customer_request="退一次课时费")
    c = services.complaint_add_note(complaint=c, actor=cast.desk, text="已通知工程部检修热水器")
    assert c.sensitive == []
    for who in (cast.specialist2, cast.manager, cast.desk):
        html = page_of(client, who, c)
        for text in (told, "退一次课时费", "已通知工程部检修热水器"):
            assert text in html, (who, text)
        assert "▇▇▇" not in html


def test_the_revealed_contact_swaps_in_no_sensitive_text(
    cast: Cast, client: Client, hurt: Complaint
):
    client.force_login(cast.specialist2)
    response = client.post(
        reverse("console:reveal_contact", args=[hurt.reference]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    for word in SECRETS:
        assert word not in html, word


# --- the complaints list exported from the reports ---------------------------------------------

EXPORTED_AT = local(2026, 12, 2, 9, 0)


@pytest.fixture
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def exported_by(actor: User) -> str:
    with clock.travel(EXPORTED_AT):
        export = exports.export_request(
            actor=actor,
            kind=ReportExport.Kind.COMPLAINTS_CSV,
            params={"venue": "GYM1", "month": "2026-11"},
            language="zh-hans",
        )
    jobs.run("reports.run_exports", now=EXPORTED_AT + timedelta(minutes=1))
    export.refresh_from_db()
    assert export.file
    return str(default_storage.open(export.file.name).read().decode("utf-8-sig"))


@pytest.mark.usefixtures("_media")
def test_an_export_withholds_it_unless_its_maker_may_read_it(cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        hurt = received(cast, description=TOLD, customer_request=ASKED)
        plain = received(cast, description="淋浴间没有热水，等了二十分钟。")
    assert hurt.sensitive and not plain.sensitive
    admin = staff_create(
        company=cast.company, username="admin", password="amends-test", display_name="Admin"
    )
    role_grant(user=admin, role=Role.ADMIN, venue=None)  # reads reports, not sensitive data
    rows = {r[0]: r for r in csv.reader(io.StringIO(exported_by(admin)))}
    assert rows[hurt.reference][14] == "▇▇▇" and "膝盖" not in str(rows)
    assert rows[plain.reference][14] == "淋浴间没有热水，等了二十分钟。"
    rows = {r[0]: r for r in csv.reader(io.StringIO(exported_by(cast.manager)))}
    assert rows[hurt.reference][14] == TOLD
    assert rows[plain.reference][14] == "淋浴间没有热水，等了二十分钟。"
