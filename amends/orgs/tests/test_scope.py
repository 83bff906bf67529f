"""A person's reach comes from their role grants."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from amends.core.errors import InvalidInput
from amends.orgs.models import RoleGrant, User
from amends.orgs.selectors import forget_scope, scope_of, users_with_role, venues_for_actor
from amends.orgs.services import role_grant, staff_create, staff_set_language


def test_it_scopes_roles_to_venues(cast):
    scope = scope_of(cast.desk)
    assert scope.roles_at(cast.gym.pk) == {"front_desk"}
    assert scope.roles_at(cast.gym2.pk) == frozenset()
    assert set(venues_for_actor(actor=cast.desk)) == {cast.gym}


def test_company_wide_roles_span_every_venue(cast):
    assert scope_of(cast.director).spans_company
    assert not scope_of(cast.manager).spans_company
    assert set(venues_for_actor(actor=cast.director)) == {cast.gym, cast.gym2, cast.hotel}
    # The stranger's company-wide director role spans their own company only.
    assert [v.code for v in venues_for_actor(actor=cast.stranger)] == ["OGYM"]


def test_it_gives_several_roles_at_one_venue_and_none_elsewhere(cast):
    scope = scope_of(cast.outsider)
    assert scope.roles_at(cast.gym2.pk) == {"front_desk", "specialist", "manager"}
    assert scope.roles_at(cast.gym.pk) == frozenset()
    assert scope.wide_venue_ids() == {cast.gym2.pk}
    assert scope.department_ids == {
        cast.dept("front_office", cast.gym2).pk,
        cast.dept("customer_service", cast.gym2).pk,
    }
    assert [v.code for v in venues_for_actor(actor=cast.outsider)] == ["GYM2"]


def test_it_lets_department_roles_see_only_their_department(cast):
    scope = scope_of(cast.maintenance)
    assert scope.roles_at(cast.gym.pk) == {"maintenance"}
    assert scope.wide_venue_ids() == frozenset()
    assert scope.department_ids == {cast.dept("maintenance").pk}


def test_it_refuses_a_grant_at_another_companys_venue(cast):
    with pytest.raises(InvalidInput) as refused:
        role_grant(user=cast.stranger, role="manager", venue=cast.gym)
    assert refused.value.code == "foreign_venue"
    assert scope_of(cast.stranger).roles_at(cast.gym.pk) == {"director"}  # company-wide only
    assert not cast.stranger.grants.filter(venue=cast.gym).exists()


def test_it_refuses_a_department_of_another_venue_and_an_unknown_role(cast):
    with pytest.raises(InvalidInput) as refused:
        role_grant(
            user=cast.coach,
            role="staff",
            venue=cast.gym,
            department=cast.dept("courses", cast.gym2),
        )
    assert refused.value.code == "foreign_department"
    with pytest.raises(InvalidInput) as refused:
        role_grant(user=cast.coach, role="department", department=cast.dept("courses"))
    assert refused.value.code == "unknown_role"
    with pytest.raises(InvalidInput) as refused:
        role_grant(user=cast.coach, role="staff", department=cast.dept("courses"))
    assert refused.value.code == "foreign_department"  # a department needs its venue
    assert cast.coach.grants.count() == 1


def test_it_grants_a_role_once_and_sees_it_at_once(cast):
    assert scope_of(cast.coach).roles_at(cast.gym.pk) == {"staff"}  # cached on the user
    first = role_grant(user=cast.coach, role="specialist", venue=cast.gym)
    again = role_grant(user=cast.coach, role="specialist", venue=cast.gym)
    assert first.pk == again.pk
    assert cast.coach.grants.filter(role="specialist").count() == 1
    assert scope_of(cast.coach).roles_at(cast.gym.pk) == {"staff", "specialist"}


def test_it_finds_who_holds_a_role_at_a_venue_including_company_wide_grants(cast):
    def holders(venue, *roles, department=None):
        found = users_with_role(venue=venue, roles=roles, department=department)
        return [u.username for u in found]

    assert holders(cast.gym, "manager", "director") == ["manager", "director"]
    assert holders(cast.gym2, "manager", "director") == ["director", "outsider"]
    assert holders(cast.gym, "specialist") == ["specialist", "specialist2"]
    assert holders(cast.gym, "specialist", department=cast.dept("front_office")) == []
    User.objects.filter(pk=cast.specialist2.pk).update(is_active=False)  # no service for it yet
    assert holders(cast.gym, "specialist") == ["specialist"]


def test_an_inactive_user_reaches_nothing(cast):
    assert scope_of(cast.desk).roles_at(cast.gym.pk) == {"front_desk"}
    cast.desk.is_active = False
    cast.desk.save()
    forget_scope(cast.desk)
    assert scope_of(cast.desk).roles_at(cast.gym.pk) == frozenset()
    assert list(venues_for_actor(actor=cast.desk)) == []


def test_it_refuses_a_taken_username_and_an_unknown_language(cast):
    with pytest.raises(InvalidInput) as refused:
        staff_create(company=cast.company, username="desk", password="x")
    assert refused.value.code == "username_taken"
    assert User.objects.filter(username="desk").count() == 1
    with pytest.raises(InvalidInput) as refused:
        staff_set_language(user=cast.desk, language="fr")
    assert refused.value.code == "invalid_language"
    assert User.objects.get(pk=cast.desk.pk).language == "zh-hans"
    staff_set_language(user=cast.desk, language="en")
    assert User.objects.get(pk=cast.desk.pk).language == "en"


def test_it_makes_an_account_that_cannot_sign_in_when_given_no_password(cast):
    coach = staff_create(company=cast.company, username="coach.li", password=None)
    assert not coach.has_usable_password()
    assert (coach.company, coach.language, coach.is_staff) == (cast.company, "zh-hans", False)


def test_grants_are_read_once_and_afresh_when_one_changes(cast):
    """The grants behind a scope are kept in the per-process cache: a fresh user object reads
    none, and a grant taken away or given (by the service, the admin, a delete) applies at the
    next read."""

    def fresh():
        return User.objects.get(pk=cast.desk.pk)

    assert scope_of(fresh()).roles_at(cast.gym.pk) == {"front_desk"}
    desk = fresh()
    with CaptureQueriesContext(connection) as seen:
        assert scope_of(desk).roles_at(cast.gym.pk) == {"front_desk"}
    assert len(seen) == 0
    RoleGrant.objects.filter(user=cast.desk, role="front_desk").delete()
    assert scope_of(fresh()).roles_at(cast.gym.pk) == frozenset()
    RoleGrant.objects.create(user=cast.desk, role="specialist", venue=cast.gym2)  # as the admin
    assert scope_of(fresh()).roles_at(cast.gym2.pk) == {"specialist"}
    role_grant(user=fresh(), role="manager", venue=None)
    assert scope_of(fresh()).roles_at(cast.hotel.pk) == {"manager"}
    assert scope_of(User.objects.get(pk=cast.coach.pk)).roles_at(cast.gym.pk) == {"staff"}
