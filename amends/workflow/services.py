"""Writes of workflow configuration: installing the shipped defaults for a company."""

from __future__ import annotations

from django.db import transaction

from amends.orgs.models import Company, Venue
from amends.workflow.models import AuthorityLimit, Category, RoutingRule, SlaPolicy
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
