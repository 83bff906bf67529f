"""Who may read which reports: managers of a venue theirs, company-wide roles every venue and
the company's total; the front desk and handlers none; another company's venue does not exist."""

from __future__ import annotations

import pytest

from amends.core.errors import NotFound, PermissionDenied
from amends.orgs.models import Venue
from amends.orgs.roles import Role
from amends.orgs.services import role_grant
from amends.reports.access import (
    REPORT_ROLES,
    check_report_access,
    may_report_company,
    report_venues,
)
from amends.reports.monthly import build_monthly_report
from amends.reports.tests.data import NOVEMBER


def codes(actor):
    return list(report_venues(actor).values_list("code", flat=True))


def test_the_report_roles(cast):
    assert {"manager", "general_manager", "director", "auditor", "admin"} == REPORT_ROLES


def test_a_venue_manager_reads_only_their_venue(cast):
    assert codes(cast.manager) == ["GYM1"]
    assert not may_report_company(cast.manager)
    check_report_access(actor=cast.manager, venue=cast.gym)
    with pytest.raises(PermissionDenied) as refused:
        check_report_access(actor=cast.manager, venue=cast.gym2)
    assert refused.value.code == "report_not_allowed"
    with pytest.raises(PermissionDenied):
        check_report_access(actor=cast.manager, venue=None)


def test_company_wide_roles_read_every_venue_and_the_company(cast):
    for person in (cast.director, cast.auditor):
        assert codes(person) == ["GYM1", "GYM2", "HTL1"]
        assert may_report_company(person)
        check_report_access(actor=person, venue=None)
        check_report_access(actor=person, venue=cast.hotel)


def test_front_desk_handlers_and_coaches_read_no_report(cast):
    for person in (cast.desk, cast.specialist, cast.maintenance, cast.coach):
        assert codes(person) == []
        with pytest.raises(PermissionDenied) as refused:
            check_report_access(actor=person, venue=cast.gym)
        assert refused.value.code == "report_not_allowed"
    with pytest.raises(PermissionDenied):
        build_monthly_report(
            actor=cast.desk, company=cast.company, venue=cast.gym, month=NOVEMBER, language="en"
        )


def test_a_general_manager_granted_at_one_venue_reads_that_venue(cast):
    role_grant(user=cast.specialist2, role=Role.GENERAL_MANAGER, venue=cast.hotel)
    assert codes(cast.specialist2) == ["HTL1"]


def test_another_companys_venue_is_not_found(cast):
    other = Venue.objects.get(code="OGYM")
    with pytest.raises(NotFound):
        check_report_access(actor=cast.director, venue=other)
    assert codes(cast.stranger) == ["OGYM"]
    with pytest.raises(NotFound):
        check_report_access(actor=cast.stranger, venue=cast.gym)


def test_an_inactive_user_reads_nothing(cast):
    cast.director.is_active = False
    cast.director.save()
    assert codes(cast.director) == []
    assert not may_report_company(cast.director)


def test_the_admin_shows_rollups_of_the_readers_venues_and_changes_none(cast, client):
    from django.contrib.auth.models import Permission
    from django.urls import reverse

    from amends.conftest import local
    from amends.core import clock
    from amends.reports.rollups import refresh

    with clock.travel(local(2026, 11, 20, 10)):
        cast.receive(phone="13800000021")
        cast.receive(actor=cast.outsider, venue=cast.gym2, phone="13800000022")
    refresh()
    for person in (cast.manager, cast.outsider):
        person.is_staff = True
        person.save()
        person.user_permissions.add(
            Permission.objects.get(content_type__app_label="reports", codename="view_dailyrollup")
        )
    url = reverse("admin:reports_dailyrollup_changelist")
    client.force_login(cast.manager)
    page = client.get(url)
    assert page.status_code == 200
    assert [r.venue.code for r in page.context["cl"].result_list] == ["GYM1"]
    client.force_login(cast.outsider)
    assert [r.venue.code for r in client.get(url).context["cl"].result_list] == ["GYM2"]
    assert client.get(reverse("admin:reports_dailyrollup_add")).status_code == 403
