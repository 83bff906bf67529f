"""Every read of equipment goes through here, scoped by the actor's role grants
(`access.venue_ids_for`): anyone holding a role at a venue sees its assets and work orders; the
director and the auditor (company-wide roles) see every venue of their company; a user of
another company sees nothing. Each list is one query with its related rows joined."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from amends.complaints.models import Complaint
from amends.complaints.selectors import complaints_for_actor
from amends.core.errors import NotFound
from amends.equipment import access
from amends.equipment.models import Asset, AssetImport, MaintenancePlan, WorkOrder
from amends.orgs.models import User, Venue

Q_MAX = 100
CLOSED_STATUSES = (WorkOrder.Status.VERIFIED, WorkOrder.Status.CANCELLED)


def _venue_filter(actor: Any, prefix: str = "") -> Q:
    company = access.company_of(actor)
    if company is None:
        return Q(pk__in=[])
    ids = access.venue_ids_for(actor)
    where = Q(**{f"{prefix}venue__company_id": company})
    if ids is not None:
        where &= Q(**{f"{prefix}venue_id__in": sorted(ids)})
    return where


def assets_for(
    actor: User | Any,
    *,
    venue: Venue | None = None,
    status: str | None = None,
    category: str | None = None,
    q: str = "",
) -> QuerySet[Asset]:
    """The assets `actor` may see (retired ones only when `status="retired"` is asked for, or
    `status="all"`), filtered by venue, status, category and words in the code, name, location
    or serial number."""
    assets = Asset.objects.filter(_venue_filter(actor)).select_related("venue")
    if venue is not None:
        assets = assets.filter(venue_id=venue.pk)
    if status == "all":
        pass
    elif status:
        assets = assets.filter(status=status)
    else:
        assets = assets.exclude(status=Asset.Status.RETIRED)
    if category:
        assets = assets.filter(category=category)
    words = (q or "").strip()[:Q_MAX]
    if words:
        assets = assets.filter(
            Q(code__icontains=words)
            | Q(name__icontains=words)
            | Q(location__icontains=words)
            | Q(serial__icontains=words)
        )
    return assets.order_by("venue__code", "code")


def asset_get(actor: User | Any, pk: int) -> Asset:
    found = Asset.objects.filter(_venue_filter(actor), pk=pk).select_related("venue").first()
    if found is None:
        raise NotFound(_("This asset does not exist."), code="asset_not_found")
    return found


def asset_by_token(token: str) -> Asset:
    """The asset behind a QR code (public: the token is the proof). A retired asset's code no
    longer answers."""
    text = (token or "").strip()
    found = (
        Asset.objects.filter(public_token=text)
        .exclude(status=Asset.Status.RETIRED)
        .select_related("venue")
        .first()
        if text and len(text) <= 32
        else None
    )
    if found is None:
        raise NotFound(_("This asset does not exist."), code="asset_not_found")
    return found


def work_orders_for(
    actor: User | Any,
    *,
    venue: Venue | None = None,
    status: str = "open",
    mine: bool = False,
    asset: Asset | None = None,
) -> QuerySet[WorkOrder]:
    """The work orders `actor` may see: `status` "open" (the default; oldest first, the most
    urgent at the top), "closed" (verified or cancelled; newest first), "all", or one status;
    `mine`: assigned to the actor."""
    orders = WorkOrder.objects.filter(_venue_filter(actor)).select_related(
        "venue", "asset", "assignee", "complaint"
    )
    if venue is not None:
        orders = orders.filter(venue_id=venue.pk)
    if asset is not None:
        orders = orders.filter(asset_id=asset.pk)
    if status == "open":
        orders = orders.filter(status__in=WorkOrder.OPEN_STATUSES).order_by(
            "-unsafe", "reported_at", "pk"
        )
    elif status == "closed":
        orders = orders.filter(status__in=CLOSED_STATUSES).order_by("-reported_at", "-pk")
    elif status and status != "all":
        orders = orders.filter(status=status).order_by("-reported_at", "-pk")
    else:
        orders = orders.order_by("-reported_at", "-pk")
    if mine:
        user = access.user_of(actor)
        orders = orders.filter(assignee_id=user.pk if user else 0)
    return orders


def work_order_get(actor: User | Any, number: str) -> WorkOrder:
    text = (number or "").strip()[:40]
    found = (
        WorkOrder.objects.filter(_venue_filter(actor), number=text)
        .select_related(
            "venue",
            "asset",
            "assignee",
            "complaint",
            "plan",
            "reported_by",
            "resolved_by",
            "verified_by",
        )
        .first()
        if text
        else None
    )
    if found is None:
        raise NotFound(_("This work order does not exist."), code="work_order_not_found")
    return found


def work_orders_for_complaint(actor: User | Any, complaint: Complaint) -> QuerySet[WorkOrder]:
    """The work orders opened for a complaint the actor may see (else none)."""
    if not complaints_for_actor(actor=actor).filter(pk=complaint.pk).exists():
        return WorkOrder.objects.none()
    return (
        WorkOrder.objects.filter(_venue_filter(actor), complaint_id=complaint.pk)
        .select_related("asset", "assignee")
        .order_by("reported_at", "pk")
    )


def open_faults_of(asset: Asset) -> QuerySet[WorkOrder]:
    """The asset's open faults (the QR form shows them: "already reported")."""
    return WorkOrder.objects.filter(
        asset=asset, kind=WorkOrder.Kind.FAULT, status__in=WorkOrder.OPEN_STATUSES
    ).order_by("reported_at")


def plans_for(actor: User | Any, asset: Asset) -> QuerySet[MaintenancePlan]:
    asset_get(actor, asset.pk)
    return MaintenancePlan.objects.filter(asset=asset).order_by("name", "pk")


def import_get(actor: User | Any, pk: int) -> AssetImport:
    """An import the actor may see (its venue's), for the progress page."""
    found = AssetImport.objects.filter(_venue_filter(actor), pk=pk).select_related("venue").first()
    if found is None:
        raise NotFound(_("This import does not exist."), code="import_not_found")
    return found


def bookable(asset: Asset) -> bool:
    """Whether the asset can be booked: only when in service (not out of service, not
    retired)."""
    return asset.status == Asset.Status.IN_SERVICE


def may_act(actor: User | Any, venue: Venue) -> bool:
    """Whether the actor may handle the venue's work orders and edit its equipment."""
    return access.may_act(actor, venue)


def steps_for(actor: User | Any, work_order: WorkOrder) -> list[str]:
    """The steps of the work order's flow the actor may take now ("react", "assign", "arrive",
    "resolve", "verify", "cancel"): the buttons a page shows."""
    return access.steps_for(actor, work_order)
