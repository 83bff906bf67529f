"""Every channel triages what the customer said, on Friday 20 November 2026 at the gym (GYM1):
the desk in the console, the public form behind the QR code, the venue's mailbox and the gym's
app through the API. A calm description of a real injury is suggested urgent and the managers
are alerted at once — before anyone confirms it; where nobody receives the complaint it takes
the confident suggestion. A text that says no one was hurt alerts nobody. Whoever chooses other
than triage suggested — the desk at intake, the manager later — leaves an override.

The suggestions come from the shipped model (`amends.triage`), as in production."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from amends.complaints import services
from amends.complaints.models import Complaint, TriageOverride
from amends.complaints.services.triage import APPLY_AT
from amends.conftest import Cast, local
from amends.core import clock, jobs
from amends.notifications.models import InboundMessage, Mailbox, Outbox
from amends.orgs.services import api_key_create

FRIDAY = local(2026, 11, 20, 10, 0)
MONDAY = local(2026, 11, 23, 9, 30)

INJURY = {
    "zh": "我在更衣室滑倒了，手腕肿了，想请你们看看地面",
    "en": "I slipped by the pool and my wrist is swollen",
}
NO_ONE_HURT = {
    "zh": "更衣室的柜门有点松，关不紧，没有人受伤，麻烦修一下",
    "en": "The music in the yoga class is too loud. No one was hurt, it is just noisy.",
}
MANAGERS = {"manager", "director"}  # the gym's manager and the company's director


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    """The public form, the API and the mailbox count senders in the cache."""
    cache.clear()
    yield
    cache.clear()


# --- the four ways in ----------------------------------------------------------------------------


def at_the_desk(cast: Cast, text: str, **chosen: Any) -> Complaint:
    """The desk records it in the console (the intake service, as the receiver)."""
    with clock.travel(FRIDAY):
        return cast.receive(description=text, **chosen)


def on_the_form(cast: Cast, text: str) -> Complaint:
    """The customer fills in the public form (no account, nobody receives it)."""
    data = {
        "customer_name": "陈静",
        "phone": "139 1234 5678",
        "email": "",
        "description": text,
        "occurred_at": "2026-11-20T09:30",
        "location": "",
        "people_involved": "",
        "consequence": "",
        "customer_request": "",
        "member_number": "",
        "consent": "on",
        "website": "",
    }
    with clock.travel(FRIDAY):
        response = Client().post(reverse("public:form", args=[cast.gym.code]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Complaint.objects.get(channel="web")


def by_email(cast: Cast, text: str) -> Complaint:
    """The customer writes to the gym's mailbox: the poller stores the message, the job turns
    it into a complaint. (The complaints layer reaches email and the API only as a customer
    does — by a stored message, by HTTP — never by importing the faces above it.)"""
    mailbox = Mailbox.objects.create(venue=cast.gym, address="complaints@gym1.example.com")
    message = EmailMessage()
    message["From"] = "Wang Fang <wang.fang@example.com>"
    message["To"] = mailbox.address
    message["Subject"] = ""
    message["Date"] = format_datetime(FRIDAY)
    message["Message-ID"] = "<pool-20261120@mail.example.com>"
    message.set_content(text, charset="utf-8")
    with clock.travel(FRIDAY):
        row = InboundMessage.objects.create(
            mailbox=mailbox,
            message_id=message["Message-ID"],
            raw=message.as_bytes(),
            received_at=clock.now(),
        )
        jobs.run("inbound.process_pending")
    row.refresh_from_db()
    assert row.complaint_id is not None, (row.status, row.reason)
    return Complaint.objects.get(pk=row.complaint_id)


def through_the_api(cast: Cast, text: str) -> Complaint:
    """The gym's app posts it with its key."""
    with clock.travel(FRIDAY):
        _key, secret = api_key_create(
            actor=None,
            company=cast.company,
            name="gym app",
            scopes=["complaints:read", "complaints:write", "complaints:customer"],
            venue=cast.gym,
        )
        response = Client().post(
            "/api/v1/complaints",
            {
                "venue": "GYM1",
                "channel": "app",
                "description": text,
                "customer_name": "赵敏",
                "phone": "13700137000",
            },
            content_type="application/json",
            headers={"Authorization": f"Bearer {secret}", "Accept-Language": "en"},
        )
    assert response.status_code == 201, response.content
    return Complaint.objects.get(reference=response.json()["reference"])


UNATTENDED: dict[str, Callable[[Cast, str], Complaint]] = {
    "web form": on_the_form,
    "email": by_email,
    "api": through_the_api,
}
EVERY: dict[str, Callable[[Cast, str], Complaint]] = {
    "console": lambda cast, text: at_the_desk(cast, text),
    **UNATTENDED,
}


