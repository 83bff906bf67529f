"""A person's reach comes from their role grants."""

import pytest

from amends.core.errors import InvalidInput
from amends.orgs.selectors import forget_scope, scope_of, venues_for_actor
from amends.orgs.services import role_grant


def test_it_scopes_roles_to_venues(cast):
    scope = scope_of(cast.desk)
    assert scope.roles_at(cast.gym.pk) == {"front_desk"}
    assert scope.roles_at(cast.gym2.pk) == frozenset()
    assert set(venues_for_actor(actor=cast.desk)) == {cast.gym}


def test_company_wide_roles_span_every_venue(cast):
    assert scope_of(cast.director).spans_company
    assert set(venues_for_actor(actor=cast.director)) == {cast.gym, cast.gym2, cast.hotel}
    assert set(venues_for_actor(actor=cast.stranger)).isdisjoint({cast.gym, cast.gym2, cast.hotel})


def test_it_refuses_a_grant_at_another_companys_venue(cast):
    with pytest.raises(InvalidInput) as refused:
        role_grant(user=cast.stranger, role="manager", venue=cast.gym)
    assert refused.value.code == "foreign_venue"


def test_an_inactive_user_reaches_nothing(cast):
    cast.desk.is_active = False
    cast.desk.save()
    forget_scope(cast.desk)
    assert scope_of(cast.desk).roles_at(cast.gym.pk) == frozenset()
