"""What the customer reads names the venue in the customer's language only, with clean
punctuation; a gym's important and general clocks count its opening hours, so nobody is
promised a reply in the middle of the night (urgent complaints run round the clock)."""

from __future__ import annotations

import pytest

from amends.complaints.models import Complaint
from amends.complaints.tests.stories import act, received
from amends.conftest import Cast, local
from amends.core import clock
from amends.notifications.models import Outbox
from amends.orgs.models import Venue


@pytest.fixture
def named(cast: Cast) -> Cast:
    Venue.objects.filter(pk=cast.gym.pk).update(name="静安健身会所", name_en="Jing'an Club")
    cast.gym.refresh_from_db()
    return cast


def _to_customer(c: Complaint, kind: str) -> Outbox:
    return Outbox.objects.get(complaint_id=c.pk, kind=kind, recipient_user=None)


def test_it_names_the_venue_in_chinese_only_in_a_chinese_text(named: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = named.receive(language="zh-hans", severity="general")

    sms = _to_customer(c, Outbox.Kind.ACKNOWLEDGEMENT)

    assert sms.channel == Outbox.Channel.SMS
    assert sms.body.split("\n\n")[0] == (
        f"感谢您向我们反映情况。静安健身会所已受理您的投诉，投诉编号为 {c.reference}。"
        "我们将于 2026-11-21 18:00 前给您答复。"
    )


def test_it_names_the_venue_in_english_only_in_an_english_text(named: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = named.receive(language="en", severity="general")

    sms = _to_customer(c, Outbox.Kind.ACKNOWLEDGEMENT)

    assert sms.body.split("\n\n")[0] == (
        f"Thank you for telling us. Jing'an Club has recorded your complaint as {c.reference}. "
        "We will reply by 2026-11-21 18:00."
    )


def test_it_does_not_double_the_stop_of_a_reason_in_the_customers_text(named: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = named.receive(language="zh-hans", severity="general")
        act(
            "extend_deadline",
            c,
            named.manager,
            until=local(2026, 11, 27, 18, 0).strftime("%Y-%m-%dT%H:%M"),
            reason="跑步机配件需要从厂家订购。",
        )

    body = _to_customer(c, Outbox.Kind.DEADLINE_EXTENDED).body

    assert "原因：跑步机配件需要从厂家订购。我们将于" in body
    assert "。。" not in body


def test_it_names_the_venue_in_the_staff_members_language(named: Cast) -> None:
    named.specialist.language = "en"
    named.specialist.save(update_fields=["language"])
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = received(named)
        act("assign", c, named.desk, assignee=named.specialist.pk)

    note = Outbox.objects.get(
        complaint_id=c.pk, kind=Outbox.Kind.ASSIGNMENT, channel=Outbox.Channel.IN_APP
    )

    assert note.body.startswith(f"{c.reference} at Jing'an Club: ")
    assert "静安" not in note.body


def test_it_promises_a_gyms_general_reply_within_opening_hours(named: Cast) -> None:
    # Friday 21:00 at a club open 06:00–22:00: 1 hour on Friday, 23 more from Saturday 06:00
    # (16 a day) — Sunday 13:00, not Saturday 21:00 nor any hour the club is closed.
    with clock.travel(local(2026, 11, 20, 21, 0)):
        c = named.receive(language="en", severity="general")

    assert c.respond_due == local(2026, 11, 22, 13, 0)
    assert "We will reply by 2026-11-22 13:00." in _to_customer(c, "acknowledgement").body


def test_it_counts_a_gyms_important_clock_in_opening_hours(named: Cast) -> None:
    # Friday 21:00: 1 hour on Friday, 11 from Saturday 06:00 — Saturday 17:00.
    with clock.travel(local(2026, 11, 20, 21, 0)):
        c = named.receive(severity="important")

    assert c.respond_due == local(2026, 11, 21, 17, 0)


def test_it_keeps_an_urgent_clock_round_the_clock_at_a_gym(named: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 23, 0)):
        c = named.receive(severity="urgent")

    assert c.respond_due == local(2026, 11, 21, 3, 0)


def test_it_keeps_a_hotels_general_clock_round_the_clock(named: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 21, 0)):
        c = named.receive(actor=named.director, venue=named.hotel, severity="general")

    assert c.respond_due == local(2026, 11, 21, 21, 0)
