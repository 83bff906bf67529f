"""Clocks and escalation as practice demands, on concrete dates: a late first response is shown
missed by how much (page, queue, figures); a tourist site's stage is due at closing time, stops
counting once done and never escalates outside working time (National Day 2026 and its make-up
days); the ladder skips a rung nobody holds; raising a complaint to urgent shortens its clock
while the customer's promised time stays in view."""

from datetime import time, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from amends.complaints import clocks, services
from amends.complaints.models import Complaint, ComplaintEvent
from amends.complaints.selectors import figures_for_actor
from amends.complaints.tests.stories import drive, received
from amends.complaints.tick import tick
from amends.complaints.transitions import State
from amends.conftest import Cast, local
from amends.core import clock
from amends.notifications.models import Outbox
from amends.orgs.models import User, Venue
from amends.orgs.roles import Role
from amends.orgs.services import role_grant, staff_create, venue_create
from amends.workflow.services import sla_install_defaults

S = State


def person(cast: Cast, username: str, role: str, venue: Venue | None) -> User:
    user = staff_create(company=cast.company, username=username, password=None)
    role_grant(user=user, role=role, venue=venue)
    return user


@pytest.fixture
def scenic(cast):
    """A scenic area open 08:30-17:30, counting working days (the tourism rules)."""
    venue = venue_create(
        company=cast.company,
        code="TOUR1",
        name="西湖景区",
        kind="tourism",
        opens_at=time(8, 30),
        closes_at=time(17, 30),
    )
    sla_install_defaults(venue=venue)
    return venue


@pytest.fixture
def scenic_desk(cast, scenic):
    return person(cast, "scenic_desk", Role.FRONT_DESK, scenic)


def at_scenic(desk, venue, when, cast):
    with clock.travel(when):
        return cast.receive(actor=desk, venue=venue, severity="general", category="service_quality")


def in_english(client: Client, user: User) -> Client:
    User.objects.filter(pk=user.pk).update(language="en")
    client.force_login(user)
    return client


def escalations(c):
    return ComplaintEvent.objects.filter(complaint=c, kind="escalated").order_by("seq")


def late_urgent_fault(cast):
    """Urgent (reply within 4 h, by 14:00), first response at 15:30: 1 h 30 min late."""
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = received(cast, severity="urgent", category=cast.category("facility_equipment"))
    with clock.travel(local(2026, 11, 20, 15, 30)):
        return drive(cast, S.INVESTIGATING, complaint=c)


# --- truthful outcomes ------------------------------------------------------------------------


def test_it_tells_a_late_first_response_missed_by_how_much(cast):
    c = late_urgent_fault(cast)
    respond, resolve = clocks.outcomes(c, local(2026, 11, 20, 16, 0))
    assert (respond.name, respond.status, respond.late_by) == (
        "respond",
        clocks.Status.MISSED,
        timedelta(hours=1, minutes=30),
    )
    assert respond.done_at == local(2026, 11, 20, 15, 30)
    assert (resolve.name, resolve.status, resolve.late_by) == ("resolve", "running", None)


def test_it_shows_the_miss_on_the_complaint_page_and_in_the_queue_never_a_tick(
    cast, client: Client
):
    c = late_urgent_fault(cast)
    in_english(client, cast.manager)
    with clock.travel(local(2026, 11, 20, 16, 0)):
        html = client.get(reverse("console:complaint", args=[c.reference])).content.decode()
        row = client.get(reverse("console:queue", args=["all"])).content.decode()
    respond = html.split('data-deadline="respond"')[1].split("</dd>")[0]
    assert 'data-status="missed"' in respond
    assert "missed by 1 h 30 min" in respond
    assert "✓" not in respond
    assert 'data-late="respond">First response missed by 1 h 30 min<' in row


def test_it_counts_a_late_first_response_as_missed_in_the_figures(cast):
    late_urgent_fault(cast)
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = received(cast, severity="urgent", category=cast.category("facility_equipment"))
    with clock.travel(local(2026, 11, 20, 11, 0)):
        drive(cast, S.INVESTIGATING, complaint=c)  # on time
    figures = figures_for_actor(actor=cast.manager, venue=cast.gym, now=local(2026, 11, 20, 16))
    assert (figures.responses_judged_month, figures.responses_missed_month) == (2, 1)
    assert figures.on_time_response_rate == 50.0
    assert figures.resolutions_judged_month == 0  # both resolutions are still running


# --- working days (tourism) ---------------------------------------------------------------------


def test_it_ends_a_tourist_sites_stage_at_closing_time(cast, scenic, scenic_desk):
    c = at_scenic(scenic_desk, scenic, local(2026, 12, 7, 15, 40), cast)  # a Monday
    assert c.clock_mode == "working_days"
    assert (c.stage, c.stage_due) == ("assess", local(2026, 12, 8, 17, 30))
    assert c.respond_due == local(2026, 12, 8, 17, 30)  # not 15:40: the end of the working day
    assert c.resolve_due == local(2026, 12, 16, 17, 30)  # seven working days


