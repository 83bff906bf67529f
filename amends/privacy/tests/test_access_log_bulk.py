"""A bulk export of complaints with the customers unmasked is in the access log once per customer
in the file, written in one insert, so the auditor searching by a phone number finds who
exported it, when, what and why."""

from __future__ import annotations

import importlib

from django.db import connection
from django.test.utils import CaptureQueriesContext

from amends.conftest import local
from amends.core import clock
from amends.orgs.roles import Role
from amends.orgs.services import role_grant, staff_create
from amends.privacy import selectors
from amends.privacy.models import AccessLog

# The layer above (reports) is reached by name, as the other privacy tests do.
exports = importlib.import_module("amends.reports.exports")

LI_NA = "13912345678"
ZHANG_WEI = "13700001111"
WANG_FANG = "13800138000"


def _november(cast):
    """Four complaints from three customers at the gym in November 2026 (李娜 twice)."""
    with clock.travel(local(2026, 11, 3, 10, 0)):
        cast.receive(customer_name="李娜", phone=LI_NA, email="li.na@example.com")
    with clock.travel(local(2026, 11, 10, 15, 0)):
        cast.receive(customer_name="张伟", phone=ZHANG_WEI, email="")
    with clock.travel(local(2026, 11, 18, 11, 0)):
        cast.receive()  # 王芳
    with clock.travel(local(2026, 11, 25, 16, 0)):
        cast.receive(customer_name="李娜", phone=LI_NA, email="li.na@example.com")


def _export(actor, *, at):
    with clock.travel(at):
        export = exports.export_request(
            actor=actor,
            kind="complaints_xlsx",
            params={"venue": "GYM1", "month": "2026-11"},
            language="zh-hans",
        )
    with clock.travel(at), CaptureQueriesContext(connection) as queries:
        assert exports.export_run(export.pk, now=at) == "done"
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "privacy_accesslog"')]
    return export, inserts


def test_the_auditor_finds_the_managers_unmasked_export_by_a_customers_phone(cast):
    _november(cast)
    export, inserts = _export(cast.manager, at=local(2026, 12, 1, 9, 0))
    assert export.unmasked
    # One row per customer in the file (李娜's two complaints are one person), one insert; and
    # one row for the act itself, whoever the file names.
    assert AccessLog.objects.filter(customer_id__isnull=False).count() == 3
    assert len(inserts) == 2
    (act,) = AccessLog.objects.filter(customer_id__isnull=True)
    assert act.actor == cast.manager and act.at == local(2026, 12, 1, 9, 0)
    assert act.what == "complaints export complaints_xlsx unmasked (4 rows)"

    found = list(selectors.access_log_search(actor=cast.auditor, contact=LI_NA))
    assert len(found) == 1
    row = found[0]
    assert row.actor == cast.manager and row.actor_name == "Manager"  # who
    assert row.at == local(2026, 12, 1, 9, 0)  # when
    assert row.what == "complaints export complaints_xlsx unmasked (4 rows)"  # what
    assert row.why.startswith(f"export #{export.pk} ")  # why: the export and its filters
    assert "'month': '2026-11'" in row.why
    # By email too, and each of the others by theirs.
    assert selectors.access_log_search(actor=cast.auditor, contact="li.na@example.com").count() == 1
    for phone in (ZHANG_WEI, WANG_FANG):
        assert selectors.access_log_search(actor=cast.auditor, contact=phone).get().actor == (
            cast.manager
        )


def test_a_masked_export_puts_no_one_in_the_access_log(cast):
    _november(cast)
    with clock.travel(local(2026, 11, 20, 9, 0)):
        # Reads the company's reports; may not unmask personal data.
        admin = staff_create(
            company=cast.company, username="admin", password="amends-test", display_name="Admin"
        )
        role_grant(user=admin, role=Role.ADMIN, venue=None)
    export, inserts = _export(admin, at=local(2026, 12, 1, 9, 30))
    assert not export.unmasked
    assert not inserts and not AccessLog.objects.exists()
    assert not selectors.access_log_search(actor=cast.auditor, contact=LI_NA).exists()
