"""Feedback, revisit, closure, reopening and the survey."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from amends.complaints.events import FollowUpOpened, RevisitAttempt, SurveyAnswered, record
from amends.complaints.models import (
    Complaint,
    Revisit,
    Survey,
)
from amends.complaints.permissions import Actor
from amends.complaints.services.gate import authorize, check_needs, gate, lock, save
from amends.complaints.services.intake import Intake, complaint_receive
from amends.complaints.transitions import (
    ACTIONS,
    State,
)
from amends.core import clock
from amends.core.errors import (
    InvalidInput,
    InvalidTransition,
    NotFound,
)
from amends.core.principals import Principal
from amends.workflow.taxonomy import Channel

S = State


# --- feedback, revisit, closure --------------------------------------------------------------


@transaction.atomic
def complaint_give_feedback(
    *, complaint: Complaint, actor: Actor, message: str, expected_version: int | None = None
) -> Complaint:
    """Tell the customer the outcome, through the channel the complaint came in. A revisit is
    then scheduled by the venue's policy."""
    locked = lock(complaint, expected_version=expected_version)
    return gate(locked, to=S.FEEDBACK_GIVEN, actor=actor, reason=message.strip())


@transaction.atomic
def revisit_record(
    *,
    revisit: Revisit,
    actor: Actor,
    reached: bool,
    method: str,
    satisfied: bool | None = None,
    notes: str = "",
    new_issue: str = "",
    final: bool = False,
    expected_version: int | None = None,
) -> Revisit:
    """Record a revisit call or visit.

    Not reached: the attempt is counted and the revisit stays open, unless `final` (the customer
    could not be reached after trying), which completes it. Reached: the outcome is recorded and
    the complaint moves to “revisit done”. A `new_issue` opens a new complaint linked to this one.
    """
    if method not in Revisit.Method.values:
        raise InvalidInput(_("Say how the revisit was made."), code="invalid_method")
    locked = lock(revisit.complaint, expected_version=expected_version)
    revisit = Revisit.objects.select_for_update().get(pk=revisit.pk)
    if revisit.done_at is not None:
        raise InvalidTransition(_("This revisit is already recorded."), code="revisit_done")
    action = ACTIONS["record_revisit"]
    authorize(locked, actor, action)
    check_needs(locked, actor, action, "")
    if locked.state != S.FEEDBACK_GIVEN:
        raise InvalidTransition(
            _("This complaint is not awaiting a revisit."), code="action_not_available"
        )
    revisit.attempts += 1
    revisit.method = method
    revisit.notes = "\n".join(filter(None, [revisit.notes, notes.strip()]))
    if not reached and not final:
        revisit.save()
        record(
            locked, actor, RevisitAttempt(revisit=revisit.pk, method=method, notes=notes.strip())
        )
        save(locked)
        return revisit
    revisit.reached, revisit.satisfied, revisit.done_at = (
        reached,
        (satisfied if reached else None),
        clock.now(),
    )
    revisit.save()
    gate(
        locked,
        to=S.REVISIT_DONE,
        actor=actor,
        data={"revisit": revisit.pk, "reached": reached, "satisfied": revisit.satisfied},
    )
    if new_issue.strip():
        follow_up = complaint_receive(
            actor=actor,
            venue=locked.venue,
            intake=Intake(
                channel=Channel.STAFF,
                description=new_issue.strip(),
                customer_name=locked.customer.name,
                phone=locked.customer.phone,
                email=locked.customer.email,
                language=locked.language,
            ),
        )
        Complaint.objects.filter(pk=follow_up.pk).update(follows=locked)
        record(locked, actor, FollowUpOpened(reference=follow_up.reference))
    return revisit


@transaction.atomic
def complaint_close(
    *, complaint: Complaint, actor: Actor, expected_version: int | None = None
) -> Complaint:
    """Close with the full record; a survey awaits the customer and the retention date is set."""
    locked = lock(complaint, expected_version=expected_version)
    return gate(locked, to=S.CLOSED, actor=actor)


@transaction.atomic
def complaint_reopen(
    *, complaint: Complaint, actor: Actor, reason: str, expected_version: int | None = None
) -> Complaint:
    """The customer is not satisfied: back to investigation, with a fresh resolution clock."""
    locked = lock(complaint, expected_version=expected_version)
    return gate(locked, to=S.INVESTIGATING, actor=actor, reason=reason.strip())


@transaction.atomic
def survey_answer(*, token: str, satisfaction: int, nps: int, comment: str = "") -> Survey:
    """The customer's answer to the satisfaction survey (once)."""
    survey = Survey.objects.select_for_update().filter(token=token).first()
    if survey is None:
        raise NotFound(_("This survey does not exist."), code="survey_not_found")
    if survey.answered_at is not None:
        raise InvalidTransition(_("This survey has already been answered."), code="survey_answered")
    if not (1 <= satisfaction <= 5) or not (0 <= nps <= 10):
        raise InvalidInput(_("Satisfaction is 1–5 and recommendation 0–10."), code="invalid_score")
    locked = lock(survey.complaint)
    survey.satisfaction, survey.nps, survey.comment = satisfaction, nps, comment.strip()[:2000]
    survey.answered_at = clock.now()
    survey.save()
    customer = Principal.customer(customer_id=locked.customer_id, company_id=locked.company_id)
    record(
        locked,
        customer,
        SurveyAnswered(satisfaction=satisfaction, nps=nps, comment=survey.comment),
    )
    return survey
