"""The catalogue of timeline events: every kind declared once (STYLE §11, after Saleor's
`order/events.py`).

For each kind there is

- an `EventKind` value (the code stored in `ComplaintEvent.kind`, with an English label);
- a frozen dataclass payload whose fields are the keys stored in `ComplaintEvent.data` — the
  same keys as before the catalogue, so existing chains and readers keep working (the base,
  `payload.Payload`, checks field types on construction, stores with `data()`, reads back with
  `load()`);
- an `EventSpec` in `EVENTS`: the payload class, whether the customer may see it (and why), and
  the renderer that tells it in words (`narrative.tell` calls it).

`record(complaint, actor, payload)` is the one way to write an event: the kind follows from the
payload's class, the payload checks its own field types, and `timeline.event_append` chains it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, Self

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from amends.complaints.models import Complaint, ComplaintEvent, CustomerConsent, RemedyProposal
from amends.complaints.payload import Payload, meta, optional, staff
from amends.complaints.timeline import event_append
from amends.complaints.transitions import ACTIONS, State
from amends.core.principals import Principal
from amends.notifications.webhooks import (
    declare_event_kinds,
    public_event_data,
    webhook_enqueue_event,
)
from amends.orgs.models import User
from amends.orgs.roles import Role
from amends.workflow.taxonomy import Channel, Severity

S = State


class EventKind(models.TextChoices):
    RECEIVED = "received", gettext_lazy("Received")
    TRANSITION = "transition", gettext_lazy("State changed")
    HANDOFF_ACCEPTED = "handoff_accepted", gettext_lazy("Hand-off accepted")
    CALENDAR_WARNING = "calendar_warning", gettext_lazy("Calendar warning")
    FIELDS_CHANGED = "fields_changed", gettext_lazy("Details changed")
    NOTE = "note", gettext_lazy("Note")
    CALL = "call", gettext_lazy("Call with the customer")
    INTERVIEW = "interview", gettext_lazy("Interview")
    EVIDENCE = "evidence", gettext_lazy("Evidence")
    PERSONAL_DATA_VIEWED = "personal_data_viewed", gettext_lazy("Personal data viewed")
    REMEDY_PROPOSED = "remedy_proposed", gettext_lazy("Remedy proposed")
    REMEDY_APPROVED = "remedy_approved", gettext_lazy("Remedy approved")
    REMEDY_REJECTED = "remedy_rejected", gettext_lazy("Remedy rejected")
    CONSEQUENCE = "consequence", gettext_lazy("Consequence")
    REVISIT_SCHEDULED = "revisit_scheduled", gettext_lazy("Revisit scheduled")
    REVISIT_ATTEMPT = "revisit_attempt", gettext_lazy("Revisit attempt")
    REVISIT_RECORDED = "revisit_recorded", gettext_lazy("Revisit after closure")
    FOLLOW_UP_OPENED = "follow_up_opened", gettext_lazy("Follow-up complaint opened")
    SURVEY_ANSWERED = "survey_answered", gettext_lazy("Survey answered")
    MERGED_FROM = "merged_from", gettext_lazy("Duplicate merged in")
    ESCALATED = "escalated", gettext_lazy("Escalated")
    DEADLINE_EXTENDED = "deadline_extended", gettext_lazy("Deadline extended")
    DEADLINES_RECOMPUTED = "deadlines_recomputed", gettext_lazy("Deadlines recomputed")
    LEGAL_HOLD = "legal_hold", gettext_lazy("Legal hold")
    REMINDER = "reminder", gettext_lazy("Reminder")
    ANONYMISED = "anonymised", gettext_lazy("Personal data erased")
    REPEAT = "repeat", gettext_lazy("Repeat complaint")
    POSSIBLE_DUPLICATE = "possible_duplicate", gettext_lazy("Possible duplicate")
    NOT_DUPLICATE = "not_duplicate", gettext_lazy("Not a duplicate")
    CUSTOMER_MESSAGE = "customer_message", gettext_lazy("Message from the customer")
    HANDLER_REPLY = "handler_reply", gettext_lazy("Reply to the customer")
    RECURRING_CAUSE = "recurring_cause", gettext_lazy("Recurring cause")
    SENSITIVE_FLAGS = "sensitive_flags", gettext_lazy("Sensitive data flags changed")


# --- payloads ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received(Payload):
    reference: str
    channel: str
    customer: int
    category: str
    severity: str
    department: str
    role: str
    respond_due: datetime | None
    resolve_due: datetime | None
    duty_owner: int | None = staff(None)


@dataclass(frozen=True)
class Transition(Payload):
    """A pass through the gate. The optional keys are written only by the actions that set them
    (assign; merge; remedy submission; the customer's answer; the revisit)."""

    action: str
    from_: str = field(metadata=meta(key="from"))
    to: str
    reason: str = ""
    assignee: int | None = optional(staff=True)
    previous_assignee: int | None = optional(staff=True, group="assignee")
    automatic: bool | None = optional(group="assignee")
    into: str | None = optional()
    within_authority: bool | None = optional()
    approval_role: str | None = optional()
    note: str | None = optional()
    method: str | None = optional()
    revisit: int | None = optional()
    reached: bool | None = optional(group="revisit")
    satisfied: bool | None = optional(group="revisit")


@dataclass(frozen=True)
class HandoffAccepted(Payload):
    from_owner: int | None = field(metadata=meta(staff=True))
    to_owner: int | None = field(metadata=meta(staff=True))


@dataclass(frozen=True)
class CalendarWarning(Payload):
    warnings: list[str]


@dataclass(frozen=True)
class FieldsChanged(Payload):
    """Stored as {field: {"before": …, "after": …}}, one key per changed field."""

    changes: dict[str, tuple[Any, Any]]

    def data(self) -> dict[str, Any]:
        return {name: {"before": b, "after": a} for name, (b, a) in self.changes.items()}

    @classmethod
    def load(cls, data: dict[str, Any]) -> Self:
        return cls(
            changes={
                name: (change.get("before"), change.get("after"))
                for name, change in data.items()
                # "_redaction" is the seal a purge adds (complaints.redaction), not a field
                if isinstance(change, dict) and not name.startswith("_")
            }
        )


@dataclass(frozen=True)
class Note(Payload):
    text: str


@dataclass(frozen=True)
class CustomerMessage(Payload):
    """The customer wrote to the handler; `via` is the channel (web, email, app)."""

    text: str
    via: str


@dataclass(frozen=True)
class HandlerReply(Payload):
    """A handler's message to the customer, sent through the complaint's channel."""

    text: str


@dataclass(frozen=True)
class Call(Payload):
    text: str


@dataclass(frozen=True)
class InterviewHeld(Payload):
    interview: int
    interviewee: str
    role: str
    summary: str


@dataclass(frozen=True)
class EvidenceAdded(Payload):
    evidence: int
    name: str
    type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class PersonalDataViewed(Payload):
    customer: int | None


@dataclass(frozen=True)
class RemedyProposed(Payload):
    proposal: int
    kind: str
    amount: Decimal
    description: str


@dataclass(frozen=True)
class RemedyApproved(Payload):
    proposal: int
    amount: Decimal | None
    comment: str


@dataclass(frozen=True)
class RemedyRejected(Payload):
    proposal: int
    amount: Decimal | None
    comment: str


@dataclass(frozen=True)
class ConsequenceRecorded(Payload):
    consequence: int
    staff: int = field(metadata=meta(staff=True))
    kind: str
    note: str = ""


@dataclass(frozen=True)
class RevisitScheduled(Payload):
    revisit: int
    assignee: int | None = field(metadata=meta(staff=True))
    due: datetime | None


@dataclass(frozen=True)
class RevisitAttempt(Payload):
    revisit: int
    method: str
    notes: str


@dataclass(frozen=True)
class RevisitRecorded(Payload):
    """A revisit made after closure (the venue closes on feedback): the state stays closed."""

    revisit: int
    method: str
    reached: bool
    satisfied: bool | None
    notes: str = ""


@dataclass(frozen=True)
class FollowUpOpened(Payload):
    reference: str
    # True when the customer came back after the reopen window (not raised at the revisit).
    after_closure: bool | None = optional()


@dataclass(frozen=True)
class SurveyAnswered(Payload):
    satisfaction: int
    nps: int | None
    comment: str


@dataclass(frozen=True)
class MergedFrom(Payload):
    """Events written before these details were kept hold only `duplicate` and `reason`."""

    duplicate: str
    reason: str
    description: str | None = optional()
    customer_request: str | None = optional()
    evidence: int | None = optional()


@dataclass(frozen=True)
class RepeatFound(Payload):
    """The same customer again about the same category at the venue within its window."""

    earlier: list[str]
    window_days: int
    severity_before: str
    severity_after: str


@dataclass(frozen=True)
class RecurringCause(Payload):
    """The same cause again at the venue (SPEC §2): earlier complaints of any customer about
    the same category and subject (`complaints.subjects`: a staff member, the subject as told
    or the place) within the repeat window. `subject` is the subject as told or the place (its
    personal data masked), `subject_staff` the staff member."""

    earlier: list[str]
    window_days: int
    subject_kind: str
    subject: str
    subject_staff: int | None = field(metadata=meta(staff=True))
    severity_before: str
    severity_after: str


@dataclass(frozen=True)
class DuplicateSuspected(Payload):
    of: str
    window_hours: int


@dataclass(frozen=True)
class DuplicateDismissed(Payload):
    of: str
    reason: str = ""


@dataclass(frozen=True)
class Escalated(Payload):
    level: int
    role: str
    to: int | None = field(metadata=meta(staff=True))
    reason: str = ""
    automatic: bool = False
    overdue_since: datetime | None = None
    # The rungs passed over because nobody at the venue (or company-wide) holds them; with `to`
    # None nobody at all was found and the company's directors and administrators were told.
    skipped: list[str] | None = field(default=None, metadata=meta(optional=True))


@dataclass(frozen=True)
class DeadlineExtended(Payload):
    deadline: str
    before: datetime | None
    after: datetime | None
    reason: str


@dataclass(frozen=True)
class DeadlinesRecomputed(Payload):
    """Severity or category changed after intake: the running deadlines under the new policy,
    before and after (a deadline already met is not moved)."""

    severity: str
    category: str
    respond_before: datetime | None
    respond_after: datetime | None
    resolve_before: datetime | None
    resolve_after: datetime | None


@dataclass(frozen=True)
class LegalHold(Payload):
    hold: bool
    reason: str


@dataclass(frozen=True)
class Reminder(Payload):
    due: datetime | None
    owner: int | None = field(metadata=meta(staff=True))


@dataclass(frozen=True)
class Anonymised(Payload):
    customer_erased: bool


# The kinds of sensitive personal data a complaint may be flagged with (`Complaint.sensitive`),
# with their labels: told on the timeline here, chosen and read by `privacy.sensitive`.
SENSITIVE_KINDS = {
    "injury": gettext_lazy("Injury"),
    "health": gettext_lazy("Health"),
    "id_number": gettext_lazy("ID number"),
    "minor": gettext_lazy("Minor"),
}


@dataclass(frozen=True)
class SensitiveFlags(Payload):
    """The kinds of sensitive personal data a complaint carries (injury, health, id_number,
    minor) were set by hand: what was added, what was taken away, and why."""

    added: list[str]
    removed: list[str]
    reason: str = ""


# --- renderers --------------------------------------------------------------------------------

Told = tuple[str, list[str]]


class Telling(Protocol):
    """What a renderer may ask of the narrative (`narrative.py` provides it)."""

    @property
    def complaint(self) -> Complaint: ...

    @property
    def for_customer(self) -> bool: ...

    def name(self, pk: int | None) -> str:
        """A staff member's name ("—" when none); a role-neutral word for the customer."""
        ...

    def when(self, moment: datetime | None) -> str:
        """`moment` in the venue's time zone."""
        ...

    @property
    def owner(self) -> int | None:
        """Who owned the complaint before this event (first-contact ownership followed)."""
        ...

    def value(self, name: str, value: Any) -> str:
        """A stored value of the complaint's field `name` in words: a choice's label, a
        category's or department's name, a person's name — never a code or an id."""
        ...


def label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def _received(p: Received, t: Telling) -> Told:
    details = [_("Reply due %(due)s") % {"due": t.when(p.respond_due)}]
    if p.duty_owner and not t.for_customer:
        details.append(_("Owner: %(name)s") % {"name": t.name(p.duty_owner)})
    return _("Received via %(channel)s") % {"channel": label(Channel, p.channel)}, details


# The transitions the customer sees, and those whose reason is a message to the customer.
CUSTOMER_STATES = frozenset(
    {
        S.ACKNOWLEDGED,
        S.INVESTIGATING,
        S.APPROVED,
        S.CUSTOMER_ACCEPTED,
        S.CUSTOMER_DECLINED,
        S.REMEDY_EXECUTED,
        S.FEEDBACK_GIVEN,
        S.EXPLAINED,
        S.CLOSED,
        S.DECLINED,
        S.MERGED,
    }
)
CUSTOMER_MESSAGES = frozenset({"explain", "give_feedback"})

# How each step is told to staff, in words, once: what was done (and to whom). The state it led
# to is added only where the step can lead to more than one.
DONE = {
    "acknowledge": gettext_lazy("Acknowledged to the customer"),
    "accept": gettext_lazy("Accepted and started investigating"),
    "mark_invalid": gettext_lazy("Found invalid"),
    "explain": gettext_lazy("Explained to the customer"),
    "propose_remedy": gettext_lazy("Proposed a remedy"),
    "submit_remedy": gettext_lazy("Submitted the remedy"),
    "approve": gettext_lazy("Approved the remedy"),
    "reject": gettext_lazy("Rejected the remedy"),
    "record_acceptance": gettext_lazy("The customer accepted the remedy"),
    "record_refusal": gettext_lazy("The customer refused the remedy"),
    "execute": gettext_lazy("Carried out the remedy"),
    "give_feedback": gettext_lazy("Told the customer the outcome"),
    "record_revisit": gettext_lazy("Revisited the customer"),
    "close": gettext_lazy("Closed"),
    "reopen": gettext_lazy("Reopened"),
    "back_to_investigation": gettext_lazy("Sent back to investigation"),
    "decline": gettext_lazy("Declined as abusive"),
}
STATE_UNSAID = frozenset({"reopen", "back_to_investigation"})


def _transition(p: Transition, t: Telling) -> Told:
    now = _("Now: %(state)s") % {"state": label(State, p.to)}
    if t.for_customer:
        if p.action == "reopen":
            title = _("Reopened")
        elif p.to == S.DECLINED:
            title = _("Declined")  # the state's label says why, which is for staff
        else:
            title = label(State, p.to)
        return title, [p.reason] if p.action in CUSTOMER_MESSAGES else []
    action = ACTIONS.get(p.action)
    reason = p.reason
    if p.action == "record_acceptance":
        reason = label(CustomerConsent.Method, reason)  # the reason is how it was given
    if p.action == "assign" and p.assignee:
        title = _("Assigned to %(name)s") % {"name": t.name(p.assignee)}
    elif p.action == "merge" and p.into:
        title = _("Merged into %(ref)s") % {"ref": p.into}
    elif p.action in DONE:
        title = str(DONE[p.action])
    else:
        title = str(action.label) if action else p.action
    # The state is told when the step's words do not say it (a remedy within authority or not,
    # where a reopened complaint stands).
    said = action is not None and len(action.targets) == 1 and p.action not in STATE_UNSAID
    details = ["" if said else now, reason]
    if p.assignee and p.action != "assign":
        details.insert(0, _("To %(name)s") % {"name": t.name(p.assignee)})
    if p.action == "assign" and p.assignee and t.owner and t.owner != p.assignee:
        # First-contact ownership: the hand-off is complete only when the assignee accepts.
        details.append(
            _("%(name)s stays the owner until the assignee accepts.") % {"name": t.name(t.owner)}
        )
    if p.action == "record_revisit" and p.satisfied is not None:
        details.append(_("Satisfied") if p.satisfied else _("Not satisfied"))
    if p.within_authority:
        details.append(_("Within the proposer's authority: no approval needed."))
    if p.approval_role:
        details.append(_("Needs approval by: %(role)s") % {"role": label(Role, p.approval_role)})
    return title, details


def _handoff(p: HandoffAccepted, t: Telling) -> Told:
    return _("Took over from %(name)s") % {"name": t.name(p.from_owner)}, []


def _fields_changed(p: FieldsChanged, t: Telling) -> Told:
    details = []
    for name, (before, after) in p.changes.items():
        title = name
        try:
            model_field = Complaint._meta.get_field(name)
        except FieldDoesNotExist:
            model_field = None
        if model_field is not None:
            title = capfirst(str(getattr(model_field, "verbose_name", name)))
        before, after = t.value(name, before), t.value(name, after)
        details.append(
            _("%(field)s: %(before)s → %(after)s")
            % {"field": title, "before": before or "—", "after": after or "—"}
        )
    return _("Details changed"), details


def _note(p: Note, t: Telling) -> Told:
    return _("Note"), [p.text]


def _customer_message(p: CustomerMessage, t: Telling) -> Told:
    return _("Message from the customer"), [p.text]


def _handler_reply(p: HandlerReply, t: Telling) -> Told:
    return _("Reply to the customer"), [p.text]


def _call(p: Call, t: Telling) -> Told:
    return _("Call with the customer"), [p.text]


def _interview(p: InterviewHeld, t: Telling) -> Told:
    return _("Interview with %(name)s") % {"name": p.interviewee}, [p.summary]


def _evidence(p: EvidenceAdded, t: Telling) -> Told:
    return _("Evidence added: %(name)s") % {"name": p.name}, []


def _personal_data_viewed(p: PersonalDataViewed, t: Telling) -> Told:
    return _("Viewed the customer's contact details"), []


def _remedy_proposed(p: RemedyProposed, t: Telling) -> Told:
    return _("Remedy proposed: %(kind)s, ¥%(amount)s") % {
        "kind": label(RemedyProposal.Kind, p.kind),
        "amount": p.amount,
    }, [p.description]


def _remedy_approved(p: RemedyApproved, t: Telling) -> Told:
    return _("Remedy approved (¥%(amount)s)") % {"amount": p.amount}, [p.comment]


def _remedy_rejected(p: RemedyRejected, t: Telling) -> Told:
    return _("Remedy rejected (¥%(amount)s)") % {"amount": p.amount}, [p.comment]


def _consequence(p: ConsequenceRecorded, t: Telling) -> Told:
    return _("Consequence recorded for %(name)s") % {"name": t.name(p.staff)}, [p.note]


def _revisit_scheduled(p: RevisitScheduled, t: Telling) -> Told:
    if p.assignee is None:
        return _(
            "Revisit due by %(due)s: nobody independent of the case can make it, so it waits "
            "for the venue's managers"
        ) % {"due": t.when(p.due)}, []
    return _("Revisit scheduled by %(due)s with %(name)s") % {
        "due": t.when(p.due),
        "name": t.name(p.assignee),
    }, []


def _revisit_recorded(p: RevisitRecorded, t: Telling) -> Told:
    if not p.reached:
        title = _("Revisit after closure: the customer could not be reached")
    elif p.satisfied is False:
        title = _("Revisit after closure: the customer is not satisfied")
    else:
        title = _("Revisit after closure: the customer is satisfied")
    return title, [p.notes]


def _revisit_attempt(p: RevisitAttempt, t: Telling) -> Told:
    return _("Revisit attempt: the customer was not reached"), [p.notes]


def _follow_up_opened(p: FollowUpOpened, t: Telling) -> Told:
    if p.after_closure:
        return _("The customer came back after closure: new complaint %(ref)s") % {
            "ref": p.reference
        }, []
    return _("New complaint opened from the revisit: %(ref)s") % {"ref": p.reference}, []


def _survey_answered(p: SurveyAnswered, t: Telling) -> Told:
    return _("Survey answered: satisfaction %(s)s/5, recommend %(n)s/10") % {
        "s": p.satisfaction,
        "n": p.nps,
    }, [p.comment]


def _merged_from(p: MergedFrom, t: Telling) -> Told:
    details = [p.reason]
    if p.description:
        details.append(_("What it said: %(text)s") % {"text": p.description})
    if p.customer_request:
        details.append(_("The customer asked for: %(text)s") % {"text": p.customer_request})
    if p.evidence:
        details.append(_("Evidence files: %(n)s") % {"n": p.evidence})
    return _("%(ref)s was merged into this complaint") % {"ref": p.duplicate}, details


def _repeat(p: RepeatFound, t: Telling) -> Told:
    details = [_("Earlier: %(refs)s") % {"refs": ", ".join(p.earlier)}]
    if p.severity_after != p.severity_before:
        details.append(
            _("Severity raised: %(before)s → %(after)s")
            % {
                "before": label(Severity, p.severity_before) or "—",
                "after": label(Severity, p.severity_after),
            }
        )
    return _("Repeat complaint: %(n)s earlier about this in %(days)s days") % {
        "n": len(p.earlier),
        "days": p.window_days,
    }, details


def _recurring_cause(p: RecurringCause, t: Telling) -> Told:
    about = t.name(p.subject_staff) if p.subject_kind == "staff" else p.subject
    details = [_("Earlier: %(refs)s") % {"refs": ", ".join(p.earlier)}]
    if p.severity_after != p.severity_before:
        details.append(
            _("Severity raised: %(before)s → %(after)s")
            % {
                "before": label(Severity, p.severity_before) or "—",
                "after": label(Severity, p.severity_after),
            }
        )
    return _(
        "The same cause again at this venue: “%(subject)s”, %(n)s earlier in %(days)s days"
    ) % {
        "n": len(p.earlier),
        "subject": about,
        "days": p.window_days,
    }, details


def _possible_duplicate(p: DuplicateSuspected, t: Telling) -> Told:
    return _("Possible duplicate of %(ref)s: merge it or mark it not a duplicate") % {
        "ref": p.of
    }, []


def _not_duplicate(p: DuplicateDismissed, t: Telling) -> Told:
    return _("Not a duplicate of %(ref)s") % {"ref": p.of}, [p.reason]


def _escalated(p: Escalated, t: Telling) -> Told:
    if p.to is None:
        title = _(
            "Escalation found nobody: no %(role)s or anyone above; "
            "the company's directors and administrators were told"
        ) % {"role": label(Role, p.role)}
    else:
        title = _("Escalated to %(role)s: %(name)s") % {
            "role": label(Role, p.role),
            "name": t.name(p.to),
        }
    if p.skipped:
        title = "{} ({})".format(
            title,
            _("no %(roles)s here") % {"roles": ", ".join(label(Role, r) for r in p.skipped)},
        )
    if p.overdue_since:
        return title, [_("Overdue since %(due)s") % {"due": t.when(p.overdue_since)}, p.reason]
    return title, [p.reason]


def _deadline_extended(p: DeadlineExtended, t: Telling) -> Told:
    return _("Deadline extended to %(due)s") % {"due": t.when(p.after)}, [p.reason]


def _deadlines_recomputed(p: DeadlinesRecomputed, t: Telling) -> Told:
    details = []
    if p.respond_before != p.respond_after:
        details.append(
            _("First response due: %(before)s → %(after)s")
            % {"before": t.when(p.respond_before), "after": t.when(p.respond_after)}
        )
    if p.resolve_before != p.resolve_after:
        details.append(
            _("Resolution due: %(before)s → %(after)s")
            % {"before": t.when(p.resolve_before), "after": t.when(p.resolve_after)}
        )
    return _("Deadlines recomputed for the new classification"), details


def _legal_hold(p: LegalHold, t: Telling) -> Told:
    return (_("Legal hold placed") if p.hold else _("Legal hold released")), [p.reason]


def _reminder(p: Reminder, t: Telling) -> Told:
    return _("Reminder: due %(due)s") % {"due": t.when(p.due)}, []


def _anonymised(p: Anonymised, t: Telling) -> Told:
    return _("Personal data erased after the retention period"), []


def _sensitive_flags(p: SensitiveFlags, t: Telling) -> Told:
    def kinds(values: list[str]) -> str:
        return ", ".join(str(SENSITIVE_KINDS.get(v, v)) for v in values)

    if p.added and p.removed:
        title = _("Sensitive data flags changed: %(added)s added, %(removed)s taken away") % {
            "added": kinds(p.added),
            "removed": kinds(p.removed),
        }
    elif p.removed:
        title = _("Sensitive data flag taken away: %(kinds)s") % {"kinds": kinds(p.removed)}
    else:
        title = _("Flagged as sensitive data: %(kinds)s") % {"kinds": kinds(p.added)}
    return title, [p.reason]


def _calendar_warning(p: CalendarWarning, t: Telling) -> Told:
    return _("The holiday calendar does not know this year yet: check the deadline"), []


# --- the catalogue ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EventSpec:
    """One kind of event: its payload, who may see it, how it is told."""

    kind: EventKind
    payload: type[Payload]
    # May the customer see this kind (on the coming portal, in their messages)?
    customer_visible: bool
    render: Callable[[Any, Telling], Told]
    # For a kind the customer sees only sometimes: which of its events (given the payload).
    customer_when: Callable[[Any], bool] | None = None

    def visible_to_customer(self, payload: Payload) -> bool:
        return self.customer_visible and (self.customer_when is None or self.customer_when(payload))


# The conversation between the customer and the handler: its kinds and who wrote each. Every face
# that shows the thread (the tracking page, the API) reads it from here.
CONVERSATION: dict[str, str] = {
    EventKind.CUSTOMER_MESSAGE.value: "customer",
    EventKind.HANDLER_REPLY.value: "handler",
}

K = EventKind
EVENTS: dict[EventKind, EventSpec] = {
    spec.kind: spec
    for spec in (
        # The customer raised it: they see that it was taken in and when a reply is due.
        EventSpec(K.RECEIVED, Received, True, _received),
        # Only the steps that change what the customer waits for (acknowledged, investigating,
        # remedy approved, their own answer, remedy done, feedback, explained, closed, declined,
        # merged, reopened); not assignments or the internal approval round.
        EventSpec(
            K.TRANSITION,
            Transition,
            True,
            _transition,
            customer_when=lambda p: p.to in CUSTOMER_STATES or p.action == "reopen",
        ),
        # Staff ownership: internal.
        EventSpec(K.HANDOFF_ACCEPTED, HandoffAccepted, False, _handoff),
        # A note to staff about the holiday calendar: internal.
        EventSpec(K.CALENDAR_WARNING, CalendarWarning, False, _calendar_warning),
        # Classification and investigation findings (responsibility, cause): internal.
        EventSpec(K.FIELDS_CHANGED, FieldsChanged, False, _fields_changed),
        # Notes, call notes and interviews are staff working papers.
        EventSpec(K.NOTE, Note, False, _note),
        EventSpec(K.CALL, Call, False, _call),
        EventSpec(K.INTERVIEW, InterviewHeld, False, _interview),
        # Evidence may be CCTV or staff statements: internal.
        EventSpec(K.EVIDENCE, EvidenceAdded, False, _evidence),
        # An audit record of staff access: internal.
        EventSpec(K.PERSONAL_DATA_VIEWED, PersonalDataViewed, False, _personal_data_viewed),
        # Proposals and the approval round are internal until the remedy is approved, which
        # the customer sees as the transition to "approved".
        EventSpec(K.REMEDY_PROPOSED, RemedyProposed, False, _remedy_proposed),
        EventSpec(K.REMEDY_APPROVED, RemedyApproved, False, _remedy_approved),
        EventSpec(K.REMEDY_REJECTED, RemedyRejected, False, _remedy_rejected),
        # Staff discipline: never shown to the customer.
        EventSpec(K.CONSEQUENCE, ConsequenceRecorded, False, _consequence),
        # A staff assignment and unanswered calls: internal.
        EventSpec(K.REVISIT_SCHEDULED, RevisitScheduled, False, _revisit_scheduled),
        EventSpec(K.REVISIT_ATTEMPT, RevisitAttempt, False, _revisit_attempt),
        EventSpec(K.REVISIT_RECORDED, RevisitRecorded, False, _revisit_recorded),
        # The customer raised the new issue at the revisit: they see its reference.
        EventSpec(K.FOLLOW_UP_OPENED, FollowUpOpened, True, _follow_up_opened),
        # Their own answer.
        EventSpec(K.SURVEY_ANSWERED, SurveyAnswered, True, _survey_answered),
        # Names another complaint (perhaps another customer's): internal.
        EventSpec(K.MERGED_FROM, MergedFrom, False, _merged_from),
        # Escalation is internal supervision.
        EventSpec(K.ESCALATED, Escalated, False, _escalated),
        # The customer is told of the new deadline and its reason (an outbox message).
        EventSpec(K.DEADLINE_EXTENDED, DeadlineExtended, True, _deadline_extended),
        # A reclassification moved the clocks: internal (what the customer was promised stays).
        EventSpec(K.DEADLINES_RECOMPUTED, DeadlinesRecomputed, False, _deadlines_recomputed),
        # Legal matters, staff reminders: internal.
        EventSpec(K.LEGAL_HOLD, LegalHold, False, _legal_hold),
        EventSpec(K.REMINDER, Reminder, False, _reminder),
        # Once erased the customer cannot be identified to read it.
        EventSpec(K.ANONYMISED, Anonymised, False, _anonymised),
        # Repeats and possible duplicates name other complaints: internal.
        EventSpec(K.REPEAT, RepeatFound, False, _repeat),
        EventSpec(K.POSSIBLE_DUPLICATE, DuplicateSuspected, False, _possible_duplicate),
        EventSpec(K.NOT_DUPLICATE, DuplicateDismissed, False, _not_duplicate),
        # The conversation between the customer and the handler: both sides see it.
        EventSpec(K.CUSTOMER_MESSAGE, CustomerMessage, True, _customer_message),
        EventSpec(K.HANDLER_REPLY, HandlerReply, True, _handler_reply),
        # The same cause from other customers: names their complaints, internal.
        EventSpec(K.RECURRING_CAUSE, RecurringCause, False, _recurring_cause),
        # Which sensitive data a complaint carries is a staff matter (and names its kinds).
        EventSpec(K.SENSITIVE_FLAGS, SensitiveFlags, False, _sensitive_flags),
    )
}
_SPEC_OF: dict[type[Payload], EventSpec] = {spec.payload: spec for spec in EVENTS.values()}
declare_event_kinds(EventKind.choices)  # the kinds a webhook subscription may ask for


def record(
    complaint: Complaint,
    actor: User | Principal | None,
    payload: Payload,
    *,
    at: datetime | None = None,
    save: bool = False,
) -> ComplaintEvent:
    """Append `payload` to `complaint`'s timeline, as the kind its class is declared for.
    `actor` is who acted (a user, a principal; None is the system). The caller holds the
    complaint's row lock (`services.gate.lock`). `save`: see `timeline.event_append`."""
    spec = _SPEC_OF[type(payload)]
    event = event_append(
        complaint=complaint,
        kind=spec.kind.value,
        actor=actor,
        data=payload.data(),
        at=at,
        save=save,
    )
    # The company's integrations are told, in this transaction (one indexed query when the
    # company has none). Only non-personal fields leave: see notifications.webhooks.
    declared = fields(payload)  # type: ignore[arg-type]
    staff_keys = {f.metadata.get("key") or f.name for f in declared if f.metadata.get("staff")}
    webhook_enqueue_event(
        company_id=complaint.company_id,
        kind=spec.kind.value,
        payload={
            "state": complaint.state,
            "version": complaint.version,
            "seq": event.seq,
            "customer_visible": spec.visible_to_customer(payload),
            "details": public_event_data(event.data, staff_keys=staff_keys),
        },
        reference=complaint.reference,
        complaint_id=complaint.pk,
        event_id=f"{complaint.pk}.{event.seq}",
        occurred_at=event.at,
    )
    return event


def spec_of(kind: str) -> EventSpec | None:
    """The declaration of stored kind `kind` (None for a kind not in the catalogue)."""
    return EVENTS.get(EventKind(kind)) if kind in EventKind.values else None