def test_it_never_escalates_a_complaint_acknowledged_in_time_for_that_stage(
    cast, scenic, scenic_desk
):
    c = at_scenic(scenic_desk, scenic, local(2026, 12, 7, 15, 40), cast)
    with clock.travel(local(2026, 12, 8, 10, 0)):
        c = services.complaint_assign(complaint=c, actor=cast.director, assignee=cast.director)
        c = services.complaint_accept(complaint=c, actor=cast.director)
    assert c.responded_at == local(2026, 12, 8, 10, 0)
    assert c.stage_due is None  # the first stage is done: its deadline stops counting
    assert c.next_escalation_at == local(2026, 12, 17, 8, 30)  # after the resolution deadline
    assert tick(now=local(2026, 12, 8, 17, 30)).escalations == 0
    assert tick(now=local(2026, 12, 9, 9, 0)).escalations == 0
    assert not escalations(c).exists()
    respond = clocks.outcomes(Complaint.objects.get(pk=c.pk), local(2026, 12, 9, 9, 0))[0]
    assert (respond.name, respond.status) == ("respond", "met")


def test_it_skips_national_day_and_escalates_only_at_a_working_time(cast, scenic, scenic_desk):
    manager = person(cast, "scenic_manager", Role.MANAGER, scenic)
    c = at_scenic(scenic_desk, scenic, local(2026, 9, 30, 15, 40), cast)
    assert c.respond_due == local(2026, 10, 8, 17, 30)  # 1-7 October are the holiday
    # Due at closing on 8 October: the step waits for the opening of the next working day.
    assert c.next_escalation_at == local(2026, 10, 9, 8, 30)
    assert tick(now=local(2026, 10, 8, 17, 30)).escalations == 0
    assert tick(now=local(2026, 10, 8, 23, 0)).escalations == 0
    assert tick(now=local(2026, 10, 9, 8, 30)).escalations == 1
    c.refresh_from_db()
    assert (c.escalation_level, c.escalated_to) == (1, manager)
    assert escalations(c).get().at == local(2026, 10, 9, 8, 30)
    # The next step, one escalation step (24 h) later, is Saturday 10 October: a make-up
    # workday (调休), so a working time.
    assert c.next_escalation_at == local(2026, 10, 10, 8, 30)


def test_it_counts_the_make_up_saturday_after_national_day(cast, scenic, scenic_desk):
    c = at_scenic(scenic_desk, scenic, local(2026, 10, 9, 16, 0), cast)  # a Friday
    assert c.respond_due == local(2026, 10, 10, 17, 30)  # Saturday, a make-up workday


def test_the_tick_waits_for_working_time_even_when_it_was_down(cast, scenic, scenic_desk):
    c = at_scenic(scenic_desk, scenic, local(2026, 12, 7, 15, 40), cast)
    Complaint.objects.filter(pk=c.pk).update(next_escalation_at=local(2026, 12, 8, 20, 0))
    assert tick(now=local(2026, 12, 8, 20, 0)).escalations == 0  # after closing
    c.refresh_from_db()
    assert c.next_escalation_at == local(2026, 12, 9, 8, 30)
    assert not escalations(c).exists()


# --- the ladder ---------------------------------------------------------------------------------


def hotel_complaint(cast, desk):
    with clock.travel(local(2026, 11, 20, 10, 0)):
        return cast.receive(
            actor=desk, venue=cast.hotel, severity="urgent", description="房间空调不制冷。"
        )


def test_it_skips_the_rungs_a_venue_has_nobody_for(cast):
    desk = person(cast, "hotel_desk", Role.FRONT_DESK, cast.hotel)
    c = hotel_complaint(cast, desk)
    with clock.travel(local(2026, 11, 20, 10, 30)):
        c = services.complaint_escalate(complaint=c, actor=desk, reason="客人要求见负责人")
    assert (c.escalation_level, c.escalated_to) == (3, cast.director)
    event = escalations(c).get()
    assert (event.data["role"], event.data["to"], event.data["skipped"]) == (
        "director",
        cast.director.pk,
        ["manager", "general_manager"],
    )
    assert cast.director in c.handlers.all()
    told = Outbox.objects.filter(complaint_id=c.pk, kind="escalation", channel="in_app")
    assert list(told.values_list("recipient_user__username", flat=True)) == ["director"]


def test_it_goes_to_the_venue_general_manager_when_there_is_no_manager(cast):
    desk = person(cast, "hotel_desk", Role.FRONT_DESK, cast.hotel)
    gm = person(cast, "hotel_gm", Role.GENERAL_MANAGER, cast.hotel)
    c = hotel_complaint(cast, desk)
    assert tick(now=local(2026, 11, 20, 14, 0)).escalations == 1
    c.refresh_from_db()
    assert (c.escalation_level, c.escalated_to) == (2, gm)
    assert tick(now=local(2026, 11, 20, 18, 0)).escalations == 1
    c.refresh_from_db()
    assert (c.escalation_level, c.escalated_to) == (3, cast.director)
    assert [(e.data["level"], e.data.get("skipped")) for e in escalations(c)] == [
        (2, ["manager"]),
        (3, None),
    ]
    assert {gm, cast.director} <= set(c.handlers.all())


