"""Writes to the asset register: an asset saved, retired, taken out of and returned to service;
its preventive maintenance plans; its hours of use; and the preventive work orders plans open.

`validate_asset` is the one reading of an asset's fields, shared by the form-driven
`asset_save` and the spreadsheet import (which reports every field's error per row).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from amends.core import clock
from amends.core.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from amends.core.principals import Principal
from amends.core.uploads import SNIFF_BYTES, check_upload
from amends.equipment import access
from amends.equipment.models import Asset, Downtime, MaintenancePlan, WorkOrder
from amends.equipment.records import (
    bump,
    downtime_close,
    downtime_open,
    event,
    lock_asset,
    lock_plan,
    tell,
)
from amends.notifications.models import Outbox
from amends.orgs.models import User, Venue

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
TEXT_FIELDS = {"code": 40, "name": 120, "location": 120, "serial": 80, "vendor": 120}
HOURS_MAX = 10_000_000
CHECKLIST_ITEMS = 50
CHECKLIST_ITEM_CHARS = 200


# --- reading an asset's fields -------------------------------------------------------------------


@dataclass
class AssetData:
    """An asset's fields as read from a form or a spreadsheet row, with each field's error."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _as_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    for suffix in ("日",):
        text = text.removesuffix(suffix)
    text = text.replace("年", "-").replace("月", "-")
    parts = text.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        try:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            pass
    raise ValueError(text)


LABELS = {
    "code": _("asset code"),
    "name": _("name"),
    "category": _("equipment category"),
    "location": _("location"),
    "serial": _("serial number"),
    "vendor": _("vendor"),
    "purchased_on": _("purchase date"),
    "warranty_ends_on": _("warranty ends"),
    "status": _("status"),
}


def validate_asset(data: Mapping[str, Any], *, partial: bool = False) -> AssetData:
    """Read and check an asset's fields from `data` (keys as the model's fields; dates as
    `date`, `datetime` or text such as 2024-03-01, 2024/3/1, 2024年3月1日). Unknown keys are
    ignored; `partial` leaves absent keys alone (an update of some columns)."""
    out = AssetData()
    for name, limit in TEXT_FIELDS.items():
        if partial and name not in data:
            continue
        raw = data.get(name)
        text = "" if raw is None else str(raw).strip()
        if name in ("code", "name") and not text:
            out.errors[name] = str(_("This field is required."))
        elif len(text) > limit:
            out.errors[name] = str(_("Too long (%(limit)s characters at most).") % {"limit": limit})
        elif name == "code" and not CODE_PATTERN.match(text):
            out.errors[name] = str(
                _("Use letters, digits, and . _ / - only, starting with a letter or digit.")
            )
        else:
            out.values[name] = text
    if not partial or "category" in data:
        category = str(data.get("category") or Asset.Category.OTHER).strip()
        if category not in Asset.Category.values:
            out.errors["category"] = str(_("Unknown equipment category."))
        else:
            out.values["category"] = category
    for name in ("purchased_on", "warranty_ends_on"):
        if partial and name not in data:
            continue
        try:
            out.values[name] = _as_date(data.get(name))
        except (ValueError, TypeError):
            out.errors[name] = str(_("Not a date (write it as 2026-03-01)."))
    bought, ends = out.values.get("purchased_on"), out.values.get("warranty_ends_on")
    if bought and ends and ends < bought:
        out.errors["warranty_ends_on"] = str(_("The warranty cannot end before the purchase."))
    return out


def _check_venue(actor: Any, venue: Venue) -> User:
    user = access.user_of(actor)
    if user is None or not access.may_see(user, venue):
        raise NotFound(_("This venue does not exist."), code="venue_not_found")
    if not access.may_act(user, venue):
        raise PermissionDenied(
            _("Equipment is managed by the venue's maintenance people and managers."),
            code="equipment_not_allowed",
        )
    return user


def _visible_asset(actor: Any, asset: Asset) -> User:
    user = access.user_of(actor)
    if user is None or not access.may_see(user, asset.venue):
        raise NotFound(_("This asset does not exist."), code="asset_not_found")
    return _check_venue(user, asset.venue)


