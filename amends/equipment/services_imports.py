"""Importing the asset register from a spreadsheet (.xlsx), with a progress bar and the errors
row by row.

1. `import_start` checks the file (an .xlsx workbook, within the upload limit), stores it under a
   name amends makes, counts its rows and records an `AssetImport` (pending). A small file
   (`INLINE_ROWS` rows or fewer) is imported at once; a larger one by the job
   `equipment.run_imports` (every minute), so the page that started it polls the progress.
2. `import_run` claims a pending import (a conditional update: two runners never import the same
   file), reads the first sheet in read-only mode, takes the header row (English or Chinese
   column names), and for each row: reads and checks the fields (`validate_asset`); a row with
   any error changes nothing and is listed as {row, field, message}; a good row creates the asset
   or updates the venue's asset with that code. Progress is saved every `PROGRESS_EVERY` rows.
"""

from __future__ import annotations

import io
import logging
import secrets
import zipfile
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from amends.core import clock
from amends.core.errors import InvalidInput
from amends.core.uploads import safe_filename
from amends.equipment.models import Asset, AssetImport, Downtime
from amends.equipment.records import bump, downtime_open
from amends.equipment.services_assets import LABELS, _check_venue, validate_asset
from amends.orgs.models import User, Venue

log = logging.getLogger(__name__)

INLINE_ROWS = 200
PROGRESS_EVERY = 50
MAX_ROWS = 20_000
MAX_ERRORS = 1000

# Column names as people write them, in English and Chinese, to the asset's fields.
COLUMNS: dict[str, str] = {}
for _field, _names in {
    "code": ("code", "asset code", "asset no", "编号", "设备编号", "资产编号", "编码"),
    "name": ("name", "asset name", "名称", "设备名称", "资产名称"),
    "category": ("category", "type", "类别", "分类", "设备类别", "类型"),
    "location": ("location", "place", "位置", "存放位置", "区域"),
    "serial": ("serial", "serial number", "serial no", "序列号", "出厂编号"),
    "vendor": ("vendor", "supplier", "manufacturer", "供应商", "厂商", "品牌"),
    "purchased_on": ("purchase date", "purchased", "purchased on", "购买日期", "采购日期"),
    "warranty_ends_on": (
        "warranty end",
        "warranty ends",
        "warranty until",
        "保修截止",
        "保修截止日期",
        "保修到期",
    ),
    "status": ("status", "状态"),
}.items():
    for _name in _names:
        COLUMNS[_name] = _field

CATEGORY_WORDS: dict[str, str] = {
    "有氧": "cardio",
    "有氧器械": "cardio",
    "力量": "strength",
    "力量器械": "strength",
    "自由重量": "free_weights",
    "泳池": "pool",
    "泳池水疗": "pool",
    "空调": "hvac",
    "空调通风": "hvac",
    "暖通": "hvac",
    "照明": "lighting",
    "照明电力": "lighting",
    "电力": "lighting",
    "更衣": "lockers",
    "更衣柜": "lockers",
    "储物柜": "lockers",
    "音视频": "audio_video",
    "影音": "audio_video",
    "其他": "other",
    "其它": "other",
}
STATUS_WORDS: dict[str, str] = {
    "in service": "in_service",
    "在用": "in_service",
    "正常": "in_service",
    "使用中": "in_service",
    "out of service": "out_of_service",
    "停用": "out_of_service",
    "停机": "out_of_service",
    "故障": "out_of_service",
    "retired": "retired",
    "报废": "retired",
    "已报废": "retired",
}


def _normal(text: Any) -> str:
    return " ".join(str(text or "").replace("_", " ").split()).strip().lower()


def _choice(value: Any, choices: type[Asset.Category] | type[Asset.Status], words: dict) -> Any:
    """A category or status from its code, its English label, its Chinese label or a common
    word for it; the value unchanged when none matches (the check then names the error)."""
    text = _normal(value)
    if not text:
        return value
    by_code = {_normal(code): code for code in choices.values}
    by_label = {_normal(label): code for code, label in choices.choices}
    with translation.override("zh-hans"):
        by_label.update({_normal(str(label)): code for code, label in choices.choices})
    for table in (by_code, by_label, {_normal(k): v for k, v in words.items()}):
        if text in table:
            return table[text]
    return value


# --- starting ------------------------------------------------------------------------------------


def _rows(data: bytes) -> Any:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = book.worksheets[0]
    return book, sheet.iter_rows(values_only=True)


def _count_rows(data: bytes, *, limit: int | None = None) -> int:
    """The rows with something in them, counting no further than `limit` (a workbook known to
    be too large is not read to its end)."""
    book, rows = _rows(data)
    found = 0
    try:
        for row in rows:
            if any(cell not in (None, "") for cell in row):
                found += 1
                if limit is not None and found >= limit:
                    break
        return found
    finally:
        book.close()


