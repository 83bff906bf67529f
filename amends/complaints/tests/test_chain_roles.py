"""The roles a chain really has, at work on complaints: a venue general manager (店长) who acts
as a supervisor of their venue, a privacy officer who owns privacy complaints, and a venue whose
code carries a city and a district (SH-JA) from intake to the console and the search box. (The
roles themselves and the code's format: orgs/tests/test_roles.py.)"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from amends.complaints import selectors, services
from amends.complaints.models import Complaint
from amends.complaints.permissions import may
from amends.complaints.tests.stories import act, drive
from amends.complaints.transitions import ACTIONS, State
from amends.conftest import Cast, _staff, local
from amends.core import clock
from amends.core.errors import NotFound
from amends.orgs.models import Venue
from amends.orgs.roles import Role
from amends.orgs.services import venue_create
from amends.workflow.selectors import route_for
from amends.workflow.services import workflow_install_defaults

S = State


def privacy_complaint(cast: Cast) -> Complaint:
    """A member at the desk of GYM1: a former salesman is selling the members' phone numbers."""
    return services.complaint_receive(
        actor=cast.desk,
        venue=cast.gym,
        intake=services.Intake(
            channel="front_desk",
            description="离职销售把会员电话卖给了推销公司，我每天接到推销电话。",
            customer_name="赵敏",
            phone="13700137000",
            category=cast.category("privacy_data"),
            severity="important",
        ),
    )


def test_it_puts_the_general_manager_between_the_manager_and_the_director(cast: Cast) -> None:
    with clock.travel(local(2026, 10, 12, 9, 0)):
        gm = _staff(cast.company, "gm", (Role.GENERAL_MANAGER, cast.gym, None))
        c = drive(cast, S.INVESTIGATING)
        # Venue-wide at their own venue, nowhere else; a supervisor like manager and director.
        assert selectors.complaint_get_for_actor(actor=gm, pk=c.pk) == c
        other = cast.receive(actor=cast.outsider, venue=cast.gym2)
        with pytest.raises(NotFound):
            selectors.complaint_get_for_actor(actor=gm, pk=other.pk)
        for action in ("assign", "decline", "record_consequence", "approve", "propose_remedy"):
            assert may(c, gm, ACTIONS[action]), action
        card = services.complaint_reveal_contact(complaint=c, actor=gm)
        assert card.phone == "+8613912345678"


def test_it_routes_a_privacy_complaint_to_the_privacy_officer(cast: Cast) -> None:
    with clock.travel(local(2026, 10, 12, 9, 0)):
        officer = _staff(cast.company, "privacy", (Role.PRIVACY_OFFICER, None, None))
        c = privacy_complaint(cast)
        assert (c.route_role, c.department.code, c.state) == (
            "privacy_officer",
            "customer_service",
            S.ASSIGNED,
        )
        assert c.assignee == officer
        c = act("accept", c, officer)
        assert (c.owner, c.state) == (officer, S.INVESTIGATING)
        card = services.complaint_reveal_contact(complaint=c, actor=officer)
        assert card.phone == "+8613700137000"
        # The guardian of personal data reads the complaints that are theirs, not every one.
        treadmill = cast.receive(category="facility_equipment", severity="urgent")
        assert set(selectors.complaints_for_actor(actor=officer)) == {c}
        with pytest.raises(NotFound):
            selectors.complaint_get_for_actor(actor=officer, pk=treadmill.pk)


def test_it_gives_privacy_complaints_to_the_manager_where_there_is_no_privacy_officer(
    cast: Cast,
) -> None:
    with clock.travel(local(2026, 10, 12, 9, 0)):
        assert route_for(venue=cast.gym, category_code="privacy_data", severity=None) == (
            cast.dept("customer_service"),
            "manager",
        )
        c = privacy_complaint(cast)
        assert (c.route_role, c.assignee) == ("manager", cast.manager)


def test_it_runs_a_venue_whose_code_has_a_hyphen_end_to_end(client: Client, cast: Cast) -> None:
    with clock.travel(local(2026, 12, 1, 9, 30)):
        # The admin's validation lets it in, then it is set up as any venue is.
        Venue(company=cast.company, code="SH-JA", name="上海静安店").full_clean()
        jingan = venue_create(company=cast.company, code="SH-JA", name="上海静安店")
        workflow_install_defaults(company=cast.company)
        desk = _staff(cast.company, "ja.desk", (Role.FRONT_DESK, jingan, "front_office"))
        first = cast.receive(actor=desk, venue=jingan, description="淋浴间没有热水。")
        second = cast.receive(actor=desk, venue=jingan, description="储物柜坏了。")
        assert (first.reference, second.reference) == (
            "SH-JA-20261201-0001",
            "SH-JA-20261201-0002",
        )
        client.force_login(desk)
        page = client.get(reverse("console:complaint", args=[first.reference]))
        assert page.status_code == 200
        assert "SH-JA-20261201-0001" in page.content.decode() and "淋浴间没有热水" in (
            page.content.decode()
        )
        found = selectors.search(selectors.complaints_for_actor(actor=desk), first.reference)
        assert list(found) == [first]
        opened = client.get(reverse("console:search"), {"q": "SH-JA-20261201-0002"})
        assert opened.status_code == 302
        assert opened["Location"] == reverse("console:complaint", args=["SH-JA-20261201-0002"])
