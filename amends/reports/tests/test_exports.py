"""Exports of complaint lists and reports, made in the background: what the file holds, whose
personal data is masked (and the audit row saying so), the progress, two runners and a runner
killed half-way, expiry after 7 days, and who may download."""

from __future__ import annotations

import csv
import io
import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.db import connection, connections
from django.utils import translation
from openpyxl import load_workbook

from amends.conftest import Cast, local
from amends.core import clock, jobs
from amends.core.errors import InvalidInput, NotFound, PermissionDenied
from amends.members.selectors import contact_card
from amends.orgs.models import RoleGrant
from amends.orgs.roles import Role
from amends.orgs.services import role_grant, staff_create
from amends.reports import exports
from amends.reports.models import ReportExport

NOVEMBER = {"venue": "GYM1", "month": "2026-11"}
ASKED = local(2026, 12, 2, 9, 0)
K, S = ReportExport.Kind, ReportExport.Status


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def november(cast: Cast) -> list[Any]:
    """Two complaints at the gym in November (one just before midnight on the 30th) and one in
    December, which no November list holds."""
    made = []
    for at, fields in (
        (local(2026, 11, 20, 10, 0), {}),
        (
            local(2026, 11, 30, 23, 59),
            {"customer_name": "李娜", "phone": "13912345678", "email": "li.na@example.com"},
        ),
        (local(2026, 12, 1, 0, 1), {"customer_name": "张伟", "phone": "13700000000"}),
    ):
        with clock.travel(at):
            made.append(cast.receive(**fields))
    return made


def ask(actor: Any, kind: str = K.COMPLAINTS_CSV, **params: str) -> ReportExport:
    with clock.travel(ASKED):
        return exports.export_request(
            actor=actor, kind=kind, params=params or NOVEMBER, language="zh-hans"
        )


def run(at: datetime = ASKED + timedelta(seconds=5)) -> dict[str, int]:
    return dict(jobs.run("reports.run_exports", now=at).counts)


def csv_rows(export: ReportExport) -> list[list[str]]:
    export.refresh_from_db()
    raw = default_storage.open(export.file.name).read()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel reads the Chinese
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def administrator(cast: Cast) -> Any:
    """Reads the company's reports, may not unmask personal data."""
    admin = staff_create(
        company=cast.company, username="admin", password="amends-test", display_name="Admin"
    )
    role_grant(user=admin, role=Role.ADMIN, venue=None)
    return admin


def test_the_front_desk_and_a_coach_may_not_export_a_list(cast: Cast, november: list[Any]) -> None:
    for person in (cast.desk, cast.coach):
        with pytest.raises(PermissionDenied):
            ask(person)
    assert not ReportExport.objects.exists()


def test_a_list_asked_for_is_not_made_once_the_right_to_read_reports_is_gone(
    cast: Cast, november: list[Any]
) -> None:
    export = ask(cast.manager)
    RoleGrant.objects.filter(user=cast.manager).delete()
    assert run() == {"done": 0, "failed": 1, "skipped": 0}
    export.refresh_from_db()
    assert (export.status, bool(export.file)) == (S.FAILED, False)


