"""The reports' pages as the managers and the director use them, over HTTP: the live KPI board
of November 2026, the monthly report with its charts, tables and downloads, the complaints
behind a figure, and a list export made in the background. Every page checks who is asking,
and a bad parameter is the reader's mistake (400 with the reason), never a 500.

The month's complaints are recorded through the services on concrete dates in Shanghai time,
one of them a minute before November began."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from amends.complaints.models import Complaint
from amends.complaints.selectors import queue_for_actor
from amends.complaints.tests.stories import drive
from amends.complaints.transitions import State
from amends.conftest import Cast, local
from amends.console.tests.test_accessibility import unlabelled
from amends.core import clock, config_cache, jobs
from amends.orgs.models import User
from amends.orgs.roles import Role
from amends.orgs.services import role_grant, staff_create
from amends.reports.models import ReportExport

S = State
NOV = "2026-11"


def as_(client: Client, user: User) -> Client:
    client.logout()
    client.force_login(user)
    return client


def url(name: str, *args: object, **query: str) -> str:
    path = reverse(f"console:{name}", args=args)
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def text(response: HttpResponse) -> str:
    return response.content.decode()


def listed(response: HttpResponse) -> list[str]:
    assert response.status_code == 200, response.status_code
    return re.findall(r'<tr data-reference="([^"]+)">', text(response))


def cell(page: str, venue: str, figure: str) -> re.Match[str]:
    """The KPI board's cell of `figure` in `venue`'s row: its colour, link and text."""
    row = re.search(rf'<tr data-venue="{venue}"[^>]*>(.*?)</tr>', page, re.S)
    assert row, f"no row for {venue!r}"
    found = re.search(
        rf'<td data-figure="{figure}" data-rag="(?P<rag>[a-z]*)"[^>]*>\s*'
        rf'(?:<a href="(?P<href>[^"]+)">)?(?P<text>[^<]*)(?:</a>)?\s*'
        rf'(?:<span class="verdict">.*?</span> (?P<verdict>[^<]+)</span>)?',
        row[1],
        re.S,
    )
    assert found, f"no cell {figure!r} for {venue!r}"
    return found


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def november(cast: Cast) -> dict[str, Complaint]:
    """The gym's November: one answered at once, one left unanswered past its deadline, one
    recorded a minute before the month began; and one at the other gym."""
    made: dict[str, Complaint] = {}
    with clock.travel(local(2026, 10, 31, 23, 59)):
        made["october"] = cast.receive(description="十月最后一分钟：储物柜坏了。")
    with clock.travel(local(2026, 11, 3, 10, 0)):
        made["answered"] = drive(
            cast, S.INVESTIGATING, category=cast.category("facility_equipment")
        )
    with clock.travel(local(2026, 11, 10, 10, 0)):
        made["late"] = cast.receive(description="淋浴间没有热水。", category="hygiene_environment")
    with clock.travel(local(2026, 11, 12, 15, 0)):
        made["pudong"] = cast.receive(actor=cast.outsider, venue=cast.gym2)
    return made


# --- the KPI board ----------------------------------------------------------------------------


def test_it_shows_the_director_every_venue_and_the_company_against_the_targets(
    client: Client, cast: Cast, november: dict[str, Complaint]
) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        page = text(as_(client, cast.director).get(url("kpi")))
    assert 'data-month="2026-11"' in page  # the current month, in Shanghai
    rows = re.findall(r'<tr data-venue="([^"]*)"', page)
    assert rows == ["GYM1", "GYM2", "HTL1", ""]  # "": the whole company, last
    # The gym received two in November (the one a minute before it began is October's).
    received = cell(page, "GYM1", "received")
    assert received["text"] == "2" and received["rag"] == ""
    assert cell(page, "", "received")["text"] == "3"
    # Answered at once: an average of 0.0 h, well within the 12 h target.
    quick = cell(page, "GYM1", "avg_first_response_hours")
    assert (quick["text"], quick["rag"]) == ("0.0", "green") and quick["verdict"]
    # One of the two judged was answered late: 50 % on time, red, said in words too.
    late = cell(page, "GYM1", "response_on_time_rate")
    assert (late["text"], late["rag"]) == ("50.0%", "red") and late["verdict"].strip()
    assert 'class="rag-red"' in page and 'class="rag-green"' in page
    # The other gym's only complaint, a week old and unanswered: overdue now.
    assert cell(page, "GYM2", "received")["text"] == "1"
    overdue = cell(page, "GYM2", "overdue")
    assert (overdue["text"], overdue["rag"]) == ("1", "red")


def test_it_links_each_figure_to_exactly_the_complaints_behind_it(
    client: Client, cast: Cast, november: dict[str, Complaint]
) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        page = text(as_(client, cast.manager).get(url("kpi")))
        received = cell(page, "GYM1", "received")["href"].replace("&amp;", "&")
        missed = cell(page, "GYM1", "response_on_time_rate")["href"].replace("&amp;", "&")
        assert parse_qs(urlsplit(received).query) == {
            "month": ["2026-11"],
            "venue": ["GYM1"],
            "measure": ["received"],
        }
        assert listed(client.get(received)) == [
            november["late"].reference,
            november["answered"].reference,
        ]
        assert listed(client.get(missed)) == [november["late"].reference]


def test_it_links_what_is_overdue_now_to_exactly_those_complaints(
    client: Client, cast: Cast, november: dict[str, Complaint]
) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        page = text(as_(client, cast.manager).get(url("kpi")))
        overdue = cell(page, "GYM1", "overdue")
        expected = list(
            queue_for_actor(actor=cast.manager, name="overdue", venue_id=cast.gym.pk)
            .order_by("-received_at")
            .values_list("reference", flat=True)
        )
        assert overdue["text"] == str(len(expected))
        assert november["october"].reference in expected  # overdue now, whatever its month
        assert listed(client.get(overdue["href"].replace("&amp;", "&"))) == expected


def test_it_shows_a_venue_manager_only_their_venue(
    client: Client, cast: Cast, november: dict[str, Complaint]
) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        page = text(as_(client, cast.outsider).get(url("kpi")))
    assert re.findall(r'<tr data-venue="([^"]*)"', page) == ["GYM2"]
    assert "GYM1" not in page


def test_it_shows_another_month_when_asked(
    client: Client, cast: Cast, november: dict[str, Complaint]
) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        page = text(as_(client, cast.manager).get(url("kpi", month="2026-10")))
    assert 'data-month="2026-10"' in page
    assert cell(page, "GYM1", "received")["text"] == "1"  # the one of 23:59 on 31 October
    assert '<option value="2026-10" selected>' in page


# --- the monthly report ------------------------------------------------------------------------


def test_it_shows_the_whole_monthly_report_with_its_charts_and_tables(
    client: Client, cast: Cast, november: dict[str, Complaint]
) -> None:
    with clock.travel(local(2026, 12, 1, 9, 0)):
        response = as_(client, cast.manager).get(url("monthly_report", venue="GYM1", month=NOV))
    assert response.status_code == 200
    page = text(response)
    # Four charts, inline SVG (the PDF's own).
    assert re.findall(r'<figure class="chart card" data-chart="([a-z_]+)"><svg', page) == [
        "trend",
        "categories",
        "pareto",
        "response_times",
    ]
    tables = re.findall(r'data-table="([a-z_]+)"', page)
    assert {"classification", "validity", "causes", "recurring", "staff"} <= set(tables)
    # The headline figures, with targets, linked to their complaints.
    received = re.search(
        r'<tr data-figure="received" data-rag="">.*?<a href="([^"]+)">2</a>', page, re.S
    )
    assert received, "the received figure"
    # A table row opens its complaints; a cause can become an improvement action.
    causes = page[page.index('data-table="causes"') :]
    causes = causes[: causes.index("</section>")]
    row = re.search(r'<th scope="row" class="k-text"><a href="([^"]+)">', causes)
    assert row and "category=" in row[1] and "venue=GYM1" in row[1]
    assert listed(client.get(row[1].replace("&amp;", "&")))
    # The picker offers only the venues the manager may report on.
    picker = re.search(r'<select id="pick-venue" name="venue">(.*?)</select>', page, re.S)
    assert picker and re.findall(r'value="([^"]*)"', picker[1]) == ["GYM1"]
    assert "Figures current to" in page or "数据截至" in page


def test_it_raises_an_improvement_action_from_a_cause_or_a_recurring_problem(
    client: Client, cast: Cast, november: dict[str, Complaint]
) -> None:
    with clock.travel(local(2026, 11, 21, 10, 0)):  # the showers again, same place
        cast.receive(
            description="淋浴间还是没有热水。",
            category="hygiene_environment",
            location="男更衣室淋浴间",
            phone="13700137000",
        )
        cast.receive(
            description="淋浴没有热水！",
            category="hygiene_environment",
            location="男更衣室淋浴间 ",
        )
    with clock.travel(local(2026, 12, 1, 9, 0)):
        page = text(as_(client, cast.manager).get(url("monthly_report", venue="GYM1", month=NOV)))

        def raised(table: str) -> list[dict[str, list[str]]]:
            section = page[page.index(f'data-table="{table}"') :]
            section = section[: section.index("</section>")]
            links = re.findall(r'<a href="([^"]+)" class="raise">', section)
            return [parse_qs(urlsplit(link.replace("&amp;", "&")).query) for link in links]

        causes = raised("causes")
        assert causes[0] == {
            "source": ["report"],
            "venue": ["GYM1"],
            "category": ["hygiene_environment"],
            "label": ["卫生环境"],
        }
        assert len(causes) == 2  # both categories of the month; never the totals row
        assert raised("recurring") == [
            {
                "source": ["cause"],
                "venue": ["GYM1"],
                "category": ["hygiene_environment"],
                "subject": ["男更衣室淋浴间"],
                "subject_key": ["place:男更衣室淋浴间"],
                "label": ["卫生环境 · 男更衣室淋浴间"],
            }
        ]
        # The link opens the improvement action's form, filled with the cause.
        first = page[page.index('data-table="causes"') :]
        href = re.search(r'<a href="([^"]+)" class="raise">', first)
        assert href
        form = client.get(href[1].replace("&amp;", "&"))
    assert form.status_code == 200 and "卫生环境" in text(form)


def test_it_offers_the_downloads_and_they_open(
    client: Client, cast: Cast, november: dict[str, Complaint]
) -> None:
    with clock.travel(local(2026, 12, 1, 9, 0)):
        as_(client, cast.manager)
        xlsx = client.get(url("report_download", venue="GYM1", month=NOV, format="xlsx"))
        pdf = client.get(url("report_download", venue="GYM1", month=NOV, format="pdf"))
    assert xlsx.status_code == 200
    assert xlsx["Content-Disposition"] == 'attachment; filename="GYM1-2026-11.xlsx"'
    book = load_workbook(io.BytesIO(xlsx.content))
    assert len(book.sheetnames) > 3
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"] == 'attachment; filename="GYM1-2026-11.pdf"'
    # Each download is on record: who took which report.
    taken = ReportExport.objects.filter(requested_by=cast.manager).order_by("pk")
    assert [(e.kind, e.params.get("venue"), e.params.get("month")) for e in taken] == [
        (ReportExport.Kind.MONTHLY_XLSX, "GYM1", NOV),
        (ReportExport.Kind.MONTHLY_PDF, "GYM1", NOV),
    ]


def test_it_shows_the_director_the_company_report(
    client: Client, cast: Cast, november: dict[str, Complaint]
) -> None:
    with clock.travel(local(2026, 12, 1, 9, 0)):
        as_(client, cast.director)
        page = text(client.get(url("monthly_report", company="1", month=NOV)))
        xlsx = client.get(url("report_download", company="1", month=NOV, format="xlsx"))
    assert re.search(r'<option value="" selected>', page)
    assert xlsx["Content-Disposition"] == 'attachment; filename="LIFE-2026-11.xlsx"'


# --- access --------------------------------------------------------------------------------------


def test_it_sends_a_stranger_to_the_sign_in_page(client: Client, cast: Cast) -> None:
    for path in (
        url("kpi"),
        url("monthly_report", venue="GYM1", month=NOV),
        url("report_download", venue="GYM1", month=NOV, format="pdf"),
        url("report_complaints", month=NOV),
        url("report_export_status", 1),
        url("report_export_file", 1),
    ):
        response = client.get(path)
        assert response.status_code == 302 and "/console/login/" in response["Location"], path
    assert client.post(url("report_export"), {"format": "csv", "month": NOV}).status_code == 302


def test_it_refuses_the_reports_to_people_without_a_report_role(
    client: Client, cast: Cast, november: dict[str, Complaint]
) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        for who in (cast.desk, cast.specialist, cast.coach, cast.maintenance):
            as_(client, who)
            for path in (
                url("kpi"),
                url("monthly_report", venue="GYM1", month=NOV),
                url("monthly_report"),
                url("report_download", venue="GYM1", month=NOV, format="xlsx"),
                url("report_complaints", month=NOV, venue="GYM1"),
            ):
                assert client.get(path).status_code == 403, (who.username, path)
            posted = client.post(url("report_export"), {"format": "csv", "month": NOV})
            assert posted.status_code == 403
            nav = text(client.get(url("dashboard"))).split("</nav>")[0]
            assert url("kpi") not in nav
        assert not ReportExport.objects.exists()


def test_it_keeps_a_venue_manager_out_of_another_venues_report(
    client: Client, cast: Cast, november: dict[str, Complaint]
) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        as_(client, cast.outsider)  # the manager of GYM2
        for path in (
            url("monthly_report", venue="GYM1", month=NOV),
            url("monthly_report", company="1", month=NOV),
            url("report_download", venue="GYM1", month=NOV, format="pdf"),
            url("report_complaints", month=NOV, venue="GYM1"),
            url("report_complaints", month=NOV),  # the whole company's
        ):
            assert client.get(path).status_code == 403, path
        posted = client.post(
            url("report_export"), {"format": "xlsx", "month": NOV, "venue": "GYM1"}
        )
        assert posted.status_code == 403
        # Their own venue is theirs.
        assert client.get(url("monthly_report", venue="GYM2", month=NOV)).status_code == 200
        # Another company's director does not even learn that GYM1 exists.
        as_(client, cast.stranger)
        response = client.get(url("monthly_report", venue="GYM1", month=NOV))
        assert response.status_code in (400, 404) and "静安" not in text(response)


# --- bad parameters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "query", "code"),
    [
        ("kpi", {"month": "2026-13"}, "bad_month"),
        ("kpi", {"month": "November"}, "bad_month"),
        ("monthly_report", {"venue": "GYM1", "month": "2026-13"}, "bad_month"),
        ("monthly_report", {"venue": "NOPE", "month": NOV}, "unknown_venue"),
        ("report_download", {"venue": "GYM1", "month": NOV, "format": "doc"}, "bad_format"),
        ("report_complaints", {"month": "2026-00", "venue": "GYM1"}, "bad_month"),
        ("report_complaints", {"month": NOV, "venue": "GYM1", "measure": "x"}, "unknown_measure"),
        ("report_complaints", {"month": NOV, "venue": "NOPE"}, "unknown_venue"),
        ("report_complaints", {"month": NOV, "category": "nope"}, "unknown_category"),
    ],
)
def test_it_answers_a_bad_parameter_with_the_reason(
    client: Client, cast: Cast, name: str, query: dict[str, str], code: str
) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        response = as_(client, cast.director).get(url(name, **query))
    assert response.status_code == 400
    assert f"<small>{code}</small>" in text(response)


# --- exports -------------------------------------------------------------------------------------


def _export(client: Client, fmt: str, **params: str) -> ReportExport:
    response = client.post(url("report_export"), {"format": fmt, **params})
    assert response.status_code == 302, response.status_code
    export = ReportExport.objects.latest("pk")
    assert response["Location"] == url("report_export_status", export.pk)
    return export


def _admin(cast: Cast) -> User:
    admin = staff_create(
        company=cast.company, username="admin", password="amends-test", display_name="Admin"
    )
    role_grant(user=admin, role=Role.ADMIN, venue=None)
    return admin


def test_it_makes_a_list_export_in_the_background_with_its_progress(
    client: Client, cast: Cast, november: dict[str, Complaint]
) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        as_(client, cast.manager)
        page = text(client.get(url("report_complaints", month=NOV, venue="GYM1")))
        # The buttons post the list's own filters (with the CSRF token).
        form = re.search(
            r'<form method="post" action="[^"]+" class="downloads">(.*?)</form>', page, re.S
        )
        assert form and "csrfmiddlewaretoken" in form[1]
        assert re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form[1])[1:] == [
            ("month", NOV),
            ("venue", "GYM1"),
        ]
        export = _export(client, "csv", month=NOV, venue="GYM1")
        # Waiting: the box asks again every second, by itself.
        waiting = text(client.get(url("report_export_status", export.pk)))
        assert 'hx-trigger="every 1s"' in waiting and 'data-status="pending"' in waiting
        assert url("report_export_file", export.pk) not in waiting
        assert client.get(url("report_export_file", export.pk)).status_code == 404
        jobs.run("reports.run_exports")
        # Done: the box (as htmx fetches it) stops asking and offers the file.
        box = text(client.get(url("report_export_status", export.pk), HTTP_HX_REQUEST="true"))
        assert box.startswith('<div id="export-progress"') and "hx-trigger" not in box
        assert 'data-status="done"' in box and url("report_export_file", export.pk) in box
        download = client.get(url("report_export_file", export.pk))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert "attachment" in download["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == [november["late"].reference, november["answered"].reference]
    # A manager may see the customers: the export is unmasked, and its record says so.
    assert "'+8613800138000" in rows[1]  # unmasked; a leading + is never a formula
    export.refresh_from_db()
    assert export.unmasked and export.rows == 2


def test_it_masks_the_customers_in_an_export_for_whoever_may_not_unmask(
    client: Client, cast: Cast, november: dict[str, Complaint]
) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        as_(client, _admin(cast))  # reads reports, may not unmask personal data
        export = _export(client, "xlsx", month=NOV, venue="GYM1", measure="response_late")
        jobs.run("reports.run_exports")
        download = client.get(url("report_export_file", export.pk))
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    values = [[c for c in row] for row in book.active.iter_rows(values_only=True)]
    assert [row[0] for row in values[1:]] == [november["late"].reference]
    flat = " ".join(str(c) for c in values[1])
    assert "138****8000" in flat and "13800138000" not in flat
    export.refresh_from_db()
    assert not export.unmasked


def test_it_shows_an_export_only_to_whoever_asked_for_it(
    client: Client, cast: Cast, november: dict[str, Complaint]
) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        export = _export(as_(client, cast.manager), "csv", month=NOV, venue="GYM1")
        jobs.run("reports.run_exports")
        for who in (cast.director, cast.outsider, cast.stranger, cast.desk):
            as_(client, who)
            assert client.get(url("report_export_status", export.pk)).status_code == 404
            assert client.get(url("report_export_file", export.pk)).status_code == 404
        as_(client, cast.auditor)  # the company's auditor may look at every export
        assert client.get(url("report_export_status", export.pk)).status_code == 200


def test_it_refuses_an_export_in_a_format_it_does_not_make(
    client: Client, cast: Cast, november: dict[str, Complaint]
) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        response = as_(client, cast.manager).post(
            url("report_export"), {"format": "pdf", "month": NOV, "venue": "GYM1"}
        )
    assert response.status_code == 400 and not ReportExport.objects.exists()


# --- the navigation ------------------------------------------------------------------------------


def test_it_offers_the_reports_in_the_navigation_to_whoever_may_read_them(
    client: Client, cast: Cast
) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        nav = text(as_(client, cast.manager).get(url("kpi"))).split("</nav>")[0]
    assert f'<a href="{url("kpi")}" aria-current="page">' in nav


# --- accessibility ----------------------------------------------------------------------------


def test_it_labels_every_control_of_the_reports_pages(
    client: Client, cast: Cast, november: dict[str, Complaint]
) -> None:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        as_(client, cast.manager)
        export = _export(client, "csv", month=NOV, venue="GYM1")
        for path in (
            url("kpi"),
            url("monthly_report", venue="GYM1", month=NOV),
            url("report_complaints", month=NOV, venue="GYM1"),
            url("report_export_status", export.pk),
        ):
            response = client.get(path)
            assert response.status_code == 200, path
            assert unlabelled(text(response)) == [], path


# --- cost ----------------------------------------------------------------------------------------


def test_it_lists_the_complaints_behind_a_figure_at_a_fixed_cost(
    client: Client, cast: Cast, november: dict[str, Complaint]
) -> None:
    def cost() -> int:
        config_cache.clear()  # the reader's grants read again: the page's full cost
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("report_complaints", month=NOV, venue="GYM1")).status_code == 200
        return len(captured)

    with clock.travel(local(2026, 11, 20, 9, 0)):
        as_(client, cast.manager)
        few = cost()
        for n in range(4):
            cast.receive(description=f"第{n}个：跑步机坏了。", category="facility_equipment")
        assert len(listed(client.get(url("report_complaints", month=NOV, venue="GYM1")))) == 6
        assert cost() == few
