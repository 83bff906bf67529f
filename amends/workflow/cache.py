"""The workflow configuration in the per-process cache (`core/config_cache.py`): routing rules,
time-limit policies, the national calendar, each venue's departments and the company's
categories. Every save or delete of
one of them makes every process read afresh (a `QuerySet.update()` sends no signal: call
`bump()` after one)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from amends.core.config_cache import GLOBAL, MAX_AGE, bump, cached, clear
from amends.orgs.models import Department
from amends.workflow.models import CalendarOverride, Category, RoutingRule, SlaPolicy

__all__ = ["GLOBAL", "MAX_AGE", "bump", "cached", "clear"]


# --- invalidation on every write of the rows cached ---------------------------------------------


def _company_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if isinstance(instance, RoutingRule | Category):
        bump(instance.company_id)
    elif isinstance(instance, SlaPolicy | Department):
        from amends.orgs.models import Venue

        company_id = Venue.objects.filter(pk=instance.venue_id).values_list("company_id", flat=True)
        bump(next(iter(company_id), None) or GLOBAL)


def _calendar_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    bump(None)


for _model in (RoutingRule, SlaPolicy, Department, Category):
    post_save.connect(_company_changed, sender=_model, dispatch_uid=f"workflow.cache.{_model}")
    post_delete.connect(_company_changed, sender=_model, dispatch_uid=f"workflow.cache.d{_model}")
post_save.connect(_calendar_changed, sender=CalendarOverride, dispatch_uid="workflow.cache.cal")
post_delete.connect(_calendar_changed, sender=CalendarOverride, dispatch_uid="workflow.cache.dcal")
