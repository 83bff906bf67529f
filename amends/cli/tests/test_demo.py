"""`amends demo` builds a believable company through the real services, and only once."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from amends.complaints.models import Complaint, ComplaintEvent, Survey
from amends.complaints.timeline import verify_all
from amends.core import clock
from amends.demo import DEMO_PASSWORD
from amends.notifications.models import Outbox
from amends.orgs.models import User
from amends.workflow.taxonomy import Channel

LOGINS = ("desk", "specialist", "manager", "maintenance", "courses", "director", "auditor", "admin")


def _snapshot() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "complaints": Complaint.objects.count(),
        "events": ComplaintEvent.objects.count(),
        "outbox": Outbox.objects.count(),
        "surveys": Survey.objects.count(),
    }


@pytest.fixture
def demo(settings: Any, tmp_path: Path) -> str:
    settings.MEDIA_ROOT = tmp_path  # evidence files
    out = StringIO()
    call_command("demo", complaints=40, stdout=out)
    return out.getvalue()


# Each build takes a few seconds, so each test checks several things of one build.


@pytest.mark.django_db
def test_it_builds_logins_and_a_varied_intact_history(demo: str) -> None:
    for username in LOGINS:
        assert authenticate(username=username, password=DEMO_PASSWORD) is not None, username
        assert username in demo
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert not User.objects.get(username="desk").is_superuser
    assert not User.objects.get(username="gym1.coach.wang").has_usable_password()
    assert "http://127.0.0.1:8000/" in demo

    complaints = Complaint.objects.all()
    assert complaints.count() == 40
    assert len(set(complaints.values_list("state", flat=True))) >= 12
    assert set(complaints.values_list("channel", flat=True)) == set(Channel.values)
    assert set(complaints.values_list("language", flat=True)) == {"zh-hans", "en"}
    assert set(complaints.values_list("venue__code", flat=True)) == {"GYM1", "GYM2", "HTL1"}

    latest = ComplaintEvent.objects.order_by("-at").values_list("at", flat=True).first()
    assert latest is not None and latest <= clock.now()  # history, never the future
    checked, breaks = verify_all()
    assert checked == 40
    assert breaks == []


@pytest.mark.django_db
def test_it_changes_nothing_when_run_again(demo: str) -> None:
    before = _snapshot()
    out = StringIO()
    call_command("demo", complaints=40, stdout=out)
    assert _snapshot() == before
    assert "already exists" in out.getvalue()
    for username in LOGINS:
        assert username in out.getvalue()


@pytest.mark.django_db
def test_it_never_leaves_a_demo_message_to_be_sent():
    from amends.notifications.models import Outbox

    call_command("demo", complaints=12, stdout=StringIO())
    assert Outbox.objects.exists()
    assert not Outbox.objects.filter(status="pending").exists()