def _store_photo(asset: Asset, upload: Any) -> None:
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    kind = check_upload(getattr(upload, "name", "") or "", head, upload.size or 0)
    if not kind.is_image:
        raise InvalidInput(_("Upload a photo (JPEG, PNG, GIF or WEBP)."), code="photo_not_image")
    upload.seek(0)
    name = f"{asset.venue.code}/{secrets.token_urlsafe(12)}{kind.extension}"
    asset.photo.save(name, ContentFile(upload.read()), save=False)
    asset.photo_type = kind.content_type


# --- the register --------------------------------------------------------------------------------


@transaction.atomic
def asset_save(
    *,
    actor: User,
    venue: Venue,
    data: dict[str, Any],
    asset: Asset | None = None,
    version: int | None = None,
) -> Asset:
    """Create an asset at `venue` (`asset` None) or change one (at the `version` the actor saw).
    `data` holds the model's fields (code, name, category, location, serial, vendor,
    purchased_on, warranty_ends_on) and optionally `photo` (an upload). The status is changed by
    `take_out_of_service`, `return_to_service` and `asset_retire`, never here. A bad field raises
    InvalidInput with `field` and every field's message in `errors`."""
    _check_venue(actor, venue)
    if asset is not None:
        if asset.venue_id != venue.pk:
            raise NotFound(_("This asset does not exist."), code="asset_not_found")
        asset = lock_asset(asset, version)
    read = validate_asset(data)
    code = read.values.get("code")
    if code and "code" not in read.errors:
        taken = Asset.objects.filter(venue=venue, code__iexact=code)
        if asset is not None:
            taken = taken.exclude(pk=asset.pk)
        if taken.exists():
            read.errors["code"] = str(_("Another asset of this venue has this code."))
    if read.errors:
        first = next(iter(read.errors))
        raise InvalidInput(
            f"{LABELS[first]}: {read.errors[first]}",
            code="asset_invalid",
            field=first,
            errors=read.errors,
        )
    target = asset or Asset(venue=venue, created_at=clock.now())
    for name, value in read.values.items():
        setattr(target, name, value)
    if data.get("photo"):
        _store_photo(target, data["photo"])
    if asset is None:
        target.save()
    else:
        bump(target)
    return target


@transaction.atomic
def asset_retire(*, actor: User, asset: Asset, version: int) -> Asset:
    """Retire an asset (报废): not while a work order on it is open. Its own downtime ends and
    its plans stop; it leaves the uptime figures."""
    _visible_asset(actor, asset)
    locked = lock_asset(asset, version)
    if locked.status == Asset.Status.RETIRED:
        raise InvalidTransition(_("This asset has been retired."), code="asset_retired")
    if WorkOrder.objects.filter(asset=locked, status__in=WorkOrder.OPEN_STATUSES).exists():
        raise InvalidTransition(
            _("Close or cancel the open work orders of this asset first."),
            code="asset_has_open_work_orders",
        )
    now = clock.now()
    Downtime.objects.filter(asset=locked, ended_at__isnull=True).update(ended_at=now)
    MaintenancePlan.objects.filter(asset=locked, active=True).update(active=False)
    locked.status = Asset.Status.RETIRED
    bump(locked, ["status"])
    return locked


@transaction.atomic
def take_out_of_service(*, actor: User, asset: Asset, version: int, reason: str) -> Asset:
    """Staff take an asset out of service (it cannot be booked), with the reason: a downtime
    of its own opens until `return_to_service`."""
    _visible_asset(actor, asset)
    locked = lock_asset(asset, version)
    if locked.status != Asset.Status.IN_SERVICE:
        raise InvalidTransition(
            _("Only an asset in service can be taken out of service."), code="not_in_service"
        )
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(_("Say why."), code="reason_required", field="reason")
    if len(text) > 500:
        raise InvalidInput(
            _("Too long (%(limit)s characters at most).") % {"limit": 500},
            code="too_long",
            field="reason",
        )
    downtime_open(locked, at=clock.now(), reason=text)
    return locked


