"""Next year is a month away (1 December 2026) and no calendar library knows 2027's make-up
workdays yet: deadlines fall back to 2027's statutory holidays (Spring Festival is not a working
week), every venue counting working days is warned on its dashboard, and an administrator
enters the State Council's schedule by pasting it."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from amends.core import clock
from amends.orgs.models import User
from amends.orgs.services import venue_create
from amends.workflow.calendar import (
    LIBRARY_MAX_YEAR,
    Calendar,
    ClockMode,
    VenueClock,
    parse_schedule,
)
from amends.workflow.models import CalendarOverride
from amends.workflow.selectors import calendar_gaps
from amends.workflow.services import sla_install_defaults

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


SPRING_FESTIVAL_2027 = """\
# 国务院办公厅关于2027年部分节假日安排的通知 (as an administrator would paste it)
2027-01-01..2027-01-03 holiday 元旦
2027-02-05..2027-02-11 holiday 春节
2027-02-14 workday 春节调休
2027-02-20 班 春节调休
"""


def test_the_library_does_not_know_2027_yet():
    assert LIBRARY_MAX_YEAR == 2026  # the premise: when this fails, pick the next year


def test_it_falls_back_to_2027s_statutory_holidays_not_monday_to_friday():
    national = Calendar()
    assert not national.knows(date(2027, 2, 8))
    # Spring Festival 2027 (6 February): eve, the three days and the substitutes for the
    # weekend are holidays by law, though they fall on weekdays.
    for day in (5, 8, 9, 10):
        assert not national.is_working_day(date(2027, 2, day)), day
    assert national.is_working_day(date(2027, 2, 11))
    assert national.add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 11)
    assert not national.is_working_day(date(2027, 10, 1))  # National Day
    assert national.is_working_day(date(2027, 3, 1))  # an ordinary Monday


def test_a_working_days_deadline_skips_spring_festival_2027():
    scenic = VenueClock(
        tz=SHANGHAI,
        opens=time(8, 30),
        closes=time(17, 30),
    )
    deadline = scenic.add(local(2027, 2, 4, 15, 40), mode=ClockMode.WORKING_DAYS, working_days=1)
    assert deadline.due == local(2027, 2, 11, 17, 30)
    assert deadline.warnings == ("calendar_unknown:2027",)  # the make-up days are not known


@pytest.fixture
def scenic(cast):
    venue = venue_create(company=cast.company, code="TOUR1", name="西湖景区", kind="tourism")
    sla_install_defaults(venue=venue)
    return venue


def test_it_names_the_venues_counting_working_days_that_lack_next_years_schedule(cast, scenic):
    today = date(2026, 12, 1)
    gaps = calendar_gaps([cast.gym, scenic, cast.hotel], today)
    assert [(gap.venue.code, gap.years) for gap in gaps] == [("TOUR1", (2027,))]
    assert calendar_gaps([scenic], date(2026, 10, 1)) == []  # 2027 is still over 60 days away
    CalendarOverride.objects.create(day=date(2027, 2, 14), is_working_day=True, name="春节调休")
    assert calendar_gaps([cast.gym, scenic], today) == []


def test_it_warns_on_the_dashboard_of_an_affected_venue(cast, scenic, client: Client):
    User.objects.filter(pk=cast.director.pk).update(language="en")
    client.force_login(cast.director)
    with clock.travel(local(2026, 12, 1, 9, 0)):
        html = client.get(reverse("console:dashboard")).content.decode()
    assert html.count('class="warning calendar-warning"') == 1
    assert "西湖景区: no official holiday schedule for 2027 yet." in html
    CalendarOverride.objects.create(day=date(2027, 2, 14), is_working_day=True)
    with clock.travel(local(2026, 12, 1, 9, 0)):
        html = client.get(reverse("console:dashboard")).content.decode()
    assert "calendar-warning" not in html


def test_it_reads_a_pasted_schedule_line_by_line():
    days, errors = parse_schedule(SPRING_FESTIVAL_2027)
    assert errors == []
    assert len(days) == 3 + 7 + 2
    assert (days[0].day, days[0].is_working_day, days[0].name) == (date(2027, 1, 1), False, "元旦")
    assert [(d.day, d.is_working_day) for d in days if d.is_working_day] == [
        (date(2027, 2, 14), True),
        (date(2027, 2, 20), True),
    ]
    _days, errors = parse_schedule(
        "2027-02-30 holiday\n2027-05-01 vacation\n2027-05-05..2027-05-01 holiday\n"
        "2027-05-01 holiday\n2027-05-01 workday\n2027-05-02"
    )
    assert [(e.line, e.code) for e in errors] == [
        (1, "date"),
        (2, "kind"),
        (3, "range"),
        (5, "conflict"),
        (6, "format"),
    ]


@pytest.fixture
def admin_client(cast, client: Client) -> Client:
    root = User.objects.create_superuser(
        username="root", email="root@example.com", password="amends-test", company=cast.company
    )
    User.objects.filter(pk=root.pk).update(language="en")
    client.force_login(root)
    return client


def test_an_administrator_pastes_a_years_schedule_checks_it_and_enters_it_once(admin_client):
    url = reverse("admin:workflow_calendaroverride_paste")
    listing = admin_client.get(reverse("admin:workflow_calendaroverride_changelist"))
    assert url in listing.content.decode()  # the list offers the paste page

    checked = admin_client.post(url, {"schedule": SPRING_FESTIVAL_2027})
    html = checked.content.decode()
    assert checked.status_code == 200
    assert html.count("<td>new</td>") == 12
    assert 'name="confirm"' in html
    assert not CalendarOverride.objects.exists()  # nothing written before confirmation

    entered = admin_client.post(url, {"schedule": SPRING_FESTIVAL_2027, "confirm": "1"})
    assert entered.status_code == 302
    assert CalendarOverride.objects.count() == 12
    assert CalendarOverride.objects.get(day=date(2027, 2, 14)).is_working_day
    assert not CalendarOverride.objects.get(day=date(2027, 2, 8)).is_working_day

    again = admin_client.post(url, {"schedule": SPRING_FESTIVAL_2027, "confirm": "1"}, follow=True)
    assert "0 created, 0 corrected, 12 already there" in again.content.decode()
    assert CalendarOverride.objects.count() == 12
    assert Calendar(
        overrides=dict(CalendarOverride.objects.values_list("day", "is_working_day"))
    ).knows(date(2027, 6, 1))


def test_a_schedule_with_a_bad_line_is_refused_whole(admin_client):
    url = reverse("admin:workflow_calendaroverride_paste")
    response = admin_client.post(
        url, {"schedule": "2027-01-01 holiday 元旦\n2027-13-01 holiday\n", "confirm": "1"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Line 2 “2027-13-01 holiday”: Write dates as YYYY-MM-DD." in html
    assert not CalendarOverride.objects.exists()


def test_only_administrators_may_paste_a_schedule(cast, client: Client):
    client.force_login(cast.director)
    response = client.get(reverse("admin:workflow_calendaroverride_paste"))
    assert response.status_code in (302, 403)
    assert not CalendarOverride.objects.exists()
