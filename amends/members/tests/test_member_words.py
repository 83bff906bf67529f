"""What the member services say is in the reader's language, and a membership's status reads as
a membership's ("Active" → 有效), not as a switch's (启用)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils.translation import override

from amends.core.errors import InvalidInput
from amends.members.models import Member
from amends.members.services import customer_find_or_create, member_link


def test_member_link_refuses_in_the_readers_language(cast: Any) -> None:
    li_na, _created = customer_find_or_create(
        company=cast.company, name="李娜", phone="13912345678"
    )
    wang_fang, _created = customer_find_or_create(
        company=cast.company, name="王芳", phone="13800138000"
    )
    other_gym = cast.stranger.grants.exclude(venue=None).get().venue
    member_link(customer=li_na, venue=cast.gym, number="0042")
    with override("zh-hans"):
        with pytest.raises(InvalidInput) as foreign:
            member_link(customer=li_na, venue=other_gym, number="0042")
        with pytest.raises(InvalidInput) as taken:
            member_link(customer=wang_fang, venue=cast.gym, number="0042")
    assert (foreign.value.code, str(foreign.value)) == ("foreign_venue", "该门店属于其他公司。")
    assert (taken.value.code, str(taken.value)) == ("member_taken", "本门店已有该会员卡号。")
    with override("en"), pytest.raises(InvalidInput) as blank:
        member_link(customer=li_na, venue=cast.gym, number="  ")
    assert (blank.value.code, str(blank.value)) == (
        "member_number_required",
        "Give the membership number.",
    )


def test_an_active_membership_is_not_an_enabled_switch() -> None:
    with override("en"):
        assert str(Member.Status.ACTIVE.label) == "Active"
    with override("zh-hans"):
        assert str(Member.Status.ACTIVE.label) != "启用"  # the switch's word, not a membership's