def _bad_file() -> InvalidInput:
    return InvalidInput(
        _("This is not an Excel workbook (.xlsx)."), code="not_a_workbook", field="file"
    )


def import_start(*, actor: User, venue: Venue, upload: Any) -> AssetImport:
    """Check and store the workbook, record the import; import it at once when small (else the
    job `equipment.run_imports` does, within a minute). Returns the import (poll it by id)."""
    _check_venue(actor, venue)
    size = int(getattr(upload, "size", 0) or 0)
    if size <= 0:
        raise InvalidInput(_("The file is empty."), code="empty_file", field="file")
    max_mb = int(settings.AMENDS_MAX_UPLOAD_MB)
    if size > max_mb * 1024 * 1024:
        raise InvalidInput(
            _("The file is too large (the limit is %(max_mb)s MB).") % {"max_mb": max_mb},
            code="file_too_large",
            field="file",
        )
    upload.seek(0)
    data = upload.read()
    if not data.startswith(b"PK\x03\x04") or not zipfile.is_zipfile(io.BytesIO(data)):
        raise _bad_file()
    try:
        total = _count_rows(data, limit=MAX_ROWS + 2)  # the header and one row too many
    except Exception:  # openpyxl raises many kinds for a damaged workbook
        raise _bad_file() from None
    total = max(total - 1, 0)  # the header row
    if total > MAX_ROWS:
        raise InvalidInput(
            _("A workbook of %(limit)s rows at most, please.") % {"limit": MAX_ROWS},
            code="too_many_rows",
            field="file",
        )
    with transaction.atomic():
        record = AssetImport(
            venue=venue,
            created_by=actor,
            total_rows=total,
            file_name=safe_filename(getattr(upload, "name", "") or "assets.xlsx"),
            created_at=clock.now(),
        )
        record.file.save(
            f"{venue.code}/{secrets.token_urlsafe(12)}.xlsx", ContentFile(data), save=False
        )
        record.save()
    if total <= INLINE_ROWS:
        return import_run(record.pk)
    return record


# --- running -------------------------------------------------------------------------------------


def _claim(import_id: int) -> bool:
    return bool(
        AssetImport.objects.filter(pk=import_id, status=AssetImport.Status.PENDING).update(
            status=AssetImport.Status.RUNNING
        )
    )


def _header(row: tuple[Any, ...]) -> dict[int, str]:
    found: dict[int, str] = {}
    for index, cell in enumerate(row):
        name = COLUMNS.get(_normal(cell))
        if name and name not in found.values():
            found[index] = name
    return found


def _save_progress(record: AssetImport, **extra: Any) -> None:
    AssetImport.objects.filter(pk=record.pk).update(
        done_rows=record.done_rows,
        created_rows=record.created_rows,
        updated_rows=record.updated_rows,
        errors=record.errors,
        **extra,
    )


def _row_error(record: AssetImport, row: int, field: str, message: str) -> None:
    if len(record.errors) < MAX_ERRORS:
        record.errors.append({"row": row, "field": field, "message": message})


def _apply(record: AssetImport, values: dict[str, Any], status: str | None) -> str:
    """Create or update one asset from a good row, in its own savepoint; 'created'/'updated'."""
    with transaction.atomic():
        asset = (
            Asset.objects.select_for_update()
            .filter(venue=record.venue, code__iexact=values["code"])
            .first()
        )
        created = asset is None
        target = asset or Asset(venue=record.venue, created_at=clock.now())
        for name, value in values.items():
            setattr(target, name, value)
        if created:
            target.save()
        else:
            bump(target)
        if status and status != target.status:
            _set_status(target, status)
        return "created" if created else "updated"


