"""Deadlines of one complaint, computed from its venue's time-limit policy and business calendar.

Everything here mutates the complaint object in memory; the calling service saves it inside its
transaction. Returned lists are calendar warnings (e.g. "calendar_unknown:2027") that the caller
records on the timeline.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

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
    """Set the response and resolution deadlines from `received_at` (at intake, or after the
    severity changed before the first response)."""
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

    if targets is None:
        targets = policy_of(complaint)[1]
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
    remind = begin + (due - begin) * (targets.remind_at_percent / 100)
    if due <= moment:
        complaint.remind_at = None
    else:
        complaint.remind_at = max(remind, moment)
    if complaint.escalation_level < len(ESCALATION_LADDER):
        complaint.next_escalation_at = max(due, moment)
    else:
        complaint.next_escalation_at = None


def escalation_step(complaint: Complaint) -> timedelta:
    return timedelta(hours=_hours(policy_of(complaint)[1].escalation_step_hours))


def _warnings(deadlines: list[Deadline]) -> list[str]:
    return sorted({warning for deadline in deadlines for warning in deadline.warnings})
