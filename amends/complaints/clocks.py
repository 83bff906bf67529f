"""Deadlines of one complaint, computed from its venue's time-limit policy and business calendar.

Everything here mutates the complaint object in memory; the calling service saves it inside its
transaction. Returned lists are calendar warnings (e.g. "calendar_unknown:2027") that the caller
records on the timeline. `outcomes` is pure: it reads the stored deadlines and tells, for each,
whether it was met, missed (and by how much), is running or is overdue.

Working-days mode (tourism) runs one clock per stage: assess (the first response's: its deadline
is `respond_due`, and it is done with the first response), then plan, execute, follow up. A stage's
deadline stops counting once that stage is done; escalation only ever fires at a working time of
the venue's clock (`VenueClock.next_working_time`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from amends.complaints.models import Complaint
from amends.orgs.roles import ESCALATION_LADDER
from amends.workflow.calendar import ClockMode, Deadline, VenueClock
from amends.workflow.rules import SlaTargets
from amends.workflow.selectors import sla_targets, venue_clock
from amends.workflow.taxonomy import Severity


def _hours(value: Decimal) -> float:
    return float(value)


def policy_of(complaint: Complaint) -> tuple[VenueClock, SlaTargets]:
    targets = sla_targets(venue=complaint.venue, severity=complaint.severity or Severity.GENERAL)
    return venue_clock(complaint.venue), targets


def start(complaint: Complaint, *, now: datetime) -> list[str]:
    """Set the running response and resolution deadlines from `received_at` under the venue's
    policy for the complaint's severity (at intake, and again when a reclassification changes
    the policy: deadlines already met stay as they were)."""
    vc, targets = policy_of(complaint)
    mode = ClockMode(targets.mode)
    complaint.clock_mode = mode
    begin = complaint.received_at
    shift = timedelta(seconds=complaint.paused_seconds)
    results: list[Deadline] = []
    if mode == ClockMode.WORKING_DAYS:
        assess = vc.add(begin, mode=mode, working_days=targets.assess_days)
        total = vc.add(begin, mode=mode, working_days=targets.total_working_days)
        results += [assess, total]
        if complaint.responded_at is None:
            complaint.respond_due = assess.due
            complaint.stage, complaint.stage_due = "assess", assess.due
        if complaint.resolved_at is None:
            complaint.resolve_due = total.due
    else:
        respond = vc.add(begin, mode=mode, hours=_hours(targets.respond_hours))
        resolve = vc.add(begin, mode=mode, hours=_hours(targets.resolve_hours))
        results += [respond, resolve]
        if complaint.responded_at is None:
            complaint.respond_due = respond.due + shift
        if complaint.resolved_at is None:
            complaint.resolve_due = resolve.due + shift
    arm(complaint, targets=targets, now=now)
    return _warnings(results)


def enter_stage(complaint: Complaint, stage: str, *, now: datetime) -> list[str]:
    """Working-days mode: start the next stage's clock (plan, execute, follow_up) or end it."""
    if complaint.clock_mode != ClockMode.WORKING_DAYS:
        return []
    vc, targets = policy_of(complaint)
    days = {
        "plan": targets.plan_days,
        "execute": targets.execute_days,
        "follow_up": targets.follow_up_days,
    }
    if stage not in days:
        complaint.stage, complaint.stage_due = "", None
        return []
    deadline = vc.add(now, mode=ClockMode.WORKING_DAYS, working_days=days[stage])
    complaint.stage, complaint.stage_due = stage, deadline.due
    return _warnings([deadline])


def restart_resolution(complaint: Complaint, *, now: datetime) -> list[str]:
    """After a reopen: a fresh resolution window from now, the ladder back at the owner."""
    vc, targets = policy_of(complaint)
    mode = ClockMode(targets.mode)
    if mode == ClockMode.WORKING_DAYS:
        deadline = vc.add(now, mode=mode, working_days=targets.plan_days + targets.execute_days)
        complaint.stage, complaint.stage_due = (
            "plan",
            vc.add(now, mode=mode, working_days=targets.plan_days).due,
        )
    else:
        deadline = vc.add(now, mode=mode, hours=_hours(targets.resolve_hours))
    complaint.resolve_due = deadline.due
    complaint.resolved_at = None
    complaint.escalation_level = 0
    complaint.escalated_to = None
    return _warnings([deadline])


def pause(complaint: Complaint, *, now: datetime) -> None:
    """Stop the clocks while the complaint waits on the customer."""
    if complaint.paused_at is None:
        complaint.paused_at = now
    complaint.remind_at = None
    complaint.next_escalation_at = None


