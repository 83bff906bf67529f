"""Improvement actions (整改) as the gym lives them: the manager raises one from a treadmill
complaint, the maintenance lead starts and completes it, and a month later the effect check
says whether treadmill complaints went down. Every write checks the version and who may."""

from __future__ import annotations

from datetime import date

import pytest

from amends.conftest import Cast, local
from amends.core import clock
from amends.core.errors import (
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    StaleVersion,
)
from amends.improvements import services
from amends.improvements.models import ImprovementAction
from amends.improvements.selectors import (
    action_get_for_actor,
    actions_for_actor,
    steps_for_actor,
)
from amends.improvements.tests.stories import fresh, raised_from, treadmill
from amends.notifications.models import Outbox

Status = ImprovementAction.Status


# --- the story -----------------------------------------------------------------------------------


def test_it_raises_an_action_from_a_complaint_and_tracks_it_to_done(cast: Cast) -> None:
    complaint = treadmill(cast, local(2026, 11, 20, 9, 30))
    action = raised_from(cast, complaint, at=local(2026, 12, 1, 10, 0))

    assert (action.status, action.version, action.venue, action.owner) == (
        Status.OPEN,
        1,
        cast.gym,
        cast.maintenance,
    )
    assert list(action.complaints.all()) == [complaint]
    assert action.category == cast.category("facility_equipment")
    assert action.created_by == cast.manager
    # The owner hears of it in the console, in their language.
    told = Outbox.objects.get(
        recipient_user=cast.maintenance, kind=Outbox.Kind.IMPROVEMENT, complaint_id__isnull=True
    )
    assert told.channel == Outbox.Channel.IN_APP and "跑步机皮带每周检查" in told.subject
    assert told.context == {"improvement": action.pk}
    assert steps_for_actor(actor=cast.maintenance, action=action) == ["start", "complete"]
    assert steps_for_actor(actor=cast.manager, action=action) == [
        "start",
        "complete",
        "cancel",
        "edit",
        "link",
    ]
    assert steps_for_actor(actor=cast.desk, action=action) == []

    with clock.travel(local(2026, 12, 2, 9, 0)):
        action = services.improvement_start(
            action=action, actor=cast.maintenance, expected_version=1
        )
    assert (action.status, action.version, action.started_at) == (
        Status.IN_PROGRESS,
        2,
        local(2026, 12, 2, 9, 0),
    )

    with clock.travel(local(2026, 12, 10, 17, 0)):
        action = services.improvement_complete(
            action=action,
            actor=cast.maintenance,
            expected_version=2,
            outcome="换了三台跑步机的皮带，建立每周检查表。",
        )
    stored = fresh(action)
    assert (stored.status, stored.version, stored.done_at, stored.outcome) == (
        Status.DONE,
        3,
        local(2026, 12, 10, 17, 0),
        "换了三台跑步机的皮带，建立每周检查表。",
    )
    # A done action only takes more linked complaints.
    assert steps_for_actor(actor=cast.manager, action=stored) == ["link"]
    with pytest.raises(InvalidTransition):
        services.improvement_cancel(
            action=stored, actor=cast.manager, expected_version=3, reason="不需要了"
        )


def test_it_raises_from_a_report_line_and_from_a_cause(cast: Cast) -> None:
    with clock.travel(local(2026, 12, 1, 10, 0)):
        from_report = services.improvement_raise(
            actor=cast.manager,
            venue=cast.gym,
            title="减少设施设备投诉",
            source=ImprovementAction.Source.REPORT,
            source_label="11月 设施设备 12件 (+50%)",
            category=cast.category("facility_equipment"),
            owner=cast.maintenance,
            due_on=date(2026, 12, 20),
        )
        from_cause = services.improvement_raise(
            actor=cast.director,
            venue=None,
            title="全公司更衣柜锁更换",
            source=ImprovementAction.Source.CAUSE,
            subject_text="更衣柜",
            owner=cast.director,
            due_on=date(2027, 1, 31),
        )
        with pytest.raises(InvalidInput) as no_label:
            services.improvement_raise(
                actor=cast.manager,
                venue=cast.gym,
                title="减少投诉",
                source=ImprovementAction.Source.REPORT,
                owner=cast.maintenance,
                due_on=date(2026, 12, 20),
            )
        with pytest.raises(InvalidInput) as no_complaint:
            services.improvement_raise(
                actor=cast.manager,
                venue=cast.gym,
                title="减少投诉",
                source=ImprovementAction.Source.COMPLAINT,
                owner=cast.maintenance,
                due_on=date(2026, 12, 20),
            )
        with pytest.raises(InvalidInput) as past:
            services.improvement_raise(
                actor=cast.manager,
                venue=cast.gym,
                title="减少投诉",
                source=ImprovementAction.Source.CAUSE,
                subject_text="跑步机",
                owner=cast.maintenance,
                due_on=date(2026, 11, 30),
            )
    assert from_report.source_label == "11月 设施设备 12件 (+50%)"
    assert from_cause.venue is None and from_cause.company == cast.company
    assert no_label.value.code == "label_required"
    assert no_complaint.value.code == "complaint_required"
    assert past.value.code == "due_in_past"
    assert ImprovementAction.objects.count() == 2


