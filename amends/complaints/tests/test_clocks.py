"""Deadlines on concrete dates: clock hours at a gym, working days with 调休 at a tourist site,
time waiting on the customer not counted, extensions told to the customer."""

from datetime import timedelta

import pytest

from amends.complaints import services
from amends.complaints.models import ComplaintEvent
from amends.complaints.tests.stories import drive
from amends.complaints.transitions import State
from amends.conftest import local
from amends.core import clock
from amends.core.errors import InvalidInput
from amends.notifications.models import Outbox
from amends.orgs.services import venue_create
from amends.workflow.models import CalendarOverride
from amends.workflow.services import sla_install_defaults

S = State


@pytest.fixture
def scenic(cast):
    venue = venue_create(company=cast.company, code="TOUR1", name="西湖景区", kind="tourism")
    sla_install_defaults(venue=venue)
    return venue


def at_scenic(cast, venue, when, **fields):
    with clock.travel(when):
        return cast.receive(actor=cast.director, venue=venue, **fields)


@pytest.mark.parametrize(
    ("severity", "respond", "remind", "resolve"),
    [
        # Urgent: clock hours, round the clock.
        (
            "urgent",
            local(2026, 11, 20, 14, 0),
            local(2026, 11, 20, 13, 0),
            local(2026, 11, 23, 10, 0),
        ),
        # Important and general: the club's opening hours (06:00–22:00, 16 hours a day).
        (
            "important",
            local(2026, 11, 20, 22, 0),
            local(2026, 11, 20, 19, 0),
            local(2026, 11, 24, 18, 0),
        ),
        (
            # 24 opening hours: Friday 10–22 (12 h) + Saturday 06–18; the reminder at 75 % of
            # them (18 h): Saturday 12:00.
            "general",
            local(2026, 11, 21, 18, 0),
            local(2026, 11, 21, 12, 0),
            local(2026, 11, 24, 18, 0),
        ),
    ],
)
def test_it_sets_the_gyms_deadlines_by_severity(cast, severity, respond, remind, resolve):
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = cast.receive(severity=severity)
    assert c.respond_due == respond
    assert c.resolve_due == resolve
    assert c.remind_at == remind


def test_it_counts_a_make_up_sunday_as_a_working_day(cast, scenic):
    c = at_scenic(cast, scenic, local(2025, 9, 26, 15, 30))  # a Friday
    assert c.clock_mode == "working_days"
    # Sunday, a 调休 make-up workday, at closing time (22:00): the end of the working day
    assert c.respond_due == local(2025, 9, 28, 22, 0)
    assert c.resolve_due == local(2025, 10, 13, 22, 0)


def test_it_skips_the_national_day_holiday(cast, scenic):
    c = at_scenic(cast, scenic, local(2025, 9, 30, 10, 0))
    assert c.resolve_due == local(2025, 10, 16, 22, 0)  # seven working days after 30 September
    c = at_scenic(cast, scenic, local(2025, 10, 7, 10, 0))
    assert c.respond_due == local(2025, 10, 9, 22, 0)  # 8 October is still a holiday


def test_it_runs_one_clock_per_tourism_stage(cast, scenic):
    c = at_scenic(
        cast,
        scenic,
        local(2025, 9, 26, 9, 0),
        category=cast.category("service_quality"),
        severity="general",
    )
    assert (c.stage, c.stage_due) == ("assess", local(2025, 9, 28, 22, 0))
    c = services.complaint_assign(complaint=c, actor=cast.director, assignee=cast.director)
    with clock.travel(local(2025, 9, 26, 11, 0)):
        c = services.complaint_accept(complaint=c, actor=cast.director)
        c = services.complaint_record_investigation(
            complaint=c,
            actor=cast.director,
            report="导游未按约定行程",
            validity="valid",
            responsibility="staff",
        )
        services.remedy_propose(
            complaint=c, actor=cast.director, kind="refund", description="退还差价", amount=100
        )
    c.refresh_from_db()
    assert (c.stage, c.stage_due) == (
        "plan",
        local(2025, 9, 29, 22, 0),
    )  # two working days: Sun 28th, Mon 29th
    with clock.travel(local(2025, 9, 29, 9, 0)):
        c = services.remedy_submit(complaint=c, actor=cast.director)
    assert c.stage == "execute"
    with clock.travel(local(2025, 9, 29, 10, 0)):
        c = services.remedy_record_consent(
            complaint=c, actor=cast.director, accepted=True, method="online"
        )
        c = services.remedy_execute(complaint=c, actor=cast.director, note="已退款")
    assert (c.stage, c.stage_due) == ("follow_up", local(2025, 9, 30, 22, 0))


