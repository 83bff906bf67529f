"""Intake: a complaint is recorded once, by whoever receives it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext_lazy as _

from amends.complaints import clocks, integrity, routing, timeline
from amends.complaints.events import Received, record
from amends.complaints.models import (
    Complaint,
    IntakeSubmission,
    ReferenceCounter,
)
from amends.complaints.permissions import Actor
from amends.complaints.services import repeats
from amends.complaints.services import triage as triage_service
from amends.complaints.services.assignment import assign
from amends.complaints.services.followups import alert_urgent
from amends.complaints.services.gate import gate, user_of, warn
from amends.complaints.transitions import (
    State,
)
from amends.core import clock
from amends.core.errors import (
    InvalidInput,
    PermissionDenied,
)
from amends.core.principals import ApiScope, Principal, PrincipalKind, as_principal
from amends.members.selectors import member_at
from amends.members.services import customer_find_or_create, member_link
from amends.notifications import services as outbox
from amends.orgs.models import Department, User, Venue
from amends.orgs.roles import INTAKE_ROLES
from amends.orgs.selectors import scope_of
from amends.workflow.models import Category
from amends.workflow.selectors import route_for
from amends.workflow.taxonomy import Channel, Psychology, Severity

S = State
# A form's one-time token, as `IntakeForm` makes it (letters, digits, dashes; 8 to 64).
SUBMISSION_TOKEN = re.compile(r"[A-Za-z0-9-]{8,64}")


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
    # The form's one-time token (console): sent again, the same form records nothing new.
    submission: str = ""


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
    if intake.subject_staff is not None and not (
        intake.subject_staff.is_active
        and intake.subject_staff.company_id == venue.company_id
        and scope_of(intake.subject_staff).roles_at(venue.pk)
    ):
        errors["subject_staff"] = _("This person does not work here.")
    if intake.subject_department is not None and intake.subject_department.venue_id != venue.pk:
        errors["subject_department"] = _("This department belongs to another venue.")
    if errors:
        first = next(iter(errors.values()))
        raise InvalidInput(
            first, code="invalid_intake", fields={k: str(v) for k, v in errors.items()}
        )


def _next_reference(venue: Venue, now: datetime) -> str:
    """The next reference of `venue` on `now`'s local day, in one statement: an upsert of the
    day's counter returning the number it took (PostgreSQL, SQLite ≥ 3.35). The counter's row
    is locked from this statement to the end of the transaction it runs in — so it runs last
    (see `complaint_receive`)."""
    day = now.astimezone(ZoneInfo(venue.timezone)).date()
    table = connection.ops.quote_name(ReferenceCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (venue_id, day, last) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (venue_id, day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [venue.pk, day],
        )
        (number,) = cursor.fetchone()
    return f"{venue.code}-{day:%Y%m%d}-{number:04d}"


def _authorize_intake(principal: Principal, venue: Venue) -> None:
    """Staff with an intake role at the venue, an API key with the intake scope for it, or
    amends itself (its channels) may record a complaint."""
    if principal.kind == PrincipalKind.SYSTEM:
        return
    allowed = principal.company_id == venue.company_id
    if principal.is_staff:
        allowed = allowed and scope_of(principal.user).has_role(venue.pk, *INTAKE_ROLES)
    elif principal.kind == PrincipalKind.API_KEY:
        allowed = (
            allowed
            and principal.venue_id in (None, venue.pk)
            and ApiScope.WRITE in principal.scopes
        )
    else:
        allowed = False
    if not allowed:
        raise PermissionDenied(
            _("You may not record complaints for this venue."), code="intake_not_allowed"
        )


def complaint_receive(
    *,
    actor: Actor,
    venue: Venue,
    intake: Intake,
    acknowledge: bool = True,
    auto_assign: bool = True,
) -> Complaint:
    """Record a new complaint. A staff `actor` is its receiver and first-contact owner; when it
    arrives without one (web form, email, API: the system or an API key), the venue's duty role
    for the channel owns it (`routing.pick_duty_owner`) and amends itself acknowledges it.

    1. Check the actor may record complaints at `venue` and the intake is complete.
    2. Find or create the customer (personal data encrypted, found by blind index).
    3. Route it to a department and role, start its clocks, choose its assignee (reads only).
    4. Give it its reference, then write it, its timeline and its messages: acknowledged (the
       customer is told the reference and the reply time) and, when someone in the routed team
       is available, assigned to the least loaded of them.
    The complaint is committed before the caller shows the reference (invariant 1).

    Locks: the venue's reference counter is the one row every intake at a venue shares. Called
    outside a transaction (the console, the API, the web form), the reference is taken by its
    own one-statement transaction once every check has passed, so the counter is locked for
    that statement only; a failure after it leaves a gap in the day's numbers, never a
    duplicate. Inside a caller's transaction it is taken in that transaction after every read
    of the intake, and the counter stays locked until the caller commits.
    """
    principal = as_principal(actor)
    _authorize_intake(principal, venue)
    key = _submission_key(principal, intake.submission)
    if key:
        earlier = _submitted(key)
        if earlier is not None:
            return earlier
    now = clock.now()
    _validate_intake(venue=venue, intake=intake, now=now)
    receiver = user_of(principal)
    exclude = [intake.subject_staff.pk] if intake.subject_staff else []
    owner = receiver or routing.pick_duty_owner(
        venue=venue, channel=intake.channel, exclude=exclude
    )
    if owner is None:
        raise InvalidInput(
            _("No one at this venue can own the complaint: give someone the specialist role."),
            code="no_one_on_duty",
        )
    reference = "" if connection.in_atomic_block else _next_reference(venue, now)
    try:
        with transaction.atomic():
            complaint = _receive(
                principal=principal,
                actor=actor,
                venue=venue,
                intake=intake,
                now=now,
                receiver=receiver,
                owner=owner,
                exclude=exclude,
                reference=reference,
                acknowledge=acknowledge,
                auto_assign=auto_assign,
            )
            if key:
                IntakeSubmission.objects.create(key=key, complaint=complaint, created_at=now)
    except IntegrityError:
        # The same form, sent twice at once: the other request recorded it (this one's
        # reference number is left unused, a gap in the day's numbers).
        earlier = _submitted(key) if key else None
        if earlier is None:
            raise
        return earlier
    return complaint


def _submission_key(principal: Principal, token: str) -> str:
    token = token.strip()
    if not token:
        return ""
    if not SUBMISSION_TOKEN.fullmatch(token):
        raise InvalidInput(_("This form has expired: open it again."), code="bad_submission")
    return f"{principal.kind}:{principal.ref or 0}:{token}"


def _submitted(key: str) -> Complaint | None:
    """The complaint recorded earlier under this submission key, marked `replayed = True` (so a
    face that would add to a new complaint — the web form's files — knows not to add again)."""
    found = IntakeSubmission.objects.select_related("complaint").filter(key=key).first()
    if found is None:
        return None
    complaint = found.complaint
    complaint.replayed = True  # type: ignore[attr-defined]
    return complaint


def _receive(
    *,
    principal: Principal,
    actor: Actor,
    venue: Venue,
    intake: Intake,
    now: datetime,
    receiver: User | None,
    owner: User,
    exclude: list[int],
    reference: str,
    acknowledge: bool,
    auto_assign: bool,
) -> Complaint:
    """`complaint_receive` once checked, in its transaction: every read first, then the
    reference (unless already taken), then the writes."""
    # What follows the intake (acknowledgement, assignment) is done by the receiver when a
    # staff member received it, by amends itself otherwise.
    follow: Actor = principal if receiver is not None else Principal.system(principal.name)
    # A member who gives only their card number (no phone, no email) is the customer of that
    # membership: their contact details come from the member record, never retyped.
    known = member_at(venue=venue, number=intake.member_number)
    created = False
    if known is not None and not (intake.phone.strip() or intake.email.strip()):
        customer = known.customer
    else:
        customer, created = customer_find_or_create(
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
    # Triage reads what the customer said; blanks take a confident suggestion.
    suggestion = triage_service.read(triage_service.text_of(intake))
    category, severity, psychology, applied = triage_service.decide(
        company_id=venue.company_id,
        intake=intake,
        suggestion=suggestion,
        attended=receiver is not None,
    )
    department, role = route_for(
        venue=venue,
        category_code=category.code if category else None,
        severity=severity or None,
    )
    complaint = Complaint(
        company=venue.company,
        venue=venue,
        state=S.RECEIVED,
        channel=intake.channel,
        received_by=receiver,
        received_at=now,
        api_key_id=principal.ref if principal.kind == PrincipalKind.API_KEY else None,
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
        category=category,
        severity=severity,
        psychology=psychology,
        department=department,
        route_role=role,
        owner=owner,
    )
    # SPEC §2: a repeat is linked to the earlier complaints and at least important (before its
    # clocks start, so they count under that severity); a possible duplicate is flagged.
    triage_service.keep(complaint, suggestion, applied)
    # A customer created just now, without a membership, has no earlier complaint to repeat or
    # duplicate (no other record carries their phone or email): those reads are skipped.
    found = repeats.detect(complaint, first_of_customer=created and member is None)
    repeats.apply(complaint, found)
    warnings = clocks.start(complaint, now=now)
    # Who takes it, read before the counter is touched (the complaint is nobody's load yet).
    assignee = (
        routing.pick_assignee(venue=venue, role=role, department=department, exclude=exclude)
        if auto_assign
        else None
    )
    # The reference is part of what the first event seals: taken here, after every read.
    complaint.reference = reference or _next_reference(venue, now)
    integrity.seal(complaint)
    complaint.save()
    # Nobody else can see the new row before this transaction commits: its timeline and the
    # saves of its first steps are written at the end, in one insert and one update, and the
    # messages they queue (the acknowledgement, the assignee's notices) in one insert.
    with timeline.deferred(complaint), outbox.batched():
        return _first_steps(
            complaint,
            actor=actor,
            follow=follow,
            found=found,
            intake=intake,
            attended=receiver is not None,
            owner=owner,
            warnings=warnings,
            assignee=assignee,
            acknowledge=acknowledge,
            auto_assign=auto_assign,
        )


def _first_steps(
    complaint: Complaint,
    *,
    actor: Actor,
    follow: Actor,
    found: repeats.Found,
    intake: Intake,
    attended: bool,
    owner: User,
    warnings: list[str],
    assignee: User | None,
    acknowledge: bool,
    auto_assign: bool,
) -> Complaint:
    """The new complaint's first events: received, what triage and the repeats found, then
    acknowledged and assigned (through the gate)."""
    category, department = complaint.category, complaint.department
    record(
        complaint,
        actor,
        Received(
            reference=complaint.reference,
            channel=complaint.channel,
            customer=complaint.customer_id,
            category=category.code if category else "",
            severity=complaint.severity,
            department=department.code if department else "",
            role=complaint.route_role,
            respond_due=complaint.respond_due,
            resolve_due=complaint.resolve_due,
            duty_owner=owner.pk if not attended else None,
        ),
    )
    repeats.tell(complaint, actor, found)
    triage_service.record_intake_overrides(complaint, intake, actor, attended=attended)
    warn(complaint, warnings)
    if triage_service.alerts(complaint):
        alert_urgent(complaint)
    if acknowledge:
        complaint = gate(complaint, to=S.ACKNOWLEDGED, actor=follow)
    if auto_assign:
        if complaint.state == S.RECEIVED:
            # The customer is told before the hand-off: acknowledgement is only possible from
            # "received", so an automatic assignment always acknowledges first.
            complaint = gate(complaint, to=S.ACKNOWLEDGED, actor=follow)
        if assignee is not None:
            complaint = assign(
                complaint, actor=follow, assignee=assignee, reason="", automatic=True
            )
    return complaint
