"""The asset register from a spreadsheet: Chinese or English headers, row-by-row errors, a row
with an error changes nothing, progress for a page to poll."""

import io
from datetime import date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from openpyxl import Workbook

from amends.conftest import local
from amends.core import clock, jobs
from amends.core.errors import InvalidInput, PermissionDenied
from amends.equipment import selectors, services, services_imports
from amends.equipment.models import Asset, AssetImport
from amends.equipment.services_imports import INLINE_ROWS
from amends.equipment.tests.helpers import add_asset


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def workbook(rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    return SimpleUploadedFile("设备台账.xlsx", data.getvalue())


HEADER_ZH = ["编号", "名称", "类别", "位置", "序列号", "供应商", "购买日期", "保修截止", "状态"]


def start(cast, upload, actor=None):
    with clock.travel(local(2026, 11, 23, 10, 0)):
        return services.import_start(actor=actor or cast.maintenance, venue=cast.gym, upload=upload)


def test_good_rows_are_created_or_updated_and_bad_rows_listed(cast):
    cast.maintenance.language = "en"  # the errors are told in the language of who imports
    cast.maintenance.save()
    add_asset(cast, "TM-01", name="旧名字")
    upload = workbook(
        [
            HEADER_ZH,
            [
                "TM-01",
                "跑步机 A",
                "有氧",
                "二楼",
                "SN1",
                "Life Fitness",
                date(2024, 3, 1),
                date(2027, 3, 1),
                "在用",
            ],
            ["SB-01", "动感单车", "cardio", "单车房", "", "", "2024/5/1", "", "in service"],
            ["RW-01", "", "Cardio", "", "", "", "", "", ""],  # no name
            ["CB-01", "龙门架", "力量", "", "", "", "昨天", "", ""],  # not a date
            ["SB-01", "动感单车 again", "cardio", "", "", "", "", "", ""],  # repeated code
            [
                "AC-01",
                "空调 1",
                "空调",
                "大厅",
                "",
                "",
                datetime(2023, 1, 1),
                datetime(2022, 1, 1),
                "",
            ],
            ["PUMP-1", "泳池水泵", "泳池", "泵房", 12345.0, "", "", "", "停用"],
            [None, None, None],  # blank: skipped
            ["LK-01", "更衣柜", "火箭", "", "", "", "", "", "报废"],  # unknown category
        ]
    )
    record = start(cast, upload)
    assert record.status == AssetImport.Status.DONE
    assert (record.total_rows, record.done_rows) == (8, 8)
    assert (record.created_rows, record.updated_rows) == (2, 1)
    assert record.errors == [
        {"row": 4, "field": "name", "message": "This field is required."},
        {"row": 5, "field": "purchased_on", "message": "Not a date (write it as 2026-03-01)."},
        {"row": 6, "field": "code", "message": "The same code is in row 3 already."},
        {
            "row": 7,
            "field": "warranty_ends_on",
            "message": "The warranty cannot end before the purchase.",
        },
        {"row": 10, "field": "category", "message": "Unknown equipment category."},
    ]
    tm = Asset.objects.get(venue=cast.gym, code="TM-01")
    assert (tm.name, tm.category, tm.serial, tm.purchased_on) == (
        "跑步机 A",
        "cardio",
        "SN1",
        date(2024, 3, 1),
    )
    pump = Asset.objects.get(venue=cast.gym, code="PUMP-1")
    assert (pump.category, pump.serial, pump.status) == ("pool", "12345", "out_of_service")
    assert pump.downtimes.get().ended_at is None
    assert not Asset.objects.filter(code__in=["RW-01", "CB-01", "AC-01", "LK-01"]).exists()
    assert selectors.import_get(cast.manager, record.pk) == record


def test_english_headers_and_a_missing_column(cast):
    upload = workbook(
        [
            ["Code", "Name", "Category", "Warranty end"],
            ["TM-09", "Treadmill", "Cardio", "2027-01-31"],
        ]
    )
    record = start(cast, upload)
    assert record.created_rows == 1 and not record.errors
    assert Asset.objects.get(code="TM-09").warranty_ends_on == date(2027, 1, 31)
    missing = start(cast, workbook([["编号", "位置"], ["X-1", "二楼"]]))
    assert missing.status == AssetImport.Status.FAILED
    assert [(e["row"], e["field"]) for e in missing.errors] == [(1, "name")]


def test_a_large_workbook_is_imported_by_the_job_with_its_progress(cast):
    rows = [["code", "name"]] + [[f"L-{i:04d}", f"储物柜 {i}"] for i in range(INLINE_ROWS + 5)]
    record = start(cast, workbook(rows))
    assert record.status == AssetImport.Status.PENDING and record.total_rows == INLINE_ROWS + 5
    assert jobs.run("equipment.run_imports", now=local(2026, 11, 23, 10, 1)).counts == {
        "imports": 1
    }
    record.refresh_from_db()
    assert record.status == "done" and record.done_rows == record.total_rows == record.created_rows
    assert jobs.run("equipment.run_imports", now=local(2026, 11, 23, 10, 2)).counts == {
        "imports": 0
    }
    assert services.import_run(record.pk).created_rows == INLINE_ROWS + 5  # idempotent


def test_a_too_large_workbook_is_not_counted_to_its_end(cast, monkeypatch):
    rows = [["code", "name"]] + [[f"L-{i:04d}", f"储物柜 {i}"] for i in range(40)]
    data = workbook(rows).read()
    assert services_imports._count_rows(data) == 41
    assert services_imports._count_rows(data, limit=7) == 7
    monkeypatch.setattr(services_imports, "MAX_ROWS", 5)
    counted = []
    real = services_imports._count_rows

    def count(data, **kw):
        counted.append(kw.get("limit"))
        return real(data, **kw)

    monkeypatch.setattr(services_imports, "_count_rows", count)
    with pytest.raises(InvalidInput) as refused:
        start(cast, workbook(rows))
    assert refused.value.code == "too_many_rows" and counted == [7]


def test_a_database_error_on_one_row_is_that_rows_error(cast, monkeypatch):
    # A row the database refuses (as PostgreSQL refuses a NUL in a cell) changes nothing and
    # is listed; the rows before and after it are imported.
    real = services_imports._apply

    def apply(record, values, status):
        if values["code"] == "BAD-1":
            with connection.cursor() as cursor:
                cursor.execute("SELECT * FROM no_such_table_here")
        return real(record, values, status)

    monkeypatch.setattr(services_imports, "_apply", apply)
    record = start(
        cast, workbook([["code", "name"], ["OK-1", "一"], ["BAD-1", "二"], ["OK-2", "三"]])
    )
    assert record.status == AssetImport.Status.DONE
    assert record.created_rows == 2 and record.done_rows == 3
    assert [e["row"] for e in record.errors] == [3]
    assert set(Asset.objects.filter(venue=cast.gym).values_list("code", flat=True)) == {
        "OK-1",
        "OK-2",
    }


def test_only_workbooks_by_people_who_manage_the_equipment(cast):
    with pytest.raises(InvalidInput) as bad:
        start(cast, SimpleUploadedFile("a.xlsx", b"code,name\nX,Y\n"))
    assert bad.value.code == "not_a_workbook"
    with pytest.raises(PermissionDenied):
        start(cast, workbook([["code", "name"]]), actor=cast.desk)


def test_an_import_whose_runner_died_is_run_again_an_hour_later(cast):
    rows = [["code", "name"]] + [[f"L-{i:04d}", f"储物柜 {i}"] for i in range(INLINE_ROWS + 1)]
    record = start(cast, workbook(rows))
    AssetImport.objects.filter(pk=record.pk).update(status="running", done_rows=50)
    assert jobs.run("equipment.run_imports", now=local(2026, 11, 23, 10, 30)).counts == {
        "imports": 0
    }
    assert jobs.run("equipment.run_imports", now=local(2026, 11, 23, 11, 1)).counts == {
        "imports": 1
    }
    record.refresh_from_db()
    assert (record.status, record.done_rows, record.created_rows) == (
        "done",
        INLINE_ROWS + 1,
        INLINE_ROWS + 1,
    )
