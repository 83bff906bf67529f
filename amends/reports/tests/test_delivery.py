"""The monthly report by email: on the 1st at 08:00 in each venue's own time, last month's
report (PDF, xlsx attached) goes to the venue's managers and general managers with an email
address, each in their language — once, however often the job runs and however many run it."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
from django.core.files.storage import default_storage
from pypdf import PdfReader

from amends.conftest import SHANGHAI, Cast, local
from amends.core import clock, jobs
from amends.notifications.delivery import deliver_due
from amends.notifications.models import Outbox
from amends.notifications.tests.smtp import SmtpServer
from amends.orgs.models import User, Venue
from amends.orgs.roles import Role
from amends.orgs.services import role_grant, staff_create
from amends.reports import delivery
from amends.reports.models import MonthlyDelivery

NOVEMBER = date(2026, 11, 1)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.AMENDS_REPORT_SEND_HOUR = 8


@pytest.fixture
def managed(cast: Cast) -> Cast:
    """The gym's general manager (English) and an area manager for every venue (Chinese), both
    with an email address; the gym's customer-service manager has none. Three complaints at
    the gym in November."""
    with clock.travel(local(2026, 11, 1, 9, 0)):
        gm = staff_create(
            company=cast.company,
            username="gm",
            password=None,
            display_name="陈静",
            display_name_en="Jing Chen",
            email="gm@example.com",
            language=User.Language.EN,
        )
        role_grant(user=gm, role=Role.GENERAL_MANAGER, venue=cast.gym)
        area = staff_create(
            company=cast.company,
            username="area",
            password=None,
            display_name="周强",
            email="area@example.com",
        )
        role_grant(user=area, role=Role.MANAGER, venue=None)
    for day in (3, 18, 30):
        with clock.travel(local(2026, 11, day, 15, 0)):
            cast.receive(category="facility_equipment")
    return cast


@pytest.fixture
def mail_server(settings: Any) -> Iterator[SmtpServer]:
    """The notifications tests' real SMTP server, Django's mail pointed at it."""
    server = SmtpServer()
    server.start()
    for name, value in server.settings().items():
        setattr(settings, name, value)
    yield server
    server.stop()


def send(at: datetime) -> dict[str, int]:
    return dict(jobs.run("reports.send_monthly", now=at).counts)


def emails() -> list[Outbox]:
    return list(
        Outbox.objects.filter(kind=delivery.KIND).order_by("recipient_user__username", "pk")
    )


def test_it_goes_out_on_the_first_at_eight_not_before_and_not_twice(managed: Cast) -> None:
    assert send(local(2026, 12, 1, 7, 59)) == {"venues": 0, "emails": 0, "failed": 0}
    assert not emails() and not MonthlyDelivery.objects.exists()

    # GYM1: the general manager and the area manager; GYM2 and the hotel: the area manager.
    # The other company's gym has no manager with an address: recorded, sent to nobody.
    assert send(local(2026, 12, 1, 8, 0)) == {"venues": 4, "emails": 4, "failed": 0}
    sent = {
        (d.venue.code, d.month, d.recipients)
        for d in MonthlyDelivery.objects.select_related("venue")
    }
    assert sent == {
        ("GYM1", NOVEMBER, 2),
        ("GYM2", NOVEMBER, 1),
        ("HTL1", NOVEMBER, 1),
        ("OGYM", NOVEMBER, 0),
    }
    assert [(o.recipient_address, o.recipient_user.username) for o in emails()] == [
        ("area@example.com", "area"),
        ("area@example.com", "area"),
        ("area@example.com", "area"),
        ("gm@example.com", "gm"),
    ]

    assert send(local(2026, 12, 1, 9, 0)) == {"venues": 0, "emails": 0, "failed": 0}
    assert send(local(2026, 12, 2, 8, 0)) == {"venues": 0, "emails": 0, "failed": 0}
    assert len(emails()) == 4


def test_each_manager_reads_it_in_their_language_with_both_files_attached(
    managed: Cast,
) -> None:
    send(local(2026, 12, 1, 8, 0))
    gm = Outbox.objects.get(kind=delivery.KIND, recipient_user__username="gm")
    area = Outbox.objects.get(
        kind=delivery.KIND,
        recipient_user__username="area",
        dedupe_key__startswith=f"monthly-report:{managed.gym.pk}:",
    )
    assert gm.language == "en" and area.language == "zh-hans"
    assert gm.subject == "静安健身会所: the monthly complaint report for November 2026"
    assert "Hello Jing Chen," in gm.body and "gym" not in gm.subject
    assert "?venue=GYM1&month=2026-11" in gm.body  # the report in the console
    assert gm.dedupe_key == f"monthly-report:{managed.gym.pk}:2026-11:{gm.recipient_user_id}"
    names = [(a["name"], a["type"]) for a in gm.context["attachments"]]
    assert names == [
        ("GYM1-2026-11.pdf", "application/pdf"),
        ("GYM1-2026-11.xlsx", delivery.XLSX_TYPE),
    ]
    english = PdfReader(
        io.BytesIO(default_storage.open(gm.context["attachments"][0]["path"]).read())
    )
    assert "November 2026" in english.pages[0].extract_text()
    chinese = PdfReader(
        io.BytesIO(default_storage.open(area.context["attachments"][0]["path"]).read())
    )
    assert "2026年11月" in chinese.pages[0].extract_text()
    assert "<html" in gm.context["html"] and "Jing Chen" in gm.context["html"]


def test_a_venue_in_another_time_zone_gets_it_at_eight_its_own_time(managed: Cast) -> None:
    Venue.objects.filter(pk=managed.hotel.pk).update(timezone="Europe/London")
    send(local(2026, 12, 1, 8, 0))  # midnight in London: not yet
    assert not MonthlyDelivery.objects.filter(venue=managed.hotel).exists()
    send(local(2026, 12, 1, 15, 59))  # 07:59 in London
    assert not MonthlyDelivery.objects.filter(venue=managed.hotel).exists()
    send(local(2026, 12, 1, 16, 0))  # 08:00 in London
    delivered = MonthlyDelivery.objects.get(venue=managed.hotel)
    assert delivered.month == NOVEMBER and delivered.sent_at == local(2026, 12, 1, 16, 0)


def test_a_server_down_on_the_first_sends_on_its_return_within_the_week(managed: Cast) -> None:
    assert send(local(2026, 12, 8, 9, 0))["venues"] == 0  # past the catch-up days
    assert send(local(2026, 12, 3, 10, 0))["venues"] == 4
    assert MonthlyDelivery.objects.filter(month=NOVEMBER).count() == 4


def test_two_runners_at_once_send_it_once(managed: Cast) -> None:
    at = local(2026, 12, 1, 8, 0)
    with clock.travel(at):
        first = delivery.venue_send(managed.gym, NOVEMBER, now=at)
        second = delivery.venue_send(managed.gym, NOVEMBER, now=at)
    assert (first, second) == (2, 0)
    assert Outbox.objects.filter(kind=delivery.KIND).count() == 2
    assert MonthlyDelivery.objects.get(venue=managed.gym).recipients == 2
    # The second runner's files were dropped: one PDF and one xlsx per language.
    stored = default_storage.listdir("reports/monthly/2026/11")[1]
    assert sorted(stored) == [
        "GYM1-2026-11-en.pdf",
        "GYM1-2026-11-en.xlsx",
        "GYM1-2026-11-zh-hans.pdf",
        "GYM1-2026-11-zh-hans.xlsx",
    ]


def test_the_email_arrives_with_the_pdf_and_the_xlsx(
    managed: Cast, mail_server: SmtpServer
) -> None:
    send(local(2026, 12, 1, 8, 0))
    with clock.travel(
        local(
            2026,
            12,
            1,
            8,
            0,
        )
    ):
        counts = deliver_due(clock.now())
    assert counts["sent"] >= 4 and counts["failed"] == 0
    mails = [m for m in mail_server.parsed() if m["To"] == "gm@example.com"]
    (mail,) = mails
    files = {part.get_filename(): part.get_content() for part in mail.iter_attachments()}
    assert set(files) == {"GYM1-2026-11.pdf", "GYM1-2026-11.xlsx"}
    assert files["GYM1-2026-11.pdf"].startswith(b"%PDF-")
    assert files["GYM1-2026-11.xlsx"].startswith(b"PK")


def test_the_previous_month_of_january_is_last_december() -> None:
    assert delivery.previous_month(date(2027, 1, 1)) == date(2026, 12, 1)
    gym = Venue(code="X", timezone="Asia/Shanghai")
    assert delivery.due_month(gym, datetime(2027, 1, 1, 0, 0, tzinfo=SHANGHAI)) is None
    assert delivery.due_month(gym, datetime(2027, 1, 1, 8, 0, tzinfo=SHANGHAI)) == date(2026, 12, 1)
