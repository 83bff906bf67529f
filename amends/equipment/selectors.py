"""Reads of equipment, scoped by the actor's role grants. (Signatures first.)"""

from __future__ import annotations

from django.db.models import QuerySet

from amends.complaints.models import Complaint
from amends.equipment.models import Asset, WorkOrder
from amends.orgs.models import User, Venue


def assets_for(
    actor: User,
    *,
    venue: Venue | None = None,
    status: str | None = None,
    category: str | None = None,
    q: str = "",
) -> QuerySet[Asset]:
    raise NotImplementedError


def asset_get(actor: User, pk: int) -> Asset:
    raise NotImplementedError


def asset_by_token(token: str) -> Asset:
    raise NotImplementedError


def work_orders_for(
    actor: User, *, venue: Venue | None = None, status: str = "open", mine: bool = False
) -> QuerySet[WorkOrder]:
    raise NotImplementedError


def work_order_get(actor: User, number: str) -> WorkOrder:
    raise NotImplementedError


def work_orders_for_complaint(actor: User, complaint: Complaint) -> QuerySet[WorkOrder]:
    raise NotImplementedError


def bookable(asset: Asset) -> bool:
    return asset.status == Asset.Status.IN_SERVICE
