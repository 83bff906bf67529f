"""Exports: complaint lists (CSV, Excel) and the monthly report (Excel, PDF), made in the
background, and the audit of every export.

Every export is a `ReportExport` row, written when it is asked for and kept after its file
expires: who asked, when, for what (the filters), how many rows, and whether personal data was
unmasked. That row *is* the audit.

The flow:

1. `export_request()` checks the request as the reader's own page would — a list's filters
   through `drill.complaints_behind` (which also limits it to what the reader may see), a
   report through `check_report_access` — counts the rows and records the row, `pending`.
2. The job `reports.run_exports` (every 5 s) claims pending exports by compare-and-set
   (`status` and `claimed_until` as seen, `WHERE` they are unchanged), so of two runners one
   wins; the claim is a lease that each chunk renews, and a runner killed half-way leaves an
   export whose lease runs out and which the next run takes over from the start. A runner
   that finds its lease taken stops and drops its file.
3. The file is written in chunks (`CHUNK` complaints), the progress saved after each, to a
   temporary file, then stored through Django's default storage (a shared directory or S3);
   the export becomes `done` and expires after `KEEP` (7 days).
4. The job `reports.expire_exports` deletes expired files; the rows stay.

**Personal data.** The customer's name, phone and email are masked as on a complaint page
(`members.selectors.contact_card`) unless the requester may unmask them at *every* venue in
the list (`EXPORT_UNMASK_ROLES`). A bulk list of customers' names and phones is more than a
single contact revealed on a complaint page (each of which is an audited event), so the front
desk and specialists — who may reveal one customer's contact while handling the complaint —
get masked exports; managers, general managers, directors, auditors and the privacy officer
get them unmasked, and the row says so; the access log then holds one row per customer in the
file (`privacy.access_log`), so the auditor searching it by a phone number finds the export.
The personal data typed into what happened (a phone, an ID-card or bank-card number, an email:
`triage.pii`) is masked under the same condition.
The text of a complaint flagged sensitive (injury, health, ID numbers, a minor) is withheld
("▇▇▇") unless the maker may read it (`complaints.services.access.may_see_sensitive`).
The decision is made again when the file is written
(the rows written are the ones the requester may see then) and stored with the row.

**Who may download**: the requester, or an auditor of the company (`export_for_actor`); for
anyone else the export does not exist.
"""

from __future__ import annotations

import csv
import logging
import os
import tempfile
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from amends.complaints.models import Complaint
from amends.complaints.selectors_privacy import masked_text
from amends.complaints.services.access import may_see_sensitive
from amends.core import clock
from amends.core.errors import InvalidInput, NotFound
from amends.core.jobs import job
from amends.members.selectors import contact_card
from amends.orgs.models import User, Venue
from amends.orgs.roles import UNMASK_ROLES, Role
from amends.orgs.selectors import scope_of
from amends.privacy.access_log import Person, log_access_many
from amends.privacy.services import log_access
from amends.reports import drill
from amends.reports.access import check_report_access
from amends.reports.models import ReportExport
from amends.reports.structure import inert_csv, text_cell

log = logging.getLogger(__name__)

KEEP = timedelta(days=7)
LEASE = timedelta(minutes=2)
CHUNK = 500
BATCH = 5  # exports one run of the job takes on

K = ReportExport.Kind
S = ReportExport.Status
LIST_KINDS = (K.COMPLAINTS_CSV, K.COMPLAINTS_XLSX)
REPORT_KINDS = (K.MONTHLY_XLSX, K.MONTHLY_PDF)
# Unmasked in a bulk export: those who may unmask, less the roles that reveal one customer at
# a time while handling a complaint (see the module's docstring).
EXPORT_UNMASK_ROLES = UNMASK_ROLES - {Role.FRONT_DESK, Role.SPECIALIST}
EXTENSIONS = {
    K.COMPLAINTS_CSV: "csv",
    K.COMPLAINTS_XLSX: "xlsx",
    K.MONTHLY_XLSX: "xlsx",
    K.MONTHLY_PDF: "pdf",
}
CONTENT_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


# --- asking ------------------------------------------------------------------------------------


