"""What staff are shown of a customer, and how a customer is found without decrypting the table."""

from __future__ import annotations

from typing import Any

import pytest

from amends.core.errors import InvalidInput
from amends.members.selectors import (
    ContactCard,
    contact_card,
    customers_by_email,
    customers_by_phone,
)
from amends.members.services import customer_find_or_create


def test_it_masks_the_contact_card_the_way_chinese_customers_know(cast: Any) -> None:
    li_na, _created = customer_find_or_create(
        company=cast.company, name="李娜", phone="139 1234 5678", email="Li.Na@example.com"
    )
    assert contact_card(li_na, unmasked=False) == ContactCard(
        name="李*", phone="139****5678", email="l***@example.com", masked=True
    )


def test_it_shows_the_card_in_clear_only_when_asked_to(cast: Any) -> None:
    li_na, _created = customer_find_or_create(
        company=cast.company, name="李娜", phone="139 1234 5678", email="Li.Na@example.com"
    )
    assert contact_card(li_na, unmasked=True) == ContactCard(
        name="李娜", phone="+8613912345678", email="li.na@example.com", masked=False
    )


def test_it_masks_a_foreign_guest_keeping_the_country_code(cast: Any) -> None:
    guest, _created = customer_find_or_create(
        company=cast.company, name="Emma Watson", phone="+44 20 7946 0034"
    )
    assert contact_card(guest, unmasked=False) == ContactCard(
        name="E*** W***", phone="+44 20******34", email="", masked=True
    )


def test_it_masks_nothing_into_something(cast: Any) -> None:
    walk_in, _created = customer_find_or_create(company=cast.company, name="欧阳娜娜")
    assert contact_card(walk_in, unmasked=False) == ContactCard(
        name="欧***", phone="", email="", masked=True
    )


def test_it_finds_customers_by_phone_through_the_blind_index_in_one_query(
    cast: Any, django_assert_num_queries
) -> None:
    li_na, _created = customer_find_or_create(
        company=cast.company, name="李娜", phone="13912345678"
    )
    customer_find_or_create(company=cast.company, name="王芳", phone="13800138000")
    customer_find_or_create(company=cast.stranger.company, name="李娜", phone="13912345678")
    with django_assert_num_queries(1):
        found = customers_by_phone(company=cast.company, phone="+86 139 1234 5678")
    assert [c.pk for c in found] == [li_na.pk]
    assert customers_by_phone(company=cast.company, phone="13700137000") == []


def test_it_finds_customers_by_email_whatever_its_case(cast: Any) -> None:
    li_na, _created = customer_find_or_create(
        company=cast.company, name="李娜", email="li.na@example.com"
    )
    customer_find_or_create(company=cast.stranger.company, name="李娜", email="li.na@example.com")
    found = customers_by_email(company=cast.company, email=" LI.NA@EXAMPLE.COM ")
    assert [c.pk for c in found] == [li_na.pk]
    assert customers_by_email(company=cast.company, email="li.na@example.org") == []


@pytest.mark.parametrize(
    ("find", "value", "code"),
    [
        (customers_by_phone, "12345", "invalid_phone"),
        (customers_by_phone, "", "invalid_phone"),
        (customers_by_email, "li.na", "invalid_email"),
        (customers_by_email, "", "invalid_email"),
    ],
)
def test_it_refuses_to_search_for_what_is_not_a_phone_or_email(
    cast: Any, find, value: str, code: str
) -> None:
    kind = "phone" if find is customers_by_phone else "email"
    with pytest.raises(InvalidInput) as refused:
        find(company=cast.company, **{kind: value})
    assert refused.value.code == code
