"""Every write to a complaint. Faces (console, API, admin, CLI, email intake) and tests call
these functions and nothing else.

Contract of every service here:
- keyword-only arguments, atomic: it either does everything or raises a DomainError and changes
  nothing;
- it locks the complaint row (`SELECT … FOR UPDATE`; on SQLite the write lock of the IMMEDIATE
  transaction) before reading state, so two people acting at once never lose an update;
- `expected_version`, when given, must equal the version the caller read, else StaleVersion;
- every change appends a timeline event; notifications are outbox rows in the same transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from amends.complaints import clocks, routing
from amends.complaints.messages import notify_customer, notify_staff
from amends.complaints.models import (
    Complaint,
    Consequence,
    CustomerConsent,
    Evidence,
    Interview,
    ReferenceCounter,
    RemedyProposal,
    Revisit,
    Survey,
)
from amends.complaints.permissions import may
from amends.complaints.requirements import CHECKS
from amends.complaints.timeline import event_append
from amends.complaints.transitions import (
    ACTIONS,
    OPEN_STATES,
    RESOLUTION_STATES,
    RESPONSE_STATES,
    TERMINAL_STATES,
    WAITING_ON_CUSTOMER_STATES,
    Action,
    State,
    action_for,
)
from amends.core import clock, uploads
from amends.core.errors import (
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    StaleVersion,
)
from amends.members.selectors import ContactCard, contact_card
from amends.members.services import customer_find_or_create, member_link
from amends.notifications.models import Outbox
from amends.orgs.models import Department, User, Venue
from amends.orgs.roles import HANDLER_ROLES, INTAKE_ROLES, UNMASK_ROLES, Role
from amends.orgs.selectors import scope_of, users_with_role
from amends.workflow.models import Category
from amends.workflow.rules import approver_role, authority_of, covers
from amends.workflow.selectors import authority_limits, route_for
from amends.workflow.taxonomy import Channel, Psychology, Severity, Validity

S = State


# --- the gate -------------------------------------------------------------------------------


def _lock(complaint: Complaint, *, expected_version: int | None = None) -> Complaint:
    locked = (
        Complaint.objects.select_for_update()
        .select_related("venue", "customer", "company")
        .filter(pk=complaint.pk)
        .first()
    )
    if locked is None:
        raise NotFound(_("This complaint does not exist."), code="complaint_not_found")
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(
            _("Someone else changed this complaint meanwhile. Reload it and try again."),
            current_version=locked.version,
        )
    return locked


def _authorize(complaint: Complaint, actor: User, action: Action) -> None:
    if scope_of(actor).company_id != complaint.company_id:
        raise NotFound(_("This complaint does not exist."), code="complaint_not_found")
    if not may(complaint, actor, action):
        raise PermissionDenied(
            _("You may not do this: %(action)s.") % {"action": action.label},
            code="action_not_allowed",
            action=action.name,
        )


def _check(complaint: Complaint, actor: User, action: Action, reason: str) -> None:
    for need in action.needs:
        message = CHECKS[need](complaint, actor, reason)
        if message is not None:
            raise InvalidInput(message, code=f"needs_{need}", action=action.name)


def _authorize_action(complaint: Complaint, actor: User, name: str, reason: str = "") -> Action:
    """For actions that leave the state alone: the state, the actor and the data must fit."""
    action = ACTIONS[name]
    _authorize(complaint, actor, action)
    if complaint.state not in action.sources:
        raise InvalidTransition(
            _("This cannot be done while the complaint is “%(state)s”.")
            % {"state": complaint.get_state_display()},
            code="action_not_available",
            action=name,
            state=complaint.state,
        )
    _check(complaint, actor, action, reason)
    return action


def _save(complaint: Complaint) -> None:
    complaint.version += 1
    complaint.save()


def _warn(complaint: Complaint, warnings: list[str]) -> None:
    if warnings:
        event_append(
            complaint=complaint, kind="calendar_warning", actor=None, data={"warnings": warnings}
        )


def _gate(
    complaint: Complaint,
    *,
    to: str,
    actor: User,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> Complaint:
    """The one gate for state (DESIGN invariant 3), on an already locked complaint.

    1. Find the action that moves the current state to `to` — or raise InvalidTransition.
    2. Check the actor may take it — or raise PermissionDenied.
    3. Check the data it needs — or raise InvalidInput.
    4. Apply: state, clocks, ownership, follow-ups (revisit, survey, retention, messages).
    5. Append the transition event; save with a new version.
    """
    source = complaint.state
    action = action_for(source, to)
    if action is None:
        raise InvalidTransition(
            _("A complaint cannot go from “%(source)s” to “%(target)s”.")
            % {"source": S(source).label, "target": S(to).label},
            source=source,
            target=to,
        )
    _authorize(complaint, actor, action)
    _check(complaint, actor, action, reason)
    now = clock.now()
    warnings: list[str] = []
    previous_owner = complaint.owner_id

    if source in WAITING_ON_CUSTOMER_STATES and to not in WAITING_ON_CUSTOMER_STATES:
        warnings += clocks.resume(complaint, now=now)
    complaint.state = to
    if to in RESPONSE_STATES and complaint.responded_at is None:
        complaint.responded_at = now
    if to in RESOLUTION_STATES:
        complaint.resolved_at = complaint.resolved_at or now
    warnings += _on_enter(complaint, action=action, actor=actor, reason=reason, now=now)
    if to in WAITING_ON_CUSTOMER_STATES:
        clocks.pause(complaint, now=now)
    else:
        clocks.arm(complaint, now=now)
    _save(complaint)
    event_append(
        complaint=complaint,
        kind="transition",
        actor=actor,
        data={"action": action.name, "from": source, "to": to, "reason": reason, **(data or {})},
    )
    # What the transition set in motion is recorded after it, in the order it happened.
    if complaint.owner_id != previous_owner:
        event_append(
            complaint=complaint,
            kind="handoff_accepted",
            actor=actor,
            data={"from_owner": previous_owner, "to_owner": complaint.owner_id},
        )
    if to == S.FEEDBACK_GIVEN:
        _revisit_schedule(complaint, now=now)
    _warn(complaint, warnings)
    return complaint


def _on_enter(
    complaint: Complaint, *, action: Action, actor: User, reason: str, now: datetime
) -> list[str]:
    """What entering the new state sets in motion (called by the gate only)."""
    to = complaint.state
    warnings: list[str] = []
    if to == S.ACKNOWLEDGED:
        notify_customer(
            complaint, kind=Outbox.Kind.ACKNOWLEDGEMENT, dedupe_key=f"ack:{complaint.pk}"
        )
    elif to == S.INVESTIGATING:
        if action.name == "accept":
            # First-contact ownership ends here: the assignee accepted the hand-off.
            assert complaint.assignee is not None  # "accept" needs an assignee
            complaint.owner = complaint.assignee
        elif action.name == "reopen":
            complaint.reopen_count += 1
            complaint.closed_at = None
            complaint.retention_until = None
            warnings += clocks.restart_resolution(complaint, now=now)
            Revisit.objects.filter(complaint=complaint, done_at__isnull=True).delete()
    elif to in (S.INVALID, S.REMEDY_PROPOSED) and complaint.stage == "assess":
        warnings += clocks.enter_stage(complaint, "plan", now=now)
    elif to == S.APPROVED:
        warnings += clocks.enter_stage(complaint, "execute", now=now)
    elif to == S.REMEDY_EXECUTED:
        warnings += clocks.enter_stage(complaint, "follow_up", now=now)
    elif to == S.EXPLAINED:
        warnings += clocks.enter_stage(complaint, "", now=now)
        notify_customer(complaint, kind=Outbox.Kind.EXPLANATION, text=reason)
    elif to == S.FEEDBACK_GIVEN:
        warnings += clocks.enter_stage(complaint, "", now=now)
        notify_customer(complaint, kind=Outbox.Kind.FEEDBACK, text=reason)
    if to in TERMINAL_STATES:
        complaint.closed_at = now
        complaint.stage, complaint.stage_due = "", None
        complaint.retention_until = retention_date(now)
        if to == S.CLOSED:
            _survey_invite(complaint, now=now)
    return warnings


def complaint_transition(
    *,
    complaint: Complaint,
    to: str,
    actor: User,
    reason: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """Move `complaint` to state `to` through the gate. Returns the updated complaint.

    For transitions that need more than a reason (assign, remedies, revisit, merge) call the
    dedicated service, which records the data and then passes the same gate.
    """
    if to not in S.values:
        raise InvalidInput(_("Unknown state."), code="unknown_state")
    with transaction.atomic():
        locked = _lock(complaint, expected_version=expected_version)
        return _gate(locked, to=to, actor=actor, reason=reason.strip())


def retention_date(moment: datetime) -> date:
    """Closed + AMENDS_RETENTION_YEARS (29 February becomes 28 February)."""
    day = moment.date()
    years = settings.AMENDS_RETENTION_YEARS
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


# --- intake ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Intake:
    """What the receiver records (SPEC §1). Only `description` and a way to know the customer
    (name, phone or email) are required."""

    channel: str
    description: str
    customer_name: str = ""
    phone: str = ""
    email: str = ""
    language: str = "zh-hans"
    member_number: str = ""
    booking_reference: str = ""
    occurred_at: datetime | None = None
    location: str = ""
    people_involved: str = ""
    consequence: str = ""
    customer_request: str = ""
    subject_staff: User | None = None
    subject_department: Department | None = None
    subject_text: str = ""
    category: Category | None = None
    severity: str = ""
    psychology: str = ""


def _validate_intake(*, venue: Venue, intake: Intake, now: datetime) -> None:
    errors: dict[str, object] = {}
    if intake.channel not in Channel.values:
        errors["channel"] = _("Choose how the complaint came in.")
    if not intake.description.strip():
        errors["description"] = _("Describe what happened.")
    if intake.severity and intake.severity not in Severity.values:
        errors["severity"] = _("Unknown severity.")
    if intake.psychology and intake.psychology not in Psychology.values:
        errors["psychology"] = _("Unknown value.")
    if intake.language not in ("zh-hans", "en"):
        errors["language"] = _("Unknown language.")
    if intake.category is not None and (
        intake.category.company_id != venue.company_id or not intake.category.is_active
    ):
        errors["category"] = _("This category is not in use here.")
    if intake.occurred_at is not None and intake.occurred_at > now + timedelta(minutes=5):
        errors["occurred_at"] = _("The time it happened cannot be in the future.")
    if intake.subject_staff is not None and intake.subject_staff.company_id != venue.company_id:
        errors["subject_staff"] = _("This person does not work here.")
    if intake.subject_department is not None and intake.subject_department.venue_id != venue.pk:
        errors["subject_department"] = _("This department belongs to another venue.")
    if errors:
        first = next(iter(errors.values()))
        raise InvalidInput(
            first, code="invalid_intake", fields={k: str(v) for k, v in errors.items()}
        )


def _next_reference(venue: Venue, now: datetime) -> str:
    day = now.astimezone(ZoneInfo(venue.timezone)).date()
    counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(
        venue=venue, day=day
    )
    ReferenceCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    return f"{venue.code}-{day:%Y%m%d}-{counter.last:04d}"


@transaction.atomic
def complaint_receive(
    *, actor: User, venue: Venue, intake: Intake, acknowledge: bool = True, auto_assign: bool = True
) -> Complaint:
    """Record a new complaint; `actor` is its receiver and first-contact owner.

    1. Check the actor may record complaints at `venue` and the intake is complete.
    2. Find or create the customer (personal data encrypted, found by blind index).
    3. Give it its reference, route it to a department and role, start its clocks.
    4. Acknowledge it (the customer is told the reference and the reply time) and, when someone
       in the routed team is available, assign it to the least loaded of them.
    The complaint is committed before the caller shows the reference (invariant 1).
    """
    scope = scope_of(actor)
    if scope.company_id != venue.company_id or not scope.has_role(venue.pk, *INTAKE_ROLES):
        raise PermissionDenied(
            _("You may not record complaints for this venue."), code="intake_not_allowed"
        )
    now = clock.now()
    _validate_intake(venue=venue, intake=intake, now=now)
    customer, _created = customer_find_or_create(
        company=venue.company,
        name=intake.customer_name,
        phone=intake.phone,
        email=intake.email,
        language=intake.language,
    )
    member = (
        member_link(customer=customer, venue=venue, number=intake.member_number)
        if intake.member_number.strip()
        else None
    )
    department, role = route_for(
        venue=venue,
        category_code=intake.category.code if intake.category else None,
        severity=intake.severity or None,
    )
    complaint = Complaint(
        company=venue.company,
        venue=venue,
        reference=_next_reference(venue, now),
        state=S.RECEIVED,
        channel=intake.channel,
        received_by=actor,
        received_at=now,
        language=intake.language,
        customer=customer,
        member=member,
        booking_reference=intake.booking_reference.strip(),
        occurred_at=intake.occurred_at,
        location=intake.location.strip(),
        people_involved=intake.people_involved.strip(),
        description=intake.description.strip(),
        consequence=intake.consequence.strip(),
        customer_request=intake.customer_request.strip(),
        subject_staff=intake.subject_staff,
        subject_department=intake.subject_department,
        subject_text=intake.subject_text.strip(),
        category=intake.category,
        severity=intake.severity,
        psychology=intake.psychology,
        department=department,
        route_role=role,
        owner=actor,
    )
    warnings = clocks.start(complaint, now=now)
    complaint.save()
    event_append(
        complaint=complaint,
        kind="received",
        actor=actor,
        data={
            "reference": complaint.reference,
            "channel": complaint.channel,
            "customer": customer.pk,
            "category": intake.category.code if intake.category else "",
            "severity": intake.severity,
            "department": department.code if department else "",
            "role": role,
            "respond_due": complaint.respond_due,
            "resolve_due": complaint.resolve_due,
        },
    )
    _warn(complaint, warnings)
    if intake.severity == Severity.URGENT:
        _alert_urgent(complaint)
    if acknowledge:
        complaint = _gate(complaint, to=S.ACKNOWLEDGED, actor=actor)
    if auto_assign:
        if complaint.state == S.RECEIVED:
            # The customer is told before the hand-off: acknowledgement is only possible from
            # "received", so an automatic assignment always acknowledges first.
            complaint = _gate(complaint, to=S.ACKNOWLEDGED, actor=actor)
        exclude = [intake.subject_staff.pk] if intake.subject_staff else []
        assignee = routing.pick_assignee(
            venue=venue, role=role, department=department, exclude=exclude
        )
        if assignee is not None:
            complaint = _assign(
                complaint, actor=actor, assignee=assignee, reason="", automatic=True
            )
    return complaint


def _alert_urgent(complaint: Complaint) -> None:
    for user in users_with_role(venue=complaint.venue, roles=[Role.MANAGER, Role.DIRECTOR]):
        notify_staff(
            complaint,
            user=user,
            kind=Outbox.Kind.URGENT_ALERT,
            dedupe_key=f"urgent:{complaint.pk}:{user.pk}",
        )


# --- assignment -----------------------------------------------------------------------------


def _assign(
    complaint: Complaint, *, actor: User, assignee: User, reason: str, automatic: bool = False
) -> Complaint:
    roles = scope_of(assignee).roles_at(complaint.venue_id)
    if (
        not assignee.is_active
        or assignee.company_id != complaint.company_id
        or not roles & HANDLER_ROLES
    ):
        raise InvalidInput(
            _("This person cannot handle complaints here."), code="assignee_not_eligible"
        )
    if complaint.subject_staff_id == assignee.pk:
        raise InvalidInput(
            _("A complaint cannot be assigned to the person it is about."),
            code="assignee_is_subject",
        )
    previous = complaint.assignee_id
    complaint.assignee = assignee
    complaint.assigned_at = clock.now()
    complaint.escalated_to = (
        None if complaint.escalated_to_id == assignee.pk else complaint.escalated_to
    )
    complaint = _gate(
        complaint,
        to=S.ASSIGNED,
        actor=actor,
        reason=reason,
        data={"assignee": assignee.pk, "previous_assignee": previous, "automatic": automatic},
    )
    complaint.handlers.add(assignee)
    notify_staff(
        complaint,
        user=assignee,
        kind=Outbox.Kind.ASSIGNMENT,
        dedupe_key=f"assign:{complaint.pk}:{complaint.version}",
    )
    return complaint


@transaction.atomic
def complaint_assign(
    *,
    complaint: Complaint,
    actor: User,
    assignee: User,
    reason: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """Hand the complaint to `assignee` (or reassign it). The current owner stays accountable
    until the assignee accepts (`complaint_accept`)."""
    locked = _lock(complaint, expected_version=expected_version)
    return _assign(locked, actor=actor, assignee=assignee, reason=reason.strip())


@transaction.atomic
def complaint_accept(
    *,
    complaint: Complaint,
    actor: User,
    category: Category | None = None,
    severity: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """The assignee takes the complaint up: they become its owner and investigation starts.
    Category and severity may be set in the same step (they are required to start)."""
    locked = _lock(complaint, expected_version=expected_version)
    if category is not None or severity:
        _classify(locked, actor=actor, category=category, severity=severity, psychology=None)
    return _gate(locked, to=S.INVESTIGATING, actor=actor)


# --- classification and investigation ------------------------------------------------------


def _record_changes(complaint: Complaint, actor: User, changes: dict[str, tuple[Any, Any]]) -> None:
    if changes:
        event_append(
            complaint=complaint,
            kind="fields_changed",
            actor=actor,
            data={
                field: {"before": before, "after": after}
                for field, (before, after) in changes.items()
            },
        )


def _classify(
    complaint: Complaint,
    *,
    actor: User,
    category: Category | None,
    severity: str,
    psychology: str | None,
) -> None:
    _authorize_action(complaint, actor, "classify")
    changes: dict[str, tuple[Any, Any]] = {}
    if category is not None and category.pk != complaint.category_id:
        if category.company_id != complaint.company_id or not category.is_active:
            raise InvalidInput(_("This category is not in use here."), code="invalid_category")
        changes["category"] = (complaint.category.code if complaint.category else "", category.code)
        complaint.category = category
    if severity and severity != complaint.severity:
        if severity not in Severity.values:
            raise InvalidInput(_("Unknown severity."), code="invalid_severity")
        changes["severity"] = (complaint.severity, severity)
        complaint.severity = severity
        if complaint.responded_at is None:
            _warn(complaint, clocks.start(complaint, now=clock.now()))
        if severity == Severity.URGENT:
            _alert_urgent(complaint)
    if psychology is not None and psychology != complaint.psychology:
        if psychology and psychology not in Psychology.values:
            raise InvalidInput(_("Unknown value."), code="invalid_psychology")
        changes["psychology"] = (complaint.psychology, psychology)
        complaint.psychology = psychology
    if changes:
        _save(complaint)
        _record_changes(complaint, actor, changes)


@transaction.atomic
def complaint_classify(
    *,
    complaint: Complaint,
    actor: User,
    category: Category | None = None,
    severity: str = "",
    psychology: str | None = None,
    expected_version: int | None = None,
) -> Complaint:
    """Set category, severity and complainant psychology. A new severity before the first
    response restarts the clocks from receipt under the new targets."""
    locked = _lock(complaint, expected_version=expected_version)
    _classify(locked, actor=actor, category=category, severity=severity, psychology=psychology)
    return locked


_UNSET: Any = object()


@transaction.atomic
def complaint_record_investigation(
    *,
    complaint: Complaint,
    actor: User,
    report: str | None = None,
    validity: str | None = None,
    responsibility: str | None = None,
    responsible_department: Department | None = _UNSET,
    responsible_staff: User | None = _UNSET,
    responsible_party: str | None = None,
    cause: str | None = None,
    expected_version: int | None = None,
) -> Complaint:
    """Write the investigation report and the findings: validity and responsibility.
    Only the arguments given change; each change is an event with before and after."""
    locked = _lock(complaint, expected_version=expected_version)
    _authorize_action(locked, actor, "investigate")
    if validity is not None and validity not in Validity.values:
        raise InvalidInput(_("Unknown validity."), code="invalid_validity")
    if responsibility is not None and responsibility not in Complaint.Responsibility.values:
        raise InvalidInput(_("Unknown responsibility."), code="invalid_responsibility")
    if cause is not None and cause not in Complaint.Cause.values:
        raise InvalidInput(_("Unknown cause."), code="invalid_cause")
    if (
        isinstance(responsible_department, Department)
        and responsible_department.venue_id != locked.venue_id
    ):
        raise InvalidInput(
            _("This department belongs to another venue."), code="foreign_department"
        )
    if isinstance(responsible_staff, User) and responsible_staff.company_id != locked.company_id:
        raise InvalidInput(_("This person does not work here."), code="foreign_staff")
    changes: dict[str, tuple[Any, Any]] = {}
    plain = {
        "investigation_report": report,
        "validity": validity,
        "responsibility": responsibility,
        "responsible_party": responsible_party,
        "cause": cause,
    }
    for field, value in plain.items():
        if value is not None and value.strip() != getattr(locked, field):
            changes[field] = (getattr(locked, field), value.strip())
            setattr(locked, field, value.strip())
    for field, obj in (
        ("responsible_department", responsible_department),
        ("responsible_staff", responsible_staff),
    ):
        if obj is not _UNSET and getattr(locked, f"{field}_id") != (obj.pk if obj else None):
            changes[field] = (getattr(locked, f"{field}_id"), obj.pk if obj else None)
            setattr(locked, field, obj)
    if changes:
        _save(locked)
        _record_changes(locked, actor, changes)
    return locked


def _locked_note(
    complaint: Complaint, *, actor: User, kind: str, data: dict[str, Any], action: str
) -> Complaint:
    locked = _lock(complaint)
    _authorize_action(locked, actor, action)
    event_append(complaint=locked, kind=kind, actor=actor, data=data)
    _save(locked)
    return locked


@transaction.atomic
def complaint_add_note(
    *, complaint: Complaint, actor: User, text: str, call: bool = False
) -> Complaint:
    """A note on the timeline; `call=True` records a call with the customer."""
    if not text.strip():
        raise InvalidInput(_("The note is empty."), code="empty_note")
    return _locked_note(
        complaint,
        actor=actor,
        kind="call" if call else "note",
        data={"text": text.strip()},
        action="add_note",
    )


@transaction.atomic
def interview_record(
    *,
    complaint: Complaint,
    actor: User,
    interviewee: str,
    interviewee_role: str,
    summary: str,
    held_at: datetime | None = None,
    staff: User | None = None,
) -> Interview:
    if not interviewee.strip() or not summary.strip():
        raise InvalidInput(
            _("Name the interviewee and summarise what they said."), code="incomplete_interview"
        )
    if interviewee_role not in Interview.Role.values:
        raise InvalidInput(_("Unknown value."), code="invalid_interviewee_role")
    locked = _lock(complaint)
    _authorize_action(locked, actor, "investigate")
    if staff is not None and staff.company_id != locked.company_id:
        raise InvalidInput(_("This person does not work here."), code="foreign_staff")
    interview = Interview.objects.create(
        complaint=locked,
        interviewee=interviewee.strip(),
        interviewee_role=interviewee_role,
        staff=staff,
        summary=summary.strip(),
        held_at=held_at or clock.now(),
        recorded_by=actor,
    )
    event_append(
        complaint=locked,
        kind="interview",
        actor=actor,
        data={
            "interview": interview.pk,
            "interviewee": interview.interviewee,
            "role": interviewee_role,
            "summary": interview.summary,
        },
    )
    _save(locked)
    return interview


@transaction.atomic
def evidence_add(
    *,
    complaint: Complaint,
    actor: User,
    name: str,
    stream: IO[bytes],
    size: int,
    description: str = "",
) -> Evidence:
    """Attach a file. Its type is sniffed from its first bytes (uploads.check_upload); it is
    stored under a random name; its SHA-256 is kept so the evidence can be shown unaltered."""
    locked = _lock(complaint)
    _authorize_action(locked, actor, "add_evidence")
    head = stream.read(uploads.SNIFF_BYTES)
    kind = uploads.check_upload(name, head, size)
    stream.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(65536), b""):
        digest.update(chunk)
    stream.seek(0)
    evidence = Evidence(
        complaint=locked,
        token=secrets.token_hex(16),
        original_name=uploads.safe_filename(name),
        content_type=kind.content_type,
        extension=kind.extension,
        size=size,
        sha256=digest.hexdigest(),
        description=description.strip()[:300],
        uploaded_by=actor,
        uploaded_at=clock.now(),
    )
    evidence.file.save(evidence.token + kind.extension, File(stream), save=False)
    try:
        evidence.save()
        event_append(
            complaint=locked,
            kind="evidence",
            actor=actor,
            data={
                "evidence": evidence.pk,
                "name": evidence.original_name,
                "type": kind.content_type,
                "size": size,
                "sha256": evidence.sha256,
            },
        )
        _save(locked)
    except Exception:
        evidence.file.delete(save=False)
        raise
    return evidence


@transaction.atomic
def complaint_reveal_contact(*, complaint: Complaint, actor: User) -> ContactCard:
    """Show the customer's personal data unmasked. Allowed to UNMASK_ROLES at the venue; every
    reveal is a timeline event (who looked, when)."""
    from amends.complaints.selectors import complaints_for_actor

    locked = _lock(complaint)
    if not complaints_for_actor(actor=actor).filter(pk=locked.pk).exists():
        raise NotFound(_("This complaint does not exist."), code="complaint_not_found")
    if not scope_of(actor).has_role(locked.venue_id, *UNMASK_ROLES):
        raise PermissionDenied(
            _("You may not see this customer's personal data."), code="unmask_not_allowed"
        )
    event_append(
        complaint=locked,
        kind="personal_data_viewed",
        actor=actor,
        data={"customer": locked.customer_id},
    )
    return contact_card(locked.customer, unmasked=True)


# --- outcomes without a remedy -------------------------------------------------------------


@transaction.atomic
def complaint_mark_invalid(
    *, complaint: Complaint, actor: User, reason: str = "", expected_version: int | None = None
) -> Complaint:
    locked = _lock(complaint, expected_version=expected_version)
    return _gate(locked, to=S.INVALID, actor=actor, reason=reason.strip())


@transaction.atomic
def complaint_explain(
    *, complaint: Complaint, actor: User, message: str, expected_version: int | None = None
) -> Complaint:
    """Tell the customer, politely and with the facts, why the complaint is not founded."""
    locked = _lock(complaint, expected_version=expected_version)
    return _gate(locked, to=S.EXPLAINED, actor=actor, reason=message.strip())


# --- remedies -------------------------------------------------------------------------------


def _amount(value: Decimal | str | int) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("The amount must be a number."), code="invalid_amount") from None
    if amount < 0 or amount > Decimal("9999999999.99"):
        raise InvalidInput(
            _("The amount must be between 0 and 9,999,999,999.99."), code="invalid_amount"
        )
    return amount


@transaction.atomic
def remedy_propose(
    *,
    complaint: Complaint,
    actor: User,
    kind: str,
    description: str,
    amount: Decimal | str | int = 0,
    expected_version: int | None = None,
) -> RemedyProposal:
    """Add a remedy proposal (CNY amount); the complaint moves to “remedy proposed”."""
    if kind not in RemedyProposal.Kind.values:
        raise InvalidInput(_("Unknown kind of remedy."), code="invalid_remedy_kind")
    if not description.strip():
        raise InvalidInput(_("Describe the remedy."), code="empty_remedy")
    value = _amount(amount)
    locked = _lock(complaint, expected_version=expected_version)
    _authorize(locked, actor, ACTIONS["propose_remedy"])
    proposal = RemedyProposal.objects.create(
        complaint=locked,
        kind=kind,
        description=description.strip(),
        amount=value,
        proposed_by=actor,
        proposed_at=clock.now(),
    )
    event_append(
        complaint=locked,
        kind="remedy_proposed",
        actor=actor,
        data={
            "proposal": proposal.pk,
            "kind": kind,
            "amount": value,
            "description": proposal.description,
        },
    )
    if locked.state == S.REMEDY_PROPOSED:
        _save(locked)
    else:
        _gate(locked, to=S.REMEDY_PROPOSED, actor=actor)
    return proposal


def _actor_authority(complaint: Complaint, actor: User) -> Decimal | None:
    return authority_of(
        scope_of(actor).roles_at(complaint.venue_id), authority_limits(company=complaint.company)
    )


@transaction.atomic
def remedy_submit(
    *, complaint: Complaint, actor: User, expected_version: int | None = None
) -> Complaint:
    """Submit the draft proposals. Those within the proposer's authority are approved at once;
    the others wait for the lowest role whose limit covers their amount."""
    locked = _lock(complaint, expected_version=expected_version)
    _authorize(locked, actor, ACTIONS["submit_remedy"])
    if locked.state != S.REMEDY_PROPOSED:
        raise InvalidTransition(_("There is no remedy to submit."), code="action_not_available")
    _check(locked, actor, ACTIONS["propose_remedy"], "")
    limits = authority_limits(company=locked.company)
    own = _actor_authority(locked, actor)
    now = clock.now()
    ladder: list[str] = [Role.SPECIALIST, Role.MANAGER, Role.DIRECTOR]
    needed: list[str] = []
    for proposal in RemedyProposal.objects.filter(
        complaint=locked, status=RemedyProposal.Status.DRAFT
    ):
        if covers(own, proposal.amount):
            proposal.status = RemedyProposal.Status.APPROVED
            proposal.decided_by, proposal.decided_at = actor, now
            proposal.decision_comment = ""  # the event records that it was within authority
        else:
            proposal.status = RemedyProposal.Status.PENDING
            proposal.approval_role = approver_role(proposal.amount, limits)
            needed.append(proposal.approval_role)
        proposal.save()
    if not needed:
        return _gate(locked, to=S.APPROVED, actor=actor, data={"within_authority": True})
    locked.approval_role = max(needed, key=ladder.index)
    locked = _gate(
        locked, to=S.APPROVAL_PENDING, actor=actor, data={"approval_role": locked.approval_role}
    )
    for approver in users_with_role(venue=locked.venue, roles=[locked.approval_role]):
        notify_staff(
            locked,
            user=approver,
            kind=Outbox.Kind.APPROVAL_REQUEST,
            dedupe_key=f"approval:{locked.pk}:{locked.version}:{approver.pk}",
        )
    return locked


def _decide(proposal: RemedyProposal, *, actor: User, approve: bool, comment: str) -> Complaint:
    locked = _lock(proposal.complaint)
    proposal = RemedyProposal.objects.select_for_update().get(pk=proposal.pk)
    action = ACTIONS["approve" if approve else "reject"]
    _authorize(locked, actor, action)
    if locked.state != S.APPROVAL_PENDING or proposal.status != RemedyProposal.Status.PENDING:
        raise InvalidTransition(_("This proposal is not awaiting approval."), code="not_pending")
    if not approve and not comment.strip():
        raise InvalidInput(_("A reason is required."), code="needs_reason")
    if not covers(_actor_authority(locked, actor), proposal.amount):
        raise PermissionDenied(
            _("¥%(amount)s is above your authority; it needs approval by: %(role)s.")
            % {"amount": proposal.amount, "role": Role(proposal.approval_role).label},
            code="authority_exceeded",
        )
    proposal.status = RemedyProposal.Status.APPROVED if approve else RemedyProposal.Status.REJECTED
    proposal.decided_by, proposal.decided_at, proposal.decision_comment = (
        actor,
        clock.now(),
        comment.strip(),
    )
    proposal.save()
    event_append(
        complaint=locked,
        kind="remedy_approved" if approve else "remedy_rejected",
        actor=actor,
        data={
            "proposal": proposal.pk,
            "amount": proposal.amount,
            "comment": proposal.decision_comment,
        },
    )
    remaining = RemedyProposal.objects.filter(
        complaint=locked, status=RemedyProposal.Status.PENDING
    )
    if remaining.exists():
        _save(locked)
        return locked
    any_approved = RemedyProposal.objects.filter(
        complaint=locked, status=RemedyProposal.Status.APPROVED
    ).exists()
    locked.approval_role = ""
    if any_approved:
        return _gate(locked, to=S.APPROVED, actor=actor, reason=comment.strip())
    return _gate(
        locked,
        to=S.REJECTED,
        actor=actor,
        reason=comment.strip(),
    )


@transaction.atomic
def remedy_approve(*, proposal: RemedyProposal, actor: User, comment: str = "") -> Complaint:
    """Approve one pending proposal; the approver's authority must cover its amount. When no
    proposal is left pending, the complaint is approved (or rejected if none was approved)."""
    return _decide(proposal, actor=actor, approve=True, comment=comment)


@transaction.atomic
def remedy_reject(*, proposal: RemedyProposal, actor: User, comment: str) -> Complaint:
    return _decide(proposal, actor=actor, approve=False, comment=comment)


@transaction.atomic
def remedy_record_consent(
    *,
    complaint: Complaint,
    actor: User,
    accepted: bool,
    method: str,
    note: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """Record the customer's answer to the approved remedy and how it was given."""
    if method not in CustomerConsent.Method.values:
        raise InvalidInput(_("Say how the customer gave their answer."), code="needs_consent")
    if not accepted and not note.strip():
        raise InvalidInput(_("Note why the customer declined."), code="needs_reason")
    locked = _lock(complaint, expected_version=expected_version)
    CustomerConsent.objects.create(
        complaint=locked,
        accepted=accepted,
        method=method,
        note=note.strip(),
        recorded_by=actor,
        recorded_at=clock.now(),
    )
    if accepted:
        return _gate(
            locked, to=S.CUSTOMER_ACCEPTED, actor=actor, reason=method, data={"note": note.strip()}
        )
    return _gate(
        locked, to=S.CUSTOMER_DECLINED, actor=actor, reason=note.strip(), data={"method": method}
    )


