"""Where a complaint stands, in the customer's words: the state's plain sentence and what happens
next, by when (in the venue's time zone). Staff states the customer does not need to tell apart
(assigned, the approval round, a remedy rejected internally) read the same."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from amends.complaints.models import Complaint
from amends.complaints.transitions import State
from amends.core import clock
from amends.public.pages import venue_time

S = State

# One sentence per state, as the customer reads it.
SAID = {
    S.RECEIVED: gettext_lazy("We have received your complaint."),
    S.ACKNOWLEDGED: gettext_lazy("We have received your complaint and will look into it."),
    S.ASSIGNED: gettext_lazy("Your complaint is with the person who will look into it."),
    S.INVESTIGATING: gettext_lazy("We are looking into what happened."),
    S.INVALID: gettext_lazy("We have looked into it and will explain what we found."),
    S.EXPLAINED: gettext_lazy("We have explained what we found."),
    S.REMEDY_PROPOSED: gettext_lazy("We are preparing a way to put things right."),
    S.APPROVAL_PENDING: gettext_lazy("We are preparing a way to put things right."),
    S.REJECTED: gettext_lazy("We are preparing a way to put things right."),
    S.APPROVED: gettext_lazy("We have offered you a remedy."),
    S.CUSTOMER_ACCEPTED: gettext_lazy("You accepted the remedy; we are carrying it out."),
    S.CUSTOMER_DECLINED: gettext_lazy(
        "You declined the remedy; we are looking for another way to put things right."
    ),
    S.REMEDY_EXECUTED: gettext_lazy("The remedy has been carried out."),
    S.FEEDBACK_GIVEN: gettext_lazy("We have told you the outcome."),
    S.REVISIT_DONE: gettext_lazy("We have followed up with you."),
    S.CLOSED: gettext_lazy("Your complaint is closed."),
    S.DECLINED: gettext_lazy("Your complaint has been declined."),
    S.MERGED: gettext_lazy("This complaint was joined with another one about the same matter."),
}

# A short word for the badge beside the sentence.
STEP = {
    S.RECEIVED: gettext_lazy("Received"),
    S.ACKNOWLEDGED: gettext_lazy("Received"),
    S.ASSIGNED: gettext_lazy("Under investigation"),
    S.INVESTIGATING: gettext_lazy("Under investigation"),
    S.INVALID: gettext_lazy("Under investigation"),
    S.EXPLAINED: gettext_lazy("Answered"),
    S.REMEDY_PROPOSED: gettext_lazy("Under investigation"),
    S.APPROVAL_PENDING: gettext_lazy("Under investigation"),
    S.REJECTED: gettext_lazy("Under investigation"),
    S.APPROVED: gettext_lazy("Remedy offered"),
    S.CUSTOMER_ACCEPTED: gettext_lazy("Remedy accepted"),
    S.CUSTOMER_DECLINED: gettext_lazy("Under investigation"),
    S.REMEDY_EXECUTED: gettext_lazy("Remedy carried out"),
    S.FEEDBACK_GIVEN: gettext_lazy("Answered"),
    S.REVISIT_DONE: gettext_lazy("Answered"),
    S.CLOSED: gettext_lazy("Closed"),
    S.DECLINED: gettext_lazy("Closed"),
    S.MERGED: gettext_lazy("Closed"),
}


@dataclass(frozen=True)
class Standing:
    step: str
    said: str
    next: str


def standing(complaint: Complaint, *, can_reopen: bool = False) -> Standing:
    """The badge, the sentence and what happens next for `complaint` as it is now."""
    state = S(complaint.state)
    venue = complaint.venue
    if state == S.APPROVED:
        upcoming = _("Please tell us below whether you accept it.")
    elif state in (S.CLOSED, S.DECLINED, S.MERGED):
        upcoming = _("There is nothing more for you to do.")
        if can_reopen:
            upcoming = _("If you are not satisfied, you can ask us to look at it again.")
    elif state in (S.EXPLAINED, S.FEEDBACK_GIVEN, S.REVISIT_DONE):
        upcoming = (
            _("If you are not satisfied, you can ask us to look at it again.")
            if can_reopen
            else _("There is nothing more for you to do.")
        )
    elif complaint.responded_at is None and complaint.respond_due:
        upcoming = (
            _("You will hear from us by %(when)s.")
            % {"when": venue_time(complaint.respond_due, venue)}
            if complaint.respond_due > clock.now()
            else _("We are late in answering you; you will hear from us as soon as possible.")
        )
    elif complaint.resolve_due and complaint.resolve_due <= clock.now():
        upcoming = _(
            "It is taking longer than we said; we will tell you here as soon as it is done."
        )
    elif complaint.resolve_due:
        upcoming = _("We aim to resolve it by %(when)s.") % {
            "when": venue_time(complaint.resolve_due, venue)
        }
    else:
        upcoming = _("We will keep you informed here.")
    return Standing(step=str(STEP[state]), said=str(SAID[state]), next=upcoming)
