"""The effect check: did treadmill complaints at the gym go down after the weekly belt check?
Four came in the 30 days before the action was raised, one in the 30 days after it was done."""

from __future__ import annotations

from datetime import date, timedelta

from amends.complaints import services as complaint_services
from amends.conftest import Cast, local
from amends.core import clock
from amends.improvements import services
from amends.improvements.effect import effect_of
from amends.improvements.models import ImprovementAction
from amends.improvements.selectors import actions_in_month
from amends.improvements.tests.stories import fresh, raised_from, treadmill

RAISED = local(2026, 12, 1, 10, 0)
DONE = local(2026, 12, 10, 17, 0)


def _done(cast: Cast, action: ImprovementAction, at=DONE) -> ImprovementAction:
    with clock.travel(at):
        return services.improvement_complete(
            action=action, actor=cast.maintenance, expected_version=action.version, outcome="已换"
        )


def test_it_counts_fewer_treadmill_complaints_once_the_window_has_passed(cast: Cast) -> None:
    first = treadmill(cast, local(2026, 11, 1, 10, 1))  # the first minute of the window
    for day in (12, 20, 28):
        treadmill(cast, local(2026, 11, day, 15, 0))
    # Not the cause's: too early, another category, another subject, another venue.
    treadmill(cast, local(2026, 11, 1, 9, 59))
    treadmill(cast, local(2026, 11, 15, 15, 0), category="service_quality")
    treadmill(cast, local(2026, 11, 16, 15, 0), subject_text="游泳池水温")
    treadmill(cast, local(2026, 11, 17, 15, 0), venue=cast.gym2)
    action = raised_from(cast, first, at=RAISED)
    treadmill(cast, local(2026, 12, 5, 15, 0))  # between raised and done: neither window
    action = _done(cast, action)
    treadmill(cast, local(2026, 12, 15, 15, 0))  # after
    treadmill(cast, DONE + timedelta(days=30))  # just after the after-window

    while_waiting = effect_of(action, now=local(2026, 12, 20, 9, 0))
    assert (while_waiting.before, while_waiting.after, while_waiting.verdict) == (4, 1, "pending")
    assert (while_waiting.before_start, while_waiting.before_end) == (
        RAISED - timedelta(days=30),
        RAISED,
    )
    assert (while_waiting.after_start, while_waiting.after_end) == (
        DONE,
        DONE + timedelta(days=30),
    )
    one_minute_early = effect_of(action, now=DONE + timedelta(days=30, minutes=-1))
    assert one_minute_early.verdict == "pending"
    judged = effect_of(action, now=DONE + timedelta(days=30))
    assert (judged.before, judged.after, judged.window_days, judged.verdict) == (4, 1, 30, "fewer")


def test_it_is_pending_until_done_and_says_more_or_same(cast: Cast) -> None:
    first = treadmill(cast, local(2026, 11, 20, 10, 0))
    action = raised_from(cast, first, at=RAISED)
    not_done = effect_of(action, now=local(2027, 3, 1))
    assert (not_done.before, not_done.after, not_done.verdict) == (1, 0, "pending")
    assert not_done.after_start is None and not_done.after_end is None
    action = _done(cast, action)
    treadmill(cast, local(2026, 12, 11, 10, 0))
    assert effect_of(action, now=local(2027, 3, 1)).verdict == "same"
    treadmill(cast, local(2026, 12, 12, 10, 0))
    assert effect_of(action, now=local(2027, 3, 1)).verdict == "more"
    # A shorter window leaves the second one out.
    short = effect_of(action, now=local(2027, 3, 1), window_days=1)
    assert (short.before, short.after, short.verdict) == (0, 1, "more")


def test_a_company_wide_action_counts_every_venue_and_leaves_merged_complaints_out(
    cast: Cast,
) -> None:
    gym = treadmill(cast, local(2026, 11, 20, 10, 0))
    treadmill(cast, local(2026, 11, 21, 10, 0), venue=cast.gym2)
    twice = treadmill(cast, local(2026, 11, 20, 10, 30))  # the same customer again: merged
    with clock.travel(local(2026, 11, 20, 11, 0)):
        complaint_services.complaint_merge(
            duplicate=twice, into=gym, actor=cast.manager, reason="同一件事"
        )
    action = raised_from(cast, gym, actor=cast.director, venue=None, owner=cast.director, at=RAISED)
    assert effect_of(action, now=RAISED).before == 2


def test_a_months_report_lists_actions_due_done_or_overdue_in_it(cast: Cast) -> None:
    complaint = treadmill(cast, local(2026, 10, 20, 10, 0))
    at = local(2026, 10, 25, 10, 0)
    due_in_nov = raised_from(cast, complaint, at=at, title="十一月到期", due_on=date(2026, 11, 30))
    done_in_nov = raised_from(cast, complaint, at=at, title="十一月完成", due_on=date(2026, 12, 20))
    _done(cast, done_in_nov, at=local(2026, 11, 1, 0, 5))  # Beijing: November; UTC: October
    overdue = raised_from(cast, complaint, at=at, title="十月到期未完成", due_on=date(2026, 10, 31))
    due_in_dec = raised_from(cast, complaint, at=at, title="十二月到期", due_on=date(2026, 12, 1))
    cancelled = raised_from(cast, complaint, at=at, title="取消", due_on=date(2026, 11, 15))
    with clock.travel(at):
        services.improvement_cancel(
            action=cancelled, actor=cast.manager, expected_version=1, reason="重复"
        )
    later = raised_from(cast, complaint, at=local(2026, 12, 2), due_on=date(2026, 12, 5))
    elsewhere = raised_from(
        cast,
        treadmill(cast, local(2026, 10, 21, 10, 0), venue=cast.gym2),
        actor=cast.outsider,
        owner=cast.outsider,
        at=at,
        due_on=date(2026, 11, 10),
    )
    start, end = local(2026, 11, 1), local(2026, 12, 1)
    for bounds in ((start, end), (date(2026, 11, 1), date(2026, 12, 1))):
        listed = list(
            actions_in_month(company_id=cast.company.pk, venue_id=cast.gym.pk, start=bounds[0],
                             end=bounds[1])
        )  # fmt: skip
        assert listed == [overdue, due_in_nov, fresh(done_in_nov)], bounds
    company = set(actions_in_month(company_id=cast.company.pk, venue_id=None, start=start, end=end))
    assert company == {overdue, due_in_nov, done_in_nov, elsewhere}
    assert due_in_dec not in company and later not in company