def export_request(
    *, actor: User, kind: str, params: Mapping[str, str], language: str
) -> ReportExport:
    """Record `actor`'s request for an export of `kind` with `params` (a drill-down's filters
    for a list; `venue` or `company`, and `month` for a report) and leave it to the job.
    Bad filters raise `InvalidInput`, a report the actor may not read `PermissionDenied` or
    `NotFound` — nothing is recorded then."""
    wanted = {str(key): str(value) for key, value in params.items() if value not in ("", None)}
    if kind in LIST_KINDS:
        complaints = _complaints(actor, wanted)
        total = complaints.count()
        unmasked = may_unmask(actor, complaints)
    elif kind in REPORT_KINDS:
        _report_scope(actor, wanted)
        total, unmasked = 1, False  # a report holds no personal data
    else:
        raise InvalidInput(_("No such export."), code="bad_export_kind")
    return ReportExport.objects.create(
        company_id=_company_id(actor),
        requested_by=actor,
        kind=kind,
        params=wanted,
        language=language,
        total=total,
        unmasked=unmasked,
        created_at=clock.now(),
    )


def export_record(
    *, actor: User, kind: str, params: Mapping[str, str], file_name: str
) -> ReportExport:
    """Record a report the console made and handed over at once (a download): the audit row
    of an export that needed no background run. The actor's access is checked again."""
    wanted = {str(key): str(value) for key, value in params.items() if value not in ("", None)}
    if kind not in REPORT_KINDS:
        raise InvalidInput(_("No such export."), code="bad_export_kind")
    _report_scope(actor, wanted)
    now = clock.now()
    return ReportExport.objects.create(
        company_id=_company_id(actor),
        requested_by=actor,
        kind=kind,
        params=wanted,
        language=translation.get_language() or "zh-hans",
        status=S.DONE,
        total=1,
        progress=1,
        rows=1,
        file_name=file_name,
        created_at=now,
        started_at=now,
        finished_at=now,
    )


def export_for_actor(*, actor: User, pk: int) -> ReportExport:
    """The export `pk` if `actor` asked for it or audits its company; else NotFound."""
    found = ReportExport.objects.filter(pk=pk, company_id=_company_id(actor)).first()
    if found is None or not actor.is_active:
        raise NotFound(_("No such export."), code="export_not_found")
    if found.requested_by_id != actor.pk and Role.AUDITOR not in scope_of(actor).company_roles:
        raise NotFound(_("No such export."), code="export_not_found")
    return found


def may_unmask(actor: User, complaints: QuerySet[Complaint]) -> bool:
    """Whether `actor` may see the customers of these complaints unmasked in an export: a role
    of `EXPORT_UNMASK_ROLES` at every venue they are from (company-wide counts everywhere)."""
    scope = scope_of(actor)
    if scope.company_roles & EXPORT_UNMASK_ROLES:
        return True
    venue_ids = set(complaints.order_by().values_list("venue_id", flat=True).distinct())
    if not venue_ids:
        return False
    return all(scope.roles_at(venue_id) & EXPORT_UNMASK_ROLES for venue_id in venue_ids)


def _company_id(actor: User) -> int:
    """The actor's company; a user of none (a superuser made by hand) exports nothing."""
    if actor.company_id is None:
        raise NotFound(_("No such export."), code="export_not_found")
    return int(actor.company_id)


def list_scope(*, actor: User, params: Mapping[str, str]) -> Venue | None:
    """The venue a list's parameters name (None: the company), checked like the report it
    comes from: a venue manager may not list another venue's complaints, and whoever may not
    read reports lists nothing — at the request and again when the file is made."""
    code = params.get("venue", "")
    if not code:
        check_report_access(actor=actor, venue=None)
        return None
    venue = Venue.objects.filter(company_id=_company_id(actor), code=code).first()
    if venue is None:
        raise InvalidInput(_("No such venue: %(code)s.") % {"code": code}, code="unknown_venue")
    check_report_access(actor=actor, venue=venue)
    return venue


def _complaints(actor: User, params: Mapping[str, str]) -> QuerySet[Complaint]:
    list_scope(actor=actor, params=params)
    return drill.complaints_behind(actor=actor, params=params)


