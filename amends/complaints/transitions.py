"""The life of a complaint as data: its states, the actions that move it, who may take each
action and what each needs. `complaint_transition()` in services.py is the one gate that applies
this table; nothing else changes a complaint's state.

Who may act is a set of tokens: a role held at the complaint's venue (`Role` values), or a
relation to the complaint — its first-contact `receiver`, its current `owner`, its `assignee`,
or the `revisitor` named on its open revisit —, `complainant` (the customer, on their own
complaint), an API key's scope (`api:complaints:write` …) or `system` (amends itself).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from amends.core.principals import ApiScope
from amends.orgs.roles import PROPOSER_ROLES, Role


class State(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ASSIGNED = "assigned", _("Assigned")
    INVESTIGATING = "investigating", _("Investigating")
    INVALID = "invalid", _("Found invalid")
    EXPLAINED = "explained", _("Explained to customer")
    REMEDY_PROPOSED = "remedy_proposed", _("Remedy proposed")
    APPROVAL_PENDING = "approval_pending", _("Awaiting approval")
    APPROVED = "approved", _("Remedy approved")
    REJECTED = "rejected", _("Remedy rejected")
    CUSTOMER_ACCEPTED = "customer_accepted", _("Customer accepted")
    CUSTOMER_DECLINED = "customer_declined", _("Customer declined")
    REMEDY_EXECUTED = "remedy_executed", _("Remedy carried out")
    FEEDBACK_GIVEN = "feedback_given", _("Feedback given")
    REVISIT_DONE = "revisit_done", _("Revisit done")
    CLOSED = "closed", _("Closed")
    DECLINED = "declined", _("Declined (abusive)")
    MERGED = "merged", _("Merged into another")


S = State
TERMINAL_STATES = frozenset({S.CLOSED, S.DECLINED, S.MERGED})
OPEN_STATES = frozenset(State) - TERMINAL_STATES
# The clock does not run while the complaint waits for the customer to decide on the remedy.
WAITING_ON_CUSTOMER_STATES = frozenset({S.APPROVED})
# Entering one of these states is the first response to the customer (the handler took it up).
RESPONSE_STATES = frozenset(
    {S.INVESTIGATING, S.INVALID, S.EXPLAINED, S.DECLINED, S.MERGED, S.REMEDY_PROPOSED}
)
# Entering one of these states resolves the complaint (the customer has the outcome).
RESOLUTION_STATES = frozenset({S.FEEDBACK_GIVEN, S.EXPLAINED, S.DECLINED, S.MERGED})

R = Role
# The venue general manager (店长) acts like the manager and the director: a supervisor.
SUPERVISORS = frozenset({R.MANAGER, R.GENERAL_MANAGER, R.DIRECTOR})
HANDLING = frozenset({"owner", "assignee"}) | SUPERVISORS
# Who may propose a remedy and submit it: whoever handles the complaint, and every role with an
# authority limit of its own at the venue, the front desk included (PROPOSER_ROLES).
PROPOSING = HANDLING | PROPOSER_ROLES
CUSTOMER_FACING = HANDLING | {R.FRONT_DESK, R.SPECIALIST}
# Principals other than staff.
COMPLAINANT = "complainant"
SYSTEM = "system"
API_WRITE = f"api:{ApiScope.WRITE.value}"
API_CUSTOMER = f"api:{ApiScope.CUSTOMER.value}"
API_HANDLE = f"api:{ApiScope.HANDLE.value}"
# The customer's own word on their complaint: in person, on the portal, or through an app.
CUSTOMER_VOICE = {COMPLAINANT, API_CUSTOMER}


@dataclass(frozen=True)
class Action:
    """One thing a person can do to a complaint.

    `targets` empty means the state does not change (a note, an escalation); `keeps` names the
    sources in which the action leaves the state as it is although it moves it from the others
    (a revisit after closure). `needs` names the data checks of `requirements.py` that must
    pass first.
    """

    name: str
    label: str | Promise
    sources: frozenset[State]
    targets: frozenset[State]
    who: frozenset[str]
    needs: tuple[str, ...] = ()
    keeps: frozenset[State] = frozenset()

    def moves(self, source: State | str) -> bool:
        """Whether taking the action in `source` changes the state."""
        return bool(self.targets) and source not in self.keeps


def _a(
    name: str,
    label: str | Promise,
    sources: set[State] | frozenset[State],
    targets: set[State],
    who: set[str] | frozenset[str],
    needs: tuple[str, ...] = (),
    keeps: set[State] | frozenset[State] = frozenset(),
) -> Action:
    return Action(
        name, label, frozenset(sources), frozenset(targets), frozenset(who), needs, frozenset(keeps)
    )


REOPENABLE = {S.FEEDBACK_GIVEN, S.REVISIT_DONE, S.EXPLAINED, S.CLOSED}

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        _a(
            "acknowledge",
            _("Acknowledge"),
            {S.RECEIVED},
            {S.ACKNOWLEDGED},
            {"receiver", R.FRONT_DESK, R.SPECIALIST, *SUPERVISORS, SYSTEM, API_HANDLE},
        ),
        _a(
            "assign",
            _("Assign"),
            {S.RECEIVED, S.ACKNOWLEDGED, S.ASSIGNED, S.INVESTIGATING},
            {S.ASSIGNED},
            {"receiver", "owner", R.SPECIALIST, *SUPERVISORS, SYSTEM, API_HANDLE},
            ("assignee",),
        ),
        _a(
            "accept",
            _("Accept and start investigating"),
            {S.ASSIGNED},
            {S.INVESTIGATING},
            {"assignee", *SUPERVISORS},
            ("classified",),
        ),
        _a(
            "mark_invalid",
            _("Find invalid"),
            {S.INVESTIGATING},
            {S.INVALID},
            HANDLING,
            ("report", "validity_invalid"),
        ),
        _a(
            "explain",
            _("Explain to the customer"),
            {S.INVALID},
            {S.EXPLAINED},
            HANDLING | {R.SPECIALIST},
            ("message",),
        ),
        _a(
            "propose_remedy",
            _("Propose a remedy"),
            {S.INVESTIGATING, S.REMEDY_PROPOSED, S.REJECTED, S.CUSTOMER_DECLINED},
            {S.REMEDY_PROPOSED},
            PROPOSING,
            ("report", "validity_valid", "responsibility", "open_proposal"),
        ),
        _a(
            "submit_remedy",
            _("Submit the remedy"),
            {S.REMEDY_PROPOSED},
            {S.APPROVAL_PENDING, S.APPROVED},
            PROPOSING,
            ("submitted_proposal",),
        ),
        _a(
            "approve",
            _("Approve"),
            {S.APPROVAL_PENDING},
            {S.APPROVED},
            {R.SPECIALIST, *SUPERVISORS},
        ),
        _a(
            "reject",
            _("Reject"),
            {S.APPROVAL_PENDING},
            {S.REJECTED},
            {R.SPECIALIST, *SUPERVISORS},
            ("reason",),
        ),
        _a(
            "record_acceptance",
            _("Record the customer's acceptance"),
            {S.APPROVED},
            {S.CUSTOMER_ACCEPTED},
            CUSTOMER_FACING | CUSTOMER_VOICE,
            ("consent",),
        ),
        _a(
            "record_refusal",
            _("Record the customer's refusal"),
            {S.APPROVED},
            {S.CUSTOMER_DECLINED},
            CUSTOMER_FACING | CUSTOMER_VOICE,
            ("reason",),
        ),
        _a(
            "execute",
            _("Mark the remedy carried out"),
            {S.CUSTOMER_ACCEPTED},
            {S.REMEDY_EXECUTED},
            HANDLING | {R.SPECIALIST, R.MAINTENANCE, R.COURSE_SUPERVISOR},
            ("message",),
        ),
        _a(
            "give_feedback",
            _("Give feedback"),
            {S.REMEDY_EXECUTED},
            {S.FEEDBACK_GIVEN},
            HANDLING | {R.SPECIALIST},
            ("message",),
        ),
        _a(
            "record_revisit",
            _("Record the revisit"),
            # Before closure it moves the complaint to "revisit done"; after closure (the
            # venue's policy) it is recorded on the closed complaint, whose state stays.
            {S.FEEDBACK_GIVEN, S.CLOSED},
            {S.REVISIT_DONE},
            {"revisitor", R.SPECIALIST, *SUPERVISORS},
            ("revisit_due", "independent"),
            keeps={S.CLOSED},
        ),
        _a(
            "close",
            _("Close"),
            # From "feedback given" only where the venue closes on feedback and revisits after.
            {S.EXPLAINED, S.REVISIT_DONE, S.FEEDBACK_GIVEN},
            {S.CLOSED},
            HANDLING | {R.SPECIALIST},
            ("closable",),
        ),
        _a(
            "reopen",
            _("Reopen"),
            REOPENABLE,
            {S.INVESTIGATING},
            {"owner", R.SPECIALIST, *SUPERVISORS, *CUSTOMER_VOICE},
            ("reason", "reopen_window"),
        ),
        _a(
            "back_to_investigation",
            _("Back to investigation"),
            {S.REJECTED, S.CUSTOMER_DECLINED},
            {S.INVESTIGATING},
            HANDLING,
            ("reason",),
        ),
        _a("decline", _("Decline as abusive"), OPEN_STATES, {S.DECLINED}, SUPERVISORS, ("reason",)),
        _a(
            "merge",
            _("Merge into another complaint"),
            OPEN_STATES,
            {S.MERGED},
            {R.SPECIALIST, *SUPERVISORS},
            ("reason",),
        ),
        # Actions that leave the state as it is.
        _a(
            "escalate",
            _("Escalate"),
            OPEN_STATES,
            set(),
            {"owner", "assignee", R.SPECIALIST, *SUPERVISORS, API_HANDLE},
            ("reason",),
        ),
        _a(
            "extend_deadline",
            _("Extend the deadline"),
            OPEN_STATES - {S.RECEIVED},
            set(),
            HANDLING,
            ("reason",),
        ),
        _a(
            "investigate",
            _("Record investigation"),
            {S.INVESTIGATING, S.REMEDY_PROPOSED, S.REJECTED, S.CUSTOMER_DECLINED},
            set(),
            HANDLING | {R.SPECIALIST},
        ),
        _a(
            "add_note",
            _("Add a note"),
            OPEN_STATES,
            set(),
            CUSTOMER_FACING
            | {"receiver", R.MAINTENANCE, R.COURSE_SUPERVISOR, COMPLAINANT, API_WRITE},
        ),
        _a(
            # The customer writes to the handler (tracking page, email reply, the venue's app).
            "write_to_handler",
            _("Write to the handler"),
            OPEN_STATES,
            set(),
            CUSTOMER_VOICE,
        ),
        _a(
            # The handler answers the customer, through the channel the complaint came in.
            "reply_to_customer",
            _("Reply to the customer"),
            OPEN_STATES,
            set(),
            CUSTOMER_FACING | {"receiver", API_HANDLE},
        ),
        _a(
            "add_evidence",
            _("Add evidence"),
            OPEN_STATES,
            set(),
            CUSTOMER_FACING
            | {"receiver", R.MAINTENANCE, R.COURSE_SUPERVISOR, COMPLAINANT, API_WRITE},
        ),
        _a(
            "classify",
            _("Classify"),
            OPEN_STATES - {S.FEEDBACK_GIVEN, S.REVISIT_DONE},
            set(),
            {"receiver", "owner", "assignee", R.SPECIALIST, *SUPERVISORS, API_HANDLE},
        ),
        _a(
            # The customer of a closed complaint comes back: a new complaint that follows it.
            "follow_up",
            _("Open a follow-up complaint"),
            {S.CLOSED},
            set(),
            CUSTOMER_FACING | {"receiver", *CUSTOMER_VOICE},
        ),
        _a(
            "not_duplicate",
            _("Not a duplicate"),
            OPEN_STATES,
            set(),
            {"receiver", "owner", "assignee", R.SPECIALIST, *SUPERVISORS},
            ("possible_duplicate",),
        ),
        _a(
            "record_consequence",
            _("Record a consequence for staff"),
            OPEN_STATES | {S.CLOSED},
            set(),
            SUPERVISORS,
        ),
    )
}


def action_for(source: State | str, target: State | str) -> Action | None:
    """The state-changing action that moves `source` to `target`, if the table allows it."""
    for action in ACTIONS.values():
        if source in action.sources and target in action.targets and action.moves(source):
            return action
    return None


ALLOWED: frozenset[tuple[str, str]] = frozenset(
    (source, target)
    for a in ACTIONS.values()
    for source in a.sources
    for target in a.targets
    if a.moves(source)
)
