"""Writes to equipment: fault reports and the work order's steps. Assets, plans and hours are in
`services_assets`, spreadsheet imports in `services_imports`; all are re-exported here.

Each service is one transaction. Checks, in this order: the thing is visible to the actor
(else NotFound), the version is current (StaleVersion, under the row lock), the actor may take
the step (PermissionDenied), the status allows it (InvalidTransition), the input is good
(InvalidInput). Nothing is written when one fails.

The work order's flow: reported → reacted → arrived → resolved → verified, or cancelled from any
open status. Arriving or repairing without a recorded reaction is the first reaction too (its
time and minutes are stored then). An unsafe fault takes the asset out of service at once and
opens a downtime; verifying or cancelling the work order closes that downtime, and the asset is
back in service when no other downtime of it is open (another unsafe fault, or staff's own
taking it out of service).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from amends.complaints.models import Complaint
from amends.complaints.selectors import complaints_for_actor
from amends.core import clock
from amends.core.errors import (
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from amends.core.principals import Principal, PrincipalKind
from amends.core.uploads import SNIFF_BYTES, check_upload
from amends.equipment import access
from amends.equipment.access import STEPS, steps_for
from amends.equipment.clock import mode_of, settings_for, warning_at
from amends.equipment.clock import response_due as _response_due
from amends.equipment.clock import response_minutes as _response_minutes
from amends.equipment.models import (
    Asset,
    MaintenancePlan,
    WorkOrder,
    WorkOrderCounter,
    WorkOrderPhoto,
)
from amends.equipment.records import (
    bump,
    downtime_close,
    downtime_open,
    event,
    lock_asset,
    lock_work_order,
    tell,
)
from amends.notifications.models import Outbox
from amends.orgs.models import User, Venue
from amends.orgs.selectors import users_with_role

Actor = User | Principal
Status = WorkOrder.Status
Source = WorkOrder.Source

DESCRIPTION_MAX = 4000
NOTE_MAX = 2000
COST_MAX = Decimal("99999999.99")


# --- numbers -------------------------------------------------------------------------------------


def next_number(venue: Venue, at: datetime) -> str:
    """The next work order number of `venue` in `at`'s local year: WO-GYM1-2026-000042. The
    counter row is locked until the caller's transaction ends, so numbers never repeat."""
    year = clock_local(venue, at).year
    counter, _created = WorkOrderCounter.objects.select_for_update().get_or_create(
        venue=venue, year=year
    )
    WorkOrderCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    return f"WO-{venue.code}-{year}-{counter.last:06d}"


def clock_local(venue: Venue, at: datetime) -> datetime:
    from zoneinfo import ZoneInfo

    return at.astimezone(ZoneInfo(venue.timezone))


# --- shared checks -------------------------------------------------------------------------------


def _text(value: str, *, key: str, label: Any, limit: int, required: bool) -> str:
    """A text input stripped and checked; errors name the field (`key`) for the faces."""
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(
            _("Please fill in: %(field)s.") % {"field": label}, code="required", field=key
        )
    if len(text) > limit:
        raise InvalidInput(
            _("%(field)s is too long (%(limit)s characters at most).")
            % {"field": label, "limit": limit},
            code="too_long",
            field=key,
        )
    return text


def _visible(actor: Any, work_order: WorkOrder) -> None:
    if not access.may_see(actor, work_order.venue):
        raise NotFound(_("This work order does not exist."), code="work_order_not_found")


def _staff(actor: Any) -> User:
    user = access.user_of(actor)
    if user is None:
        raise PermissionDenied(_("Only staff can do this."), code="staff_only")
    return user


def _take(actor: Any, work_order: WorkOrder, version: int, step: str) -> tuple[User, WorkOrder]:
    """Check and lock for `step`: visible, current, allowed, in a status the step starts from."""
    _visible(actor, work_order)
    locked = lock_work_order(work_order, version)
    user = _staff(actor)
    if not access.may_act(user, locked.venue):
        raise PermissionDenied(
            _("Work orders are handled by the venue's maintenance people and managers."),
            code="work_order_not_allowed",
            step=step,
        )
    if locked.status not in STEPS[step].sources:
        raise InvalidTransition(
            _("This cannot be done while the work order is “%(status)s”.")
            % {"status": locked.get_status_display()},
            code="work_order_step_not_available",
            step=step,
            status=locked.status,
        )
    return user, locked