def resume(complaint: Complaint, *, now: datetime) -> list[str]:
    """Restart the clocks: every running deadline moves later by the time spent waiting,
    measured in the policy's own units (clock hours, business hours or working days)."""
    if complaint.paused_at is None:
        return []
    vc, targets = policy_of(complaint)
    mode = ClockMode(targets.mode)
    waited = vc.elapsed(complaint.paused_at, now, mode=mode)
    results: list[Deadline] = []

    def shifted(due: datetime | None) -> datetime | None:
        if due is None or waited <= timedelta(0):
            return due
        if mode == ClockMode.WORKING_DAYS:
            deadline = vc.add(due, mode=mode, working_days=waited.days)
        else:
            deadline = vc.add(due, mode=mode, hours=waited.total_seconds() / 3600)
        results.append(deadline)
        return deadline.due

    if complaint.responded_at is None:
        complaint.respond_due = shifted(complaint.respond_due)
    if complaint.resolved_at is None:
        complaint.resolve_due = shifted(complaint.resolve_due)
    complaint.stage_due = shifted(complaint.stage_due)
    complaint.paused_seconds += max(0, int((now - complaint.paused_at).total_seconds()))
    complaint.paused_at = None
    arm(complaint, targets=targets, now=now)
    return _warnings(results)


def running(complaint: Complaint) -> dict[str, datetime | None]:
    """The deadlines still counting, by field name (what a reclassification may move)."""
    found: dict[str, datetime | None] = {}
    if complaint.responded_at is None:
        found["respond_due"] = complaint.respond_due
    if complaint.stage_due is not None and complaint.stage != "assess":
        found["stage_due"] = complaint.stage_due
    if complaint.resolved_at is None:
        found["resolve_due"] = complaint.resolve_due
    return found


def promise(complaint: Complaint, *, respond: bool = False, resolve: bool = False) -> None:
    """Keep what the customer was told: the reply time (at acknowledgement) or the time we will
    come back by (with a deadline extension they are told of). Later recomputations never
    change it, so the console can show the promise beside the deadline."""
    if respond and complaint.respond_due is not None:
        complaint.promised_respond_by = complaint.respond_due
    if resolve:
        told = complaint.resolve_due or complaint.stage_due
        if told is not None:
            complaint.promised_resolve_by = told


def settle_stages(complaint: Complaint) -> None:
    """End a stage clock whose stage is done. The assess stage is the first response's: once
    the complaint has had its first response it stops counting (the stage name stays, so the
    plan stage still starts at the remedy proposal or the finding of invalid)."""
    if complaint.stage == "assess" and complaint.responded_at is not None:
        complaint.stage_due = None


def active_due(complaint: Complaint) -> datetime | None:
    if complaint.responded_at is None:
        return complaint.respond_due
    if complaint.resolved_at is not None:
        return complaint.stage_due
    return complaint.stage_due or complaint.resolve_due


def arm(
    complaint: Complaint, *, targets: SlaTargets | None = None, now: datetime | None = None
) -> None:
    """Set when the tick should next remind the owner and escalate, from the active deadline.

    1. No running clock (closed, resolved with no stage, or waiting on the customer): nothing.
    2. Reminder at `remind_at_percent` of the window from receipt (or from now for a stage
       clock); if that moment has passed but the deadline has not, remind at once.
    3. Escalation at the deadline (or at once if already past), while the ladder has a step left.
    """
    from amends.complaints.transitions import OPEN_STATES

    settle_stages(complaint)
    vc, policy = policy_of(complaint)
    targets = targets or policy
    moment = now or complaint.received_at
    due = active_due(complaint)
    if complaint.state not in OPEN_STATES or complaint.paused_at is not None or due is None:
        complaint.remind_at = None
        complaint.next_escalation_at = None
        return
    begin = (
        complaint.received_at
        if complaint.stage_due is None or due != complaint.stage_due
        else moment
    )
    remind = _remind_moment(complaint, vc, begin, due, targets.remind_at_percent)
    if due <= moment:
        complaint.remind_at = None
    else:
        complaint.remind_at = max(remind, moment)
    if complaint.escalation_level < len(ESCALATION_LADDER):
        complaint.next_escalation_at = working_time(complaint, max(due, moment), vc=vc)
    else:
        complaint.next_escalation_at = None


