"""Memberships: a card number belongs to one customer per venue, and the front desk can record
it as often as it likes."""

from __future__ import annotations

from typing import Any

import pytest

from amends.core.errors import InvalidInput
from amends.members.models import Customer, Member
from amends.members.services import customer_find_or_create, member_link


def customer(cast: Any, name: str, phone: str) -> Customer:
    found, _created = customer_find_or_create(company=cast.company, name=name, phone=phone)
    return found


def test_it_links_a_member_number_once_per_venue(cast: Any) -> None:
    li_na = customer(cast, "李娜", "13912345678")
    first = member_link(customer=li_na, venue=cast.gym, number="GYM1-0042", level="gold")
    again = member_link(customer=li_na, venue=cast.gym, number="  GYM1-0042 ", level="silver")
    assert again.pk == first.pk
    assert Member.objects.count() == 1
    member = Member.objects.get()
    assert (member.number, member.level, member.customer_id) == ("GYM1-0042", "gold", li_na.pk)
    assert str(member) == "GYM1:GYM1-0042"


def test_it_refuses_a_number_another_customer_holds_at_that_venue(cast: Any) -> None:
    li_na = customer(cast, "李娜", "13912345678")
    wang_fang = customer(cast, "王芳", "13800138000")
    member_link(customer=li_na, venue=cast.gym, number="0042")
    with pytest.raises(InvalidInput) as refused:
        member_link(customer=wang_fang, venue=cast.gym, number="0042")
    assert refused.value.code == "member_taken"
    assert list(Member.objects.values_list("customer_id", flat=True)) == [li_na.pk]


def test_it_lets_two_venues_hand_out_the_same_number(cast: Any) -> None:
    li_na = customer(cast, "李娜", "13912345678")
    wang_fang = customer(cast, "王芳", "13800138000")
    at_gym = member_link(customer=li_na, venue=cast.gym, number="0042")
    at_gym2 = member_link(customer=wang_fang, venue=cast.gym2, number="0042")
    assert at_gym.pk != at_gym2.pk
    assert set(Member.objects.values_list("venue__code", "customer_id")) == {
        ("GYM1", li_na.pk),
        ("GYM2", wang_fang.pk),
    }


def test_it_refuses_a_venue_of_another_company(cast: Any) -> None:
    li_na = customer(cast, "李娜", "13912345678")
    other_gym = cast.stranger.grants.exclude(venue=None).get().venue
    assert other_gym is not None and other_gym.company_id != cast.company.pk
    with pytest.raises(InvalidInput) as refused:
        member_link(customer=li_na, venue=other_gym, number="0042")
    assert refused.value.code == "foreign_venue"
    assert Member.objects.count() == 0


def test_the_front_desk_records_the_card_of_a_returning_member_once(cast: Any) -> None:
    first = cast.receive(phone="139 1234 5678", member_number="GYM1-0042")
    second = cast.receive(phone="+8613912345678", member_number="GYM1-0042")
    without_card = cast.receive(phone="13912345678")
    member = Member.objects.get()
    assert first.member_id == second.member_id == member.pk
    assert (member.venue, member.number, member.customer_id) == (
        cast.gym,
        "GYM1-0042",
        first.customer_id,
    )
    assert second.customer_id == without_card.customer_id == first.customer_id
    assert without_card.member_id is None


@pytest.mark.django_db
def test_it_refuses_a_blank_member_number(cast: Any) -> None:
    li_na, _ = customer_find_or_create(company=cast.company, name="李娜", phone="13912345678")
    with pytest.raises(InvalidInput) as refused:
        member_link(customer=li_na, venue=cast.gym, number="   ")
    assert refused.value.code == "member_number_required"
    assert not Member.objects.filter(customer=li_na).exists()