def _first_reaction(work_order: WorkOrder, at: datetime) -> list[str]:
    """Store the first reaction's time and minutes (once). Returns the fields changed."""
    if work_order.reacted_at is not None:
        return []
    work_order.reacted_at = at
    if work_order.kind == WorkOrder.Kind.FAULT:
        work_order.response_minutes = _response_minutes(
            work_order.venue, work_order.reported_at, at, mode=work_order.clock_mode
        )
    return ["reacted_at", "response_minutes"]


def _context(work_order: WorkOrder) -> dict[str, Any]:
    return {"work_order": work_order.number}


def _params(work_order: WorkOrder) -> dict[str, Any]:
    asset = work_order.asset
    return {
        "number": work_order.number,
        "asset": f"{asset.code} {asset.name}",
        "location": asset.location or "-",
        "description": work_order.description,
    }


# --- reporting a fault ---------------------------------------------------------------------------


@transaction.atomic
def fault_report(
    *,
    asset: Asset,
    source: str,
    description: str,
    unsafe: bool = False,
    actor: Actor | None = None,
    reporter_name: str = "",
    complaint: Complaint | None = None,
    at: datetime | None = None,
) -> WorkOrder:
    """A fault on `asset`, reported by a member through its QR code (`actor` None, source
    member), staff, a complaint, or a monitoring system (an API key). Opens a work order numbered
    per venue and year with the first-reaction clock running; an unsafe fault takes the asset
    out of service at once (a downtime opens). The venue's maintenance people are told (its
    managers when it has none). A second open fault on the same asset is a new work order; the
    report lists the others still open."""
    at = at or clock.now()
    locked = lock_asset(asset, check=False)
    venue = locked.venue
    if source not in Source.values or source == Source.PLAN:
        raise InvalidInput(_("Unknown source of a fault report."), code="bad_source")
    if actor is None and source != Source.MEMBER:
        raise PermissionDenied(_("Only staff can do this."), code="staff_only")
    if actor is not None and not access.may_report(actor, venue):
        if not access.may_see(actor, venue):  # another company's or venue's: as if none
            raise NotFound(_("This asset does not exist."), code="asset_not_found")
        raise PermissionDenied(
            _("Faults at this venue are reported by its staff."), code="report_not_allowed"
        )
    if locked.status == Asset.Status.RETIRED:
        raise InvalidInput(_("This asset has been retired."), code="asset_retired")
    text = _text(
        description,
        key="description",
        label=_("what is wrong"),
        limit=DESCRIPTION_MAX,
        required=True,
    )
    name = _text(reporter_name, key="reporter_name", label=_("name"), limit=100, required=False)
    if complaint is not None and complaint.venue_id != venue.pk:
        raise InvalidInput(
            _("The complaint is of another venue than the asset."), code="complaint_other_venue"
        )
    user = access.user_of(actor)
    settings = settings_for(venue)
    others = list(
        WorkOrder.objects.filter(
            asset=locked, status__in=WorkOrder.OPEN_STATUSES, kind=WorkOrder.Kind.FAULT
        ).values_list("number", flat=True)
    )
    work_order = WorkOrder.objects.create(
        venue=venue,
        number=next_number(venue, at),
        asset=locked,
        kind=WorkOrder.Kind.FAULT,
        source=source,
        complaint=complaint,
        description=text,
        unsafe=bool(unsafe),
        reporter_name=name or (str(user) if user else ""),
        reported_by=user,
        reported_at=at,
        response_due_at=_response_due(venue, at, settings=settings),
        warn_at=warning_at(venue, at, settings=settings),
        clock_mode=mode_of(settings).value,
    )
    principal_name = actor.name if isinstance(actor, Principal) and user is None else ""
    event(
        work_order,
        "reported",
        at=at,
        actor=user,
        note=text,
        source=source,
        unsafe=bool(unsafe),
        complaint=complaint.reference if complaint else "",
        actor_kind=(
            "staff"
            if user
            else (actor.kind if isinstance(actor, Principal) else PrincipalKind.CUSTOMER)
        ),
        actor_name=principal_name,
        others_open=others,
    )
    if unsafe:
        downtime_open(locked, at=at, work_order=work_order, reason=text)
        event(work_order, "out_of_service", at=at, actor=user)
    people = list(access.technicians(venue)) or list(
        users_with_role(venue=venue, roles=access.ESCALATE_ROLES)
    )
    tell(
        people,
        kind=Outbox.Kind.URGENT_ALERT if unsafe else Outbox.Kind.ASSIGNMENT,
        key=f"wo:{work_order.pk}:reported",
        subject=(
            _("Unsafe equipment, out of service: %(asset)s (%(number)s)")
            if unsafe
            else _("Equipment fault: %(asset)s (%(number)s)")
        ),
        body=_("%(description)s\nWhere: %(location)s"),
        context=_context(work_order),
        params=_params(work_order),
        skip=user,
    )
    return work_order


