"""Equipment in the admin: settings edited, the rest shown read-only, each company its own."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from amends.conftest import Cast, local
from amends.equipment.models import EquipmentSettings
from amends.equipment.tests.helpers import add_asset, report
from amends.orgs.models import User


def test_the_admin_shows_equipment_and_edits_settings(client: Client, cast: Cast) -> None:
    tm = add_asset(cast)
    wo = report(cast, tm, local(2026, 11, 23, 10, 0), reporter_name="王先生")
    root = User.objects.create_superuser(
        username="root", email="root@example.com", password="amends-test", company=cast.company
    )
    client.force_login(root)
    for name in ("asset", "workorder", "assetimport", "equipmentsettings"):
        assert client.get(reverse(f"admin:equipment_{name}_changelist")).status_code == 200
    page = client.get(reverse("admin:equipment_workorder_change", args=[wo.pk]))
    assert page.status_code == 200 and "王先生" not in page.content.decode()
    assert client.get(reverse("admin:equipment_asset_add")).status_code == 403
    added = client.post(
        reverse("admin:equipment_equipmentsettings_add"),
        {
            "venue": cast.gym.pk,
            "response_minutes": 60,
            "clock_mode": "clock",
            "uptime_target": "99.00",
            "repeat_faults": 3,
            "repeat_window_days": 30,
        },
    )
    assert added.status_code == 302
    assert EquipmentSettings.objects.get(venue=cast.gym).clock_mode == "clock"