@transaction.atomic
def return_to_service(*, actor: User, asset: Asset, version: int, note: str = "") -> Asset:
    """Put an asset staff took out of service back in service. Refused while an unsafe fault
    on it is open: that work order's sign-off returns it."""
    _visible_asset(actor, asset)
    locked = lock_asset(asset, version)
    if locked.status != Asset.Status.OUT_OF_SERVICE:
        raise InvalidTransition(_("This asset is not out of service."), code="not_out_of_service")
    unsafe = WorkOrder.objects.filter(
        asset=locked, unsafe=True, status__in=WorkOrder.OPEN_STATUSES
    ).values_list("number", flat=True)
    if unsafe:
        raise InvalidTransition(
            _("An unsafe fault on this asset is still open: %(numbers)s.")
            % {"numbers": ", ".join(unsafe)},
            code="unsafe_fault_open",
        )
    # No unsafe fault open: no downtime of a work order should be open either; close them all.
    Downtime.objects.filter(asset=locked, ended_at__isnull=True).update(ended_at=clock.now())
    downtime_close(locked, at=clock.now(), manual=True)
    return locked


@transaction.atomic
def record_hours(*, asset: Asset, hours: int, actor: User | Principal | None = None) -> Asset:
    """Record the asset's hour meter (total hours of use, as the machine or a monitoring system
    shows it), for plans due by hours. A reading below the last one is refused. It is a reading,
    not an edit of what someone saw, so it takes no version and does not move it."""
    if actor is not None and not (
        access.may_act(actor, asset.venue) or access.may_report(actor, asset.venue)
    ):
        raise PermissionDenied(_("Only staff can do this."), code="staff_only")
    locked = lock_asset(asset, check=False)
    try:
        value = int(hours)
    except (TypeError, ValueError):
        raise InvalidInput(_("Hours of use must be a whole number."), code="bad_hours") from None
    if value < 0 or value > HOURS_MAX:
        raise InvalidInput(_("Hours of use must be a whole number."), code="bad_hours")
    if value < locked.hours_used:
        raise InvalidInput(
            _("The meter cannot go back (last reading %(hours)s h).")
            % {"hours": locked.hours_used},
            code="hours_went_back",
        )
    Asset.objects.filter(pk=locked.pk).update(hours_used=value)
    locked.hours_used = value
    return locked


# --- plans ---------------------------------------------------------------------------------------


def _checklist(value: Any) -> list[str]:
    items = value.splitlines() if isinstance(value, str) else list(value or [])
    cleaned = [str(item).strip() for item in items if str(item).strip()]
    if len(cleaned) > CHECKLIST_ITEMS or any(len(i) > CHECKLIST_ITEM_CHARS for i in cleaned):
        raise InvalidInput(
            _("A checklist has at most %(items)s items of %(chars)s characters.")
            % {"items": CHECKLIST_ITEMS, "chars": CHECKLIST_ITEM_CHARS},
            code="checklist_too_long",
            field="checklist",
        )
    return cleaned


def _interval(value: Any, *, name: str, limit: int) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number < 1 or number > limit:
        raise InvalidInput(
            _("Give a whole number from 1 to %(limit)s.") % {"limit": limit},
            code="bad_interval",
            field=name,
        )
    return number


def local_today(venue: Venue, at: datetime | None = None) -> date:
    from zoneinfo import ZoneInfo

    return (at or clock.now()).astimezone(ZoneInfo(venue.timezone)).date()


