"""The stored running deadline (`Complaint.due_at`, what "overdue" and "due soon" read) stays the
one `running_due()` computes on every clock path, on concrete dates: intake, the first response,
a tourist site's working-day stages, waiting on the customer and back, an extension, the
resolution, closure, a reopen and a reclassification."""

from datetime import datetime

import pytest

from amends.complaints import services
from amends.complaints.models import Complaint
from amends.complaints.tests.stories import act, drive, received
from amends.complaints.transitions import State
from amends.conftest import Cast, local
from amends.core import clock
from amends.orgs.services import venue_create
from amends.workflow.services import sla_install_defaults

S = State


def kept(c: Complaint) -> datetime | None:
    """The stored row's `due_at`, after checking it is the deadline its own fields run."""
    row = Complaint.objects.get(pk=c.pk)
    assert row.due_at == row.running_due()
    return row.due_at


def test_it_keeps_the_running_deadline_through_a_gym_complaints_life(cast: Cast) -> None:
    # Urgent at a gym: clock hours, a reply within 4 h and a resolution within 72 h.
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = received(cast, severity="urgent")
    assert kept(c) == local(2026, 11, 20, 14, 0)  # the reply is due

    with clock.travel(local(2026, 11, 20, 11, 0)):
        c = drive(cast, S.INVESTIGATING, complaint=c)  # accepted: the first response
    assert kept(c) == local(2026, 11, 23, 10, 0)  # now the resolution

    with clock.travel(local(2026, 11, 20, 12, 0)):
        c = services.complaint_extend_deadline(
            complaint=c, actor=cast.specialist, until=local(2026, 11, 24, 10, 0), reason="等配件"
        )
    assert kept(c) == local(2026, 11, 24, 10, 0)

    with clock.travel(local(2026, 11, 20, 12, 0)):
        c = drive(cast, S.APPROVED, complaint=c)  # the customer decides: the clock waits
    assert c.paused_at is not None
    assert kept(c) is None

    with clock.travel(local(2026, 11, 22, 12, 0)):  # 48 h later the customer accepts
        c = act("consent", c, cast.desk, accepted="yes", method="signature")
    assert kept(c) == local(2026, 11, 26, 10, 0)  # moved by the 48 h waited

    with clock.travel(local(2026, 11, 22, 13, 0)):
        c = drive(cast, S.FEEDBACK_GIVEN, complaint=c)  # resolved
    assert c.resolved_at == local(2026, 11, 22, 13, 0)
    assert kept(c) is None

    with clock.travel(local(2026, 11, 22, 14, 0)):
        c = drive(cast, S.CLOSED, complaint=c)
    assert kept(c) is None

    with clock.travel(local(2026, 11, 24, 9, 0)):
        c = act("reopen", c, cast.specialist, reason="客户来电：退款仍未到账")
    assert c.state == S.INVESTIGATING and c.responded_at is None
    assert kept(c) == local(2026, 11, 24, 13, 0)  # a fresh 4 h reply clock from the reopen


def test_it_moves_the_stored_deadline_with_a_reclassification(cast: Cast) -> None:
    with clock.travel(local(2026, 11, 20, 10, 0)):
        c = received(cast, severity="general")
    assert kept(c) == local(2026, 11, 21, 18, 0)  # 24 opening hours
    with clock.travel(local(2026, 11, 20, 10, 30)):
        c = services.complaint_classify(complaint=c, actor=cast.specialist, severity="urgent")
    assert kept(c) == local(2026, 11, 20, 14, 0)


@pytest.fixture
def scenic(cast: Cast):
    venue = venue_create(company=cast.company, code="TOUR1", name="西湖景区", kind="tourism")
    sla_install_defaults(venue=venue)
    return venue


def test_it_stores_each_working_day_stage_as_it_starts(cast: Cast, scenic) -> None:
    with clock.travel(local(2025, 9, 26, 9, 0)):  # a Friday; Sunday the 28th is a make-up day
        c = cast.receive(
            actor=cast.director,
            venue=scenic,
            category=cast.category("service_quality"),
            severity="general",
        )
    assert (c.stage, kept(c)) == ("assess", local(2025, 9, 28, 22, 0))
    c = services.complaint_assign(complaint=c, actor=cast.director, assignee=cast.director)
    with clock.travel(local(2025, 9, 26, 11, 0)):
        c = services.complaint_accept(complaint=c, actor=cast.director)
        # Assessed (the first response): the whole resolution's deadline runs until a stage.
        assert kept(c) == c.resolve_due
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
    assert kept(c) == local(2025, 9, 29, 22, 0)  # the plan stage: two working days
