"""Writes of workflow configuration: installing the shipped defaults for a company."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from amends.orgs.models import Company, Venue
from amends.workflow import cache
from amends.workflow.calendar import ScheduleDay
from amends.workflow.models import (
    AuthorityLimit,
    CalendarOverride,
    Category,
    RoutingRule,
    SlaPolicy,
)
from amends.workflow.rules import DEFAULT_AUTHORITY_LIMITS, DEFAULT_ROUTES, default_sla
from amends.workflow.taxonomy import DEFAULT_CATEGORIES, Severity


@transaction.atomic
def taxonomy_install_defaults(*, company: Company) -> None:
    """Create TAXONOMY.md's categories for `company`; existing codes are left as they are."""
    for position, (code, name_zh, name_en) in enumerate(DEFAULT_CATEGORIES):
        Category.objects.get_or_create(
            company=company,
            code=code,
            defaults={"name_zh": name_zh, "name_en": name_en, "position": position},
        )


@transaction.atomic
def sla_install_defaults(*, venue: Venue) -> None:
    for severity in Severity.values:
        targets = default_sla(severity=severity, venue_kind=venue.kind)
        SlaPolicy.objects.get_or_create(
            venue=venue,
            severity=severity,
            defaults={
                "mode": targets.mode,
                "respond_hours": targets.respond_hours,
                "resolve_hours": targets.resolve_hours,
                "escalation_step_hours": targets.escalation_step_hours,
            },
        )
    cache.bump(venue.company_id)


@transaction.atomic
def workflow_install_defaults(*, company: Company) -> None:
    """Taxonomy, routing, authority limits and time limits as SPEC.md ships them (idempotent)."""
    taxonomy_install_defaults(company=company)
    for role, limit in DEFAULT_AUTHORITY_LIMITS.items():
        AuthorityLimit.objects.get_or_create(company=company, role=role, defaults={"limit": limit})
    if not RoutingRule.objects.filter(company=company).exists():
        for position, (code, route) in enumerate(DEFAULT_ROUTES):
            category = Category.objects.get(company=company, code=code) if code else None
            RoutingRule.objects.create(
                company=company,
                category=category,
                department_code=route.department_code,
                role=route.role,
                position=(position + 1) * 10,
            )
    for venue in company.venues.all():
        sla_install_defaults(venue=venue)
    cache.bump(company.pk)


@transaction.atomic
def calendar_schedule_apply(*, days: Iterable[ScheduleDay]) -> dict[str, list[ScheduleDay]]:
    """Enter a year's official schedule as `CalendarOverride` rows (the admin's paste page).

    Idempotent: a day already entered with the same kind and name is left alone, a day entered
    differently is corrected, a new day is created. Returns the days by what happened to them
    ("created", "updated", "unchanged"); `calendar_schedule_plan` tells the same before writing.
    """
    plan = calendar_schedule_plan(days=days)
    for day in plan["created"]:
        CalendarOverride.objects.create(
            day=day.day, is_working_day=day.is_working_day, name=day.name
        )
    for day in plan["updated"]:
        named = {"name": day.name} if day.name else {}  # a line without a name keeps the old
        CalendarOverride.objects.filter(day=day.day).update(
            is_working_day=day.is_working_day, **named
        )
    cache.bump(None)  # `update()` sends no signal: every process reads the calendar afresh
    return plan


def calendar_schedule_plan(*, days: Iterable[ScheduleDay]) -> dict[str, list[ScheduleDay]]:
    """What `calendar_schedule_apply` would do with `days`, without writing."""
    wanted = list(days)
    existing = {
        row.day: row for row in CalendarOverride.objects.filter(day__in=[d.day for d in wanted])
    }
    plan: dict[str, list[ScheduleDay]] = {"created": [], "updated": [], "unchanged": []}
    for day in wanted:
        row = existing.get(day.day)
        if row is None:
            plan["created"].append(day)
        elif row.is_working_day == day.is_working_day and (row.name == day.name or not day.name):
            plan["unchanged"].append(day)
        else:
            plan["updated"].append(day)
    return plan