class RowRefused(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def _set_status(asset: Asset, status: str) -> None:
    now = clock.now()
    if status == Asset.Status.OUT_OF_SERVICE:
        reason = str(_("Out of service in the imported register."))
        downtime_open(asset, at=now, reason=reason)
        return
    if asset.work_orders.filter(status__in=("reported", "reacted", "arrived", "resolved")).exists():
        raise RowRefused(
            "status", str(_("Close or cancel the open work orders of this asset first."))
        )
    Downtime.objects.filter(asset=asset, ended_at__isnull=True).update(ended_at=now)
    asset.status = status
    bump(asset, ["status"])


def import_run(import_id: int) -> AssetImport:
    """Import one pending workbook (see the module's steps). Idempotent: an import already
    claimed, done or failed is returned as it is."""
    if not _claim(import_id):
        return AssetImport.objects.get(pk=import_id)
    record = AssetImport.objects.select_related("venue", "created_by").get(pk=import_id)
    # From the first row (an import taken back after its runner died starts again: rows
    # already imported are found by their code and updated, so nothing is made twice).
    record.errors = []
    record.done_rows = record.created_rows = record.updated_rows = 0
    language = record.created_by.language or "zh-hans"
    try:
        with translation.override(language), record.file.open("rb") as handle:
            _run(record, handle.read())
    except Exception:  # a damaged file found late: the import fails, the job goes on
        log.exception("asset import %s failed", import_id)
        with translation.override(language):
            _row_error(record, 0, "file", str(_("The workbook could not be read.")))
        _save_progress(record, status=AssetImport.Status.FAILED, finished_at=clock.now())
        record.refresh_from_db()
        return record
    record.refresh_from_db()
    return record


def _run(record: AssetImport, data: bytes) -> None:
    book, rows = _rows(data)
    try:
        columns: dict[int, str] = {}
        seen: dict[str, int] = {}
        for number, row in enumerate(rows, start=1):
            if not any(cell not in (None, "") for cell in row):
                continue
            if not columns:
                columns = _header(row)
                missing = [f for f in ("code", "name") if f not in columns.values()]
                if missing:
                    for name in missing:
                        _row_error(record, number, name, str(_("This column is missing.")))
                    _save_progress(
                        record, status=AssetImport.Status.FAILED, finished_at=clock.now()
                    )
                    return
                continue
            _one_row_safely(record, number, row, columns, seen)
            record.done_rows += 1
            if record.done_rows % PROGRESS_EVERY == 0:
                _save_progress(record)
        _save_progress(record, status=AssetImport.Status.DONE, finished_at=clock.now())
    finally:
        book.close()


def _one_row_safely(
    record: AssetImport,
    number: int,
    row: tuple[Any, ...],
    columns: dict[int, str],
    seen: dict[str, int],
) -> None:
    """One row in its own savepoint: a database error on it (a NUL in a cell, which PostgreSQL
    refuses) is that row's error and changes nothing, not a failed import."""
    created, updated = record.created_rows, record.updated_rows
    try:
        with transaction.atomic():
            _one_row(record, number, row, columns, seen)
    except DatabaseError:
        log.warning("asset import %s: row %s refused by the database", record.pk, number)
        record.created_rows, record.updated_rows = created, updated
        _row_error(record, number, "", str(_("This row could not be saved.")))


def _one_row(
    record: AssetImport,
    number: int,
    row: tuple[Any, ...],
    columns: dict[int, str],
    seen: dict[str, int],
) -> None:
    raw = {name: row[index] if index < len(row) else None for index, name in columns.items()}
    if "category" in raw:
        raw["category"] = _choice(raw["category"], Asset.Category, CATEGORY_WORDS) or None
    status = None
    if raw.get("status") not in (None, ""):
        status = _choice(raw.pop("status"), Asset.Status, STATUS_WORDS)
        if status not in Asset.Status.values:
            _row_error(record, number, "status", str(_("Unknown status.")))
            return
    raw.pop("status", None)
    for key in ("serial", "code"):
        cell = raw.get(key)
        if isinstance(cell, float) and cell.is_integer():
            raw[key] = int(cell)  # a number typed in a cell: 1001.0 is 1001
    existing = _existing(record, raw.get("code"))
    read = validate_asset(raw, partial=existing is not None)
    if existing is None and "category" not in raw:
        read.values.setdefault("category", Asset.Category.OTHER)
    code = str(read.values.get("code", "")).lower()
    if code and code in seen:
        read.errors["code"] = str(
            _("The same code is in row %(row)s already.") % {"row": seen[code]}
        )
    if read.errors:
        for name, message in read.errors.items():
            _row_error(record, number, name, message)
        return
    seen[code] = number
    try:
        outcome = _apply(record, read.values, status)
    except RowRefused as refused:
        _row_error(record, number, refused.field, refused.message)
        return
    if outcome == "created":
        record.created_rows += 1
    else:
        record.updated_rows += 1


def _existing(record: AssetImport, code: Any) -> Asset | None:
    text = str(code or "").strip()
    if not text:
        return None
    return Asset.objects.filter(venue=record.venue, code__iexact=text).first()


STALE_AFTER = timedelta(hours=1)


def run_pending(*, now: datetime | None = None, limit: int = 5) -> int:
    """Run up to `limit` pending imports, oldest first (the job). An import still running an
    hour after it was started lost its runner (a worker restarted): it is run again. Returns
    how many ran."""
    moment = now or clock.now()
    AssetImport.objects.filter(
        status=AssetImport.Status.RUNNING,
        finished_at__isnull=True,
        created_at__lt=moment - STALE_AFTER,
    ).update(status=AssetImport.Status.PENDING)
    ran = 0
    for pk in (
        AssetImport.objects.filter(status=AssetImport.Status.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    ):
        import_run(pk)
        ran += 1
    return ran


__all__ = ["COLUMNS", "LABELS", "import_run", "import_start", "run_pending"]
