"""Writes to equipment: assets, work orders, downtime, plans, imports. (Signatures first; the
bodies follow.)"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from amends.complaints.models import Complaint
from amends.core.principals import Principal
from amends.equipment.models import (
    Asset,
    AssetImport,
    MaintenancePlan,
    WorkOrder,
    WorkOrderPhoto,
)
from amends.orgs.models import User, Venue

Actor = User | Principal


@transaction.atomic
def asset_save(
    *,
    actor: User,
    venue: Venue,
    data: dict[str, Any],
    asset: Asset | None = None,
    version: int | None = None,
) -> Asset:
    raise NotImplementedError


@transaction.atomic
def asset_retire(*, actor: User, asset: Asset, version: int) -> Asset:
    raise NotImplementedError


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
    at: Any = None,
) -> WorkOrder:
    raise NotImplementedError


@transaction.atomic
def work_order_react(
    *, actor: User, work_order: WorkOrder, version: int, note: str = ""
) -> WorkOrder:
    raise NotImplementedError


@transaction.atomic
def work_order_assign(
    *, actor: User, work_order: WorkOrder, version: int, assignee: User
) -> WorkOrder:
    raise NotImplementedError


@transaction.atomic
def work_order_arrive(
    *, actor: User, work_order: WorkOrder, version: int, note: str = ""
) -> WorkOrder:
    raise NotImplementedError


@transaction.atomic
def work_order_resolve(
    *,
    actor: User,
    work_order: WorkOrder,
    version: int,
    cause: str,
    parts: str = "",
    cost: Decimal = Decimal("0.00"),
    note: str = "",
) -> WorkOrder:
    raise NotImplementedError


@transaction.atomic
def work_order_verify(
    *, actor: User, work_order: WorkOrder, version: int, note: str = ""
) -> WorkOrder:
    raise NotImplementedError


@transaction.atomic
def work_order_cancel(
    *, actor: User, work_order: WorkOrder, version: int, reason: str
) -> WorkOrder:
    raise NotImplementedError


@transaction.atomic
def work_order_add_photo(
    *, actor: User, work_order: WorkOrder, upload: UploadedFile
) -> WorkOrderPhoto:
    raise NotImplementedError


@transaction.atomic
def take_out_of_service(*, actor: User, asset: Asset, version: int, reason: str) -> Asset:
    raise NotImplementedError


@transaction.atomic
def return_to_service(*, actor: User, asset: Asset, version: int, note: str = "") -> Asset:
    raise NotImplementedError


@transaction.atomic
def complaint_open_work_order(
    *, actor: User, complaint: Complaint, asset: Asset, description: str, unsafe: bool = False
) -> WorkOrder:
    raise NotImplementedError


@transaction.atomic
def plan_save(
    *,
    actor: User,
    asset: Asset,
    data: dict[str, Any],
    plan: MaintenancePlan | None = None,
    version: int | None = None,
) -> MaintenancePlan:
    raise NotImplementedError


@transaction.atomic
def record_hours(*, asset: Asset, hours: int, actor: Actor | None = None) -> Asset:
    raise NotImplementedError


@transaction.atomic
def import_start(*, actor: User, venue: Venue, upload: UploadedFile) -> AssetImport:
    raise NotImplementedError


def import_run(import_id: int) -> AssetImport:
    raise NotImplementedError
