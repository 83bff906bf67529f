"""Feedback, revisit, closure, reopening and the survey."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from amends.complaints import clocks, routing
from amends.complaints.events import (
    FieldsChanged,
    FollowUpOpened,
    RevisitAttempt,
    RevisitRecorded,
    SurveyAnswered,
    record,
)
from amends.complaints.messages import notify_staff
from amends.complaints.models import (
    Complaint,
    Revisit,
    Survey,
)
from amends.complaints.permissions import Actor
from amends.complaints.services.followups import within_reopen_window
from amends.complaints.services.gate import (
    authorize,
    authorize_action,
    check_available,
    check_needs,
    gate,
    lock,
    save,
)
from amends.complaints.services.intake import Intake, complaint_receive
from amends.complaints.surveys import is_low_score, survey_closes_at
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
from amends.core.principals import Principal, as_principal
from amends.notifications.models import Outbox
from amends.orgs.models import User
from amends.orgs.roles import Role
from amends.orgs.selectors import users_with_role
from amends.workflow.calendar import ClockMode
from amends.workflow.taxonomy import Channel, Severity

S = State


# --- feedback, revisit, closure --------------------------------------------------------------


@transaction.atomic
def complaint_give_feedback(
    *, complaint: Complaint, actor: Actor, message: str, expected_version: int | None = None
) -> Complaint:
    """Tell the customer the outcome, through the channel the complaint came in. This resolves
    the complaint (the figures count it resolved now, whatever follows). Where the venue
    revisits before closure, the revisit is scheduled now; where it closes on feedback, at
    closure."""
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
    """Record a revisit call or visit, made by someone independent of the case.

    Not reached: the attempt is counted and the revisit stays open, unless `final` (the customer
    could not be reached after trying), which completes it. Reached, before closure (the venue's
    policy): the complaint moves to “revisit done”. After closure: the outcome is recorded on
    the closed complaint, and a customer not satisfied reopens it within the venue's reopen
    window — after it, a new complaint linked to this one is opened. A `new_issue` opens a new
    complaint linked to this one.
    """
    if method not in Revisit.Method.values:
        raise InvalidInput(_("Say how the revisit was made."), code="invalid_method")
    locked = lock(revisit.complaint, expected_version=expected_version)
    revisit = Revisit.objects.select_for_update().get(pk=revisit.pk)
    if revisit.done_at is not None:
        raise InvalidTransition(_("This revisit is already recorded."), code="revisit_done")
    action = ACTIONS["record_revisit"]
    authorize(locked, actor, action)
    if locked.state not in action.sources:
        raise InvalidTransition(
            _("This complaint is not awaiting a revisit."), code="action_not_available"
        )
    check_needs(locked, actor, action, "")
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
    now = clock.now()
    revisit.reached, revisit.satisfied, revisit.done_at = (
        reached,
        (satisfied if reached else None),
        now,
    )
    revisit.save()
    if locked.state == S.FEEDBACK_GIVEN:
        gate(
            locked,
            to=S.REVISIT_DONE,
            actor=actor,
            data={"revisit": revisit.pk, "reached": reached, "satisfied": revisit.satisfied},
        )
    else:
        record(
            locked,
            actor,
            RevisitRecorded(
                revisit=revisit.pk,
                method=method,
                reached=reached,
                satisfied=revisit.satisfied,
                notes=notes.strip(),
            ),
        )
        save(locked)
    if new_issue.strip():
        _follow_up(locked, actor, new_issue.strip())
    if locked.state == S.CLOSED and revisit.satisfied is False:
        unhappy = notes.strip() or str(_("The customer is not satisfied at the revisit."))
        if within_reopen_window(locked, now=now):
            complaint_reopen(complaint=locked, actor=actor, reason=unhappy)
        else:
            _follow_up(locked, actor, unhappy, after_closure=True)
    return revisit


def _follow_up(
    complaint: Complaint, actor: Actor, description: str, *, after_closure: bool = False
) -> Complaint:
    """A new complaint of the same customer, linked to `complaint` (`follows`)."""
    follow_up = complaint_receive(
        actor=actor,
        venue=complaint.venue,
        intake=Intake(
            channel=Channel.STAFF,
            description=description,
            customer_name=complaint.customer.name,
            phone=complaint.customer.phone,
            email=complaint.customer.email,
            language=complaint.language,
        ),
    )
    Complaint.objects.filter(pk=follow_up.pk).update(follows=complaint)
    record(
        complaint,
        actor,
        FollowUpOpened(reference=follow_up.reference, after_closure=after_closure or None),
    )
    return follow_up


@transaction.atomic
def complaint_close(
    *, complaint: Complaint, actor: Actor, expected_version: int | None = None
) -> Complaint:
    """Close with the full record; the survey goes to the customer and the retention date is
    set. From “revisit done” or “explained” — or straight from “feedback given” where the venue
    closes on feedback, which then schedules the revisit after closure."""
    locked = lock(complaint, expected_version=expected_version)
    return gate(locked, to=S.CLOSED, actor=actor)


NEXT_SEVERITY = {
    "": Severity.IMPORTANT,
    Severity.GENERAL: Severity.IMPORTANT,
    Severity.IMPORTANT: Severity.URGENT,
    Severity.URGENT: Severity.URGENT,
}


def supervisors_of(complaint: Complaint) -> list[User]:
    """The owner's manager: the venue's customer-service managers, else the next rung up."""
    managers = list(users_with_role(venue=complaint.venue, roles=[Role.MANAGER]))
    if not managers:
        above = routing.escalation_target(complaint, 1)
        managers = [above] if above is not None else []
    return managers


@transaction.atomic
def complaint_reopen(
    *,
    complaint: Complaint,
    actor: Actor,
    reason: str,
    severity: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """The customer is not satisfied: back to investigation, within the venue's reopen window.

    1. A closed complaint reopens only within `venue.reopen_window_days` of its closure; later
       it is refused (`reopen_window_closed`): the customer's return is a new complaint
       (`complaint_follow_up`).
    2. The severity rises one level (general → important → urgent) unless `severity` is given.
    3. The response clock restarts from now under that severity, with a fresh resolution clock.
    4. The owner and their manager are told.
    """
    locked = lock(complaint, expected_version=expected_version)
    if severity and severity not in Severity.values:
        raise InvalidInput(_("Unknown severity."), code="invalid_severity")
    check_available(locked, actor, ACTIONS["reopen"])
    now = clock.now()
    if locked.state == S.CLOSED and not within_reopen_window(locked, now=now):
        raise InvalidTransition(
            _(
                "This complaint was closed more than %(days)s days ago and can no longer be "
                "reopened: record the customer's return as a new complaint."
            )
            % {"days": locked.venue.reopen_window_days},
            code="reopen_window_closed",
        )
    before = locked.severity
    # Set before the gate, so the fresh resolution clock it starts counts under it.
    locked.severity = severity or NEXT_SEVERITY.get(before, Severity.IMPORTANT)
    gate(locked, to=S.INVESTIGATING, actor=actor, reason=reason.strip())
    _restart_response(locked, now=now)
    save(locked)
    if locked.severity != before:
        record(locked, actor, FieldsChanged(changes={"severity": (before, locked.severity)}))
    text = _("Reason: %(reason)s") % {"reason": reason.strip()}
    for user in [locked.owner, *supervisors_of(locked)]:
        notify_staff(
            locked,
            user=user,
            kind=Outbox.Kind.REOPENED,
            text=text,
            dedupe_key=f"reopen:{locked.pk}:{locked.reopen_count}:{user.pk}",
        )
    return locked


def _restart_response(complaint: Complaint, *, now: datetime) -> datetime:
    """A reopened complaint owes the customer a response again, within the response target of
    its (new) severity counted from now."""
    vc, targets = clocks.policy_of(complaint)
    mode = ClockMode(targets.mode)
    if mode == ClockMode.WORKING_DAYS:
        deadline = vc.add(now, mode=mode, working_days=targets.assess_days)
    else:
        deadline = vc.add(now, mode=mode, hours=float(targets.respond_hours))
    complaint.responded_at = None
    complaint.respond_due = deadline.due
    clocks.arm(complaint, targets=targets, now=now)
    return deadline.due


@transaction.atomic
def complaint_follow_up(
    *,
    complaint: Complaint,
    actor: Actor,
    description: str,
    customer_request: str = "",
    channel: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """The customer of a closed complaint comes back (after the reopen window, or about a
    new turn of the same matter): a NEW complaint, same customer, venue and category, that
    `follows` the old one. Returns the new complaint."""
    locked = lock(complaint, expected_version=expected_version)
    authorize_action(locked, actor, "follow_up")
    if not description.strip():
        raise InvalidInput(_("Describe what happened."), code="needs_description")
    principal = as_principal(actor)
    receiver: Actor = actor if principal.is_staff else Principal.system(principal.name)
    customer = locked.customer
    new = complaint_receive(
        actor=receiver,
        venue=locked.venue,
        intake=Intake(
            channel=channel or locked.channel,
            description=description.strip(),
            customer_request=customer_request.strip(),
            customer_name=customer.name,
            phone=customer.phone,
            email=customer.email,
            language=locked.language,
            member_number=locked.member.number if locked.member else "",
            category=locked.category,
        ),
    )
    Complaint.objects.filter(pk=new.pk).update(follows=locked)
    new.follows = locked
    save(locked)
    record(locked, actor, FollowUpOpened(reference=new.reference, after_closure=True))
    return new


@transaction.atomic
def survey_answer(*, token: str, satisfaction: int, nps: int, comment: str = "") -> Survey:
    """The customer's answer to the satisfaction survey (once)."""
    survey = Survey.objects.select_for_update().filter(token=token).first()
    if survey is None:
        raise NotFound(_("This survey does not exist."), code="survey_not_found")
    if survey.answered_at is not None:
        raise InvalidTransition(_("This survey has already been answered."), code="survey_answered")
    if clock.now() > survey_closes_at(survey):
        raise InvalidTransition(_("This survey is closed."), code="survey_closed")
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
    if is_low_score(satisfaction, nps):
        # In front of the manager: the "low scores" queue and a notification.
        text = _("Survey: satisfaction %(s)s/5, recommend %(n)s/10. %(comment)s") % {
            "s": satisfaction,
            "n": nps,
            "comment": survey.comment,
        }
        for user in supervisors_of(locked):
            notify_staff(
                locked,
                user=user,
                kind=Outbox.Kind.LOW_SCORE,
                text=text.strip(),
                dedupe_key=f"low_score:{survey.pk}:{user.pk}",
            )
    return survey
