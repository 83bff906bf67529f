"""Equipment through the API: a monitoring system reports a fault (idempotently), a booking
system asks whether a machine may be booked, and anyone with the scope reads a work order.

Scopes: `equipment:write` reports faults and reads; `equipment:read` reads. A venue's key
reaches its venue's machines only; a company key names the venue (`venue`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Schema, Status
from pydantic import BaseModel, Field

from amends.api.auth import company_of, principal_of, require_scope
from amends.api.errors import ApiError, ErrorOut
from amends.api.idempotency import idempotent, request_hash
from amends.api.schemas import Strict, Text
from amends.core.errors import InvalidInput, NotFound
from amends.core.principals import Principal
from amends.equipment import selectors, services
from amends.equipment.models import Asset, WorkOrder
from amends.orgs.models import Venue

router = Router(tags=["equipment"])

ERRORS = frozenset({400, 401, 403, 404, 409, 422, 429})
WRITE = "equipment:write"
READ = "equipment:read"


# --- answers -----------------------------------------------------------------------------------


class AssetOut(BaseModel):
    code: str
    venue: str = Field(description="Venue code.")
    name: str
    category: str
    location: str
    status: str = Field(description="in_service, out_of_service or retired.")
    bookable: bool = Field(description="False while the machine is out of service or retired.")
    open_work_orders: list[str] = Field(description="Numbers of its open work orders.")


class WorkOrderOut(BaseModel):
    number: str
    venue: str
    asset: str = Field(description="The asset's code.")
    kind: str = Field(description="fault or preventive.")
    source: str = Field(description="member, staff, complaint, monitoring or plan.")
    status: str = Field(description="reported, reacted, arrived, resolved, verified, cancelled.")
    unsafe: bool
    description: str
    complaint: str | None = Field(description="The linked complaint's reference, if any.")
    reported_at: datetime
    response_due_at: datetime | None = Field(description="When the first reaction is due.")
    reacted_at: datetime | None
    response_minutes: int | None = Field(
        description="Minutes of the venue's response clock from report to first reaction."
    )
    arrived_at: datetime | None
    resolved_at: datetime | None
    verified_at: datetime | None
    cause: str
    parts: str
    cost: str = Field(description="Yuan, two decimal places.")
    asset_bookable: bool
    version: int


def asset_out(asset: Asset) -> AssetOut:
    open_numbers = list(
        asset.work_orders.filter(status__in=WorkOrder.OPEN_STATUSES)
        .order_by("reported_at", "pk")
        .values_list("number", flat=True)
    )
    return AssetOut(
        code=asset.code,
        venue=asset.venue.code,
        name=asset.name,
        category=asset.category,
        location=asset.location,
        status=asset.status,
        bookable=asset.bookable,
        open_work_orders=open_numbers,
    )


def work_order_out(order: WorkOrder) -> WorkOrderOut:
    complaint = order.complaint.reference if order.complaint_id else None  # type: ignore[union-attr]
    return WorkOrderOut(
        number=order.number,
        venue=order.venue.code,
        asset=order.asset.code,
        kind=order.kind,
        source=order.source,
        status=order.status,
        unsafe=order.unsafe,
        description=order.description,
        complaint=complaint,
        reported_at=order.reported_at,
        response_due_at=order.response_due_at,
        reacted_at=order.reacted_at,
        response_minutes=order.response_minutes,
        arrived_at=order.arrived_at,
        resolved_at=order.resolved_at,
        verified_at=order.verified_at,
        cause=order.cause,
        parts=order.parts,
        cost=f"{order.cost:.2f}",
        asset_bookable=order.asset.bookable,
        version=order.version,
    )


# --- finding the machine -----------------------------------------------------------------------


def _venue(principal: Principal, code: str) -> Venue:
    """The venue a request names, within the key's reach; a venue key may leave it out."""
    code = (code or "").strip().upper()
    if not code:
        if principal.venue_id is None:
            message = _("Name the venue: this API key serves every venue of the company.")
            raise InvalidInput(message, code="venue_required", fields={"venue": [message]})
        found = Venue.objects.filter(pk=principal.venue_id).first()
    else:
        found = Venue.objects.filter(company_id=company_of(principal), code=code).first()
    if found is None or principal.venue_id not in (None, found.pk):
        raise ApiError(404, "venue_not_found")
    return found


