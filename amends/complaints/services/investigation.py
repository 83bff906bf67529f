"""Classification, investigation, notes, interviews, evidence, and the outcomes without a remedy."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import IO, Any

from django.core.files.base import File
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from amends.complaints import clocks
from amends.complaints.events import (
    Call,
    DeadlinesRecomputed,
    EvidenceAdded,
    FieldsChanged,
    InterviewHeld,
    Note,
    Payload,
    PersonalDataViewed,
    record,
)
from amends.complaints.models import (
    Complaint,
    Evidence,
    Interview,
)
from amends.complaints.permissions import Actor
from amends.complaints.services import repeats
from amends.complaints.services import triage as triage_service
from amends.complaints.services.followups import alert_urgent
from amends.complaints.services.gate import (
    authorize_action,
    gate,
    lock,
    save,
    staff_of,
    user_of,
    warn,
)
from amends.complaints.services.remedies import consequence_eligible
from amends.complaints.transitions import (
    State,
)
from amends.core import clock, uploads
from amends.core.errors import (
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from amends.members.selectors import ContactCard, contact_card
from amends.orgs.models import Department, User
from amends.orgs.roles import UNMASK_ROLES
from amends.orgs.selectors import scope_of
from amends.triage.pii import mask as pii_mask
from amends.workflow.models import Category
from amends.workflow.taxonomy import Psychology, Severity, Validity

S = State


# --- classification and investigation ------------------------------------------------------


def _record_changes(
    complaint: Complaint, actor: Actor, changes: dict[str, tuple[Any, Any]]
) -> None:
    if changes:
        record(complaint, actor, FieldsChanged(changes=changes))


def classify(
    complaint: Complaint,
    *,
    actor: Actor,
    category: Category | None,
    severity: str,
    psychology: str | None,
) -> None:
    authorize_action(complaint, actor, "classify")
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
        if severity == Severity.URGENT:
            alert_urgent(complaint)
    if psychology is not None and psychology != complaint.psychology:
        if psychology and psychology not in Psychology.values:
            raise InvalidInput(_("Unknown value."), code="invalid_psychology")
        changes["psychology"] = (complaint.psychology, psychology)
        complaint.psychology = psychology
    recomputed = (
        _recompute_deadlines(complaint)
        if ("severity" in changes or "category" in changes) and complaint.is_open
        else None
    )
    if changes:
        save(complaint)
        _record_changes(complaint, actor, changes)
    if recomputed is not None:
        record(complaint, actor, recomputed)


def _recompute_deadlines(complaint: Complaint) -> DeadlinesRecomputed | None:
    """The running deadlines again from receipt under the policy of the new classification
    (raising to urgent shortens them); deadlines already met stay. The event to record, or None
    when nothing moved. What the customer was promised is kept (`promised_*`)."""
    before = clocks.running(complaint)
    warn(complaint, clocks.start(complaint, now=clock.now()))
    after = clocks.running(complaint)
    if before == after:
        return None
    return DeadlinesRecomputed(
        severity=complaint.severity,
        category=complaint.category.code if complaint.category else "",
        respond_before=before.get("respond_due"),
        respond_after=after.get("respond_due"),
        resolve_before=before.get("resolve_due"),
        resolve_after=after.get("resolve_due"),
    )


@transaction.atomic
def complaint_classify(
    *,
    complaint: Complaint,
    actor: Actor,
    category: Category | None = None,
    severity: str = "",
    psychology: str | None = None,
    expected_version: int | None = None,
) -> Complaint:
    """Set category, severity and complainant psychology. A new severity or category recomputes
    the running deadlines from receipt under the new policy (an event with before and after)."""
    locked = lock(complaint, expected_version=expected_version)
    category_before = locked.category_id
    before = triage_service.snapshot(locked)
    classify(locked, actor=actor, category=category, severity=severity, psychology=psychology)
    triage_service.note_changes(locked, before, actor)
    # SPEC §2: with its category a complaint may turn out a repeat (at least important).
    if locked.category_id != category_before and (raised := repeats.recheck(locked, actor=actor)):
        classify(locked, actor=actor, category=None, severity=raised, psychology=None)
    return locked


_UNSET: Any = object()


@transaction.atomic
def complaint_record_investigation(
    *,
    complaint: Complaint,
    actor: Actor,
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
    locked = lock(complaint, expected_version=expected_version)
    authorize_action(locked, actor, "investigate")
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
    if isinstance(responsible_staff, User) and not consequence_eligible(locked, responsible_staff):
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
    if "validity" in changes:
        triage_service.note_change(locked, "validity", *changes["validity"], actor)
    for field, obj in (
        ("responsible_department", responsible_department),
        ("responsible_staff", responsible_staff),
    ):
        if obj is not _UNSET and getattr(locked, f"{field}_id") != (obj.pk if obj else None):
            changes[field] = (getattr(locked, f"{field}_id"), obj.pk if obj else None)
            setattr(locked, field, obj)
    if changes:
        save(locked)
        _record_changes(locked, actor, changes)
    return locked


def _locked_note(
    complaint: Complaint,
    *,
    actor: Actor,
    payload: Payload,
    action: str,
    expected_version: int | None,
) -> Complaint:
    locked = lock(complaint, expected_version=expected_version)
    authorize_action(locked, actor, action)
    record(locked, actor, payload)
    save(locked)
    return locked


@transaction.atomic
def complaint_add_note(
    *,
    complaint: Complaint,
    actor: Actor,
    text: str,
    call: bool = False,
    expected_version: int | None = None,
) -> Complaint:
    """A note on the timeline; `call=True` records a call with the customer."""
    if not text.strip():
        raise InvalidInput(_("The note is empty."), code="empty_note")
    return _locked_note(
        complaint,
        actor=actor,
        payload=Call(text=text.strip()) if call else Note(text=text.strip()),
        action="add_note",
        expected_version=expected_version,
    )


@transaction.atomic
def interview_record(
    *,
    complaint: Complaint,
    actor: Actor,
    interviewee: str,
    interviewee_role: str,
    summary: str,
    held_at: datetime | None = None,
    staff: User | None = None,
    expected_version: int | None = None,
) -> Interview:
    if not interviewee.strip() or not summary.strip():
        raise InvalidInput(
            _("Name the interviewee and summarise what they said."), code="incomplete_interview"
        )
    if interviewee_role not in Interview.Role.values:
        raise InvalidInput(_("Unknown value."), code="invalid_interviewee_role")
    locked = lock(complaint, expected_version=expected_version)
    authorize_action(locked, actor, "investigate")
    if staff is not None and not consequence_eligible(locked, staff):
        raise InvalidInput(_("This person does not work here."), code="foreign_staff")
    interview = Interview.objects.create(
        complaint=locked,
        interviewee=interviewee.strip(),
        interviewee_role=interviewee_role,
        staff=staff,
        summary=summary.strip(),
        held_at=held_at or clock.now(),
        recorded_by=staff_of(actor),
    )
    record(
        locked,
        actor,
        InterviewHeld(
            interview=interview.pk,
            interviewee=interview.interviewee,
            role=interviewee_role,
            summary=interview.summary,
        ),
    )
    save(locked)
    return interview


MAX_EVIDENCE_DESCRIPTION = 300


def evidence_served_name(evidence: Evidence) -> str:
    """The name amends serves `evidence` under: the complaint's reference, the file's place
    among the complaint's evidence (01, 02 …) and the extension sniffed at upload."""
    sequence = Evidence.objects.filter(complaint_id=evidence.complaint_id, pk__lte=evidence.pk)
    reference = Complaint.objects.values_list("reference", flat=True).get(pk=evidence.complaint_id)
    return uploads.served_name(reference, sequence.count(), evidence.extension)


