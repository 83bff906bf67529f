"""The monthly report's "Triage agreement": how often people disagreed with triage in November
2026 at the gym, per suggested category, counted by hand from the story below — in the report,
on the console's page, in the xlsx and in the PDF.

Triage's reading is fixed for each complaint (`suggesting`), so the counts follow the story and
not whatever the current model happens to read in its text. The desk receives every complaint
(a person decides: nothing is applied), Shanghai time:

    A  11-02 10:00  suggested facility_equipment / urgent;  desk agrees
    B  11-05 10:00  suggested facility_equipment / urgent;  desk: safety_security / important
                    → category and severity overridden at intake; urgent not confirmed
    C  11-10 10:00  suggested hygiene_environment / general; desk agrees; 11-12 the manager
                    reclassifies it as noise → category overridden later
    D  11-15 10:00  suggested hygiene_environment / general; desk leaves it unclassified;
                    11-16 the manager classifies it as suggested → no override
    E  11-20 10:00  suggested service_attitude / important; desk agrees
    F  11-21 10:00  triage failed: no suggestion, not counted
    G  11-22 10:00  suggested service_attitude / general, desk: billing_price; merged into E
                    on 11-22 11:00 → left out (its survivor counts)
    O  10-31 23:59  suggested facility_equipment / urgent: October's
    X  12-01 00:01  suggested noise / urgent: December's
    P  11-18 10:00  at the other gym (GYM2), suggested noise / urgent: not the gym's

    per suggested category   with  cat.over  %     sev.over  %     urgent  confirmed
    service_attitude          1     0         0.0   0         0.0   0       0
    facility_equipment        2     1        50.0   1        50.0   2       1
    hygiene_environment       2     1        50.0   0         0.0   0       0
    total                     5     2        40.0   1        20.0   2       1
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal as D
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from amends.complaints.models import Complaint, TriageOverride
from amends.complaints.services import triage as triage_service
from amends.complaints.tests.stories import act
from amends.conftest import Cast, local
from amends.core import clock
from amends.reports.monthly import build_monthly_report
from amends.reports.pdf import report_pdf
from amends.reports.tables_triage import TriageTables
from amends.reports.tests.data import NOVEMBER, NOW
from amends.reports.xlsx import report_xlsx
from amends.triage.suggest import Guess, Suggestion
from amends.workflow.selectors import service_targets

TOTAL = ("Total", 5, 2, D("40.0"), 1, D("20.0"), 2, 1)


@contextmanager
def suggesting(monkeypatch: Any, category: str | None, severity: str = "general") -> Iterator[None]:
    """Triage reads `category` / `severity` in whatever is received inside the block (None:
    triage fails, and the complaint is recorded without a suggestion)."""

    def read(text: str, **kwargs: Any) -> Suggestion:
        if category is None:
            raise RuntimeError("the model is broken")
        return Suggestion(
            language="zh",
            category=Guess(category, 0.8, ("words",)),
            severity=Guess(severity, 0.9, ("words",)),
            psychology=Guess("respect", 0.6),
            validity=Guess("valid", 0.7),
            model_version="story",
        )

    with monkeypatch.context() as m:
        m.setattr(triage_service, "suggest", read)
        yield


def receive(
    cast: Cast,
    monkeypatch: Any,
    at: datetime,
    suggested: tuple[str, str] | None,
    chosen: tuple[str, str] | None,
    **fields: Any,
) -> Complaint:
    category, severity = chosen or (None, "")
    with clock.travel(at), suggesting(monkeypatch, *(suggested or (None, ""))):
        return cast.receive(
            category=category,
            severity=severity,
            description="有人在更衣室里说话。",
            phone=fields.pop("phone"),
            **fields,
        )


def classify(cast: Cast, c: Complaint, at: datetime, category: str) -> None:
    with clock.travel(at):
        act("classify", c, cast.manager, category=cast.category(category).pk)


@pytest.fixture
def story(cast: Cast, monkeypatch: Any) -> dict[str, Complaint]:
    fe, he, sa = "facility_equipment", "hygiene_environment", "service_attitude"
    r: Callable[..., Complaint] = lambda *a, **k: receive(cast, monkeypatch, *a, **k)  # noqa: E731
    found = {
        "A": r(local(2026, 11, 2, 10), (fe, "urgent"), (fe, "urgent"), phone="13800000001"),
        "B": r(
            local(2026, 11, 5, 10),
            (fe, "urgent"),
            ("safety_security", "important"),
            phone="13800000002",
        ),
        "C": r(local(2026, 11, 10, 10), (he, "general"), (he, "general"), phone="13800000003"),
        "D": r(local(2026, 11, 15, 10), (he, "general"), None, phone="13800000004"),
        "E": r(local(2026, 11, 20, 10), (sa, "important"), (sa, "important"), phone="13800000005"),
        "F": r(local(2026, 11, 21, 10), None, (sa, "general"), phone="13800000006"),
        "G": r(
            local(2026, 11, 22, 10),
            (sa, "general"),
            ("billing_price", "general"),
            phone="13800000007",
        ),
        "O": r(local(2026, 10, 31, 23, 59), (fe, "urgent"), (fe, "urgent"), phone="13800000008"),
        "X": r(
            local(2026, 12, 1, 0, 1), ("noise", "urgent"), ("noise", "urgent"), phone="13800000009"
        ),
        "P": r(
            local(2026, 11, 18, 10),
            ("noise", "urgent"),
            ("noise", "general"),
            phone="13800000010",
            actor=cast.outsider,
            venue=cast.gym2,
        ),
    }
    classify(cast, found["C"], local(2026, 11, 12, 10), "noise")
    classify(cast, found["D"], local(2026, 11, 16, 10), he)
    with clock.travel(local(2026, 11, 22, 11)):
        act("merge", found["G"], cast.manager, into=found["E"].reference, reason="同一件事")
    return found


def report(cast: Cast, language: str = "en", venue: str | None = "gym") -> Any:
    return build_monthly_report(
        actor=cast.director,
        company=cast.company,
        venue=getattr(cast, venue) if venue else None,
        month=NOVEMBER,
        language=language,
        now=NOW,
    )


def test_the_story_leaves_the_overrides_it_tells(cast: Cast, story: dict[str, Complaint]) -> None:
    overrides = {
        (o.complaint_id, o.field, o.suggested, o.chosen, o.stage)
        for o in TriageOverride.objects.all()
    }
    a, b, c, g, p = (story[k].pk for k in "ABCGP")
    assert overrides == {
        (b, "category", "facility_equipment", "safety_security", "intake"),
        (b, "severity", "urgent", "important", "intake"),
        (c, "category", "hygiene_environment", "noise", "later"),
        (g, "category", "service_attitude", "billing_price", "intake"),
        (p, "severity", "urgent", "general", "intake"),
    }
    assert a not in {o[0] for o in overrides}
    assert Complaint.objects.get(pk=story["F"].pk).suggested_category == ""


def test_it_counts_how_often_people_disagreed_per_suggested_category(
    cast: Cast, story: dict[str, Complaint]
) -> None:
    table = report(cast).table("triage")
    assert table.title == "Triage agreement"
    assert [c.key for c in table.columns] == [
        "category",
        "triaged",
        "category_overridden",
        "category_override_rate",
        "severity_overridden",
        "severity_override_rate",
        "urgent_suggested",
        "urgent_confirmed",
    ]
    assert [row.values for row in table.rows] == [
        ("Service attitude", 1, 0, D("0.0"), 0, D("0.0"), 0, 0),  # E (G merged)
        ("Facilities and equipment", 2, 1, D("50.0"), 1, D("50.0"), 2, 1),  # A B
        ("Hygiene and environment", 2, 1, D("50.0"), 0, D("0.0"), 0, 0),  # C D
        TOTAL,
    ]
    assert table.rows[-1].total and not any(row.total for row in table.rows[:-1])


def test_the_company_report_counts_each_venue_in_its_month(
    cast: Cast, story: dict[str, Complaint]
) -> None:
    rows = {row.values[0]: row.values[1:] for row in report(cast, venue=None).table("triage").rows}
    # P, at the other gym, is suggested urgent and the receiver there chose general.
    assert rows["Noise"] == (1, 0, D("0.0"), 1, D("100.0"), 1, 0)
    assert rows["Total"] == (6, 2, D("33.3"), 2, D("33.3"), 3, 1)


def test_a_month_without_suggestions_has_only_its_empty_total(cast: Cast) -> None:
    assert [row.values for row in report(cast).table("triage").rows] == [
        ("Total", 0, 0, None, 0, None, 0, 0)
    ]


def test_it_is_one_aggregate_query(cast: Cast, story: dict[str, Complaint]) -> None:
    tables = TriageTables(
        company=cast.company,
        venue=cast.gym,
        month=NOVEMBER,
        now=NOW,
        targets=service_targets(company_id=cast.company.pk),
        language="en",
    )
    with CaptureQueriesContext(connection) as seen:
        table = tables.triage_agreement()
    assert table.rows[-1].values == TOTAL
    assert len(seen.captured_queries) == 1
    sql = seen.captured_queries[0]["sql"]
    assert "GROUP BY" in sql and "EXISTS" in sql


def named(text: str, language: str = "zh-hans") -> str:
    with translation.override(language):
        return translation.gettext(text)


def test_the_xlsx_has_its_sheet_with_numbers_as_numbers(
    cast: Cast, story: dict[str, Complaint]
) -> None:
    book = load_workbook(io.BytesIO(report_xlsx(report(cast, language="zh-hans"))))
    sheet = book[named("Triage agreement")]
    assert sheet["A1"].value.endswith(named("Triage agreement"))
    assert [c.value for c in sheet[5]] == [
        named("Suggested category"),
        named("With a suggestion"),
        named("Category overridden"),
        named("Category overridden (%)"),
        named("Severity overridden"),
        named("Severity overridden (%)"),
        named("Urgent suggested"),
        named("Urgent confirmed"),
    ]
    assert [c.value for c in sheet[7]] == ["设施设备", 2, 1, 0.5, 1, 0.5, 2, 1]
    assert [c.value for c in sheet[9]] == [named("Total"), 5, 2, 0.4, 1, 0.2, 2, 1]
    assert isinstance(sheet["B9"].value, int) and sheet["D9"].number_format == "0.0%"
    assert sheet["A9"].font.bold


def test_the_pdf_prints_the_table(cast: Cast, story: dict[str, Complaint]) -> None:
    pdf = PdfReader(io.BytesIO(report_pdf(report(cast, language="zh-hans"))))
    words = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    assert named("Triage agreement") in words
    assert "设施设备 2 1 50.0% 1 50.0% 2 1" in words
    assert "卫生环境 2 1 50.0% 0 0.0% 0 0" in words
    assert f"{named('Total')} 5 2 40.0% 1 20.0% 2 1" in words


def test_the_console_page_shows_the_table(cast: Cast, story: dict[str, Complaint]) -> None:
    client = Client()
    client.force_login(cast.manager)
    with clock.travel(local(2026, 12, 1, 9, 0)):
        page = client.get(
            reverse("console:monthly_report") + "?venue=GYM1&month=2026-11"
        ).content.decode()
    section = re.search(r'<section[^>]*data-table="triage">(.*?)</section>', page, re.S)
    assert section is not None
    assert named("Triage agreement") in section.group(1)
    rows = [
        " ".join(re.sub(r"<[^>]+>", " ", row).split())
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", section.group(1), re.S)
    ]
    assert rows[1:] == [
        "服务态度 1 0 0.0% 0 0.0% 0 0",  # the manager reads the console in Chinese
        "设施设备 2 1 50.0% 1 50.0% 2 1",
        "卫生环境 2 1 50.0% 0 0.0% 0 0",
        f"{named('Total')} 5 2 40.0% 1 20.0% 2 1",
    ]


def test_each_row_links_to_the_complaints_it_counts(
    cast: Cast, story: dict[str, Complaint]
) -> None:
    from amends.reports.drill import complaints_behind

    table = report(cast).table("triage")
    links = [row.link for row in table.rows]
    assert links[1] == {
        "month": "2026-11",
        "venue": "GYM1",
        "measure": "triaged",
        "suggested": "facility_equipment",
    }
    assert links[-1] == {"month": "2026-11", "venue": "GYM1", "measure": "triaged"}

    def behind(**params: str) -> set[str]:
        found = complaints_behind(actor=cast.director, params={**links[-1], **params}, now=NOW)
        return {c.reference for c in found}

    ref = {k: c.reference for k, c in story.items()}
    assert behind(suggested="facility_equipment") == {ref["A"], ref["B"]}
    assert behind() == {ref[k] for k in "ABCDE"}
    assert behind(measure="category_overridden") == {ref["B"], ref["C"]}
    assert behind(measure="severity_overridden") == {ref["B"]}
    assert behind(measure="urgent_suggested") == {ref["A"], ref["B"]}
    assert behind(measure="urgent_confirmed") == {ref["A"]}