def test_it_warns_when_a_deadline_falls_in_a_year_the_calendar_does_not_know(cast, scenic):
    c = at_scenic(cast, scenic, local(2027, 3, 1, 10, 0))
    warning = ComplaintEvent.objects.get(complaint=c, kind="calendar_warning")
    assert warning.data == {"warnings": ["calendar_unknown:2027"]}
    CalendarOverride.objects.create(
        day=local(2027, 3, 2, 0, 0).date(), is_working_day=False, name="test holiday"
    )
    c = at_scenic(cast, scenic, local(2027, 3, 1, 10, 0))
    assert not ComplaintEvent.objects.filter(complaint=c, kind="calendar_warning").exists()
    assert c.respond_due == local(2027, 3, 3, 22, 0)


def test_it_does_not_count_time_waiting_on_the_customer(cast):
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = drive(cast, S.APPROVED, severity="urgent")  # clock hours, round the clock
    assert c.paused_at == local(2026, 11, 20, 10, 0)
    assert c.remind_at is None and c.next_escalation_at is None
    assert c.resolve_due == local(2026, 11, 23, 10, 0)
    with clock.travel(local(2026, 11, 22, 10, 0)):
        c = services.remedy_record_consent(
            complaint=c, actor=cast.desk, accepted=True, method="phone"
        )
    assert c.paused_at is None and c.paused_seconds == 48 * 3600
    assert c.resolve_due == local(2026, 11, 25, 10, 0)


def test_it_restarts_the_clocks_when_the_severity_changes_before_the_first_response(cast):
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = cast.receive(severity="general")
    with clock.travel(local(2026, 11, 20, 10, 30)):
        c = services.complaint_classify(complaint=c, actor=cast.specialist, severity="urgent")
    assert c.respond_due == local(2026, 11, 20, 14, 0)
    changed = ComplaintEvent.objects.get(complaint=c, kind="fields_changed")
    assert changed.data == {"severity": {"before": "general", "after": "urgent"}}


def test_it_extends_a_deadline_only_with_a_reason_and_tells_the_customer(cast):
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = drive(cast, S.INVESTIGATING)
        later = c.resolve_due + timedelta(days=2)
        with pytest.raises(InvalidInput) as refused:
            services.complaint_extend_deadline(
                complaint=c, actor=cast.specialist, until=later, reason=""
            )
        assert refused.value.code == "needs_reason"
        with pytest.raises(InvalidInput) as same:
            services.complaint_extend_deadline(
                complaint=c, actor=cast.specialist, until=c.resolve_due, reason="需要厂家检测"
            )
        assert same.value.code == "deadline_not_later"
        c = services.complaint_extend_deadline(
            complaint=c, actor=cast.specialist, until=later, reason="需要厂家检测"
        )
    assert c.resolve_due == later and c.extension_count == 1
    told = Outbox.objects.get(complaint_id=c.pk, kind="deadline_extended")
    assert "需要厂家检测" in told.body and told.channel == "sms"


def test_it_counts_business_hours_on_the_venues_open_days(cast):
    from datetime import time
    from decimal import Decimal

    from amends.workflow.models import SlaPolicy

    office = venue_create(
        company=cast.company,
        code="PROP1",
        name="物业服务中心",
        kind="property",
        opens_at=time(9, 0),
        closes_at=time(18, 0),
        open_days="working_days",
    )
    SlaPolicy.objects.create(
        venue=office,
        severity="general",
        mode="business",
        respond_hours=Decimal("4"),
        resolve_hours=Decimal("18"),
    )
    with clock.travel(local(2026, 11, 20, 17, 0)):  # a Friday, one hour before closing
        c = cast.receive(actor=cast.director, venue=office, severity="general")
    assert c.clock_mode == "business"
    assert c.respond_due == local(2026, 11, 23, 12, 0)  # 1 h on Friday, 3 h on Monday
    assert c.resolve_due == local(2026, 11, 24, 17, 0)  # 1 h + 9 h + 8 h
