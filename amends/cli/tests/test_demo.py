"""`amends demo` builds a believable company through the real services, and only once."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from amends.complaints.models import Complaint, ComplaintEvent, Survey
from amends.complaints.timeline import verify_all
from amends.core import clock
from amends.core import secrets as local_secrets
from amends.demo import DEMO_PASSWORD
from amends.notifications.models import Outbox
from amends.orgs.models import Company, User
from amends.workflow.taxonomy import Channel

LOGINS = (
    "desk",
    "specialist",
    "manager",
    "gm",
    "maintenance",
    "courses",
    "director",
    "auditor",
    "privacy",
    "admin",
)


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
    assert "http://127.0.0.1:8000/" in demo  # the defaults of `amends serve`
    # Progress while it works: a line every tenth of the complaints, ending with all of them.
    progress = [
        line.strip() for line in demo.splitlines() if line.strip().startswith("complaints ")
    ]
    assert progress == [f"complaints {n}/40" for n in range(4, 41, 4)]

    # The stories' complaints, and those the care demo's unhappy revisit calls opened.
    opened_by_calls = Complaint.objects.filter(campaign_calls__isnull=False)
    assert opened_by_calls.exists()
    complaints = Complaint.objects.filter(campaign_calls__isnull=True)
    assert complaints.count() == 40
    assert len(set(complaints.values_list("state", flat=True))) >= 12
    assert set(complaints.values_list("channel", flat=True)) == set(Channel.values)
    assert set(complaints.values_list("language", flat=True)) == {"zh-hans", "en"}
    assert set(complaints.values_list("venue__code", flat=True)) == {"GYM1", "GYM2", "HTL1"}

    latest = ComplaintEvent.objects.order_by("-at").values_list("at", flat=True).first()
    assert latest is not None and latest <= clock.now()  # history, never the future
    checked, breaks = verify_all()
    assert checked == 40 + opened_by_calls.count()
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


@pytest.mark.django_db
def test_it_prints_the_address_make_run_serves_on() -> None:
    out = StringIO()
    call_command("demo", complaints=0, host="192.168.1.20", port=8080, stdout=out)
    assert "http://192.168.1.20:8080/" in out.getvalue()
    assert "http://192.168.1.20:8080/admin/" in out.getvalue()
    assert "8000" not in out.getvalue()
    # Again (nothing to build): the same logins at the address given this time.
    out = StringIO()
    call_command("demo", host="::1", port=9000, stdout=out)
    assert "already exists" in out.getvalue()
    assert "http://[::1]:9000/" in out.getvalue()
    # Served on every interface: this machine reaches it on loopback.
    out = StringIO()
    call_command("demo", host="0.0.0.0", port=8001, stdout=out)  # noqa: S104
    assert "http://127.0.0.1:8001/" in out.getvalue()


@pytest.mark.django_db
def test_it_refuses_to_run_in_production_and_changes_nothing(settings: Any) -> None:
    settings.AMENDS_ENV = "production"
    before = _snapshot()
    with pytest.raises(CommandError, match="refuses to run with AMENDS_ENV=production"):
        call_command("demo", complaints=12, stdout=StringIO())
    assert _snapshot() == before
    assert not Company.objects.filter(code="DEMO").exists()


def _amends_demo(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`amends demo` in a fresh process, on a fresh SQLite database that is never migrated."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k != "DATABASE_URL" and not k.startswith(("AMENDS_", "SECRET_KEY"))
    }
    clean.update(AMENDS_VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="amends.settings")
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "amends", "demo", "--complaints", "5"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_exits_non_zero_with_the_reason_when_amends_env_is_production(tmp_path: Path) -> None:
    # With the secrets set, settings load and the demo itself refuses, before touching the database.
    keys = local_secrets.load_or_create(tmp_path / "keys.json")
    done = _amends_demo(tmp_path, AMENDS_ENV="production", **keys)
    assert done.returncode != 0
    assert "refuses to run with AMENDS_ENV=production" in done.stderr
    assert "Traceback" not in done.stderr
    # Settings create the database file 0600 before SQLite opens it; nothing is written in it.
    database = tmp_path / "var" / "amends.sqlite3"
    assert not database.exists() or database.stat().st_size == 0
    # Without them, settings stop start-up first: still a failure, naming what is missing.
    done = _amends_demo(tmp_path, AMENDS_ENV="production")
    assert done.returncode != 0
    assert "AMENDS_ENV=production" in done.stderr + done.stdout


@pytest.mark.django_db
def test_the_whole_demo_of_make_run_builds_and_verifies(settings: Any, tmp_path: Path) -> None:
    """`make run` builds the full demo (300 complaints); every story must find its way through
    the rules (an independent revisitor, remedies that fit the venue …), not only 40 of them."""
    settings.MEDIA_ROOT = tmp_path
    out = StringIO()
    call_command("demo", stdout=out)
    assert Complaint.objects.filter(campaign_calls__isnull=True).count() == 300
    assert "complaints 300/300" in out.getvalue()
    checked, breaks = verify_all()
    assert (checked, breaks) == (
        300 + Complaint.objects.filter(campaign_calls__isnull=False).count(),
        [],
    )