def test_a_step_with_nobody_on_the_ladder_says_so_and_tells_the_admins(cast):
    admin = person(cast, "admin", Role.ADMIN, None)
    c = hotel_complaint(cast, cast.director)  # the director owns it: nobody above
    with clock.travel(local(2026, 11, 20, 10, 30)):
        c = services.complaint_escalate(complaint=c, actor=cast.director, reason="需要总部介入")
    event = escalations(c).get()
    assert (event.data["to"], event.data["skipped"]) == (
        None,
        ["manager", "general_manager", "director"],
    )
    assert c.escalation_level == 3 and c.next_escalation_at is None
    told = Outbox.objects.filter(complaint_id=c.pk, kind="escalation", channel="in_app")
    assert list(told.values_list("recipient_user", flat=True)) == [admin.pk]


# --- reclassification and the promise --------------------------------------------------------


def test_raising_to_urgent_shortens_the_clock_and_keeps_the_promise(cast, client: Client):
    with clock.travel(local(2026, 12, 7, 9, 0)):  # a Monday
        c = received(cast, severity="general")
    with clock.travel(local(2026, 12, 7, 9, 5)):
        c = services.complaint_transition(complaint=c, to=S.ACKNOWLEDGED, actor=cast.desk)
    promised = c.promised_respond_by
    assert promised == c.respond_due and promised > local(2026, 12, 7, 13, 0)
    with clock.travel(local(2026, 12, 7, 10, 0)):
        c = services.complaint_classify(complaint=c, actor=cast.specialist, severity="urgent")
    assert c.respond_due == local(2026, 12, 7, 13, 0)  # 4 clock hours from receipt
    assert c.promised_respond_by == promised  # what the customer was told stays
    event = ComplaintEvent.objects.get(complaint=c, kind="deadlines_recomputed")
    assert event.data["severity"] == "urgent"
    assert parse_datetime(event.data["respond_before"]) == promised
    assert parse_datetime(event.data["respond_after"]) == local(2026, 12, 7, 13, 0)
    in_english(client, cast.manager)
    with clock.travel(local(2026, 12, 7, 10, 5)):
        html = client.get(reverse("console:complaint", args=[c.reference])).content.decode()
    assert (
        'data-promise="respond">'
        + promised.astimezone(local(2026, 1, 1).tzinfo).strftime("%Y-%m-%d %H:%M")
        in html
    )
    assert "Reply promised to the customer" in html


def test_an_extension_told_to_the_customer_becomes_the_promise(cast):
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = drive(cast, S.INVESTIGATING)
        later = c.resolve_due + timedelta(days=2)
        c = services.complaint_extend_deadline(
            complaint=c, actor=cast.specialist, until=later, reason="需要厂家检测"
        )
    assert c.promised_resolve_by == later


def test_a_reclassification_after_the_first_response_moves_the_resolution_deadline(cast):
    from decimal import Decimal

    from amends.workflow.models import SlaPolicy

    SlaPolicy.objects.filter(venue=cast.gym, severity="general").update(
        mode="clock", resolve_hours=Decimal("72")
    )
    SlaPolicy.objects.filter(venue=cast.gym, severity="urgent").update(
        mode="clock", resolve_hours=Decimal("24")
    )
    with clock.travel(local(2026, 12, 7, 9, 0)):
        c = drive(cast, S.INVESTIGATING, severity="general")
    assert c.resolve_due == local(2026, 12, 10, 9, 0)
    with clock.travel(local(2026, 12, 7, 10, 0)):
        c = services.complaint_classify(complaint=c, actor=cast.specialist, severity="urgent")
    assert c.resolve_due == local(2026, 12, 8, 9, 0)
    event = ComplaintEvent.objects.get(complaint=c, kind="deadlines_recomputed")
    assert (event.data["respond_before"], event.data["respond_after"]) == (None, None)
    assert parse_datetime(event.data["resolve_before"]) == local(2026, 12, 10, 9, 0)
    assert parse_datetime(event.data["resolve_after"]) == local(2026, 12, 8, 9, 0)


@pytest.mark.django_db
def test_a_business_hours_reminder_never_falls_at_night(cast: Cast) -> None:
    """A general complaint at the gym (open 06:00–22:00) received on Tuesday 1 December at
    21:00: 24 opening hours make the reply due Thursday 13:00 (1 h + 16 h + 7 h); the reminder
    comes at 75 % of those opening hours — Thursday 07:00 — not at 75 % of the 40 clock hours
    (Thursday 03:00, when the club is closed)."""
    with clock.travel(local(2026, 12, 1, 21, 0)):
        c = received(cast, severity="general")
    assert c.clock_mode == "business"
    assert c.respond_due == local(2026, 12, 3, 13, 0)
    assert c.remind_at == local(2026, 12, 3, 7, 0)
    assert tick(now=local(2026, 12, 3, 6, 59)).reminders == 0
    assert tick(now=local(2026, 12, 3, 7, 0)).reminders == 1