def _report_scope(actor: User, params: Mapping[str, str]) -> tuple[Venue | None, date]:
    month = drill.parse_month(params.get("month"))
    venue = None
    if params.get("venue"):
        venue = Venue.objects.filter(company_id=_company_id(actor), code=params["venue"]).first()
        if venue is None:
            raise NotFound(_("No such venue."), code="venue_not_found")
    check_report_access(actor=actor, venue=venue)
    return venue, month


# --- running -----------------------------------------------------------------------------------


def _due(now: datetime) -> Q:
    return Q(status=S.PENDING) | Q(status=S.RUNNING, claimed_until__lt=now)


def export_claim(export: ReportExport, *, now: datetime) -> bool:
    """Take `export` for this runner by compare-and-set: only if it is still as it was seen
    (status, and for a running one whose lease ran out the same `claimed_until`) and due."""
    same = Q(pk=export.pk, status=export.status)
    if export.status == S.RUNNING:
        same &= Q(claimed_until=export.claimed_until)
    until = now + LEASE
    taken = ReportExport.objects.filter(same & _due(now)).update(
        status=S.RUNNING, claimed_until=until, started_at=now, progress=0, error=""
    )
    if taken:
        export.status, export.claimed_until, export.started_at = S.RUNNING, until, now
        export.progress = 0
    return bool(taken)


class LeaseLost(Exception):
    """Another runner took the export over (ours ran past its lease): stop, keep nothing."""


def _hold(export: ReportExport, **fields: Any) -> None:
    """Renew the lease (and save `fields`, e.g. the progress) if the export is still ours."""
    until = clock.now() + LEASE
    held = ReportExport.objects.filter(
        pk=export.pk, status=S.RUNNING, claimed_until=export.claimed_until
    ).update(claimed_until=until, **fields)
    if not held:
        raise LeaseLost(export.pk)
    export.claimed_until = until
    for name, value in fields.items():
        setattr(export, name, value)


def run_due(*, now: datetime, batch: int = BATCH) -> dict[str, int]:
    """Claim and run up to `batch` due exports, oldest first; what became of them."""
    counts = {"done": 0, "failed": 0, "skipped": 0}
    seen = ReportExport.objects.filter(_due(now)).order_by("created_at", "pk")[:batch]
    for export in list(seen):
        if not export_claim(export, now=now):
            counts["skipped"] += 1
            continue
        counts[export_run(export.pk, now=now, claimed=export)] += 1
    return counts


def export_run(export_id: int, *, now: datetime, claimed: ReportExport | None = None) -> str:
    """Write the file of export `export_id` (claiming it first unless `claimed` is the row this
    runner holds): "done", "failed" or "skipped" (not ours, or taken over meanwhile)."""
    export = claimed
    if export is None:
        found = ReportExport.objects.filter(pk=export_id).first()
        if found is None or not export_claim(found, now=now):
            return "skipped"
        export = found
    people: dict[int, Person] = {}  # whose data the file unmasked, as written
    try:
        with translation.override(export.language):
            path, rows, unmasked = _write(export, now=now, people=people)
    except LeaseLost:
        return "skipped"
    except Exception as exc:  # the export fails, visibly; the runner goes on with the next
        log.exception("export %s failed", export.pk)
        failed = ReportExport.objects.filter(
            pk=export.pk, status=S.RUNNING, claimed_until=export.claimed_until
        ).update(
            status=S.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=clock.now(),
            claimed_until=None,
        )
        return "failed" if failed else "skipped"
    try:
        stored = _store(export, path)
    finally:
        os.unlink(path)
    finished = clock.now()
    with transaction.atomic():
        done = ReportExport.objects.filter(
            pk=export.pk, status=S.RUNNING, claimed_until=export.claimed_until
        ).update(
            status=S.DONE,
            file=stored,
            file_name=os.path.basename(stored),
            rows=rows,
            progress=rows,
            unmasked=unmasked,
            finished_at=finished,
            expires_at=finished + KEEP,
            claimed_until=None,
        )
        if done and unmasked and rows:
            # Personal data exported: the access log has the act (who, when, what, why) even
            # when the file names no customer (anonymous complaints whose text holds a phone),
            # and once more per customer in the file, so the auditor finds it by that
            # customer's phone or email.
            what = f"complaints export {export.kind} unmasked ({rows} rows)"
            why = f"export #{export.pk} {export.params}"[:300]
            log_access(export.requested_by, what=what, why=why, company_id=export.company_id)
            log_access_many(
                export.requested_by,
                people=people.values(),
                what=what,
                why=why,
                company_id=export.company_id,
            )
    if not done:  # taken over while storing: the other runner's file is the export
        default_storage.delete(stored)
        return "skipped"
    return "done"


