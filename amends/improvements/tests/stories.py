"""Story helpers of the improvement tests: treadmill complaints at the gym on given days, and an
action raised from one of them by the manager."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from amends.complaints.models import Complaint
from amends.conftest import Cast, local
from amends.core import clock
from amends.improvements import services
from amends.improvements.models import ImprovementAction
from amends.orgs.models import Venue


def treadmill(cast: Cast, at: datetime, *, venue: Venue | None = None, **fields: Any) -> Complaint:
    """A complaint about a treadmill received by the front desk at `at`."""
    fields.setdefault("category", "facility_equipment")
    fields.setdefault("subject_text", "3号跑步机")
    actor = fields.pop("actor", None)
    if venue is not None and actor is None:
        actor = cast.outsider if venue == cast.gym2 else cast.director
    with clock.travel(at):
        return cast.receive(actor=actor, venue=venue, **fields)


def raised_from(
    cast: Cast, complaint: Complaint, *, at: datetime | None = None, **fields: Any
) -> ImprovementAction:
    """The manager raises an action from `complaint` (its cause: category and subject)."""
    values: dict[str, Any] = {
        "actor": cast.manager,
        "venue": complaint.venue,
        "title": "跑步机皮带每周检查",
        "description": "维修部每周一检查所有跑步机皮带并记录。",
        "source": ImprovementAction.Source.COMPLAINT,
        "category": complaint.category,
        "subject_text": "跑步机",
        "owner": cast.maintenance,
        "due_on": date(2026, 12, 31),
        "complaint_ids": [complaint.pk],
    }
    values.update(fields)
    with clock.travel(at or local(2026, 12, 1, 10, 0)):
        return services.improvement_raise(**values)


def fresh(action: ImprovementAction) -> ImprovementAction:
    return ImprovementAction.objects.get(pk=action.pk)
