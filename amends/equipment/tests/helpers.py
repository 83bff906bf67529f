"""The equipment of the stories: a treadmill and a spin bike at the gym (静安健身会所, open
06:00–22:00 every day), added by its maintenance man before November."""

from __future__ import annotations

from typing import Any

from amends.conftest import local
from amends.core import clock
from amends.equipment import services
from amends.equipment.models import Asset, WorkOrder


def add_asset(cast: Any, code: str = "TM-01", **data: Any) -> Asset:
    fields = {"code": code, "name": "跑步机 Treadmill", "category": "cardio", "location": "二楼"}
    fields.update(data)
    venue = fields.pop("venue", cast.gym)
    actor = fields.pop("actor", cast.maintenance)
    with clock.travel(local(2026, 10, 1, 9, 0)):
        return services.asset_save(actor=actor, venue=venue, data=fields)


def report(
    cast: Any, asset: Asset, when: Any, *, unsafe: bool = False, actor: Any = None, **kw: Any
) -> WorkOrder:
    with clock.travel(when):
        return services.fault_report(
            asset=asset,
            source=kw.pop("source", "member" if actor is None else "staff"),
            description=kw.pop("description", "皮带打滑 the belt slips"),
            unsafe=unsafe,
            actor=actor,
            **kw,
        )


def fresh(obj: Any) -> Any:
    obj.refresh_from_db()
    return obj
