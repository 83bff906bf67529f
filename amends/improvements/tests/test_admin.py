"""Improvement actions in the admin: shown, never changed there (the services check versions
and who may); staff who are not superusers see only the actions they see in the console."""

from __future__ import annotations

import re

from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from amends.conftest import Cast, local
from amends.improvements.tests.stories import raised_from, treadmill
from amends.orgs.models import User


def test_the_admin_shows_actions_read_only_and_scoped(client: Client, cast: Cast) -> None:
    at_gym = raised_from(cast, treadmill(cast, local(2026, 11, 20, 9, 30)))
    at_gym2 = raised_from(
        cast,
        treadmill(cast, local(2026, 11, 21, 9, 30), venue=cast.gym2),
        actor=cast.outsider,
        owner=cast.outsider,
    )
    changelist = reverse("admin:improvements_improvementaction_changelist")
    root = User.objects.create_superuser(
        username="root", email="root@example.com", password="amends-test", company=cast.company
    )
    client.force_login(root)
    html = client.get(changelist).content.decode()
    assert {at_gym.pk, at_gym2.pk} == {
        int(pk) for pk in re.findall(r"/improvementaction/(\d+)/change/", html)
    }
    assert client.get(reverse("admin:improvements_improvementaction_add")).status_code == 403
    change = client.post(
        reverse("admin:improvements_improvementaction_change", args=[at_gym.pk]),
        {"title": "改掉"},
    )
    assert change.status_code == 403
    # The gym's manager, given admin access, sees the gym's action only.
    User.objects.filter(pk=cast.manager.pk).update(is_staff=True)
    cast.manager.user_permissions.add(Permission.objects.get(codename="view_improvementaction"))
    client.force_login(User.objects.get(pk=cast.manager.pk))
    html = client.get(changelist).content.decode()
    assert {int(pk) for pk in re.findall(r"/improvementaction/(\d+)/change/", html)} == {at_gym.pk}
    # The action's page names no linked complaint, only how many (the console lists them to
    # whoever may see each).
    linked = at_gym.complaints.get()
    page = client.get(reverse("admin:improvements_improvementaction_change", args=[at_gym.pk]))
    assert page.status_code == 200
    assert linked.reference not in page.content.decode()
    assert re.search(
        r'field-linked_complaints.*?<div class="readonly">1</div>', page.content.decode(), re.S
    )
