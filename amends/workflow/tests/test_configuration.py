"""A company's workflow configuration: the shipped defaults installed once, and every read
falling back to them where the company has not said otherwise."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from amends.orgs.services import venue_create
from amends.workflow.models import (
    AuthorityLimit,
    CalendarOverride,
    Category,
    RoutingRule,
    SlaPolicy,
)
from amends.workflow.selectors import (
    authority_limits,
    categories_for,
    national_calendar,
    route_for,
    sla_targets,
)
from amends.workflow.services import workflow_install_defaults
from amends.workflow.taxonomy import DEFAULT_CATEGORIES


def configuration(company: Any) -> dict[str, int]:
    return {
        "categories": Category.objects.filter(company=company).count(),
        "limits": AuthorityLimit.objects.filter(company=company).count(),
        "rules": RoutingRule.objects.filter(company=company).count(),
        "sla": SlaPolicy.objects.filter(venue__company=company).count(),
    }


def test_it_installs_the_shipped_defaults_once(cast: Any) -> None:
    installed = configuration(cast.company)
    assert installed == {
        "categories": len(DEFAULT_CATEGORIES),
        "limits": 9,
        "rules": 8,
        "sla": 3 * 3,  # three severities at each of three venues
    }
    workflow_install_defaults(company=cast.company)
    assert configuration(cast.company) == installed


def test_it_never_overwrites_what_the_company_changed(cast: Any) -> None:
    Category.objects.filter(company=cast.company, code="service_quality").update(name_en="Quality")
    AuthorityLimit.objects.filter(company=cast.company, role="specialist").update(limit=500)
    RoutingRule.objects.filter(company=cast.company, category=None).delete()  # their own routing
    workflow_install_defaults(company=cast.company)
    assert cast.category("service_quality").name_en == "Quality"
    assert authority_limits(company=cast.company)["specialist"] == Decimal("500")
    assert not RoutingRule.objects.filter(company=cast.company, category=None).exists()


def test_it_gives_a_venue_added_later_the_defaults_for_its_kind(cast: Any) -> None:
    scenic = venue_create(company=cast.company, code="TOUR1", name="西湖景区", kind="tourism")
    assert not SlaPolicy.objects.filter(venue=scenic).exists()
    targets = sla_targets(venue=scenic, severity="urgent")
    assert (targets.mode, targets.respond_hours, targets.resolve_hours) == (
        "working_days",
        Decimal("4"),
        Decimal("72"),
    )
    workflow_install_defaults(company=cast.company)
    assert SlaPolicy.objects.filter(venue=scenic).count() == 3
    assert sla_targets(venue=scenic, severity="urgent").mode == "working_days"


def test_it_reads_the_venues_own_time_limits(cast: Any) -> None:
    SlaPolicy.objects.filter(venue=cast.gym, severity="general").update(
        respond_hours=Decimal("8"), remind_at_percent=50, assess_days=2
    )
    targets = sla_targets(venue=cast.gym, severity="general")
    assert (targets.respond_hours, targets.remind_at_percent, targets.assess_days) == (
        Decimal("8"),
        50,
        2,
    )
    assert sla_targets(venue=cast.gym2, severity="general").respond_hours == Decimal("24")


def test_it_routes_to_the_department_of_the_complaints_own_venue(cast: Any) -> None:
    department, role = route_for(venue=cast.gym2, category_code="facility_equipment", severity=None)
    assert (department, role) == (cast.dept("maintenance", cast.gym2), "maintenance")
    department, role = route_for(venue=cast.gym, category_code=None, severity=None)
    assert (department, role) == (cast.dept("customer_service"), "specialist")


def test_it_prefers_a_venues_own_rule_to_the_companys(cast: Any) -> None:
    RoutingRule.objects.create(
        company=cast.company,
        venue=cast.hotel,
        category=cast.category("facility_equipment"),
        department_code="front_office",
        role="front_desk",
        position=500,
    )
    assert route_for(venue=cast.hotel, category_code="facility_equipment", severity=None) == (
        cast.dept("front_office", cast.hotel),
        "front_desk",
    )
    assert route_for(venue=cast.gym, category_code="facility_equipment", severity=None) == (
        cast.dept("maintenance"),
        "maintenance",
    )


def test_it_routes_to_no_department_when_the_venue_lacks_it(cast: Any) -> None:
    kiosk = venue_create(
        company=cast.company, code="KIOSK", name="自助亭", with_default_departments=False
    )
    assert route_for(venue=kiosk, category_code="class_schedule", severity=None) == (
        None,
        "course_supervisor",
    )


def test_it_merges_the_companys_limits_over_the_defaults(cast: Any) -> None:
    AuthorityLimit.objects.filter(company=cast.company, role="manager").update(limit=5000)
    AuthorityLimit.objects.filter(company=cast.company, role="staff").delete()
    limits = authority_limits(company=cast.company)
    assert (limits["manager"], limits["director"], limits["staff"]) == (
        Decimal("5000"),
        None,
        Decimal("0"),  # deleted: the shipped default applies again
    )


def test_it_lets_the_admin_override_the_national_calendar(cast: Any) -> None:
    CalendarOverride.objects.create(day=date(2025, 10, 8), is_working_day=True, name="加班")
    calendar = national_calendar()
    assert calendar.is_working_day(date(2025, 10, 8))
    assert not calendar.is_working_day(date(2025, 10, 7))


def test_it_lists_only_categories_in_use_in_their_order(cast: Any) -> None:
    Category.objects.filter(company=cast.company, code="service_quality").update(is_active=False)
    active = [c.code for c in categories_for(company=cast.company)]
    every = [c.code for c in categories_for(company=cast.company, active_only=False)]
    assert every == [code for code, _zh, _en in DEFAULT_CATEGORIES]
    assert active == [code for code in every if code != "service_quality"]
