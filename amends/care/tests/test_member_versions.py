"""A member's page acted on twice with the same version at the Jing'an gym on 26 November
2026: handing the member to a new specialist, moving points and recording the first contact
are each checked against the member's version under its row lock, and each bumps it."""

from __future__ import annotations

import pytest

from amends.care import services
from amends.care.tests.stories import member
from amends.conftest import local
from amends.core import clock
from amends.core.errors import StaleVersion
from amends.members.models import Member

NOW = local(2026, 11, 26, 11, 0)


def test_a_new_specialist_is_given_once_for_one_version(cast):
    m = services.specialist_assign(
        member=member(cast, "V1"), specialist=cast.specialist, now=local(2026, 11, 20, 9, 0)
    )
    seen = m.version
    moved = services.specialist_assign(
        actor=cast.manager, member=m, specialist=cast.specialist2, now=NOW, version=seen
    )
    assert moved.version == seen + 1
    with pytest.raises(StaleVersion):
        services.specialist_assign(
            actor=cast.manager, member=m, specialist=cast.specialist, now=NOW, version=seen
        )
    assert Member.objects.get(pk=m.pk).specialist == cast.specialist2


def test_earning_100_points_with_the_same_version_twice_adds_100_once(cast):
    m = member(cast, "V2")
    seen = m.version
    services.points_move(
        actor=cast.specialist, member=m, delta=100, reason="purchase", version=seen
    )
    with pytest.raises(StaleVersion):
        services.points_move(
            actor=cast.specialist, member=m, delta=100, reason="purchase", version=seen
        )
    fresh = Member.objects.get(pk=m.pk)
    assert (fresh.points, fresh.version) == (100, seen + 1)


def test_the_first_contacts_note_is_kept_until_a_new_specialist(cast):
    m = services.specialist_assign(
        member=member(cast, "V3"), specialist=cast.specialist, now=local(2026, 11, 20, 9, 0)
    )
    with clock.travel(NOW):
        m = services.record_contact(
            actor=cast.specialist, member=m, version=m.version, note="想了解游泳课"
        )
    assert (m.first_contact_at, m.first_contact_note) == (NOW, "想了解游泳课")
    # A later contact keeps the first one's note.
    m = services.record_contact(actor=cast.specialist, member=m, version=m.version, note="又聊了")
    assert Member.objects.get(pk=m.pk).first_contact_note == "想了解游泳课"
    m = services.specialist_assign(
        actor=cast.manager, member=m, specialist=cast.specialist2, now=NOW, version=m.version
    )
    assert (m.first_contact_at, m.first_contact_note) == (None, "")