def _asset(principal: Principal, venue_code: str, code: str) -> Asset:
    venue = _venue(principal, venue_code)
    found = (
        selectors.assets_for(principal, venue=venue)
        .select_related("venue")
        .filter(code=code.strip())
        .first()
    )
    if found is None:
        raise ApiError(404, "asset_not_found", _("This asset does not exist."))
    return found


# --- report a fault ----------------------------------------------------------------------------


class FaultIn(Strict):
    """A fault a monitoring system found on a machine."""

    asset: Text = Field(min_length=1, max_length=40, description="The asset's code.")
    venue: Text = Field(
        "", max_length=12, description="Venue code; a venue's key may leave it out."
    )
    description: Text = Field(min_length=1, max_length=4000, description="What is wrong.")
    unsafe: bool = Field(
        False, description="Unsafe to use: the machine is taken out of service at once."
    )
    reporter: Text = Field(
        "", max_length=100, description="Which sensor or system found it (shown to staff)."
    )


@router.post(
    "/equipment/faults",
    response={201: WorkOrderOut, ERRORS: ErrorOut},
    operation_id="equipment_fault_report",
    summary="Report a fault on a machine",
)
def fault_report(
    request: HttpRequest,
    payload: FaultIn,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        max_length=200,
        description="Send the same request again with the same key: one work order.",
    ),
) -> Status[dict[str, Any]]:
    """Needs equipment:write. Opens a work order (source monitoring) and answers it; an unsafe
    fault takes the machine out of service, so it is no longer bookable."""
    principal = principal_of(request)
    require_scope(principal, WRITE)
    if not payload.description.strip():
        message = _("Say what is wrong.")
        raise InvalidInput(message, code="description_required", fields={"description": [message]})

    def work() -> tuple[int, dict[str, Any]]:
        asset = _asset(principal, payload.venue, payload.asset)
        order = services.fault_report(
            asset=asset,
            source=WorkOrder.Source.MONITORING,
            description=payload.description.strip(),
            unsafe=payload.unsafe,
            actor=principal,
            reporter_name=payload.reporter.strip() or principal.name,
        )
        fresh = _work_order(principal, order.number)
        return 201, work_order_out(fresh).model_dump(mode="json")

    fingerprint = request_hash("POST", "/equipment/faults", payload.model_dump(mode="json"))
    status, content = idempotent(
        principal=principal, key=idempotency_key, fingerprint=fingerprint, work=work
    )
    return Status(status, content)


# --- read --------------------------------------------------------------------------------------


class AssetQuery(Schema):
    venue: Text = Field(
        "", max_length=12, description="Venue code; a venue's key may leave it out."
    )


@router.get(
    "/equipment/assets/{code}",
    response={200: AssetOut, ERRORS: ErrorOut},
    operation_id="equipment_asset",
    summary="A machine: its status and whether it may be booked",
)
def asset(request: HttpRequest, code: str, query: Query[AssetQuery]) -> AssetOut:
    """Needs equipment:read or equipment:write."""
    principal = principal_of(request)
    require_scope(principal, READ, WRITE)
    if len(code) > 40 or "\x00" in code:
        raise ApiError(404, "asset_not_found", _("This asset does not exist."))
    return asset_out(_asset(principal, query.venue, code))


def _work_order(principal: Principal, number: str) -> WorkOrder:
    try:
        return selectors.work_order_get(principal, number)
    except NotFound:
        raise ApiError(404, "work_order_not_found", _("This work order does not exist.")) from None


@router.get(
    "/equipment/work-orders/{number}",
    response={200: WorkOrderOut, ERRORS: ErrorOut},
    operation_id="equipment_work_order",
    summary="A work order",
)
def work_order(request: HttpRequest, number: str) -> WorkOrderOut:
    """Needs equipment:read or equipment:write."""
    principal = principal_of(request)
    require_scope(principal, READ, WRITE)
    if len(number) > 40 or "\x00" in number:
        raise ApiError(404, "work_order_not_found", _("This work order does not exist."))
    return work_order_out(_work_order(principal, number))