@transaction.atomic
def remedy_execute(
    *, complaint: Complaint, actor: User, note: str, expected_version: int | None = None
) -> Complaint:
    """Record that the approved remedies were carried out."""
    locked = _lock(complaint, expected_version=expected_version)
    now = clock.now()
    locked = _gate(locked, to=S.REMEDY_EXECUTED, actor=actor, reason=note.strip())
    RemedyProposal.objects.filter(complaint=locked, status=RemedyProposal.Status.APPROVED).update(
        status=RemedyProposal.Status.EXECUTED, executed_at=now
    )
    return locked


@transaction.atomic
def consequence_record(
    *, complaint: Complaint, actor: User, staff: User, kind: str, note: str = ""
) -> Consequence:
    """Record a consequence (training, warning …) for a staff member found responsible."""
    if kind not in Consequence.Kind.values:
        raise InvalidInput(_("Unknown value."), code="invalid_consequence")
    locked = _lock(complaint)
    _authorize_action(locked, actor, "record_consequence")
    if staff.company_id != locked.company_id:
        raise InvalidInput(_("This person does not work here."), code="foreign_staff")
    consequence = Consequence.objects.create(
        complaint=locked,
        staff=staff,
        kind=kind,
        note=note.strip(),
        recorded_by=actor,
        recorded_at=clock.now(),
    )
    event_append(
        complaint=locked,
        kind="consequence",
        actor=actor,
        data={
            "consequence": consequence.pk,
            "staff": staff.pk,
            "kind": kind,
            "note": consequence.note,
        },
    )
    _save(locked)
    return consequence