@transaction.atomic
def plan_save(
    *,
    actor: User,
    asset: Asset,
    data: dict[str, Any],
    plan: MaintenancePlan | None = None,
    version: int | None = None,
) -> MaintenancePlan:
    """Create or change a preventive maintenance plan of `asset`: `name`, `every_days` and/or
    `every_hours`, `checklist` (a list, or lines of text), `active`, and optionally
    `next_due_on` (default: a new plan is first due one interval from today)."""
    _visible_asset(actor, asset)
    if plan is not None:
        if plan.asset_id != asset.pk:
            raise NotFound(_("This maintenance plan does not exist."), code="plan_not_found")
        plan = lock_plan(plan, version)
    if asset.status == Asset.Status.RETIRED:
        raise InvalidInput(_("This asset has been retired."), code="asset_retired")
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 120:
        raise InvalidInput(
            _("Give the plan a name (120 characters at most)."), code="name_required", field="name"
        )
    days = _interval(data.get("every_days"), name="every_days", limit=3660)
    hours = _interval(data.get("every_hours"), name="every_hours", limit=100_000)
    if days is None and hours is None:
        raise InvalidInput(
            _("Give an interval in days or in hours of use."),
            code="interval_required",
            field="every_days",
        )
    target = plan or MaintenancePlan(asset=asset, last_done_hours=asset.hours_used)
    previous_days = target.every_days
    target.name, target.every_days, target.every_hours = name, days, hours
    target.checklist = _checklist(data.get("checklist", target.checklist))
    target.active = bool(data.get("active", target.active))
    try:
        next_due = _as_date(data.get("next_due_on"))
    except (ValueError, TypeError):
        raise InvalidInput(
            _("Not a date (write it as 2026-03-01)."), code="bad_date", field="next_due_on"
        ) from None
    if next_due is not None:
        target.next_due_on = next_due
    elif days is None:
        target.next_due_on = None
    elif plan is None or previous_days != days or target.next_due_on is None:
        start = target.last_done_on or local_today(asset.venue)
        target.next_due_on = start + timedelta(days=days)
    if plan is None:
        target.save()
    else:
        bump(target)
    return target


def plan_is_due(plan: MaintenancePlan, asset: Asset, today: date) -> bool:
    """Due by days (its next date reached) or by hours (the meter ran the interval)."""
    if not plan.active or asset.status == Asset.Status.RETIRED:
        return False
    by_days = plan.every_days is not None and plan.next_due_on is not None
    if by_days and plan.next_due_on is not None and plan.next_due_on <= today:
        return True
    return plan.every_hours is not None and (
        asset.hours_used - plan.last_done_hours >= plan.every_hours
    )


@transaction.atomic
def plan_open_work_order(*, plan: MaintenancePlan, at: datetime) -> WorkOrder | None:
    """Open the preventive work order of a due plan — one open at a time per plan: None when
    one is open already or the plan is not due (checked again under the plan's lock)."""
    from amends.equipment.services import next_number

    locked = MaintenancePlan.objects.select_for_update().filter(pk=plan.pk).first()
    if locked is None:
        return None
    asset = Asset.objects.select_related("venue").get(pk=locked.asset_id)
    if not plan_is_due(locked, asset, local_today(asset.venue, at)):
        return None
    if WorkOrder.objects.filter(plan=locked, status__in=WorkOrder.OPEN_STATUSES).exists():
        return None
    lines = [locked.name, *(f"- {item}" for item in locked.checklist)]
    wo = WorkOrder.objects.create(
        venue=asset.venue,
        number=next_number(asset.venue, at),
        asset=asset,
        kind=WorkOrder.Kind.PREVENTIVE,
        source=WorkOrder.Source.PLAN,
        plan=locked,
        description="\n".join(lines)[:4000],
        reported_at=at,
        clock_mode="",
    )
    event(wo, "planned", at=at, plan=locked.pk, hours=asset.hours_used)
    tell(
        list(access.technicians(asset.venue)),
        kind=Outbox.Kind.ASSIGNMENT,
        key=f"wo:{wo.pk}:planned",
        subject=_("Preventive maintenance due: %(asset)s (%(number)s)"),
        body=_("%(description)s\nWhere: %(location)s"),
        context={"work_order": wo.number},
        params={
            "asset": f"{asset.code} {asset.name}",
            "number": wo.number,
            "description": wo.description,
            "location": asset.location or "-",
        },
    )
    return wo