def test_text_that_looks_like_a_formula_stays_text_in_csv_and_excel(cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        cast.receive(
            customer_name='=HYPERLINK("http://evil.example","x")',
            description="=cmd|' /C calc'!A0",
        )
    csv_export, xlsx_export = ask(cast.manager), ask(cast.manager, K.COMPLAINTS_XLSX)
    run()
    row = csv_rows(csv_export)[1]
    assert row[11] == '\'=HYPERLINK("http://evil.example","x")'
    assert row[14] == "'=cmd|' /C calc'!A0"
    xlsx_export.refresh_from_db()
    sheet = load_workbook(default_storage.open(xlsx_export.file.name)).active
    name, description = sheet.cell(row=2, column=12), sheet.cell(row=2, column=15)
    assert (name.data_type, name.value) == ("s", '=HYPERLINK("http://evil.example","x")')
    assert (description.data_type, description.value) == ("s", "=cmd|' /C calc'!A0")


def test_an_administrators_list_is_made_in_the_background_with_customers_masked(
    cast: Cast, november: list[Any]
) -> None:
    export = ask(administrator(cast))
    assert (export.status, export.total, export.unmasked) == (S.PENDING, 2, False)
    assert not export.file

    assert run() == {"done": 1, "failed": 0, "skipped": 0}

    rows = csv_rows(export)
    with translation.override("zh-hans"):
        assert rows[0] == exports.columns()
    late, first = rows[1], rows[2]  # newest first
    assert late[:3] == [november[1].reference, "静安健身会所", "2026-11-30 23:59"]
    assert first[:3] == [november[0].reference, "静安健身会所", "2026-11-20 10:00"]
    masked = contact_card(november[1].customer, unmasked=False)
    assert late[11:14] == [masked.name, masked.phone, masked.email]
    assert "13912345678" not in "".join(late) and "li.na@example.com" not in late
    assert late[14] == "▇▇▇"  # an injury: sensitive, and an administrator may not read it
    export.refresh_from_db()
    assert (export.status, export.rows, export.progress, export.unmasked) == (S.DONE, 2, 2, False)
    assert export.finished_at == ASKED + timedelta(seconds=5)
    assert export.expires_at == ASKED + timedelta(days=7, seconds=5)
    assert export.file_name.endswith(".csv") and "GYM1-2026-11" in export.file_name


def test_the_manager_may_unmask_and_the_audit_row_says_so(cast: Cast, november: list[Any]) -> None:
    export = ask(cast.manager, K.COMPLAINTS_XLSX)
    assert export.unmasked is True
    run()
    export.refresh_from_db()
    assert (export.status, export.unmasked, export.requested_by_id) == (
        S.DONE,
        True,
        cast.manager.pk,
    )
    assert export.params == NOVEMBER
    sheet = load_workbook(default_storage.open(export.file.name)).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(rows) == 3
    late = rows[1]
    assert late[0] == november[1].reference
    assert late[2] == datetime(2026, 11, 30, 23, 59)  # a date, local time, no zone
    assert sheet.cell(row=2, column=3).number_format == "yyyy-mm-dd hh:mm"
    assert late[11:14] == ["李娜", "+8613912345678", "li.na@example.com"]


def test_a_director_unmasks_everywhere_but_a_manager_of_one_gym_not_the_whole_company(
    cast: Cast, november: list[Any]
) -> None:
    with clock.travel(local(2026, 11, 21, 9, 0)):
        cast.receive(venue=cast.gym2, actor=cast.outsider)
    assert ask(cast.director, month="2026-11").unmasked is True  # both gyms
    # The manager of GYM1 lists GYM1's complaints, theirs to unmask; not the whole company's.
    assert ask(cast.manager, venue="GYM1", month="2026-11").unmasked is True
    with pytest.raises(PermissionDenied):
        ask(cast.manager, month="2026-11")
    # The auditor is company-wide.
    assert ask(cast.auditor, month="2026-11").unmasked is True
    # An administrator reads every report and unmasks nothing.
    assert ask(administrator(cast), month="2026-11").unmasked is False


def test_bad_filters_are_refused_and_nothing_is_recorded(cast: Cast) -> None:
    with pytest.raises(InvalidInput) as bad:
        ask(cast.manager, venue="GYM1", month="2026-13")
    assert bad.value.code == "bad_month"
    with pytest.raises(InvalidInput):
        ask(cast.manager, "complaints_pdf")
    with pytest.raises(PermissionDenied):  # the front desk reads no venue's report
        ask(cast.desk, K.MONTHLY_PDF)
    assert not ReportExport.objects.exists()


def test_progress_is_saved_after_every_chunk(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    for day in range(1, 6):
        with clock.travel(local(2026, 11, day, 12, 0)):
            cast.receive()
    monkeypatch.setattr(exports, "CHUNK", 2)
    seen: list[tuple[int, int]] = []
    hold = exports._hold

    def spy(export: ReportExport, **fields: Any) -> None:
        hold(export, **fields)
        stored = ReportExport.objects.get(pk=export.pk)
        seen.append((stored.progress, stored.total))

    monkeypatch.setattr(exports, "_hold", spy)
    export = ask(cast.manager)
    run()
    assert seen == [(0, 5), (2, 5), (4, 5), (5, 5)]
    export.refresh_from_db()
    assert (export.status, export.progress, export.rows) == (S.DONE, 5, 5)


def test_two_runners_never_make_one_file_twice_and_a_killed_runners_export_is_taken_over(
    cast: Cast, november: list[Any]
) -> None:
    export = ask(cast.manager)
    first, second = (ReportExport.objects.get(pk=export.pk) for _ in range(2))
    at = ASKED + timedelta(seconds=5)
    assert exports.export_claim(first, now=at) is True
    assert exports.export_claim(second, now=at) is False  # saw it pending: it is not any more
    # The first runner dies here. Within its lease nobody takes the export …
    assert run(at + timedelta(minutes=1)) == {"done": 0, "failed": 0, "skipped": 0}
    # … after it, the next run does, from the start.
    later = at + exports.LEASE + timedelta(seconds=5)
    taken = ReportExport.objects.get(pk=export.pk)
    assert exports.export_claim(taken, now=later) is True
    # The first runner wakes up and tries to go on: its lease is gone, it writes nothing.
    assert exports.export_run(export.pk, now=later, claimed=first) == "skipped"
    assert exports.export_run(export.pk, now=later, claimed=taken) == "done"
    files = default_storage.listdir(f"exports/{clock.now():%Y}/{clock.now():%m}")[1]
    assert len(files) == 1
    assert run(later + timedelta(seconds=5)) == {"done": 0, "failed": 0, "skipped": 0}


def test_files_expire_after_seven_days_and_the_audit_row_stays(
    cast: Cast, november: list[Any]
) -> None:
    export = ask(cast.manager)
    run()
    export.refresh_from_db()
    name = export.file.name
    assert default_storage.exists(name)
    assert jobs.run(
        "reports.expire_exports", now=export.expires_at - timedelta(seconds=1)
    ).counts == {"expired": 0}
    assert jobs.run("reports.expire_exports", now=export.expires_at).counts == {"expired": 1}
    assert not default_storage.exists(name)
    export.refresh_from_db()
    assert (export.status, export.file.name, export.rows, export.unmasked) == (
        S.EXPIRED,
        "",
        2,
        True,
    )


def test_only_the_requester_or_an_auditor_may_download(cast: Cast, november: list[Any]) -> None:
    export = ask(cast.manager)
    assert exports.export_for_actor(actor=cast.manager, pk=export.pk) == export
    assert exports.export_for_actor(actor=cast.auditor, pk=export.pk) == export
    for other in (cast.desk, cast.director, cast.stranger):
        with pytest.raises(NotFound):
            exports.export_for_actor(actor=other, pk=export.pk)


def test_a_monthly_report_is_exported_in_the_background_too(
    cast: Cast, november: list[Any]
) -> None:
    pdf = ask(cast.manager, K.MONTHLY_PDF)
    xlsx = ask(cast.manager, K.MONTHLY_XLSX)
    assert (pdf.total, pdf.unmasked) == (1, False)
    assert run()["done"] == 2
    pdf.refresh_from_db()
    xlsx.refresh_from_db()
    assert default_storage.open(pdf.file.name).read(5) == b"%PDF-"
    assert pdf.file_name == "GYM1-2026-11.pdf" and xlsx.file_name == "GYM1-2026-11.xlsx"
    book = load_workbook(default_storage.open(xlsx.file.name))
    assert "静安健身会所" in book.worksheets[0]["A1"].value


def test_a_direct_download_is_recorded_too(cast: Cast) -> None:
    with clock.travel(ASKED):
        row = exports.export_record(
            actor=cast.manager, kind=K.MONTHLY_PDF, params=NOVEMBER, file_name="GYM1-2026-11.pdf"
        )
    assert (row.status, row.requested_by_id, row.file_name) == (
        S.DONE,
        cast.manager.pk,
        "GYM1-2026-11.pdf",
    )
    with pytest.raises(PermissionDenied):
        exports.export_record(
            actor=cast.desk, kind=K.MONTHLY_PDF, params=NOVEMBER, file_name="x.pdf"
        )


@pytest.mark.django_db(transaction=True)
def test_two_runners_at_once_make_each_file_once(cast: Cast, november: list[Any]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("two connections writing at once: PostgreSQL")
    asked = [ask(cast.manager, K.COMPLAINTS_CSV) for _ in range(6)]
    at = ASKED + timedelta(seconds=5)
    barrier = threading.Barrier(2)
    totals: list[dict[str, int]] = []

    def runner() -> None:
        try:
            barrier.wait()
            totals.append(exports.run_due(now=at, batch=6))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(t["done"] for t in totals) == 6 and sum(t["failed"] for t in totals) == 0
    assert ReportExport.objects.filter(pk__in=[e.pk for e in asked], status=S.DONE).count() == 6
    folder = f"exports/{clock.now():%Y}/{clock.now():%m}"
    assert len(default_storage.listdir(folder)[1]) == 6  # one file each, none twice