# --- feedback, revisit, closure --------------------------------------------------------------


@transaction.atomic
def complaint_give_feedback(
    *, complaint: Complaint, actor: User, message: str, expected_version: int | None = None
) -> Complaint:
    """Tell the customer the outcome, through the channel the complaint came in. A revisit is
    then scheduled by the venue's policy."""
    locked = _lock(complaint, expected_version=expected_version)
    return _gate(locked, to=S.FEEDBACK_GIVEN, actor=actor, reason=message.strip())


def _revisit_schedule(complaint: Complaint, *, now: datetime) -> None:
    revisitor = routing.pick_revisitor(complaint)
    revisit = Revisit.objects.create(
        complaint=complaint,
        assignee=revisitor,
        due_at=now + timedelta(days=complaint.venue.revisit_days),
    )
    event_append(
        complaint=complaint,
        kind="revisit_scheduled",
        actor=None,
        data={
            "revisit": revisit.pk,
            "assignee": revisitor.pk if revisitor else None,
            "due": revisit.due_at,
        },
    )
    if revisitor is not None:
        notify_staff(
            complaint,
            user=revisitor,
            kind=Outbox.Kind.REVISIT_ASSIGNED,
            dedupe_key=f"revisit:{revisit.pk}",
        )


@transaction.atomic
def revisit_record(
    *,
    revisit: Revisit,
    actor: User,
    reached: bool,
    method: str,
    satisfied: bool | None = None,
    notes: str = "",
    new_issue: str = "",
    final: bool = False,
) -> Revisit:
    """Record a revisit call or visit.

    Not reached: the attempt is counted and the revisit stays open, unless `final` (the customer
    could not be reached after trying), which completes it. Reached: the outcome is recorded and
    the complaint moves to “revisit done”. A `new_issue` opens a new complaint linked to this one.
    """
    if method not in Revisit.Method.values:
        raise InvalidInput(_("Say how the revisit was made."), code="invalid_method")
    locked = _lock(revisit.complaint)
    revisit = Revisit.objects.select_for_update().get(pk=revisit.pk)
    if revisit.done_at is not None:
        raise InvalidTransition(_("This revisit is already recorded."), code="revisit_done")
    action = ACTIONS["record_revisit"]
    _authorize(locked, actor, action)
    _check(locked, actor, action, "")
    if locked.state != S.FEEDBACK_GIVEN:
        raise InvalidTransition(
            _("This complaint is not awaiting a revisit."), code="action_not_available"
        )
    revisit.attempts += 1
    revisit.method = method
    revisit.notes = "\n".join(filter(None, [revisit.notes, notes.strip()]))
    if not reached and not final:
        revisit.save()
        event_append(
            complaint=locked,
            kind="revisit_attempt",
            actor=actor,
            data={"revisit": revisit.pk, "method": method, "notes": notes.strip()},
        )
        _save(locked)
        return revisit
    revisit.reached, revisit.satisfied, revisit.done_at = (
        reached,
        (satisfied if reached else None),
        clock.now(),
    )
    revisit.save()
    _gate(
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
        event_append(
            complaint=locked,
            kind="follow_up_opened",
            actor=actor,
            data={"reference": follow_up.reference},
        )
    return revisit


def _survey_invite(complaint: Complaint, *, now: datetime) -> None:
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


@transaction.atomic
def complaint_close(
    *, complaint: Complaint, actor: User, expected_version: int | None = None
) -> Complaint:
    """Close with the full record; a survey awaits the customer and the retention date is set."""
    locked = _lock(complaint, expected_version=expected_version)
    return _gate(locked, to=S.CLOSED, actor=actor)


@transaction.atomic
def complaint_reopen(
    *, complaint: Complaint, actor: User, reason: str, expected_version: int | None = None
) -> Complaint:
    """The customer is not satisfied: back to investigation, with a fresh resolution clock."""
    locked = _lock(complaint, expected_version=expected_version)
    return _gate(locked, to=S.INVESTIGATING, actor=actor, reason=reason.strip())


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
    locked = _lock(survey.complaint)
    survey.satisfaction, survey.nps, survey.comment = satisfaction, nps, comment.strip()[:2000]
    survey.answered_at = clock.now()
    survey.save()
    event_append(
        complaint=locked,
        kind="survey_answered",
        actor=None,
        data={"satisfaction": satisfaction, "nps": nps, "comment": survey.comment},
    )
    return survey


# --- exceptional paths ---------------------------------------------------------------------


@transaction.atomic
def complaint_decline(
    *, complaint: Complaint, actor: User, reason: str, expected_version: int | None = None
) -> Complaint:
    """Decline a malicious or abusive complaint; the reason is required and kept."""
    locked = _lock(complaint, expected_version=expected_version)
    return _gate(locked, to=S.DECLINED, actor=actor, reason=reason.strip())


@transaction.atomic
def complaint_merge(
    *, duplicate: Complaint, into: Complaint, actor: User, reason: str
) -> Complaint:
    """Merge `duplicate` into `into`: the survivor carries on, the duplicate is closed as merged,
    and both timelines stay whole, each naming the other."""
    if duplicate.pk == into.pk:
        raise InvalidInput(_("A complaint cannot be merged into itself."), code="merge_self")
    # Lock both rows in a fixed order so two opposite merges cannot deadlock.
    first, second = sorted([duplicate, into], key=lambda c: c.pk)
    locked = {c.pk: _lock(c) for c in (first, second)}
    dup, survivor = locked[duplicate.pk], locked[into.pk]
    if survivor.company_id != dup.company_id:
        raise NotFound(_("This complaint does not exist."), code="complaint_not_found")
    if survivor.state not in OPEN_STATES:
        raise InvalidTransition(
            _("Merge into a complaint that is still open."), code="merge_target_closed"
        )
    _authorize(survivor, actor, ACTIONS["merge"])
    dup.merged_into = survivor
    _gate(dup, to=S.MERGED, actor=actor, reason=reason.strip(), data={"into": survivor.reference})
    event_append(
        complaint=survivor,
        kind="merged_from",
        actor=actor,
        data={"duplicate": dup.reference, "reason": reason.strip()},
    )
    _save(survivor)
    return survivor


def _escalate(
    complaint: Complaint,
    *,
    actor: User | None,
    reason: str,
    now: datetime,
    overdue_since: datetime | None = None,
) -> bool:
    """Move one step up the ladder (owner → manager → director). False at the top."""
    from amends.orgs.roles import ESCALATION_LADDER

    if complaint.escalation_level >= len(ESCALATION_LADDER):
        return False
    level = complaint.escalation_level + 1
    target = routing.escalation_target(complaint, level)
    complaint.escalation_level = level
    complaint.escalated_to = target
    # The next step comes one escalation step from now, but never before the running deadline:
    # a complaint escalated by hand before it is due is not overdue yet.
    due = clocks.active_due(complaint)
    step = now + clocks.escalation_step(complaint)
    complaint.next_escalation_at = (
        (max(step, due) if due is not None else step) if level < len(ESCALATION_LADDER) else None
    )
    _save(complaint)
    event_append(
        complaint=complaint,
        kind="escalated",
        actor=actor,
        data={
            "level": level,
            "role": ESCALATION_LADDER[level - 1],
            "to": target.pk if target else None,
            "reason": reason,
            "automatic": actor is None,
            "overdue_since": overdue_since,
        },
    )
    if target is not None:
        notify_staff(
            complaint,
            user=target,
            kind=Outbox.Kind.ESCALATION,
            text=reason,
            dedupe_key=f"escalate:{complaint.pk}:{level}:{complaint.reopen_count}",
        )
    return True


@transaction.atomic
def complaint_escalate(
    *, complaint: Complaint, actor: User, reason: str, expected_version: int | None = None
) -> Complaint:
    locked = _lock(complaint, expected_version=expected_version)
    _authorize_action(locked, actor, "escalate", reason.strip())
    if not _escalate(locked, actor=actor, reason=reason.strip(), now=clock.now()):
        raise InvalidTransition(
            _("This complaint is already at the top of the ladder."), code="ladder_top"
        )
    return locked


@transaction.atomic
def complaint_extend_deadline(
    *,
    complaint: Complaint,
    actor: User,
    until: datetime,
    reason: str,
    expected_version: int | None = None,
) -> Complaint:
    """Move the running deadline later. A reason is required and the customer is told."""
    locked = _lock(complaint, expected_version=expected_version)
    _authorize_action(locked, actor, "extend_deadline", reason.strip())
    current = clocks.active_due(locked)
    now = clock.now()
    if current is None:
        raise InvalidTransition(_("No deadline is running."), code="no_deadline")
    if until <= current or until <= now:
        raise InvalidInput(
            _("The new deadline must be later than the current one."), code="deadline_not_later"
        )
    if locked.responded_at is None:
        field = "respond_due"
    elif locked.stage_due is not None:
        field = "stage_due"
    else:
        field = "resolve_due"
    setattr(locked, field, until)
    if field == "stage_due" and locked.resolve_due is not None and locked.resolve_due < until:
        locked.resolve_due = until
    locked.extension_count += 1
    clocks.arm(locked, now=now)
    _save(locked)
    event_append(
        complaint=locked,
        kind="deadline_extended",
        actor=actor,
        data={"deadline": field, "before": current, "after": until, "reason": reason.strip()},
    )
    notify_customer(
        locked,
        kind=Outbox.Kind.DEADLINE_EXTENDED,
        text=reason.strip(),
        dedupe_key=f"extend:{locked.pk}:{locked.extension_count}",
    )
    return locked


@transaction.atomic
def complaint_set_legal_hold(
    *, complaint: Complaint, actor: User, hold: bool, reason: str
) -> Complaint:
    """Put a complaint under legal hold (it is never purged) or release it."""
    scope = scope_of(actor)
    locked = _lock(complaint)
    if scope.company_id != locked.company_id or not scope.has_role(
        locked.venue_id, Role.AUDITOR, Role.DIRECTOR, Role.ADMIN
    ):
        raise PermissionDenied(
            _("You may not change the legal hold."), code="legal_hold_not_allowed"
        )
    if not reason.strip():
        raise InvalidInput(_("A reason is required."), code="needs_reason")
    if locked.legal_hold != hold:
        locked.legal_hold = hold
        _save(locked)
        event_append(
            complaint=locked,
            kind="legal_hold",
            actor=actor,
            data={"hold": hold, "reason": reason.strip()},
        )
    return locked
