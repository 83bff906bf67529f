"""A list exported from the reports shows the personal data a customer typed into a complaint
as it shows the customer: masked unless the maker may unmask (the rest of the story:
complaints/tests/test_pii_masking.py)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.files.storage import default_storage

from amends.complaints.tests.stories import received
from amends.conftest import Cast, local
from amends.core import clock, jobs
from amends.orgs.models import User
from amends.reports import exports
from amends.reports.models import ReportExport

PHONE, ID_CARD, CARD = "13912345679", "11010519491231002X", "6222021234567894"
TYPED = f"私教课被取消没有通知。请回电{PHONE}，身份证{ID_CARD}，退款到卡{CARD}。"
SHOWN = ("139****5679", "110***********002X", "**** **** **** 7894")
NOW = local(2026, 11, 20, 10, 0)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def typed(cast: Cast) -> None:
    with clock.travel(NOW):
        received(cast, description=TYPED)


def masked_in(text: str) -> bool:
    return all(s in text for s in SHOWN) and not any(v in text for v in (PHONE, ID_CARD, CARD))


def _exported(actor: User) -> tuple[ReportExport, list[list[str]]]:
    with clock.travel(local(2026, 12, 2, 9, 0)):
        export = exports.export_request(
            actor=actor,
            kind=ReportExport.Kind.COMPLAINTS_CSV,
            params={"venue": "GYM1", "month": "2026-11"},
            language="zh-hans",
        )
    jobs.run("reports.run_exports", now=local(2026, 12, 2, 9, 1))
    export.refresh_from_db()
    raw = default_storage.open(export.file.name).read().decode("utf-8-sig")
    return export, list(csv.reader(io.StringIO(raw)))


def test_an_export_masks_it_unless_its_maker_may_unmask(cast: Cast) -> None:
    from amends.orgs.roles import Role
    from amends.orgs.services import role_grant, staff_create

    typed(cast)
    admin = staff_create(
        company=cast.company, username="admin", password="amends-test", display_name="Admin"
    )
    role_grant(user=admin, role=Role.ADMIN, venue=None)  # reads reports, may not unmask
    export, rows = _exported(admin)
    assert export.unmasked is False
    # The text holds an ID-card number: sensitive, withheld from the administrator entirely.
    assert rows[1][14] == "▇▇▇" and rows[1][12] == "139****5678"
    export, rows = _exported(cast.manager)
    assert export.unmasked is True
    assert rows[1][14] == TYPED and rows[1][12] == "'+8613912345678"  # a formula stays text
