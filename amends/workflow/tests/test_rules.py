"""The pure rules of the workflow, without the database."""

from decimal import Decimal

from amends.workflow.rules import (
    DEFAULT_AUTHORITY_LIMITS,
    PersonalLimit,
    Route,
    RuleRow,
    approver_role,
    authority_of,
    covers,
    default_sla,
    match_route,
)

LIMITS = DEFAULT_AUTHORITY_LIMITS


def test_it_ships_the_specs_time_limits():
    assert default_sla(severity="urgent", venue_kind="gym").respond_hours == Decimal("4")
    assert default_sla(severity="important", venue_kind="gym").respond_hours == Decimal("12")
    general = default_sla(severity="general", venue_kind="hotel")
    assert (general.mode, general.respond_hours, general.resolve_hours) == (
        "clock",
        Decimal("24"),
        Decimal("72"),
    )
    tourism = default_sla(severity="general", venue_kind="tourism")
    assert tourism.mode == "working_days"
    assert (
        tourism.assess_days,
        tourism.plan_days,
        tourism.execute_days,
        tourism.follow_up_days,
    ) == (1, 2, 3, 1)


def test_it_finds_the_lowest_role_whose_limit_covers_an_amount():
    assert approver_role(Decimal("0"), LIMITS) == "specialist"
    assert approver_role(Decimal("200"), LIMITS) == "specialist"
    assert approver_role(Decimal("200.01"), LIMITS) == "manager"
    assert approver_role(Decimal("2000"), LIMITS) == "manager"
    assert approver_role(Decimal("2000.01"), LIMITS) == "general_manager"
    assert approver_role(Decimal("10000"), LIMITS) == "general_manager"
    assert approver_role(Decimal("10000.01"), LIMITS) == "director"
    assert approver_role(Decimal("1000000"), LIMITS) == "director"


def test_it_skips_a_rung_of_the_approval_ladder_the_venue_does_not_have():
    no_general_manager = {"specialist", "manager", "director"}
    assert approver_role(Decimal("2000.01"), LIMITS, no_general_manager) == "director"
    assert approver_role(Decimal("150"), LIMITS, {"manager"}) == "manager"
    assert approver_role(Decimal("150"), LIMITS, set()) == "director"


def test_it_takes_the_widest_authority_of_the_roles_held():
    assert authority_of({"front_desk"}, LIMITS) == Decimal("100")
    assert authority_of({"front_desk", "manager"}, LIMITS) == Decimal("2000")
    assert authority_of({"director"}, LIMITS) is None
    assert authority_of({"auditor"}, LIMITS) == Decimal("0")
    assert covers(None, Decimal("99999")) and not covers(Decimal("200"), Decimal("200.5"))


def test_it_lets_a_personal_limit_replace_what_the_roles_allow():
    assert authority_of({"specialist"}, LIMITS, PersonalLimit(Decimal("1500"))) == Decimal("1500")
    assert authority_of({"manager"}, LIMITS, PersonalLimit(Decimal("0"))) == Decimal("0")
    assert authority_of({"front_desk"}, LIMITS, PersonalLimit(None)) is None


def test_it_routes_by_the_most_specific_rule_then_position():
    rules = [
        RuleRow(None, "facility_equipment", None, Route("maintenance", "maintenance"), 10),
        RuleRow(None, "facility_equipment", "urgent", Route("maintenance", "manager"), 50),
        RuleRow(7, "facility_equipment", None, Route("front_office", "specialist"), 90),
        RuleRow(None, None, None, Route("customer_service", "specialist"), 1),
    ]
    assert match_route(
        rules, venue_id=1, category_code="facility_equipment", severity="general"
    ) == Route("maintenance", "maintenance")
    assert match_route(
        rules, venue_id=1, category_code="facility_equipment", severity="urgent"
    ) == Route("maintenance", "manager")
    assert match_route(
        rules, venue_id=7, category_code="facility_equipment", severity="general"
    ) == Route("front_office", "specialist")
    assert match_route(rules, venue_id=1, category_code="noise", severity=None) == Route(
        "customer_service", "specialist"
    )


def test_it_falls_back_to_the_specs_default_routes_without_rules():
    assert match_route([], venue_id=1, category_code="class_schedule", severity=None) == Route(
        "courses", "course_supervisor"
    )
    assert match_route([], venue_id=1, category_code="service_quality", severity=None) == Route(
        "customer_service", "manager"
    )
    assert match_route([], venue_id=1, category_code=None, severity=None) == Route(
        "customer_service", "specialist"
    )
