"""What a step sets in motion besides the state: urgent alerts, the revisit, the survey."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from amends.complaints import routing
from amends.complaints.events import RevisitScheduled, record
from amends.complaints.messages import notify_customer, notify_staff
from amends.complaints.models import (
    Complaint,
    Revisit,
    Survey,
)
from amends.notifications.models import Outbox
from amends.orgs.roles import Role
from amends.orgs.selectors import users_with_role


def alert_urgent(complaint: Complaint) -> None:
    for user in users_with_role(venue=complaint.venue, roles=[Role.MANAGER, Role.DIRECTOR]):
        notify_staff(
            complaint,
            user=user,
            kind=Outbox.Kind.URGENT_ALERT,
            dedupe_key=f"urgent:{complaint.pk}:{user.pk}",
        )


def revisit_schedule(complaint: Complaint, *, now: datetime) -> None:
    revisitor = routing.pick_revisitor(complaint)
    revisit = Revisit.objects.create(
        complaint=complaint,
        assignee=revisitor,
        due_at=now + timedelta(days=complaint.venue.revisit_days),
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
