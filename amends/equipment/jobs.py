"""Equipment's periodic jobs (see `amends.core.jobs`): each idempotent, safe to run twice at once
(row locks and re-checks, outbox dedupe keys)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import F, Q

from amends.core.jobs import job
from amends.equipment.escalation import escalate_due
from amends.equipment.models import Asset, MaintenancePlan, WorkOrder
from amends.equipment.services_assets import plan_open_work_order
from amends.equipment.services_imports import run_pending


@job(
    "equipment.escalate",
    every=timedelta(minutes=1),
    description=(
        "Warn maintenance at 80 % of a fault's first-reaction clock and tell the venue's "
        "managers at 100 %, once each."
    ),
)
def escalate(*, now: datetime) -> dict[str, int]:
    return escalate_due(now=now)


@job(
    "equipment.plans",
    every=timedelta(hours=1),
    description=(
        "Open a preventive work order for each maintenance plan due by date or by hours of "
        "use (one open at a time per plan)."
    ),
)
def plans(*, now: datetime) -> dict[str, int]:
    # A local date is at most a day ahead of UTC's: the service checks each plan's own date.
    due = (
        MaintenancePlan.objects.filter(active=True)
        .exclude(asset__status=Asset.Status.RETIRED)
        .filter(
            Q(every_days__isnull=False, next_due_on__lte=(now + timedelta(days=1)).date())
            | Q(
                every_hours__isnull=False,
                asset__hours_used__gte=F("last_done_hours") + F("every_hours"),
            )
        )
        .exclude(work_orders__status__in=WorkOrder.OPEN_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    opened = 0
    for pk in list(due):
        plan = MaintenancePlan(pk=pk)
        opened += plan_open_work_order(plan=plan, at=now) is not None
    return {"opened": opened}


@job(
    "equipment.run_imports",
    every=timedelta(minutes=1),
    description="Import the asset spreadsheets waiting to be imported, with their progress.",
)
def run_imports(*, now: datetime) -> dict[str, int]:
    return {"imports": run_pending(now=now)}