@transaction.atomic
def complaint_open_work_order(
    *, actor: User, complaint: Complaint, asset: Asset, description: str, unsafe: bool = False
) -> WorkOrder:
    """A work order for the equipment a complaint is about, linked both ways (the work order
    names the complaint; the complaint's `work_orders` list it), so verifying the repair tells
    the complaint's owner. Only for a complaint the actor may see, about an asset of its venue.
    Any category is allowed — a complaint classified otherwise (a noisy air conditioner filed
    under environment) may still be about a machine; `facility_equipment` is the usual one."""
    if not complaints_for_actor(actor=actor).filter(pk=complaint.pk).exists():
        raise NotFound(_("This complaint does not exist."), code="complaint_not_found")
    if asset.venue_id != complaint.venue_id:
        raise InvalidInput(
            _("Choose equipment of the complaint's venue."), code="asset_other_venue"
        )
    return fault_report(
        asset=asset,
        source=Source.COMPLAINT,
        description=description,
        unsafe=unsafe,
        actor=actor,
        complaint=complaint,
    )


# --- the work order's steps ----------------------------------------------------------------------


@transaction.atomic
def work_order_react(
    *, actor: User, work_order: WorkOrder, version: int, note: str = ""
) -> WorkOrder:
    """The first reaction: its time and the minutes of the venue's response clock it took are
    stored. A technician reacting to an unassigned work order takes it."""
    user, wo = _take(actor, work_order, version, "react")
    now = clock.now()
    text = _text(note, key="note", label=_("note"), limit=NOTE_MAX, required=False)
    fields = _first_reaction(wo, now)
    wo.status = Status.REACTED
    fields.append("status")
    if wo.assignee_id is None and access.is_technician(user, wo.venue):
        wo.assignee = user
        fields.append("assignee")
    bump(wo, fields)
    event(wo, "reacted", at=now, actor=user, note=text, minutes=wo.response_minutes)
    return wo


@transaction.atomic
def work_order_assign(
    *, actor: User, work_order: WorkOrder, version: int, assignee: User
) -> WorkOrder:
    """Give the work order to a maintenance person of its venue (who is told)."""
    user, wo = _take(actor, work_order, version, "assign")
    if assignee is None or not access.is_technician(assignee, wo.venue):
        raise InvalidInput(
            _("Work orders go to the venue's maintenance people."), code="assignee_not_allowed"
        )
    now = clock.now()
    wo.assignee = assignee
    bump(wo, ["assignee"])
    event(wo, "assigned", at=now, actor=user, assignee=assignee.pk, name=str(assignee))
    tell(
        [assignee],
        kind=Outbox.Kind.ASSIGNMENT,
        key=f"wo:{wo.pk}:assigned:{wo.version}",
        subject=_("Work order for you: %(asset)s (%(number)s)"),
        body=_("%(description)s\nWhere: %(location)s"),
        context=_context(wo),
        params=_params(wo),
        skip=user,
    )
    return wo


@transaction.atomic
def work_order_arrive(
    *, actor: User, work_order: WorkOrder, version: int, note: str = ""
) -> WorkOrder:
    """The technician is at the machine (a first reaction too, if none was recorded)."""
    user, wo = _take(actor, work_order, version, "arrive")
    now = clock.now()
    text = _text(note, key="note", label=_("note"), limit=NOTE_MAX, required=False)
    fields = _first_reaction(wo, now)
    wo.status, wo.arrived_at = Status.ARRIVED, now
    fields += ["status", "arrived_at"]
    if wo.assignee_id is None and access.is_technician(user, wo.venue):
        wo.assignee = user
        fields.append("assignee")
    bump(wo, fields)
    event(wo, "arrived", at=now, actor=user, note=text)
    return wo