def _remind_moment(
    complaint: Complaint, vc: VenueClock, begin: datetime, due: datetime, percent: int
) -> datetime:
    """`percent` of the way from `begin` to `due` in the clock's own time: of the opening hours
    for business hours (a reminder never falls at night for a club that opens at 06:00), and at
    the next working time for the other clocks."""
    mode = ClockMode(complaint.clock_mode or ClockMode.CLOCK)
    if mode is ClockMode.BUSINESS:
        budget = vc.elapsed(begin, due, mode=mode) * (percent / 100)
        return vc.add(begin, mode=mode, hours=budget.total_seconds() / 3600).due
    linear = begin + (due - begin) * (percent / 100)
    return vc.next_working_time(linear, mode=mode)


def escalation_step(complaint: Complaint) -> timedelta:
    return timedelta(hours=_hours(policy_of(complaint)[1].escalation_step_hours))


def working_time(
    complaint: Complaint, moment: datetime, *, vc: VenueClock | None = None
) -> datetime:
    """The first moment at or after `moment` at which this complaint's clock works: any time
    for clock hours, the opening hours of an open day for business hours, the opening hours of
    a national working day for working days. Escalations are only ever set (and fired) there."""
    mode = ClockMode(complaint.clock_mode or ClockMode.CLOCK)
    return (vc or venue_clock(complaint.venue)).next_working_time(moment, mode=mode)


def is_working_time(complaint: Complaint, moment: datetime) -> bool:
    return working_time(complaint, moment) <= moment


def next_escalation(complaint: Complaint, *, now: datetime) -> datetime:
    """When the step after one taken at `now` comes: one escalation step later, never before
    the running deadline (a complaint escalated by hand before it is due is not overdue yet),
    at a working time."""
    step = now + escalation_step(complaint)
    due = active_due(complaint)
    return working_time(complaint, max(step, due) if due is not None else step)


# --- outcomes: what became of each deadline ---------------------------------------------------


class Status(StrEnum):
    MET = "met"  # done by its deadline
    MISSED = "missed"  # done, but after its deadline
    RUNNING = "running"  # not done, deadline ahead
    OVERDUE = "overdue"  # not done, deadline passed
    PAUSED = "paused"  # not done, the clock stopped while waiting on the customer


@dataclass(frozen=True)
class Outcome:
    """One deadline of a complaint and what became of it. `late_by` is how far past the deadline
    it was done (missed) or now is (overdue, or paused after the deadline); else None."""

    name: str  # "respond", "resolve" or a working-days stage ("plan", "execute", "follow_up")
    due: datetime
    done_at: datetime | None
    status: Status
    late_by: timedelta | None = None

    @property
    def late(self) -> bool:
        return self.status in (Status.MISSED, Status.OVERDUE) or self.late_by is not None


def _outcome(
    name: str, due: datetime, done_at: datetime | None, now: datetime, paused_at: datetime | None
) -> Outcome:
    if done_at is not None:
        if done_at <= due:
            return Outcome(name, due, done_at, Status.MET)
        return Outcome(name, due, done_at, Status.MISSED, done_at - due)
    if paused_at is not None:
        late = paused_at - due if paused_at > due else None
        return Outcome(name, due, None, Status.PAUSED, late)
    if now < due:
        return Outcome(name, due, None, Status.RUNNING)
    return Outcome(name, due, None, Status.OVERDUE, now - due)


def outcomes(complaint: Complaint, now: datetime) -> list[Outcome]:
    """Each deadline of `complaint` with its outcome at `now`: the first response, the running
    stage (working-days mode, after the first response) and the resolution. Pure: reads only
    the complaint's own fields, so a list can call it for every row without a query.

    A first response or resolution after its deadline is MISSED, with `late_by` — never met.
    A deadline moved by an extension or a reclassification is judged against where it now is;
    what the customer was promised is kept apart (`promised_respond_by`, `promised_resolve_by`).
    """
    found: list[Outcome] = []
    if complaint.respond_due is not None:
        found.append(
            _outcome(
                "respond",
                complaint.respond_due,
                complaint.responded_at,
                now,
                complaint.paused_at,
            )
        )
    stage_running = (
        complaint.stage_due is not None
        and complaint.stage not in ("", "assess")
        and complaint.closed_at is None
    )
    if stage_running and complaint.stage_due is not None:
        found.append(_outcome(complaint.stage, complaint.stage_due, None, now, complaint.paused_at))
    if complaint.resolve_due is not None:
        found.append(
            _outcome(
                "resolve",
                complaint.resolve_due,
                complaint.resolved_at,
                now,
                complaint.paused_at,
            )
        )
    return found


def _warnings(deadlines: list[Deadline]) -> list[str]:
    return sorted({warning for deadline in deadlines for warning in deadline.warnings})