def alerted(complaint: Complaint) -> set[str]:
    rows = Outbox.objects.filter(complaint_id=complaint.pk, kind=Outbox.Kind.URGENT_ALERT)
    return {row.recipient_user.username for row in rows if row.recipient_user is not None}


# --- a calm injury ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_at_the_desk_a_calm_injury_is_suggested_urgent_and_the_managers_are_alerted_at_once(
    cast: Cast, lang: str
) -> None:
    c = at_the_desk(cast, INJURY[lang])

    assert c.suggested_severity == "urgent" and c.triage["severity"]["code"] == "urgent"
    assert c.triage["severity"]["reasons"]  # the words the receiver is shown
    assert c.triage["language"] == lang
    assert c.suggested_category == c.triage["category"]["code"] != ""
    # A person received it: the suggestion waits for them, nothing is taken from it.
    assert c.triage["applied"] == []
    assert (c.category, c.severity) == (None, "")
    assert alerted(c) == MANAGERS
    assert not TriageOverride.objects.exists()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("channel", list(UNATTENDED))
def test_where_nobody_receives_it_the_confident_suggestion_is_taken_and_the_managers_alerted(
    cast: Cast, channel: str, lang: str
) -> None:
    c = UNATTENDED[channel](cast, INJURY[lang])

    assert c.received_by is None
    assert c.suggested_severity == "urgent"
    applied = c.triage["applied"]
    assert "severity" in applied and c.severity == "urgent"  # urgent at any confidence
    confident = c.triage["category"]["confidence"] >= APPLY_AT
    assert ("category" in applied) == confident
    assert (c.category.code if c.category else None) == (
        c.suggested_category if confident else None
    )
    assert alerted(c) == MANAGERS


# --- no one was hurt -------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("channel", list(EVERY))
def test_a_text_that_says_no_one_was_hurt_alerts_nobody(
    cast: Cast, channel: str, lang: str
) -> None:
    c = EVERY[channel](cast, NO_ONE_HURT[lang])

    assert c.triage["severity"]["code"] == c.suggested_severity != "urgent"
    assert c.severity != "urgent"
    assert alerted(c) == set()
    assert not Outbox.objects.filter(kind=Outbox.Kind.URGENT_ALERT).exists()


# --- people who disagree ---------------------------------------------------------------------


def test_a_desk_receiver_who_chooses_otherwise_leaves_an_override_at_intake(cast: Cast) -> None:
    # The desk hears "slipped, wrist swollen" as a dirty floor of middling weight.
    c = at_the_desk(
        cast, INJURY["zh"], category="hygiene_environment", severity="important", psychology=""
    )

    assert (c.category.code, c.severity) == ("hygiene_environment", "important")
    overrides = {
        o.field: (o.suggested, o.chosen, o.stage, o.by, o.venue)
        for o in TriageOverride.objects.filter(complaint=c)
    }
    assert overrides == {
        "category": (c.suggested_category, "hygiene_environment", "intake", cast.desk, cast.gym),
        "severity": ("urgent", "important", "intake", cast.desk, cast.gym),
    }
    assert c.suggested_category != "hygiene_environment"
    assert alerted(c) == MANAGERS  # triage said urgent: the managers know, whatever was chosen


def test_a_desk_receiver_who_agrees_leaves_none(cast: Cast) -> None:
    suggested = at_the_desk(cast, INJURY["zh"])
    c = at_the_desk(
        cast,
        INJURY["zh"],
        category=suggested.suggested_category,
        severity="urgent",
        phone="13700137000",
    )
    assert not TriageOverride.objects.filter(complaint=c).exists()


def test_reclassifying_later_away_from_the_suggestion_leaves_an_override_of_stage_later(
    cast: Cast,
) -> None:
    c = on_the_form(cast, INJURY["zh"])
    assert not TriageOverride.objects.exists()

    # Monday: the manager finds a blocked drain flooded the floor — a fixture, not urgent now.
    with clock.travel(MONDAY):
        services.complaint_classify(
            complaint=c,
            actor=cast.manager,
            category=cast.category("facility_equipment"),
            severity="important",
            expected_version=c.version,
        )

    overrides = {
        o.field: (o.suggested, o.chosen, o.stage, o.by, o.at)
        for o in TriageOverride.objects.filter(complaint=c)
    }
    assert overrides == {
        "category": (c.suggested_category, "facility_equipment", "later", cast.manager, MONDAY),
        "severity": ("urgent", "important", "later", cast.manager, MONDAY),
    }
    assert c.suggested_category != "facility_equipment"