# --- who may -------------------------------------------------------------------------------------


def test_it_refuses_an_owner_who_does_not_work_at_the_venue(cast: Cast) -> None:
    complaint = treadmill(cast, local(2026, 11, 20, 9, 30))
    for owner in (cast.outsider, cast.stranger):  # another gym; another company
        with pytest.raises(InvalidInput) as refused:
            raised_from(cast, complaint, owner=owner)
        assert refused.value.code == "owner_not_allowed"
    # A company-wide action is owned by someone who works for every venue.
    with pytest.raises(InvalidInput) as venue_only:
        raised_from(cast, complaint, actor=cast.director, venue=None, owner=cast.manager)
    assert venue_only.value.code == "owner_not_allowed"
    assert raised_from(cast, complaint, actor=cast.director, venue=None, owner=cast.auditor)
    # Nor may an edit hand it to someone from elsewhere.
    action = raised_from(cast, complaint)
    with pytest.raises(InvalidInput) as edit:
        services.improvement_update(
            action=action,
            actor=cast.manager,
            expected_version=1,
            title=action.title,
            description="",
            owner=cast.outsider,
            due_on=action.due_on,
            complaint_ids=[complaint.pk],
        )
    assert edit.value.code == "owner_not_allowed"
    assert fresh(action).owner == cast.maintenance


def test_it_refuses_the_front_desk_and_other_venues(cast: Cast) -> None:
    complaint = treadmill(cast, local(2026, 11, 20, 9, 30))
    with pytest.raises(PermissionDenied):
        raised_from(cast, complaint, actor=cast.desk)
    with pytest.raises(PermissionDenied):  # a manager at gym2 raising at the gym
        raised_from(cast, complaint, actor=cast.outsider, complaint_ids=[])
    with pytest.raises(PermissionDenied):  # a venue manager raising company-wide
        raised_from(cast, complaint, venue=None, owner=cast.director)
    with pytest.raises(NotFound):  # a venue of another company
        raised_from(cast, complaint, actor=cast.stranger)
    action = raised_from(cast, complaint)
    # The front desk sees the gym's actions but may not start one it does not own.
    assert action_get_for_actor(actor=cast.desk, pk=action.pk) == action
    with pytest.raises(PermissionDenied):
        services.improvement_start(action=action, actor=cast.desk, expected_version=1)
    # The owner may start and complete, not cancel.
    with pytest.raises(PermissionDenied):
        services.improvement_cancel(
            action=action, actor=cast.maintenance, expected_version=1, reason="太贵"
        )
    # Another gym's manager does not even see it.
    with pytest.raises(NotFound):
        services.improvement_start(action=action, actor=cast.outsider, expected_version=1)
    assert fresh(action).status == Status.OPEN and fresh(action).version == 1


def test_it_links_only_complaints_of_the_venue_that_the_actor_sees(cast: Cast) -> None:
    at_gym = treadmill(cast, local(2026, 11, 20, 9, 30))
    at_gym2 = treadmill(cast, local(2026, 11, 21, 9, 30), venue=cast.gym2)
    with pytest.raises(InvalidInput) as unseen:  # the gym's manager cannot see gym2's
        raised_from(cast, at_gym, complaint_ids=[at_gym.pk, at_gym2.pk])
    with pytest.raises(InvalidInput) as elsewhere:  # the director sees it, but it is gym2's
        raised_from(cast, at_gym, actor=cast.director, complaint_ids=[at_gym.pk, at_gym2.pk])
    assert unseen.value.code == elsewhere.value.code == "complaint_not_linkable"
    company_wide = raised_from(
        cast, at_gym, actor=cast.director, venue=None, owner=cast.director,
        complaint_ids=[at_gym.pk, at_gym2.pk],
    )  # fmt: skip
    assert set(company_wide.complaints.all()) == {at_gym, at_gym2}

    action = raised_from(cast, at_gym)
    second = treadmill(cast, local(2026, 12, 3, 9, 30))
    with clock.travel(local(2026, 12, 3, 10, 0)):
        linked = services.improvement_link_complaint(
            action=action, actor=cast.manager, expected_version=1, complaint=second
        )
        again = services.improvement_link_complaint(
            action=action, actor=cast.manager, expected_version=2, complaint=second
        )
        with pytest.raises(InvalidInput):
            services.improvement_link_complaint(
                action=action, actor=cast.director, expected_version=2, complaint=at_gym2
            )
    assert linked.version == again.version == 2
    assert set(fresh(action).complaints.all()) == {at_gym, second}


# --- versions and reasons ------------------------------------------------------------------------