def _file_stem(export: ReportExport) -> str:
    params = export.params or {}
    where = params.get("venue") or export.company.code
    month = params.get("month", "")
    if export.kind in LIST_KINDS:
        return "-".join(part for part in ("complaints", where, month, str(export.pk)) if part)
    return "-".join(part for part in (where, month) if part)


def _store(export: ReportExport, path: str) -> str:
    name = f"{_file_stem(export)}.{EXTENSIONS[K(export.kind)]}"
    stamp = clock.now()
    folder = f"exports/{stamp:%Y}/{stamp:%m}/"
    with open(path, "rb") as handle:
        return default_storage.save(folder + name, File(handle, name=name))


def _write(
    export: ReportExport, *, now: datetime, people: dict[int, Person]
) -> tuple[str, int, bool]:
    """Write the export to a temporary file: its path, the rows written, unmasked or not. The
    customers whose data it unmasked are added to `people` as their rows are written."""
    handle, path = tempfile.mkstemp(prefix="amends-export-")
    os.close(handle)
    try:
        if export.kind in REPORT_KINDS:
            _write_report(export, path, now=now)
            return path, 1, False
        actor = export.requested_by
        complaints = _complaints(actor, export.params)
        unmasked = may_unmask(actor, complaints)
        total = complaints.count()
        _hold(export, total=total, unmasked=unmasked)
        rows = _rows(export, complaints, unmasked=unmasked, people=people)
        if export.kind == K.COMPLAINTS_CSV:
            written = _write_csv(path, rows)
        else:
            written = _write_xlsx(path, rows)
        return path, written, unmasked
    except BaseException:
        os.unlink(path)
        raise


def _write_report(export: ReportExport, path: str, *, now: datetime) -> None:
    from amends.reports.monthly import build_monthly_report
    from amends.reports.pdf import report_pdf
    from amends.reports.xlsx import report_xlsx

    actor = export.requested_by
    venue, month = _report_scope(actor, export.params)
    report = build_monthly_report(
        actor=actor,
        company=export.company,
        venue=venue,
        month=month,
        language=export.language,
        now=now,
    )
    _hold(export)
    content = report_xlsx(report) if export.kind == K.MONTHLY_XLSX else report_pdf(report)
    with open(path, "wb") as out:
        out.write(content)
    _hold(export, progress=1)


def columns() -> list[str]:
    """The list's column headings, in the active language."""
    return [
        _("Reference"),
        _("Venue"),
        _("Received at"),
        _("Channel"),
        _("Category"),
        _("Severity"),
        _("State"),
        _("Department"),
        _("Owner"),
        _("First response at"),
        _("Resolved at"),
        _("Customer name"),
        _("Customer phone"),
        _("Customer email"),
        _("What happened"),
    ]


Cell = str | datetime | None


def _rows(
    export: ReportExport,
    complaints: QuerySet[Complaint],
    *,
    unmasked: bool,
    people: dict[int, Person],
) -> Iterator[list[Cell]]:
    """The list's rows, CHUNK complaints at a time, saving the progress (and renewing the
    lease) after each chunk. Times are the venue's local time, without a zone. When
    `unmasked`, each row's customer is added to `people` (read with the row: no query)."""
    query = complaints.select_related("venue", "category", "department", "owner", "customer")
    done = 0
    for complaint in query.iterator(chunk_size=CHUNK):
        zone = ZoneInfo(complaint.venue.timezone)
        card = contact_card(complaint.customer, unmasked=unmasked)
        customer = complaint.customer
        if unmasked and customer is not None and customer.pk not in people:
            people[customer.pk] = Person(customer.pk, customer.phone_index, customer.email_index)
        yield [
            complaint.reference,
            complaint.venue.name_in(),
            _local(complaint.received_at, zone),
            complaint.get_channel_display(),
            str(complaint.category) if complaint.category else "",
            complaint.get_severity_display() if complaint.severity else "",
            complaint.get_state_display(),
            complaint.department.name_in() if complaint.department else "",
            complaint.owner.name_in() if complaint.owner else "",
            _local(complaint.responded_at, zone),
            _local(complaint.resolved_at, zone),
            card.name,
            card.phone,
            card.email,
            # Personal data the customer typed is masked with their contact details; the text
            # of a complaint flagged sensitive is withheld unless its maker may read it.
            _description(complaint, export.requested_by, unmasked=unmasked),
        ]
        done += 1
        if done % CHUNK == 0:
            _hold(export, progress=done)
    _hold(export, progress=done)


