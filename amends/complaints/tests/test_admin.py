"""The admin as the people who use it see it: a superuser configures the system in Chinese and
English; complaints and customers are shown, never changed, and never in clear; staff who are not
superusers see only their own venue's complaints."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst

from amends.complaints.models import Complaint
from amends.complaints.transitions import State
from amends.conftest import Cast, local
from amends.core import clock
from amends.members.models import Customer
from amends.notifications.models import Outbox
from amends.orgs.models import User
from amends.orgs.roles import Role
from amends.workflow.models import CalendarOverride

CONFIGURATION = [
    ("orgs", "company"),
    ("orgs", "venue"),
    ("orgs", "department"),
    ("orgs", "user"),
    ("orgs", "rolegrant"),
    ("workflow", "category"),
    ("workflow", "slapolicy"),
    ("workflow", "routingrule"),
    ("workflow", "authoritylimit"),
    ("workflow", "calendaroverride"),
]
RECORDS = [
    ("complaints", "complaint"),
    ("complaints", "complaintevent"),
    ("complaints", "evidence"),
    ("complaints", "remedyproposal"),
    ("complaints", "revisit"),
    ("complaints", "survey"),
    ("members", "customer"),
    ("members", "member"),
    ("notifications", "outbox"),
]
CLEAR = ("13800138000", "王芳", "wang.fang@example.com")


@pytest.fixture
def root(cast: Cast) -> User:
    return User.objects.create_superuser(
        username="root", email="root@example.com", password="amends-test", company=cast.company
    )


@pytest.fixture
def admin_client(client: Client, root: User) -> Client:
    client.force_login(root)
    return client


def receive(cast: Cast, **fields: object) -> Complaint:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        return cast.receive(**fields)  # type: ignore[arg-type]


def get(client: Client, url: str, language: str = "en") -> tuple[int, str]:
    """GET as the signed-in user speaking `language` (the language remembered on the account
    wins over the browser's, so both are set)."""
    user_id = client.session.get("_auth_user_id")
    if user_id is not None:
        User.objects.filter(pk=user_id).update(language=language)
    response = client.get(url, headers={"accept-language": language})
    return response.status_code, response.content.decode()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_it_opens_every_configuration_page_for_a_superuser(
    cast: Cast, admin_client: Client, language: str
) -> None:
    CalendarOverride.objects.create(
        day=local(2027, 2, 20).date(), is_working_day=True, name="春节调休"
    )
    for app, model in CONFIGURATION:
        for page in ("changelist", "add"):
            status, html = get(admin_client, reverse(f"admin:{app}_{model}_{page}"), language)
            assert status == 200, (app, model, page)
            assert f'lang="{language}"' in html
    for url in (
        reverse("admin:orgs_venue_change", args=[cast.gym.pk]),
        reverse("admin:orgs_user_change", args=[cast.outsider.pk]),
        reverse("admin:orgs_company_change", args=[cast.company.pk]),
    ):
        status, html = get(admin_client, url, language)
        assert status == 200, url


def test_it_speaks_chinese_to_a_chinese_admin(cast: Cast, admin_client: Client) -> None:
    receive(cast)
    with translation.override("zh-hans"):
        complaints = capfirst(str(Complaint._meta.verbose_name_plural))
        venues = capfirst(str(cast.gym._meta.verbose_name_plural))
    status, html = get(admin_client, reverse("admin:index"), "zh-hans")
    assert status == 200
    assert 'lang="zh-hans"' in html
    assert "站点管理" in html  # Django's own catalog
    assert (
        complaints in html and venues in html
    )  # "投诉", "门店" once the project's catalog has them
    status, html = get(admin_client, reverse("admin:complaints_complaint_changelist"), "zh-hans")
    assert status == 200 and complaints in html
    status, html = get(admin_client, reverse("admin:index"), "en")
    assert 'lang="en"' in html and "Site administration" in html


def test_it_lists_every_record_of_a_complaint_read_only(cast: Cast, admin_client: Client) -> None:
    receive(cast)
    for app, model in RECORDS:
        status, _html = get(admin_client, reverse(f"admin:{app}_{model}_changelist"))
        assert status == 200, (app, model)
        assert admin_client.get(reverse(f"admin:{app}_{model}_add")).status_code == 403, (
            app,
            model,
        )


def inline_row(html: str, prefix: str, index: int) -> dict[str, str]:
    """The cells of row `index` of the inline `prefix`, by field name, as shown."""
    start = html.index(f'id="{prefix}-{index}">')
    row = html[start : html.index("</tr>", start)]
    return {
        field: " ".join(re.sub(r"<[^>]+>", " ", text).split())
        for field, text in re.findall(r'<td class="field-(\w+)">\s*<p>(.*?)</p>', row, re.S)
    }


def test_it_shows_a_complaint_but_refuses_to_change_it(cast: Cast, admin_client: Client) -> None:
    complaint = receive(cast, category="facility_equipment", severity="urgent")
    url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    status, html = get(admin_client, url)
    assert status == 200
    assert complaint.reference in html
    # The timeline inline: first the desk recorded it.
    first = inline_row(html, "events", 0)
    assert (first["seq"], first["kind"], first["actor"]) == ("1", "received", "Desk")
    assert f'<p><a href="/admin/orgs/user/{cast.desk.pk}/change/">Desk</a></p>' in html
    assert first["at"] == "Nov. 20, 2026, 10 a.m."

    response = admin_client.post(url, {"state": "closed", "description": "tampered"})
    assert response.status_code == 403
    response = admin_client.post(
        reverse("admin:complaints_complaint_delete", args=[complaint.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    stored = Complaint.objects.get(pk=complaint.pk)
    assert (stored.state, stored.version) == (State.ASSIGNED, complaint.version)
    assert stored.description == "跑步机皮带突然打滑，我摔倒了膝盖流血。"


def test_it_never_shows_the_customer_in_clear(cast: Cast, admin_client: Client) -> None:
    complaint = receive(cast)
    customer = complaint.customer
    pages = [
        reverse("admin:members_customer_changelist"),
        reverse("admin:members_customer_change", args=[customer.pk]),
        reverse("admin:complaints_complaint_change", args=[complaint.pk]),
        reverse("admin:notifications_outbox_changelist"),
        *[
            reverse("admin:notifications_outbox_change", args=[message.pk])
            for message in complaint_messages(complaint)
        ],
    ]
    for url in pages:
        status, html = get(admin_client, url)
        assert status == 200, url
        for clear in CLEAR:
            assert clear not in html, (url, clear)
    _status, html = get(admin_client, reverse("admin:members_customer_change", args=[customer.pk]))
    assert "138****8000" in html
    assert "王*" in html
    assert "w***@example.com" in html
    _status, html = get(admin_client, reverse("admin:notifications_outbox_changelist"))
    assert "138****8000" in html  # the acknowledgement by text message, masked


def complaint_messages(complaint: Complaint) -> list[Outbox]:
    return list(Outbox.objects.filter(complaint_id=complaint.pk, recipient_user__isnull=True))


def test_it_finds_a_customer_by_exact_phone_through_the_blind_index(
    cast: Cast, admin_client: Client
) -> None:
    receive(cast)
    url = reverse("admin:members_customer_changelist")
    _status, html = get(admin_client, f"{url}?q=138 0013 8000")
    assert "138****8000" in html
    _status, html = get(admin_client, f"{url}?q=WANG.FANG@example.com")
    assert "138****8000" in html
    _status, html = get(admin_client, f"{url}?q=13900139000")
    assert "138****8000" not in html


def test_it_stores_no_personal_data_in_clear(cast: Cast) -> None:
    receive(cast)
    with connection.cursor() as cursor:
        cursor.execute("select name, phone, email from members_customer")
        rows = cursor.fetchall()
    assert rows
    stored = " ".join(str(value) for row in rows for value in row)
    for clear in CLEAR:
        assert clear not in stored
    assert Customer.objects.get().phone == "+8613800138000"  # and it reads back through the key


def test_it_shows_staff_only_the_complaints_of_their_venue(cast: Cast, client: Client) -> None:
    theirs = receive(cast, actor=cast.outsider, venue=cast.gym2)
    other = receive(cast, actor=cast.desk, venue=cast.gym)
    cast.outsider.is_staff = True
    cast.outsider.save()
    cast.outsider.user_permissions.add(
        Permission.objects.get(content_type__app_label="complaints", codename="view_complaint"),
        Permission.objects.get(
            content_type__app_label="complaints", codename="view_complaintevent"
        ),
    )
    client.force_login(cast.outsider)

    status, html = get(client, reverse("admin:complaints_complaint_changelist"))
    assert status == 200
    assert theirs.reference in html
    assert other.reference not in html
    status, html = get(client, reverse("admin:complaints_complaintevent_changelist"))
    assert status == 200
    assert theirs.reference in html and other.reference not in html
    assert get(client, reverse("admin:complaints_complaint_change", args=[theirs.pk]))[0] == 200
    response = client.get(reverse("admin:complaints_complaint_change", args=[other.pk]))
    assert response.status_code == 302  # "does not exist": the admin never shows it
    # Configuration is not theirs unless granted.
    assert client.get(reverse("admin:orgs_venue_changelist")).status_code == 403


def test_it_refuses_a_role_grant_at_another_companys_venue(
    cast: Cast, admin_client: Client
) -> None:
    other_venue = cast.stranger.grants.exclude(venue=None).get().venue
    assert other_venue is not None
    response = admin_client.post(
        reverse("admin:orgs_rolegrant_add"),
        {"user": cast.coach.pk, "role": Role.MANAGER, "venue": other_venue.pk, "department": ""},
    )
    assert response.status_code == 200  # the form again, with the error
    assert not cast.coach.grants.filter(venue=other_venue).exists()


def test_it_lists_complaints_in_a_fixed_number_of_queries(cast: Cast, admin_client: Client) -> None:
    url = reverse("admin:complaints_complaint_changelist")
    receive(cast)
    assert admin_client.get(url).status_code == 200  # the person's grants read into the cache
    with CaptureQueriesContext(connection) as one:
        assert admin_client.get(url).status_code == 200
    receive(cast, category="facility_equipment")
    receive(cast, venue=cast.hotel, actor=cast.director)
    with CaptureQueriesContext(connection) as three:
        assert admin_client.get(url).status_code == 200
    assert len(three) == len(one)


def test_it_gives_a_new_venue_its_departments_and_time_limits(
    cast: Cast, admin_client: Client
) -> None:
    data = {
        "company": cast.company.pk,
        "code": "GYM3",
        "name": "徐汇健身会所",
        "kind": "gym",
        "is_active": "on",
        "timezone": "Asia/Shanghai",
        "opens_at": "06:00",
        "closes_at": "22:00",
        "open_days": "every_day",
        "revisit_days": "7",
        "reopen_window_days": "15",
        "repeat_window_days": "30",
        "duplicate_window_hours": "72",
        "departments-TOTAL_FORMS": "0",
        "departments-INITIAL_FORMS": "0",
        "sla_policies-TOTAL_FORMS": "0",
        "sla_policies-INITIAL_FORMS": "0",
    }
    response = admin_client.post(reverse("admin:orgs_venue_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    venue = cast.company.venues.get(code="GYM3")
    assert sorted(venue.departments.values_list("code", flat=True)) == [
        "courses",
        "customer_service",
        "front_office",
        "maintenance",
    ]
    assert sorted(venue.sla_policies.values_list("severity", flat=True)) == [
        "general",
        "important",
        "urgent",
    ]


def test_it_adds_a_member_of_staff_with_company_and_roles(cast: Cast, admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:orgs_user_add"),
        {
            "username": "frontdesk2",
            "password1": "a-Long-pass-2026",
            "password2": "a-Long-pass-2026",
            "usable_password": "true",
            "company": cast.company.pk,
            "display_name": "李娜",
            "language": "zh-hans",
            "grants-TOTAL_FORMS": "1",
            "grants-INITIAL_FORMS": "0",
            "grants-0-role": Role.FRONT_DESK,
            "grants-0-venue": cast.gym2.pk,
            "grants-0-department": cast.dept("front_office", cast.gym2).pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    user = User.objects.get(username="frontdesk2")
    assert (user.company, user.display_name, user.language) == (cast.company, "李娜", "zh-hans")
    assert user.grants.get().venue == cast.gym2


def test_it_shows_staff_only_their_own_companys_configuration(cast: Cast, client: Client) -> None:
    cast.director.is_staff = True
    cast.director.save()
    cast.director.user_permissions.add(
        Permission.objects.get(content_type__app_label="orgs", codename="view_venue")
    )
    client.force_login(cast.director)
    status, html = get(client, reverse("admin:orgs_venue_changelist"))
    assert status == 200
    assert "GYM1" in html and "HTL1" in html
    assert "OGYM" not in html