def test_it_refuses_a_stale_version_and_changes_nothing(cast: Cast) -> None:
    action = raised_from(cast, treadmill(cast, local(2026, 11, 20, 9, 30)))
    with clock.travel(local(2026, 12, 2, 9, 0)):
        services.improvement_start(action=action, actor=cast.maintenance, expected_version=1)
        # The manager's page still says version 1.
        with pytest.raises(StaleVersion) as stale:
            services.improvement_cancel(
                action=action, actor=cast.manager, expected_version=1, reason="改为采购新机"
            )
        with pytest.raises(StaleVersion):
            services.improvement_update(
                action=action,
                actor=cast.manager,
                expected_version=1,
                title="新标题",
                description="",
                owner=cast.maintenance,
                due_on=action.due_on,
                complaint_ids=[],
            )
    assert stale.value.http_status == 409 and stale.value.params["current_version"] == 2
    stored = fresh(action)
    assert (stored.status, stored.version, stored.title) == (
        Status.IN_PROGRESS,
        2,
        "跑步机皮带每周检查",
    )


def test_it_wants_a_reason_to_cancel_and_an_outcome_to_complete(cast: Cast) -> None:
    action = raised_from(cast, treadmill(cast, local(2026, 11, 20, 9, 30)))
    with clock.travel(local(2026, 12, 2, 9, 0)):
        with pytest.raises(InvalidInput) as no_reason:
            services.improvement_cancel(
                action=action, actor=cast.manager, expected_version=1, reason="  "
            )
        with pytest.raises(InvalidInput) as no_outcome:
            services.improvement_complete(
                action=action, actor=cast.maintenance, expected_version=1, outcome=""
            )
        assert fresh(action).status == Status.OPEN
        cancelled = services.improvement_cancel(
            action=action, actor=cast.manager, expected_version=1, reason="改为采购新跑步机"
        )
        with pytest.raises(InvalidTransition):
            services.improvement_start(action=action, actor=cast.maintenance, expected_version=2)
    assert (no_reason.value.code, no_outcome.value.code) == ("reason_required", "outcome_required")
    assert (cancelled.status, cancelled.cancel_reason, cancelled.version) == (
        Status.CANCELLED,
        "改为采购新跑步机",
        2,
    )


def test_it_edits_an_open_action_and_tells_a_new_owner(cast: Cast) -> None:
    complaint = treadmill(cast, local(2026, 11, 20, 9, 30))
    action = raised_from(cast, complaint, due_on=date(2026, 12, 5))
    later = treadmill(cast, local(2026, 12, 8, 9, 30))
    with clock.travel(local(2026, 12, 8, 10, 0)):  # the due date has passed meanwhile
        with pytest.raises(InvalidInput) as past:
            services.improvement_update(
                action=action,
                actor=cast.manager,
                expected_version=1,
                title="跑步机皮带每周检查",
                description="",
                owner=cast.maintenance,
                due_on=date(2026, 12, 7),
                complaint_ids=[complaint.pk],
            )
        kept = services.improvement_update(
            action=action,
            actor=cast.manager,
            expected_version=1,
            title="跑步机皮带每日检查",
            description="每天开门前检查。",
            owner=cast.specialist,
            due_on=date(2026, 12, 5),  # kept as it was
            complaint_ids=[complaint.pk, later.pk],
        )
    assert past.value.code == "due_in_past"
    stored = fresh(kept)
    assert (stored.title, stored.owner, stored.version) == (
        "跑步机皮带每日检查",
        cast.specialist,
        2,
    )
    assert set(stored.complaints.all()) == {complaint, later}
    assert Outbox.objects.filter(
        recipient_user=cast.specialist, kind=Outbox.Kind.IMPROVEMENT
    ).exists()


# --- who sees ------------------------------------------------------------------------------------


def test_it_shows_each_person_the_actions_of_their_venues(cast: Cast) -> None:
    at_gym = raised_from(cast, treadmill(cast, local(2026, 11, 20, 9, 30)))
    at_gym2 = raised_from(
        cast,
        treadmill(cast, local(2026, 11, 21, 9, 30), venue=cast.gym2),
        actor=cast.outsider,
        owner=cast.outsider,
    )
    company_wide = raised_from(
        cast, treadmill(cast, local(2026, 11, 22, 9, 30)), actor=cast.director, venue=None,
        owner=cast.auditor,
    )  # fmt: skip
    seen = {
        who: set(actions_for_actor(actor=getattr(cast, who)))
        for who in ("desk", "maintenance", "outsider", "director", "auditor", "stranger")
    }
    assert seen == {
        "desk": {at_gym},
        "maintenance": {at_gym},
        "outsider": {at_gym2},
        "director": {at_gym, at_gym2, company_wide},
        "auditor": {at_gym, at_gym2, company_wide},
        "stranger": set(),
    }
    with pytest.raises(NotFound):
        action_get_for_actor(actor=cast.stranger, pk=at_gym.pk)
    with pytest.raises(NotFound):
        action_get_for_actor(actor=cast.manager, pk=company_wide.pk)
