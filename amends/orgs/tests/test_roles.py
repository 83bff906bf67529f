"""The roles a chain really has: a venue general manager (店长) between the customer-service
manager and the director, a privacy officer who owns privacy complaints; venue codes that carry a
city and a district (SH-JA). How they act on complaints: complaints/tests/test_chain_roles.py."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from amends.orgs.models import Venue, code_validator
from amends.orgs.roles import (
    APPROVAL_LADDER,
    APPROVER_ROLES,
    ESCALATION_LADDER,
    HANDLER_ROLES,
    PROPOSER_ROLES,
    SUPERVISOR_ROLES,
    UNMASK_ROLES,
    Role,
)
from amends.orgs.selectors import scope_of, users_with_role
from amends.orgs.services import role_grant, staff_create, venue_create


def test_it_puts_the_general_manager_between_the_manager_and_the_director() -> None:
    assert ESCALATION_LADDER == ("manager", "general_manager", "director")
    assert APPROVAL_LADDER == ("specialist", "manager", "general_manager", "director")
    assert Role.GENERAL_MANAGER in SUPERVISOR_ROLES & APPROVER_ROLES & UNMASK_ROLES
    # The privacy officer handles and unmasks, but approves no money and supervises nothing.
    assert Role.PRIVACY_OFFICER in HANDLER_ROLES & UNMASK_ROLES
    assert Role.PRIVACY_OFFICER not in SUPERVISOR_ROLES | APPROVER_ROLES
    assert {Role.FRONT_DESK, Role.SPECIALIST} <= PROPOSER_ROLES


def test_it_gives_the_general_manager_their_venue_and_the_privacy_officer_no_venue_wide_view(
    cast: Any,
) -> None:
    gm = staff_create(company=cast.company, username="gm", password=None, display_name="孙立新")
    role_grant(user=gm, role=Role.GENERAL_MANAGER, venue=cast.gym)
    officer = staff_create(
        company=cast.company, username="privacy", password=None, display_name="林晓"
    )
    role_grant(user=officer, role=Role.PRIVACY_OFFICER)
    assert scope_of(gm).wide_venue_ids() == {cast.gym.pk}
    assert not scope_of(gm).spans_company
    assert scope_of(officer).roles_at(cast.gym2.pk) == {"privacy_officer"}
    assert not scope_of(officer).spans_company and scope_of(officer).wide_venue_ids() == set()
    assert list(users_with_role(venue=cast.hotel, roles=["privacy_officer"])) == [officer]
    assert list(users_with_role(venue=cast.gym2, roles=["general_manager"])) == []


@pytest.mark.parametrize("code", ["SH-JA", "GYM1", "BJ-CY-2", "A1", "SHANGHAI-JA1"])
def test_it_accepts_venue_codes_with_hyphens_between_letters_or_digits(code: str) -> None:
    code_validator(code)


@pytest.mark.parametrize(
    "code", ["-SHJA", "SHJA-", "SH--JA", "sh-ja", "S", "SH JA", "SHANGHAI-JA12"]
)
def test_it_refuses_malformed_venue_codes(code: str) -> None:
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as refused:
            code_validator(code)
        assert refused.value.messages == [
            "请使用 2–12 位大写字母或数字，连字符只能用在中间，例如 GYM1 或 SH-JA。"
        ]


def test_it_lets_the_admin_create_a_venue_coded_sh_ja(cast: Any) -> None:
    Venue(company=cast.company, code="SH-JA", name="上海静安店").full_clean()
    venue = venue_create(company=cast.company, code="SH-JA", name="上海静安店")
    assert sorted(venue.departments.values_list("code", flat=True)) == [
        "courses",
        "customer_service",
        "front_office",
        "maintenance",
    ]