def _cost(value: Any) -> Decimal:
    try:
        cost = Decimal(str(value if value not in (None, "") else "0"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("The cost must be an amount in yuan."), code="bad_cost") from None
    if not cost.is_finite() or cost < 0 or cost > COST_MAX:
        raise InvalidInput(_("The cost must be an amount in yuan."), code="bad_cost")
    return cost.quantize(Decimal("0.01"))


@transaction.atomic
def work_order_resolve(
    *,
    actor: User,
    work_order: WorkOrder,
    version: int,
    cause: str,
    parts: str = "",
    cost: Decimal | str | int = Decimal("0.00"),
    note: str = "",
) -> WorkOrder:
    """The repair is done: its cause, parts and cost. The asset stays out of service until the
    repair is signed off (`work_order_verify`)."""
    user, wo = _take(actor, work_order, version, "resolve")
    now = clock.now()
    wo.cause = _text(cause, key="cause", label=_("cause"), limit=NOTE_MAX, required=True)
    wo.parts = _text(parts, key="parts", label=_("parts used"), limit=NOTE_MAX, required=False)
    wo.cost = _cost(cost)
    text = _text(note, key="note", label=_("note"), limit=NOTE_MAX, required=False)
    fields = _first_reaction(wo, now)
    wo.status, wo.resolved_at, wo.resolved_by = Status.RESOLVED, now, user
    fields += ["status", "resolved_at", "resolved_by", "cause", "parts", "cost"]
    if wo.assignee_id is None and access.is_technician(user, wo.venue):
        wo.assignee = user
        fields.append("assignee")
    bump(wo, fields)
    event(wo, "resolved", at=now, actor=user, note=text, cost=str(wo.cost))
    return wo


@transaction.atomic
def work_order_verify(
    *, actor: User, work_order: WorkOrder, version: int, note: str = ""
) -> WorkOrder:
    """Sign off the repair. Someone other than the technician who repaired it signs off when the
    venue has another maintenance person, manager or general manager; a technician alone at a
    venue signs off their own repair (the event says so). The work order's downtime closes; the
    asset is back in service unless another downtime of it is open; a preventive work order
    moves its plan on; the linked complaint's owner and assignee are told."""
    user, wo = _take(actor, work_order, version, "verify")
    own = wo.resolved_by_id == user.pk
    if own and access.others_to_sign_off(wo.venue, besides=user):
        raise PermissionDenied(
            _("Someone other than the technician who repaired it signs the repair off."),
            code="sign_off_by_another",
        )
    now = clock.now()
    text = _text(note, key="note", label=_("note"), limit=NOTE_MAX, required=False)
    wo.status, wo.verified_at, wo.verified_by = Status.VERIFIED, now, user
    bump(wo, ["status", "verified_at", "verified_by"])
    asset = lock_asset(wo.asset, check=False)
    back = downtime_close(asset, at=now, work_order=wo)
    event(wo, "verified", at=now, actor=user, note=text, own_sign_off=own, back_in_service=back)
    if back:
        event(wo, "back_in_service", at=now, actor=user)
    if wo.plan_id is not None:
        _plan_done(wo.plan_id, asset=asset, at=now)
    if wo.complaint_id is not None:
        _tell_complaint(wo)
    return wo


def _plan_done(plan_id: int, *, asset: Asset, at: datetime) -> None:
    from datetime import timedelta

    plan = MaintenancePlan.objects.select_for_update().filter(pk=plan_id).first()
    if plan is None:
        return
    today = clock_local(asset.venue, at).date()
    plan.last_done_on, plan.last_done_hours = today, asset.hours_used
    plan.next_due_on = today + timedelta(days=plan.every_days) if plan.every_days else None
    bump(plan, ["last_done_on", "last_done_hours", "next_due_on"])


def _tell_complaint(wo: WorkOrder, *, cancelled: str | None = None) -> None:
    """Tell the linked complaint's owner and assignee that its equipment was repaired and
    signed off, or (with `cancelled`, the reason) that its work order was cancelled."""
    complaint = wo.complaint
    assert complaint is not None
    people = [
        person
        for person in (complaint.owner, complaint.assignee)
        if person is not None and person.is_active
    ]
    unique = list({person.pk: person for person in people}.values())
    if cancelled is not None:
        subject = _("Work order cancelled: %(asset)s (%(number)s) for complaint %(reference)s")
        body = _(
            "The work order for the equipment of complaint %(reference)s was cancelled: %(reason)s"
        )
        extra = {"reason": cancelled}
    else:
        subject = _("Repaired: %(asset)s (%(number)s) for complaint %(reference)s")
        body = _(
            "The equipment of complaint %(reference)s was repaired and signed off. "
            "You may tell the customer."
        )
        extra = {}
    # The bell opens the complaint: the rows name it.
    tell(
        unique,
        kind=Outbox.Kind.MESSAGE,
        key=f"wo:{wo.pk}:{'cancelled' if cancelled is not None else 'verified'}:complaint",
        subject=subject,
        body=body,
        context={**_context(wo), "complaint": complaint.pk},
        params={**_params(wo), "reference": complaint.reference, **extra},
        complaint_id=complaint.pk,
        reference=complaint.reference,
    )


@transaction.atomic
def work_order_cancel(
    *, actor: User, work_order: WorkOrder, version: int, reason: str
) -> WorkOrder:
    """Cancel a work order (a false report, a duplicate), with the reason. Its downtime closes;
    the asset is back in service unless another downtime of it is open. A preventive work
    order moves its plan on as on completion (else the plans job would reopen it every hour);
    the linked complaint's owner and assignee are told."""
    user, wo = _take(actor, work_order, version, "cancel")
    text = _text(reason, key="reason", label=_("reason"), limit=NOTE_MAX, required=True)
    now = clock.now()
    wo.status = Status.CANCELLED
    bump(wo, ["status"])
    asset = lock_asset(wo.asset, check=False)
    back = downtime_close(asset, at=now, work_order=wo)
    event(wo, "cancelled", at=now, actor=user, note=text, back_in_service=back)
    if wo.plan_id is not None:
        _plan_done(wo.plan_id, asset=asset, at=now)
    if wo.complaint_id is not None:
        _tell_complaint(wo, cancelled=text)
    return wo


PHOTO_LIMIT = 20


@transaction.atomic
def work_order_add_photo(
    *, actor: User, work_order: WorkOrder, upload: UploadedFile
) -> WorkOrderPhoto:
    """A photo of the fault or of the repair (an image, checked from its bytes, stored under a
    name amends makes), by staff of the venue, while the work order is open."""
    _visible(actor, work_order)
    user = _staff(actor)
    wo = lock_work_order(work_order, work_order.version)
    if not access.may_report(user, wo.venue):
        raise PermissionDenied(
            _("Photos are added by the venue's staff."), code="photo_not_allowed"
        )
    if not wo.is_open:
        raise InvalidTransition(
            _("This cannot be done while the work order is “%(status)s”.")
            % {"status": wo.get_status_display()},
            code="work_order_closed",
        )
    if wo.photos.count() >= PHOTO_LIMIT:
        raise InvalidInput(
            _("A work order has %(limit)s photos at most.") % {"limit": PHOTO_LIMIT},
            code="too_many_photos",
        )
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    kind = check_upload(upload.name or "", head, upload.size or 0)
    if not kind.is_image:
        raise InvalidInput(_("Upload a photo (JPEG, PNG, GIF or WEBP)."), code="photo_not_image")
    upload.seek(0)
    photo = WorkOrderPhoto(
        work_order=wo,
        content_type=kind.content_type,
        size=upload.size or 0,
        uploaded_at=clock.now(),
        uploaded_by=user,
    )
    name = f"{wo.venue.code}/{wo.number}-{secrets.token_urlsafe(12)}{kind.extension}"
    photo.file.save(name, ContentFile(upload.read()), save=False)
    photo.save()
    event(wo, "photo_added", at=photo.uploaded_at, actor=user, photo=photo.pk)
    return photo


# The asset, plan and import services, re-exported so faces import one module.
from amends.equipment.services_assets import (  # noqa: E402
    asset_retire,
    asset_save,
    plan_save,
    record_hours,
    return_to_service,
    take_out_of_service,
)
from amends.equipment.services_imports import import_run, import_start  # noqa: E402

__all__ = [
    "asset_retire",
    "asset_save",
    "complaint_open_work_order",
    "fault_report",
    "import_run",
    "import_start",
    "plan_save",
    "record_hours",
    "return_to_service",
    "steps_for",
    "take_out_of_service",
    "work_order_add_photo",
    "work_order_arrive",
    "work_order_assign",
    "work_order_cancel",
    "work_order_react",
    "work_order_resolve",
    "work_order_verify",
]
