"""What a step sets in motion besides the state: urgent alerts, the revisit, the survey."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from amends.complaints import clocks, routing
from amends.complaints.events import RevisitScheduled, record
from amends.complaints.messages import notify_customer, notify_staff
from amends.complaints.models import (
    Complaint,
    RemedyProposal,
    Revisit,
    Survey,
)
from amends.complaints.transitions import State
from amends.notifications.models import Outbox
from amends.orgs.models import Venue
from amends.orgs.roles import SUPERVISOR_ROLES, Role
from amends.orgs.selectors import users_with_role
from amends.workflow.calendar import ClockMode


def alert_urgent(complaint: Complaint) -> None:
    for user in users_with_role(venue=complaint.venue, roles=[Role.MANAGER, Role.DIRECTOR]):
        notify_staff(
            complaint,
            user=user,
            kind=Outbox.Kind.URGENT_ALERT,
            dedupe_key=f"urgent:{complaint.pk}:{user.pk}",
        )


DEFAULT_REOPEN_DAYS = 15
NOBODY_INDEPENDENT = _(
    "Nobody who can sign in and did not handle this complaint can make its revisit. "
    "Ask a colleague who did not handle it to record the revisit."
)


def reopen_days(venue: Venue) -> int:
    """The venue's reopen window in days after closure (`Venue.reopen_window_days`, default
    15)."""
    days = getattr(venue, "reopen_window_days", None)
    return days if isinstance(days, int) and days > 0 else DEFAULT_REOPEN_DAYS


def within_reopen_window(complaint: Complaint, *, now: datetime) -> bool:
    """Whether a closed complaint may still be reopened (rather than followed by a new one)."""
    closed = complaint.closed_at
    return closed is None or now <= closed + timedelta(days=reopen_days(complaint.venue))


def revisit_due(complaint: Complaint, *, now: datetime) -> datetime:
    """When the revisit scheduled `now` is due, by the venue's policy (SPEC §6):

    1. Revisit after closure (hotel, mall): `revisit_days` after closure (`now`).
    2. Revisit before closure, on a working-days clock (tourism): the follow-up stage — its
       working days after the remedy was carried out, on the venue's clock.
    3. Revisit before closure otherwise (gym): `revisit_days` after feedback (`now`).
    """
    venue = complaint.venue
    if venue.revisit_policy_in_force == Venue.RevisitPolicy.AFTER_CLOSURE:
        return now + timedelta(days=venue.revisit_days)
    if complaint.clock_mode == ClockMode.WORKING_DAYS:
        executed = RemedyProposal.objects.filter(
            complaint=complaint, executed_at__isnull=False
        ).aggregate(last=Max("executed_at"))["last"]
        vc, targets = clocks.policy_of(complaint)
        return vc.add(
            executed or now, mode=ClockMode.WORKING_DAYS, working_days=targets.follow_up_days
        ).due
    return now + timedelta(days=venue.revisit_days)


def revisit_schedule(complaint: Complaint, *, source: str, now: datetime) -> None:
    """Schedule the revisit when the complaint reaches the step the venue's policy names:
    feedback (revisit before closure) or closure after feedback (revisit after closure).
    Any other step schedules nothing. The revisitor is someone independent of the case
    (`routing.pick_revisitor`); with nobody, the revisit waits in the venue managers' revisit
    list and they are told."""
    before = complaint.venue.revisit_policy_in_force == Venue.RevisitPolicy.BEFORE_CLOSURE
    trigger = (
        complaint.state == State.FEEDBACK_GIVEN
        if before
        else complaint.state == State.CLOSED and source == State.FEEDBACK_GIVEN
    )
    # One open revisit at a time (a venue whose policy changed while the complaint waited).
    if not trigger or Revisit.objects.filter(complaint=complaint, done_at__isnull=True).exists():
        return
    revisitor = routing.pick_revisitor(complaint)
    revisit = Revisit.objects.create(
        complaint=complaint, assignee=revisitor, due_at=revisit_due(complaint, now=now)
    )
    record(
        complaint,
        None,
        RevisitScheduled(
            revisit=revisit.pk,
            assignee=revisitor.pk if revisitor else None,
            due=revisit.due_at,
        ),
    )
    if revisitor is not None:
        notify_staff(
            complaint,
            user=revisitor,
            kind=Outbox.Kind.REVISIT_ASSIGNED,
            dedupe_key=f"revisit:{revisit.pk}",
            due=revisit.due_at,
        )
        return
    for manager in users_with_role(venue=complaint.venue, roles=list(SUPERVISOR_ROLES)):
        with translation.override(manager.language):
            note = str(NOBODY_INDEPENDENT)
        notify_staff(
            complaint,
            user=manager,
            kind=Outbox.Kind.REVISIT_ASSIGNED,
            text=note,
            dedupe_key=f"revisit:{revisit.pk}:{manager.pk}",
            due=revisit.due_at,
        )


def survey_invite(complaint: Complaint, *, now: datetime) -> None:
    if Survey.objects.filter(complaint=complaint).exists():
        return
    survey = Survey.objects.create(
        complaint=complaint, token=secrets.token_urlsafe(32), invited_at=now
    )
    notify_customer(
        complaint,
        kind=Outbox.Kind.SURVEY_INVITATION,
        text=survey.token,
        dedupe_key=f"survey:{survey.pk}",
    )
