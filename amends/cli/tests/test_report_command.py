"""`amends report monthly …` writes the monthly report the console shows, as xlsx or PDF; its
mistakes end with the reason and a non-zero exit, never a traceback. `amends report rollup`
brings the rollups up to date."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from openpyxl import load_workbook
from pypdf import PdfReader

from amends.__main__ import main
from amends.conftest import Cast, local
from amends.core import clock
from amends.orgs.services import company_create, venue_create
from amends.reports.monthly import build_monthly_report
from amends.reports.xlsx import report_xlsx
from amends.workflow.services import workflow_install_defaults

NOW = local(2026, 12, 2, 9, 0)


Amends = Callable[..., int]


@pytest.fixture
def amends(monkeypatch: pytest.MonkeyPatch) -> Amends:
    """`amends ARGS…` as typed on the command line: parsed, run and ended as `amends` does
    (errors to stderr, the exit code), in this process and on the test database — whose
    connection the command must not close at its end as it does when it is a process of its
    own (the test's transaction lives on it)."""
    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(*args: str) -> int:
        with clock.travel(NOW):
            try:
                main(["amends", *args])
            except SystemExit as exit:
                return int(exit.code or 0)
        return 0

    return run


def values(book: Any) -> dict[str, list[list[Any]]]:
    return {
        sheet.title: [[cell.value for cell in row] for row in sheet.iter_rows()] for sheet in book
    }


@pytest.fixture
def november(cast: Cast) -> Cast:
    for day, category in ((3, "facility_equipment"), (18, "service_quality"), (30, None)):
        with clock.travel(local(2026, 11, day, 15, 0)):
            cast.receive(category=category)
    return cast


def test_it_writes_the_venues_report_as_the_console_shows_it(
    amends: Amends, november: Cast, tmp_path: Path, capsys: Any
) -> None:
    out = tmp_path / "gym1-2026-11.xlsx"
    code = amends(
        "report", "monthly", "--venue", "GYM1", "--month", "2026-11",
        "--format", "xlsx", "--output", str(out), "--language", "zh-hans",
    )  # fmt: skip
    assert code == 0
    with clock.travel(NOW):
        console = build_monthly_report(
            actor=november.manager,
            company=november.company,
            venue=november.gym,
            month=NOW.date().replace(month=11, day=1),
            language="zh-hans",
        )
    written = values(load_workbook(out))
    assert written == values(load_workbook(io.BytesIO(report_xlsx(console))))
    assert "静安健身会所" in written[next(iter(written))][0][0]
    said = capsys.readouterr().out
    assert str(out) in said and console.title in said


def test_it_prints_the_pdf_in_english_when_asked(
    amends: Amends, november: Cast, tmp_path: Path
) -> None:
    out = tmp_path / "gym1.pdf"
    code = amends(
        "report", "monthly", "--venue", "GYM1", "--month", "2026-11",
        "--format", "pdf", "--output", str(out), "--language", "en",
    )  # fmt: skip
    assert code == 0
    reader = PdfReader(out)
    text = reader.pages[0].extract_text()
    assert "November 2026" in text and f"Page 1 of {len(reader.pages)}" in text


def test_the_whole_company_of_an_installation_with_one_company(
    amends: Amends, db: Any, tmp_path: Path
) -> None:
    with clock.travel(local(2026, 11, 1)):
        company = company_create(name="Lifeforce Fitness", code="LIFE")
        venue_create(company=company, code="GYM1", name="静安健身会所")
        workflow_install_defaults(company=company)
    out = tmp_path / "life.xlsx"
    code = amends(
        "report", "monthly", "--company", "--month", "2026-11",
        "--format", "xlsx", "--output", str(out),
    )  # fmt: skip
    assert code == 0 and out.stat().st_size > 0


def test_with_several_companies_the_company_is_named(
    amends: Amends, cast: Cast, tmp_path: Path, capsys: Any
) -> None:
    out = tmp_path / "life.pdf"
    args = ("--month", "2026-11", "--format", "pdf", "--output", str(out))
    assert amends("report", "monthly", "--company", *args) == 1
    assert "several companies: name one (--company CODE: LIFE, OTHER)" in capsys.readouterr().err
    assert not out.exists()
    assert amends("report", "monthly", "--company", "LIFE", *args) == 0
    assert out.read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("--venue", "NOPE", "--month", "2026-11", "--format", "pdf"), "no venue with code 'NOPE'"),
        (("--venue", "GYM1", "--month", "2026-13", "--format", "pdf"), "--month must be YYYY-MM"),
        (("--venue", "GYM1", "--month", "11/2026", "--format", "pdf"), "--month must be YYYY-MM"),
        (("--venue", "GYM1", "--month", "9999-12", "--format", "pdf"), "--month must be YYYY-MM"),
        (("--venue", "GYM1", "--month", "2026-11", "--format", "docx"), "--format must be xlsx"),
        (("--company", "NOPE", "--month", "2026-11", "--format", "pdf"), "no company with code"),
        (("--month", "2026-11", "--format", "pdf"), "name the venue (--venue CODE)"),
        (
            ("--venue", "GYM1", "--month", "2026-11", "--format", "pdf", "--language", "fr"),
            "--language must be zh-hans or en",
        ),
    ],
)
def test_a_mistake_ends_with_its_reason_and_a_non_zero_exit(
    amends: Amends, cast: Cast, tmp_path: Path, capsys: Any, args: tuple[str, ...], reason: str
) -> None:
    out = tmp_path / "report.out"
    assert amends("report", "monthly", *args, "--output", str(out)) == 1
    err = capsys.readouterr().err
    assert reason in err and "Traceback" not in err
    assert not out.exists()


def test_a_missing_folder_is_a_mistake_too(
    amends: Amends, cast: Cast, tmp_path: Path, capsys: Any
) -> None:
    out = tmp_path / "no" / "such" / "folder.pdf"
    args = ("--venue", "GYM1", "--month", "2026-11", "--format", "pdf", "--output", str(out))
    assert amends("report", "monthly", *args) == 1
    assert "no folder" in capsys.readouterr().err


def test_rollup_brings_the_rollups_up_to_date_or_rebuilds_them(
    amends: Amends, november: Cast, capsys: Any
) -> None:
    assert amends("report", "rollup") == 0
    assert "venue-days up to date" in capsys.readouterr().out
    assert amends("report", "rollup", "--rebuild") == 0
    assert "rebuilt the rollups of" in capsys.readouterr().out
