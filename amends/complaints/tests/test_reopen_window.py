"""Reopening within the venue's window, a new complaint after it, and low survey scores."""

import pytest

from amends.complaints import catalogue, selectors, services
from amends.complaints.models import Complaint, ComplaintEvent
from amends.complaints.tests.stories import act, drive
from amends.complaints.transitions import State
from amends.conftest import local
from amends.core import clock
from amends.core.errors import InvalidTransition
from amends.notifications.models import Outbox

S = State
CLOSED_AT = local(2026, 11, 23, 10, 0)  # a Monday


def closed(cast) -> Complaint:
    with clock.travel(CLOSED_AT):
        return drive(cast, S.CLOSED)


def sent(c: Complaint, kind: str) -> list[str]:
    return sorted(
        Outbox.objects.filter(complaint_id=c.pk, kind=kind, channel="in_app").values_list(
            "recipient_user__username", flat=True
        )
    )


def test_it_reopens_on_day_14_with_a_fresh_response_clock_one_level_up(cast):
    c = closed(cast)
    assert c.closed_at == CLOSED_AT and c.severity == "general"
    with clock.travel(local(2026, 12, 7, 9, 0)):  # day 14 after closure
        c = act("reopen", c, cast.specialist, reason="客户来电：退款仍未到账")
    assert c.state == S.INVESTIGATING and c.reopen_count == 1
    assert c.severity == "important"  # general → important
    assert c.responded_at is None
    assert c.respond_due == local(2026, 12, 7, 21, 0)  # important: 12 h from the reopen
    assert c.closed_at is None and c.resolved_at is None
    change = ComplaintEvent.objects.filter(complaint=c, kind="fields_changed").last()
    assert change.data == {"severity": {"before": "general", "after": "important"}}
    # The owner and their manager are told, with the reason.
    assert sent(c, "reopened") == ["manager", "specialist"]
    body = Outbox.objects.get(complaint_id=c.pk, kind="reopened", recipient_user=cast.manager)
    assert body.body.endswith("客户来电：退款仍未到账")


def test_it_refuses_a_reopen_on_day_16_and_opens_a_linked_new_complaint(cast):
    c = closed(cast)
    with clock.travel(local(2026, 12, 9, 9, 0)):  # day 16 after closure
        with pytest.raises(InvalidTransition) as refused:
            act("reopen", c, cast.specialist, reason="客户再次来电")
        assert refused.value.code == "reopen_window_closed"
        offered = [spec.name for spec in catalogue.available(c, cast.specialist)]
        assert "reopen" not in offered and "follow_up" in offered
        new = act(
            "follow_up", c, cast.desk, description="退款仍未到账，要求经理回电。", channel="phone"
        )
    c.refresh_from_db()
    assert c.state == S.CLOSED and c.reopen_count == 0  # the old complaint stays closed
    assert new.follows == c and new.state != S.CLOSED
    assert (new.customer_id, new.venue_id, new.category_id) == (
        c.customer_id,
        c.venue_id,
        c.category_id,
    )
    assert new.channel == "phone" and new.description == "退款仍未到账，要求经理回电。"
    told = ComplaintEvent.objects.filter(complaint=c, kind="follow_up_opened").get()
    assert told.data == {"reference": new.reference, "after_closure": True}


def test_it_keeps_the_severity_the_person_reopening_sets(cast):
    c = closed(cast)
    with clock.travel(local(2026, 12, 1, 9, 0)):
        c = act("reopen", c, cast.manager, reason="客户情绪激动，威胁投诉媒体", severity="urgent")
    assert c.severity == "urgent"
    assert c.respond_due == local(2026, 12, 1, 13, 0)  # urgent: 4 h


def test_it_reopens_on_the_customers_word_within_the_window(cast):
    c = closed(cast)
    customer = services.customer_link_principal(
        reference=c.reference, token=services.customer_link_token(c)
    )
    with clock.travel(local(2026, 12, 8, 9, 0)):  # day 15: the last day
        c = act("reopen", c, customer, reason="问题没有解决")
    assert c.state == S.INVESTIGATING and c.severity == "important"


def test_it_puts_a_2_of_5_survey_in_front_of_the_manager_and_reopens_in_one_click(cast):
    c = closed(cast)
    with clock.travel(local(2026, 11, 24, 20, 0)):
        services.survey_answer(
            token=c.survey.token, satisfaction=2, nps=8, comment="教练还是迟到，没有改进"
        )
    assert sent(c, "low_score") == ["manager"]
    with clock.travel(local(2026, 11, 25, 9, 0)):
        low = selectors.queue_for_actor(actor=cast.manager, name="low_scores")
        assert [x.reference for x in low] == [c.reference]
        assert not selectors.queue_for_actor(actor=cast.specialist, name="low_scores").exists()
        form = catalogue.bind("reopen", complaint=c, actor=cast.manager)
        assert form.initial["reason"] == "教练还是迟到，没有改进"
        c = act("reopen", c, cast.manager, reason=form.initial["reason"])
        assert c.state == S.INVESTIGATING
        assert not selectors.queue_for_actor(actor=cast.manager, name="low_scores").exists()


@pytest.mark.parametrize(
    ("satisfaction", "nps", "low"), [(3, 6, True), (3, 7, False), (1, 10, True)]
)
def test_it_counts_a_score_as_low_at_2_of_5_or_an_nps_of_6(cast, satisfaction, nps, low):
    c = closed(cast)
    with clock.travel(local(2026, 11, 24, 20, 0)):
        services.survey_answer(token=c.survey.token, satisfaction=satisfaction, nps=nps)
        queue = selectors.queue_for_actor(actor=cast.manager, name="low_scores")
        assert queue.filter(pk=c.pk).exists() is low
    assert bool(sent(c, "low_score")) is low
