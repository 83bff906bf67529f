"""Equipment's part in privacy operations (registered with `amends.privacy.registry` from
`EquipmentConfig.ready`):

- a complaint's erasure: the work orders raised from a complaint copy its text (what is wrong)
  and the reporter's name; a purge or a deletion request that erases the complaint's free text
  blanks them too (under the complaint's legal hold, neither happens);
- the retention purge: the name a member typed into an asset's QR form (a work order without a
  complaint) is contact data, erased once the company's contact-data period has run from the
  work order's closure (verified or cancelled) — or from its report, when the rule counts from
  receipt. The work order itself (asset, fault, times, cost) stays for the uptime figures. Each
  run that erases leaves one `PurgeRecord` per company: the rule and the count, never a name.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from amends.equipment.models import WorkOrder, WorkOrderEvent
from amends.orgs.models import Venue

FINISHED = (WorkOrder.Status.VERIFIED, WorkOrder.Status.CANCELLED)


def erase_complaint_copies(complaint: Any, now: datetime) -> dict[str, int]:
    """Blank the description and reporter's name of the complaint's work orders; counts."""
    rows = WorkOrder.objects.filter(complaint_id=complaint.pk).exclude(
        description="", reporter_name=""
    )
    return {"work_orders": rows.update(description="", reporter_name="")}


def _cut(venue: Venue, months: int, now: datetime) -> datetime:
    """The first moment still kept at `venue`: the start of the venue's day `months` before
    today (closed on 20 Nov 2026, 36 months: kept through 20 Nov 2029, erased from the 21st)."""
    from amends.privacy.retention import add_months

    zone = ZoneInfo(venue.timezone)
    day = add_months(timezone.localdate(now, zone), -months)
    return timezone.make_aware(datetime.combine(day, time.min), zone)


def purge_reporter_names(company_id: int, rules: dict[str, Any], now: datetime) -> dict[str, int]:
    """Erase the reporter's name of the company's finished work orders without a complaint
    whose contact-data period has passed (see the module); counts. Runs in the purge's
    transaction; a second run finds nothing left."""
    from amends.privacy.models import DataClass, PurgeRecord, Trigger

    rule = rules[DataClass.CONTACT_DATA.value]
    cancelled_at = Subquery(
        WorkOrderEvent.objects.filter(work_order=OuterRef("pk"), kind="cancelled")
        .order_by("-at")
        .values("at")[:1]
    )
    erased = 0
    for venue in Venue.objects.filter(company_id=company_id).order_by("pk"):
        rows = (
            WorkOrder.objects.filter(venue=venue, complaint__isnull=True, status__in=FINISHED)
            .exclude(reporter_name="")
            .annotate(finished_at=Coalesce("verified_at", cancelled_at))
        )
        moment = "reported_at" if rule.trigger == Trigger.RECEIVED else "finished_at"
        due = list(
            rows.filter(**{f"{moment}__lt": _cut(venue, rule.months, now)}).values_list(
                "pk", flat=True
            )
        )
        if due:
            erased += WorkOrder.objects.filter(pk__in=due).update(reporter_name="")
    if erased:
        PurgeRecord.objects.create(
            company_id=company_id,
            at=now,
            outcome=PurgeRecord.Outcome.ERASED,
            classes=[DataClass.CONTACT_DATA.value],
            rule={DataClass.CONTACT_DATA.value: rule.describe()},
            counts={"work_orders": erased},
            note="work orders: the reporter's name",
        )
    return {"reporter_names": erased}


def register() -> None:
    from amends.privacy import registry

    registry.register_complaint_eraser("equipment", erase_complaint_copies)
    registry.register_purger("equipment", purge_reporter_names)
