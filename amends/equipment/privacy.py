"""Equipment's part in a complaint's erasure: the work orders raised from a complaint copy its
text (what is wrong) and the reporter's name; a purge or a deletion request that erases the
complaint's free text blanks them too (registered with `amends.privacy.registry` from
`EquipmentConfig.ready`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from amends.equipment.models import WorkOrder


def erase_complaint_copies(complaint: Any, now: datetime) -> dict[str, int]:
    """Blank the description and reporter's name of the complaint's work orders; counts."""
    rows = WorkOrder.objects.filter(complaint_id=complaint.pk).exclude(
        description="", reporter_name=""
    )
    return {"work_orders": rows.update(description="", reporter_name="")}


def register() -> None:
    from amends.privacy import registry

    registry.register_complaint_eraser("equipment", erase_complaint_copies)
