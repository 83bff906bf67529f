"""What every equipment service shares: locking at the version the actor saw, the work order's
timeline, downtime opened and closed, and messages to staff through the outbox (in the same
transaction as the change that causes them)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from amends.core.errors import NotFound, StaleVersion
from amends.equipment.models import Asset, Downtime, MaintenancePlan, WorkOrder, WorkOrderEvent
from amends.notifications.models import Outbox
from amends.notifications.services import outbox_enqueue
from amends.orgs.models import User


def check_version(found: int, expected: int | None, what: str) -> None:
    if expected is None or int(expected) != found:
        raise StaleVersion(
            _("Someone else changed this %(what)s meanwhile. Reload it and try again.")
            % {"what": what},
            current_version=found,
        )


def lock_asset(asset: Asset, version: int | None = None, *, check: bool = True) -> Asset:
    """The asset's row, locked; at `version` when `check`."""
    locked = (
        Asset.objects.select_for_update(of=("self",))
        .select_related("venue")
        .filter(pk=asset.pk)
        .first()
    )
    if locked is None:
        raise NotFound(_("This asset does not exist."), code="asset_not_found")
    if check:
        check_version(locked.version, version, str(_("asset")))
    return locked


def lock_work_order(work_order: WorkOrder, version: int | None) -> WorkOrder:
    locked = (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("venue", "asset", "complaint", "plan")
        .filter(pk=work_order.pk)
        .first()
    )
    if locked is None:
        raise NotFound(_("This work order does not exist."), code="work_order_not_found")
    check_version(locked.version, version, str(_("work order")))
    return locked


def lock_plan(plan: MaintenancePlan, version: int | None) -> MaintenancePlan:
    locked = MaintenancePlan.objects.select_for_update().filter(pk=plan.pk).first()
    if locked is None:
        raise NotFound(_("This maintenance plan does not exist."), code="plan_not_found")
    check_version(locked.version, version, str(_("maintenance plan")))
    return locked


def bump(obj: Any, fields: Iterable[str] = ()) -> None:
    """Save `obj` one version on."""
    obj.version += 1
    names = list(fields)
    obj.save(update_fields=[*names, "version"] if names else None)


def event(
    work_order: WorkOrder,
    kind: str,
    *,
    at: datetime,
    actor: User | None = None,
    note: str = "",
    **data: Any,
) -> WorkOrderEvent:
    return WorkOrderEvent.objects.create(
        work_order=work_order, kind=kind, at=at, actor=actor, note=note[:2000], data=data
    )


# --- downtime ------------------------------------------------------------------------------------


def downtime_open(
    asset: Asset, *, at: datetime, work_order: WorkOrder | None = None, reason: str = ""
) -> Downtime:
    """Open a downtime and put the (locked) asset out of service."""
    downtime = Downtime.objects.create(
        asset=asset, work_order=work_order, started_at=at, reason=reason[:500]
    )
    if asset.status == Asset.Status.IN_SERVICE:
        asset.status = Asset.Status.OUT_OF_SERVICE
        bump(asset, ["status"])
    return downtime


def downtime_close(
    asset: Asset, *, at: datetime, work_order: WorkOrder | None = None, manual: bool = False
) -> bool:
    """Close the open downtimes of `work_order` (and, when `manual`, the asset's downtimes
    without a work order); put the (locked) asset back in service when no downtime of it is
    left open. Returns whether the asset is back in service."""
    open_rows = Downtime.objects.filter(asset=asset, ended_at__isnull=True)
    if work_order is not None:
        open_rows.filter(work_order=work_order).update(ended_at=at)
    if manual:
        open_rows.filter(work_order__isnull=True).update(ended_at=at)
    # A downtime that started after `at` (a clock moved back in a demo) ends where it began.
    for row in Downtime.objects.filter(asset=asset, ended_at__isnull=False, started_at__gt=at):
        row.ended_at = row.started_at
        row.save(update_fields=["ended_at"])
    still_down = Downtime.objects.filter(asset=asset, ended_at__isnull=True).exists()
    if not still_down and asset.status == Asset.Status.OUT_OF_SERVICE:
        asset.status = Asset.Status.IN_SERVICE
        bump(asset, ["status"])
        return True
    return False


# --- messages to staff ---------------------------------------------------------------------------


def tell(
    users: Iterable[User],
    *,
    kind: str,
    key: str,
    subject: Any,
    body: Any,
    context: dict[str, Any],
    params: dict[str, Any],
    skip: User | None = None,
    complaint_id: int | None = None,
    reference: str = "",
) -> int:
    """One console message to each of `users` (not `skip`), in each one's language, once per
    `key` and person (the dedupe key). `subject`/`body` are lazy texts with %(name)s params."""
    sent = 0
    for user in users:
        if skip is not None and user.pk == skip.pk:
            continue
        with translation.override(user.language):
            # Lazy texts render in the active language: each person reads their own.
            rendered = {k: str(v) for k, v in params.items()}
            text_subject = str(subject) % rendered
            text_body = str(body) % rendered
            row = outbox_enqueue(
                kind=kind,
                channel=Outbox.Channel.IN_APP,
                recipient_user=user,
                subject=text_subject[:300],
                body=text_body,
                language=user.language,
                context=context,
                complaint_id=complaint_id,
                reference=reference,
                dedupe_key=f"{key}:{user.pk}"[:120],
            )
        sent += row is not None
    return sent
