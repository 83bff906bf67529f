"""Each role finds its own after-sales and privacy pages in the console's navigation, and
maintenance lands on its work orders when it signs in. A complaint carrying sensitive personal
data reads as written for the people it is with and is withheld from the rest."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from amends.complaints.models import Complaint
from amends.conftest import Cast
from amends.orgs.models import User


def nav_of(client: Client, user: User) -> list[str]:
    client.force_login(user)
    html = client.get(reverse("console:dashboard")).content.decode()
    nav = re.search(r'<nav aria-label="[^"]*">(.*?)</nav>', html, re.S)
    assert nav is not None
    return re.findall(r'href="([^"]+)"', nav.group(1))


@pytest.mark.parametrize(
    ("who", "present", "absent"),
    [
        ("maintenance", ["work_orders", "assets"], ["care_book", "privacy", "care_members"]),
        ("specialist", ["care_book", "care_calls"], ["work_orders", "privacy", "care_members"]),
        ("manager", ["work_orders", "assets", "care_members"], ["care_book", "privacy"]),
        ("auditor", ["privacy", "care_members", "assets"], ["care_book"]),
        ("desk", ["care_visits", "work_orders"], ["privacy", "care_members", "care_book"]),
        ("coach", [], ["work_orders", "assets", "care_book", "care_members", "privacy"]),
    ],
)
def test_each_role_sees_its_pages_in_the_navigation(
    cast: Cast, client: Client, who, present, absent
):
    links = nav_of(client, getattr(cast, who))
    for name in present:
        assert reverse(f"console:{name}") in links, name
    for name in absent:
        assert reverse(f"console:{name}") not in links, name


def test_maintenance_sees_work_orders_first_and_lands_there(cast: Cast, client: Client):
    links = nav_of(client, cast.maintenance)
    assert links[0] == reverse("console:work_orders")
    assert client.get(reverse("console:start")).url == reverse("console:work_orders")
    client.force_login(cast.manager)
    assert client.get(reverse("console:start")).url == reverse("console:dashboard")


def test_a_sensitive_description_is_withheld_from_those_it_is_not_with(cast: Cast, client: Client):
    c = cast.receive(description="孩子在泳池边滑倒，膝盖流血了。")
    c.refresh_from_db()
    assert "minor" in c.sensitive and c.assignee != cast.specialist2
    page = reverse("console:complaint", args=[c.reference])
    client.force_login(cast.manager)
    assert "膝盖流血" in client.get(page).content.decode()
    client.force_login(cast.specialist2)
    html = client.get(page).content.decode()
    assert "膝盖流血" not in html and "sensitive-note" in html
    listing = client.get(reverse("console:queue", args=["all"])).content.decode()
    assert c.reference in listing and "膝盖流血" not in listing
    Complaint.objects.filter(pk=c.pk).update(assignee=cast.specialist2)
    assert "膝盖流血" in client.get(page).content.decode()


def test_an_equipment_complaint_offers_a_work_order_on_its_page(cast: Cast, client: Client):
    c = cast.receive(description="2号跑步机皮带打滑，没人受伤。", category="facility_equipment")
    c.refresh_from_db()
    assert c.category.code == "facility_equipment"
    client.force_login(cast.maintenance)
    html = client.get(reverse("console:complaint", args=[c.reference])).content.decode()
    assert reverse("console:work_order_from_complaint", args=[c.reference]) in html
    client.force_login(cast.manager)
    html = client.get(reverse("console:complaint", args=[c.reference])).content.decode()
    assert reverse("console:work_order_from_complaint", args=[c.reference]) in html
    calm = cast.receive(description="前台态度冷淡。", category="service_attitude")
    page = client.get(reverse("console:complaint", args=[calm.reference]))
    assert page.status_code == 200 and "/from-complaint/" not in page.content.decode()