@transaction.atomic
def evidence_add(
    *,
    complaint: Complaint,
    actor: Actor,
    name: str,
    stream: IO[bytes],
    size: int,
    description: str = "",
    expected_version: int | None = None,
    declared_type: str = "",
) -> Evidence:
    """Attach a file. Its type is sniffed from its bytes and the whole file is checked
    (uploads.check_file: a name or `declared_type` that contradicts the bytes, a polyglot, a PDF
    with scripts are refused); it is stored under a random name; its SHA-256 is kept so the
    evidence can be shown unaltered. The client's name is kept only as a cleaned label."""
    if len(description.strip()) > MAX_EVIDENCE_DESCRIPTION:
        raise InvalidInput(
            _("The description is too long (at most %(n)s characters).")
            % {"n": MAX_EVIDENCE_DESCRIPTION},
            code="text_too_long",
            field="description",
        )
    locked = lock(complaint, expected_version=expected_version)
    authorize_action(locked, actor, "add_evidence")
    kind = uploads.check_file(name, stream, size, declared_type=declared_type)
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(65536), b""):
        digest.update(chunk)
    stream.seek(0)
    evidence = Evidence(
        complaint=locked,
        token=secrets.token_hex(16),
        # Only a label for the people handling it: cleaned, and personal data in it masked.
        original_name=uploads.safe_filename(pii_mask(name or "")),
        content_type=kind.content_type,
        extension=kind.extension,
        size=size,
        sha256=digest.hexdigest(),
        description=description.strip(),
        uploaded_by=user_of(actor),
        uploaded_at=clock.now(),
    )
    evidence.file.save(evidence.token + kind.extension, File(stream), save=False)
    try:
        evidence.save()
        record(
            locked,
            actor,
            EvidenceAdded(
                evidence=evidence.pk,
                name=evidence.original_name,
                type=kind.content_type,
                size=size,
                sha256=evidence.sha256,
            ),
        )
        save(locked)
    except Exception:
        evidence.file.delete(save=False)
        raise
    return evidence


@transaction.atomic
def complaint_reveal_contact(*, complaint: Complaint, actor: Actor) -> ContactCard:
    """Show the customer's personal data unmasked. Allowed to UNMASK_ROLES at the venue; every
    reveal is a timeline event (who looked, when)."""
    from amends.complaints.selectors import complaints_for_actor

    locked = lock(complaint)
    if not complaints_for_actor(actor=staff_of(actor)).filter(pk=locked.pk).exists():
        raise NotFound(_("This complaint does not exist."), code="complaint_not_found")
    if not scope_of(staff_of(actor)).has_role(locked.venue_id, *UNMASK_ROLES):
        raise PermissionDenied(
            _("You may not see this customer's personal data."), code="unmask_not_allowed"
        )
    record(locked, actor, PersonalDataViewed(customer=locked.customer_id))
    return contact_card(locked.customer, unmasked=True)


# --- outcomes without a remedy -------------------------------------------------------------


@transaction.atomic
def complaint_mark_invalid(
    *, complaint: Complaint, actor: Actor, reason: str = "", expected_version: int | None = None
) -> Complaint:
    locked = lock(complaint, expected_version=expected_version)
    return gate(locked, to=S.INVALID, actor=actor, reason=reason.strip())


@transaction.atomic
def complaint_explain(
    *, complaint: Complaint, actor: Actor, message: str, expected_version: int | None = None
) -> Complaint:
    """Tell the customer, politely and with the facts, why the complaint is not founded."""
    locked = lock(complaint, expected_version=expected_version)
    return gate(locked, to=S.EXPLAINED, actor=actor, reason=message.strip())
