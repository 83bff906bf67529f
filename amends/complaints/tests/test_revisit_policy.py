"""The revisit (回访) as each venue's manual has it, on concrete dates.

A gym revisits before closure: feedback, a follow-up within a week that confirms satisfaction,
then closure. A hotel closes on feedback and revisits after closure; the survey goes out at
closure and an unhappy revisit reopens the complaint. A scenic area's follow-up is due one
working day after the remedy was carried out. Whoever revisits neither handled the case nor is
complained about, and can sign in to find it in their revisit list.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from amends.complaints import catalogue, selectors, services
from amends.complaints.models import Complaint, ComplaintEvent, Revisit, Survey
from amends.complaints.narrative import tell
from amends.complaints.tests.stories import act, drive, received
from amends.complaints.transitions import State
from amends.conftest import SHANGHAI, Cast, local
from amends.core import clock
from amends.core.errors import InvalidInput
from amends.notifications.models import Outbox
from amends.orgs.models import Department, User, Venue
from amends.orgs.roles import Role
from amends.orgs.services import role_grant, staff_create, venue_create

S = State


def _staff(cast: Cast, username: str, role: str, venue: Venue, dept: str, **kw: Any) -> User:
    user = staff_create(
        company=cast.company,
        username=username,
        password=kw.pop("password", "amends-test"),
        display_name=username.title(),
        **kw,
    )
    role_grant(
        user=user, role=role, venue=venue, department=Department.objects.get(venue=venue, code=dept)
    )
    return user


def _team(cast: Cast, venue: Venue, prefix: str) -> dict[str, User]:
    return {
        "desk": _staff(cast, f"{prefix}.desk", Role.FRONT_DESK, venue, "front_office"),
        "handler": _staff(cast, f"{prefix}.cs1", Role.SPECIALIST, venue, "customer_service"),
        "revisitor": _staff(cast, f"{prefix}.cs2", Role.SPECIALIST, venue, "customer_service"),
    }


def _consented(
    cast: Cast,
    venue: Venue,
    team: dict[str, User],
    *,
    story: tuple[str, str, str, str],
    found: tuple[str, str],
    remedy: str,
) -> Complaint:
    """A complaint at `venue` received by its desk, handled by its first specialist, with a
    ¥100 refund (within the specialist's authority) accepted by the customer.
    `story` is (description, customer, phone, category), `found` (report, department)."""
    desk, handler = team["desk"], team["handler"]
    description, customer, phone, category = story
    report, department = found
    c = services.complaint_receive(
        actor=desk,
        venue=venue,
        intake=services.Intake(
            channel="front_desk",
            description=description,
            customer_name=customer,
            phone=phone,
            category=cast.category(category),
            severity="general",
        ),
        acknowledge=False,
        auto_assign=False,
    )
    act("acknowledge", c, desk)
    act("assign", c, desk, assignee=handler.pk)
    act("accept", c, handler)
    act(
        "investigation",
        c,
        handler,
        report=report,
        validity="valid",
        responsibility="department",
        responsible_department=Department.objects.get(venue=venue, code=department).pk,
    )
    act("propose_remedy", c, handler, kind="refund", description=remedy, amount=100)
    act("submit_remedy", c, handler)
    return act("consent", c, desk, accepted="yes", method="signature")


def _executed(cast: Cast, venue: Venue, team: dict[str, User]) -> Complaint:
    """A hotel-room story up to the refund carried out."""
    c = _consented(
        cast,
        venue,
        team,
        story=("房间空调坏了一整夜，没人来修。", "赵敏", "13700137000", "facility_equipment"),
        found=("空调压缩机故障。", "maintenance"),
        remedy="退一晚房费",
    )
    return act("execute", c, team["handler"], note="已退款并维修空调")


def _offered(c: Complaint, actor: User) -> set[str]:
    fresh = Complaint.objects.select_related("venue").get(pk=c.pk)
    return {spec.name for spec in catalogue.available(fresh, actor)}


def test_it_revisits_a_gym_complaint_within_a_week_of_feedback_and_then_closes_it(cast):
    assert cast.gym.revisit_policy_in_force == Venue.RevisitPolicy.BEFORE_CLOSURE
    with clock.travel(local(2026, 12, 1, 10, 0)):
        c = drive(cast, S.REMEDY_EXECUTED)
    with clock.travel(local(2026, 12, 3, 15, 0)):
        c = act("feedback", c, cast.specialist, message="已退款并向您致歉。")
    revisit = Revisit.objects.get(complaint=c)
    # The specialist handled it and the manager approved the ¥500 refund: specialist2 calls.
    assert revisit.assignee == cast.specialist2
    assert revisit.due_at == local(2026, 12, 10, 15, 0)
    assert c.resolved_at == local(2026, 12, 3, 15, 0)
    # The revisitor is told the revisit's own due date, not the complaint's resolution deadline.
    notice = Outbox.objects.get(kind=Outbox.Kind.REVISIT_ASSIGNED, recipient_user=cast.specialist2)
    assert notice.body.endswith("2026-12-10 15:00。")
    # Not closed before the revisit: the close is neither offered nor taken.
    assert "close" not in _offered(c, cast.specialist)
    assert "revisit" in _offered(c, cast.specialist2)
    with clock.travel(local(2026, 12, 4, 9, 0)), pytest.raises(InvalidInput) as refused:
        act("close", c, cast.specialist)
    assert refused.value.code == "needs_closable"
    assert Complaint.objects.get(pk=c.pk).state == S.FEEDBACK_GIVEN

    with clock.travel(local(2026, 12, 8, 11, 0)):
        act("revisit", c, cast.specialist2, reached="yes", satisfied="yes", method="phone")
        assert Complaint.objects.get(pk=c.pk).state == S.REVISIT_DONE
        assert not Survey.objects.filter(complaint=c).exists()  # the survey follows closure
        c = act("close", c, cast.specialist)
    assert (c.state, c.closed_at) == (S.CLOSED, local(2026, 12, 8, 11, 0))
    assert Survey.objects.get(complaint=c).invited_at == local(2026, 12, 8, 11, 0)
    # The feedback resolved it, not the closure.
    assert c.resolved_at == local(2026, 12, 3, 15, 0)
    with clock.travel(local(2026, 12, 9, 9, 0)):
        figures = selectors.figures_for_actor(actor=cast.manager, venue=cast.gym)
    assert figures.resolution_rate == 100.0


def test_it_closes_a_hotel_complaint_on_feedback_and_reopens_it_after_an_unhappy_revisit(
    cast, client
):
    hotel = cast.hotel
    assert hotel.revisit_policy_in_force == Venue.RevisitPolicy.AFTER_CLOSURE
    team = _team(cast, hotel, "htl")
    with clock.travel(local(2026, 12, 2, 20, 0)):
        c = _executed(cast, hotel, team)
    with clock.travel(local(2026, 12, 3, 10, 0)):
        c = act("feedback", c, team["handler"], message="已退还一晚房费，空调已修好。")
        # No revisit before closure: it is closed on feedback.
        assert not Revisit.objects.filter(complaint=c).exists()
        assert "close" in _offered(c, team["handler"])
        assert "revisit" not in _offered(c, team["revisitor"])
        c = act("close", c, team["handler"])
    assert (c.state, c.closed_at, c.resolved_at) == (
        S.CLOSED,
        local(2026, 12, 3, 10, 0),
        local(2026, 12, 3, 10, 0),
    )
    survey = Survey.objects.get(complaint=c)
    assert survey.invited_at == local(2026, 12, 3, 10, 0)
    assert Outbox.objects.filter(complaint_id=c.pk, kind=Outbox.Kind.SURVEY_INVITATION).exists()
    revisit = Revisit.objects.get(complaint=c)
    assert revisit.assignee == team["revisitor"]
    assert revisit.due_at == local(2026, 12, 10, 10, 0)  # revisit_days (7) after closure
    assert revisit in selectors.revisits_for_actor(actor=team["revisitor"])
    queue = selectors.queue_for_actor(actor=team["revisitor"], name="revisits")
    assert list(queue.values_list("reference", flat=True)) == [c.reference]
    assert "revisit" in _offered(c, team["revisitor"])
    # They sign in and find it in their revisit list, marked as a revisit after closure.
    assert client.login(username="htl.cs2", password="amends-test")
    listed = client.get(reverse("console:revisits")).content.decode()
    assert f">{c.reference}</a>" in listed
    assert "<td>结案后</td>" in listed

    # Day 5 after closure: the guest is not satisfied, so the complaint is open again.
    with clock.travel(local(2026, 12, 8, 16, 0)):
        act(
            "revisit",
            c,
            team["revisitor"],
            reached="yes",
            satisfied="no",
            method="phone",
            notes="空调晚上又有噪音",
        )
    c.refresh_from_db()
    revisit.refresh_from_db()
    assert (revisit.done_at, revisit.satisfied) == (local(2026, 12, 8, 16, 0), False)
    assert (c.state, c.reopen_count, c.closed_at, c.resolved_at) == (
        S.INVESTIGATING,
        1,
        None,
        None,
    )
    kinds = list(
        ComplaintEvent.objects.filter(complaint=c, at=local(2026, 12, 8, 16, 0))
        .order_by("seq")
        .values_list("kind", flat=True)
    )
    assert kinds[0] == "revisit_recorded"
    reopen = ComplaintEvent.objects.get(complaint=c, kind="transition", data__action="reopen")
    assert reopen.data["reason"] == "空调晚上又有噪音"
    with translation.override("en"):
        told = [line.title for line in tell(c, ComplaintEvent.objects.filter(complaint=c))]
    assert "Revisit after closure: the customer is not satisfied" in told


def test_it_keeps_a_hotel_complaint_closed_after_a_satisfied_revisit(cast):
    team = _team(cast, cast.hotel, "htl")
    with clock.travel(local(2026, 12, 2, 20, 0)):
        c = _executed(cast, cast.hotel, team)
    with clock.travel(local(2026, 12, 3, 10, 0)):
        act("feedback", c, team["handler"], message="已退还一晚房费。")
        c = act("close", c, team["handler"])
    with clock.travel(local(2026, 12, 5, 10, 0)):
        act("revisit", c, team["revisitor"], reached="yes", satisfied="yes", method="phone")
    c.refresh_from_db()
    assert (c.state, c.closed_at) == (S.CLOSED, local(2026, 12, 3, 10, 0))
    assert Revisit.objects.get(complaint=c).done_at == local(2026, 12, 5, 10, 0)
    assert "revisit" not in _offered(c, team["revisitor"])
    assert not selectors.revisits_for_actor(actor=team["revisitor"]).exists()


def test_it_dues_a_scenic_areas_follow_up_one_working_day_after_execution(cast):
    scenic = venue_create(
        company=cast.company,
        code="SCN1",
        name="豫园景区",
        kind=Venue.Kind.TOURISM,
        opens_at=time(8, 30),
        closes_at=time(17, 30),
        open_days=Venue.OpenDays.WORKING_DAYS,
    )
    assert scenic.revisit_policy_in_force == Venue.RevisitPolicy.BEFORE_CLOSURE
    team = _team(cast, scenic, "scn")
    with clock.travel(local(2026, 12, 2, 10, 0)):  # a Wednesday
        c = _executed_on(cast, scenic, team, local(2026, 12, 4, 16, 0))
    follow_up_due = c.stage_due  # the follow-up stage began when the remedy was carried out
    assert c.stage == "follow_up"
    with clock.travel(local(2026, 12, 4, 16, 30)):  # a Friday
        c = act("feedback", c, team["handler"], message="已退还门票。")
    revisit = Revisit.objects.get(complaint=c)
    # One working day after Friday's execution, across the weekend: Monday 7 December.
    assert revisit.due_at == follow_up_due
    assert revisit.due_at.astimezone(SHANGHAI).date() == date(2026, 12, 7)
    assert revisit.assignee == team["revisitor"]


def _executed_on(cast: Cast, venue: Venue, team: dict[str, User], moment: Any) -> Complaint:
    c = _executed_before(cast, venue, team)
    with clock.travel(moment):
        return act("execute", c, team["handler"], note="已退还门票")


def _executed_before(cast: Cast, venue: Venue, team: dict[str, User]) -> Complaint:
    """A scenic-area story up to the customer's consent."""
    return _consented(
        cast,
        venue,
        team,
        story=("排队两小时，讲解员态度冷淡。", "钱伟", "13600136000", "service_attitude"),
        found=("讲解员确有失误。", "customer_service"),
        remedy="退还门票",
    )


def test_it_never_gives_the_revisit_to_a_handler_an_investigator_or_the_subject(cast):
    with clock.travel(local(2026, 12, 1, 10, 0)):
        c = received(cast, subject_staff=cast.coach)
        c = drive(cast, S.INVESTIGATING, complaint=c)
        act(
            "interview",
            c,
            cast.specialist2,
            interviewee="Coach",
            interviewee_role="staff",
            staff=cast.coach.pk,
            summary="承认迟到。",
        )
        c = drive(cast, S.REMEDY_PROPOSED, complaint=c, amount=100)
        # The manager adds to the investigation report (a step told only by the timeline).
        act("investigation", c, cast.manager, report="教练确实迟到，课表已核对。")
        # ¥100 is within the specialist's authority: nobody else approves it.
        c = act("submit_remedy", c, cast.specialist)
        assert c.state == S.APPROVED
        act("consent", c, cast.desk, accepted="yes", method="signature")
        c = act("execute", c, cast.specialist, note="已退款")
    with clock.travel(local(2026, 12, 3, 15, 0)):
        c = act("feedback", c, cast.specialist, message="已退款并向您致歉。")
    # desk received it, specialist handled it, specialist2 interviewed the coach, the manager
    # wrote in the investigation, the coach is complained about: the director is left.
    assert Revisit.objects.get(complaint=c).assignee == cast.director


def test_it_sends_the_revisit_to_the_managers_queue_when_nobody_independent_can_sign_in(
    cast, client
):
    # specialist handles it, the manager approves the ¥500 refund, specialist2 is complained
    # about; the director's account cannot sign in, a third specialist left.
    cast.director.set_unusable_password()
    cast.director.save()
    gone = _staff(cast, "specialist3", Role.SPECIALIST, cast.gym, "customer_service")
    gone.is_active = False
    gone.save()
    _staff(cast, "nologin", Role.SPECIALIST, cast.gym, "customer_service", password=None)
    with clock.travel(local(2026, 12, 1, 10, 0)):
        c = drive(cast, S.REMEDY_EXECUTED, subject_staff=cast.specialist2)
    with clock.travel(local(2026, 12, 3, 15, 0)):
        c = act("feedback", c, cast.specialist, message="已退款并向您致歉。")
    revisit = Revisit.objects.get(complaint=c)
    assert (revisit.assignee, revisit.due_at) == (None, local(2026, 12, 10, 15, 0))
    # It waits in the manager's revisit list, with the note, and they are told …
    assert list(selectors.revisits_for_actor(actor=cast.manager)) == [revisit]
    assert not selectors.revisits_for_actor(actor=cast.specialist).exists()
    client.force_login(cast.manager)
    listed = client.get(reverse("console:revisits")).content.decode()
    assert f">{c.reference}</a>" in listed
    assert "请安排一位没有处理过此投诉的同事记录回访。" in listed
    told = Outbox.objects.filter(
        complaint_id=c.pk, kind=Outbox.Kind.REVISIT_ASSIGNED, channel=Outbox.Channel.IN_APP
    )
    assert {o.recipient_user for o in told} == {cast.manager, cast.director}
    assert told.get(recipient_user=cast.manager).body.endswith(
        "没有可登录且未处理过此投诉的人员可以回访。请安排一位没有处理过此投诉的同事记录回访。"
    )
    with translation.override("zh-hans"):
        scheduled = ComplaintEvent.objects.filter(complaint=c, kind="revisit_scheduled")
        line = [line.title for line in tell(c, scheduled)]
    assert line == ["回访截止 2026-12-10 15:00：没有与本案无关的人员可以回访，等待门店经理安排"]
    # … but the manager approved the remedy, so they may not make it themselves.
    with clock.travel(local(2026, 12, 4, 10, 0)), pytest.raises(InvalidInput) as refused:
        act("revisit", c, cast.manager, reached="yes", satisfied="yes", method="phone")
    assert refused.value.code == "needs_independent"
    # A colleague who had no part in it, newly on the team, records it.
    fresh = _staff(cast, "specialist4", Role.SPECIALIST, cast.gym, "customer_service")
    with clock.travel(local(2026, 12, 4, 11, 0)):
        act("revisit", c, fresh, reached="yes", satisfied="yes", method="phone")
    assert Complaint.objects.get(pk=c.pk).state == S.REVISIT_DONE


def test_it_keeps_one_revisit_when_the_venue_changes_its_policy_meanwhile(cast):
    with clock.travel(local(2026, 12, 1, 10, 0)):
        c = drive(cast, S.FEEDBACK_GIVEN)
    assert "close" not in _offered(c, cast.specialist)
    cast.gym.revisit_policy = Venue.RevisitPolicy.AFTER_CLOSURE
    cast.gym.save()
    with clock.travel(local(2026, 12, 2, 10, 0)):
        c = act("close", c, cast.specialist)
    revisit = Revisit.objects.get(complaint=c)  # the one scheduled at feedback, no second
    assert (revisit.assignee, revisit.due_at) == (cast.specialist2, local(2026, 12, 8, 10, 0))
    with clock.travel(local(2026, 12, 3, 10, 0)):
        act("revisit", c, cast.specialist2, reached="yes", satisfied="yes", method="phone")
    assert Complaint.objects.get(pk=c.pk).state == S.CLOSED