WITHHELD = "▇▇▇"


def _description(complaint: Complaint, actor: User | None, *, unmasked: bool) -> str:
    """What happened, as the export's maker may read it: withheld ("▇▇▇") when the complaint
    holds sensitive personal data they may not read (`may_see_sensitive`: a manager or
    director reads it at their venues; the scope is computed once per export, the revisits
    asked only of a flagged complaint)."""
    text = complaint.description
    if text and complaint.sensitive and not may_see_sensitive(complaint, actor):
        return WITHHELD
    return str(masked_text(text, masked=not unmasked))


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    return moment.astimezone(zone).replace(tzinfo=None) if moment else None


def _write_csv(path: str, rows: Iterator[list[Cell]]) -> int:
    """CSV in UTF-8 with a byte-order mark, so Excel opens the Chinese as Chinese."""
    written = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns())
        for row in rows:
            writer.writerow(
                [
                    f"{cell:%Y-%m-%d %H:%M}" if isinstance(cell, datetime) else inert_csv(cell)
                    for cell in row
                ]
            )
            written += 1
    return written


def _write_xlsx(path: str, rows: Iterator[list[Cell]]) -> int:
    """Excel, streamed (openpyxl's write-only mode keeps one row in memory, not the sheet)."""
    # openpyxl (and the numpy it loads) only in the process that writes a workbook.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Complaint list"))
    sheet.freeze_panes = "A2"
    for letter, width in zip(
        "ABCDEFGHIJKLMNO", (22, 16, 17, 10, 14, 8, 10, 14, 12, 17, 17, 10, 16, 24, 60), strict=True
    ):
        sheet.column_dimensions[letter].width = width
    header = []
    for label in columns():
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    written = 0
    for row in rows:
        cells: list[Any] = []
        for value in row:
            if isinstance(value, datetime):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd hh:mm"
                cells.append(cell)
            elif isinstance(value, str):
                cells.append(text_cell(WriteOnlyCell(sheet), value))
            else:
                cells.append(value)
        sheet.append(cells)
        written += 1
    book.save(path)
    return written


# --- expiry ------------------------------------------------------------------------------------


def expire(*, now: datetime) -> int:
    """Delete the files of exports past `expires_at`; the rows stay as the audit, `expired`."""
    count = 0
    for export in ReportExport.objects.filter(status=S.DONE, expires_at__lte=now):
        if export.file:
            default_storage.delete(export.file.name)
        count += ReportExport.objects.filter(pk=export.pk, status=S.DONE).update(
            status=S.EXPIRED, file=""
        )
    return count


def content_type(export: ReportExport) -> str:
    return CONTENT_TYPES[EXTENSIONS[K(export.kind)]]


# --- jobs --------------------------------------------------------------------------------------


@job(
    "reports.run_exports",
    every=timedelta(seconds=5),
    description="Write the exports people asked for (complaint lists, reports), with progress.",
)
def run_exports(*, now: datetime) -> dict[str, int]:
    return run_due(now=now)


@job(
    "reports.expire_exports",
    every=timedelta(hours=1),
    description="Delete export files older than 7 days; the export records stay as the audit.",
)
def expire_exports(*, now: datetime) -> dict[str, int]:
    return {"expired": expire(now=now)}


__all__ = [
    "expire",
    "export_claim",
    "export_for_actor",
    "export_record",
    "export_request",
    "export_run",
    "may_unmask",
    "run_due",
]
