"""Staff pickers list only people the actor may act on, and the services refuse anyone else:
a crafted request naming someone from another venue or company changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from amends.complaints import services
from amends.complaints.models import Complaint, ComplaintEvent, Consequence
from amends.complaints.services.remedies import consequence_candidates
from amends.conftest import Cast
from amends.console.forms import QueueFilterForm
from amends.core.errors import InvalidInput
from amends.orgs.models import User


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def events(complaint: Complaint) -> int:
    return ComplaintEvent.objects.filter(complaint=complaint).count()


def test_the_consequence_picker_lists_the_venues_staff_only(cast: Cast) -> None:
    complaint = cast.receive()
    listed = set(consequence_candidates(complaint))
    assert {cast.coach, cast.desk, cast.manager, cast.director} <= listed
    assert cast.outsider not in listed and cast.stranger not in listed


@pytest.mark.parametrize("who", ["outsider", "stranger"])
def test_a_consequence_for_someone_from_elsewhere_is_refused(cast: Cast, who: str) -> None:
    complaint = cast.receive()
    before = (fresh(complaint).version, events(complaint))
    with pytest.raises(InvalidInput) as refused:
        services.consequence_record(
            complaint=complaint, actor=cast.manager, staff=getattr(cast, who), kind="warning"
        )
    assert refused.value.code == "foreign_staff"
    assert not Consequence.objects.exists()
    assert (fresh(complaint).version, events(complaint)) == before


def test_a_consequence_for_a_former_employee_is_refused(cast: Cast) -> None:
    complaint = cast.receive()
    User.objects.filter(pk=cast.coach.pk).update(is_active=False)
    gone = User.objects.get(pk=cast.coach.pk)
    with pytest.raises(InvalidInput):
        services.consequence_record(
            complaint=complaint, actor=cast.manager, staff=gone, kind="warning"
        )
    assert not Consequence.objects.exists()


def test_a_consequence_for_the_venues_staff_is_recorded(cast: Cast) -> None:
    complaint = cast.receive()
    services.consequence_record(
        complaint=complaint, actor=cast.manager, staff=cast.coach, kind="training", note="复训"
    )
    assert Consequence.objects.get().staff == cast.coach


def test_an_over_long_consequence_note_is_refused_by_the_service(cast: Cast) -> None:
    complaint = cast.receive()
    with pytest.raises(InvalidInput) as refused:
        services.consequence_record(
            complaint=complaint,
            actor=cast.manager,
            staff=cast.coach,
            kind="warning",
            note="长" * 501,
        )
    assert refused.value.code == "text_too_long"
    assert not Consequence.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "stranger", "coach"])
def test_assigning_to_someone_who_may_not_handle_it_here_is_refused(cast: Cast, who: str) -> None:
    complaint = cast.receive()
    before = (fresh(complaint).version, fresh(complaint).assignee_id, events(complaint))
    with pytest.raises(InvalidInput) as refused:
        services.complaint_assign(
            complaint=complaint, actor=cast.manager, assignee=getattr(cast, who)
        )
    assert refused.value.code == "assignee_not_eligible"
    after = fresh(complaint)
    assert (after.version, after.assignee_id, events(complaint)) == before


def test_an_over_long_assignment_note_is_refused_by_the_service(cast: Cast) -> None:
    complaint = cast.receive()
    before = (fresh(complaint).version, events(complaint))
    with pytest.raises(InvalidInput) as refused:
        services.complaint_assign(
            complaint=complaint, actor=cast.manager, assignee=cast.specialist2, reason="x" * 301
        )
    assert refused.value.code == "text_too_long"
    assert (fresh(complaint).version, events(complaint)) == before


@pytest.mark.parametrize(
    ("action", "field", "who"),
    [
        ("consequence", "staff", "outsider"),
        ("consequence", "staff", "stranger"),
        ("assign", "assignee", "outsider"),
        ("assign", "assignee", "stranger"),
    ],
)
def test_a_crafted_post_naming_someone_from_elsewhere_changes_nothing(
    client: Client, cast: Cast, action: str, field: str, who: str
) -> None:
    complaint = cast.receive()
    before = fresh(complaint)
    count = events(complaint)
    client.force_login(cast.manager)
    data = {"version": before.version, field: getattr(cast, who).pk, "kind": "warning"}
    response = client.post(reverse("console:act", args=[complaint.reference, action]), data)
    assert 400 <= response.status_code < 500
    after = fresh(complaint)
    assert (after.version, after.assignee_id) == (before.version, before.assignee_id)
    assert events(complaint) == count and not Consequence.objects.exists()


def test_the_queue_filter_lists_only_staff_of_the_actors_venues(cast: Cast) -> None:
    listed = set(QueueFilterForm(actor=cast.desk).fields["assignee"].queryset)  # type: ignore[attr-defined]
    assert cast.specialist in listed and cast.director in listed
    assert cast.outsider not in listed and cast.stranger not in listed
    everyone = set(QueueFilterForm(actor=cast.director).fields["assignee"].queryset)  # type: ignore[attr-defined]
    assert cast.outsider in everyone and cast.stranger not in everyone


def test_findings_and_interviews_name_only_the_venues_staff(cast: Cast) -> None:
    """The outsider works at the other gym: not responsible for, nor interviewed on, a complaint
    of this one; the coach here is."""
    complaint = cast.receive(
        description="教练上课迟到二十分钟。", category="service_attitude", severity="general"
    )
    complaint = services.complaint_accept(complaint=complaint, actor=cast.manager)
    with pytest.raises(InvalidInput) as refused:
        services.complaint_record_investigation(
            complaint=complaint, actor=cast.manager, responsible_staff=cast.outsider
        )
    assert refused.value.code == "foreign_staff"
    with pytest.raises(InvalidInput) as refused:
        services.interview_record(
            complaint=complaint,
            actor=cast.manager,
            interviewee="张教练",
            interviewee_role="staff",
            summary="承认迟到。",
            staff=cast.outsider,
        )
    assert refused.value.code == "foreign_staff"
    found = services.complaint_record_investigation(
        complaint=fresh(complaint), actor=cast.manager, responsible_staff=cast.coach
    )
    assert found.responsible_staff == cast.coach


def test_the_queue_filters_pickers_follow_the_people_and_categories_as_they_change(
    client: Client, cast: Cast
) -> None:
    """The filter's pickers come from the per-process cache: a person who leaves, one who
    joins, a name changed and a category renamed show at the next page; a sign-in, which
    saves the person's last login, keeps the cache."""
    client.force_login(cast.manager)

    def options() -> str:
        html = client.get(reverse("console:queue", args=["all"])).content.decode()
        return html[html.index('name="assignee"') : html.index('name="received_from"')]

    before = options()
    assert f'value="{cast.coach.pk}"' in before
    cast.coach.is_active = False
    cast.coach.save()
    assert f'value="{cast.coach.pk}"' not in options()
    from amends.orgs.services import role_grant, staff_create

    newcomer = staff_create(company=cast.company, username="newcomer", password="x-Long-pass-9")
    assert f'value="{newcomer.pk}"' not in options()  # no role here yet
    role_grant(user=newcomer, role="specialist", venue=cast.gym)
    assert f'value="{newcomer.pk}"' in options()
    newcomer.display_name = "新同事小周"
    newcomer.save()
    assert "新同事小周" in options()
    category = cast.category("service_quality")
    category.name_zh = "服务质量（新）"
    category.save()  # as the admin saves it
    assert "服务质量（新）" in client.get(reverse("console:queue", args=["all"])).content.decode()

    from django.contrib.auth.models import update_last_login

    from amends.core import config_cache

    generation = config_cache._generation(cast.company.pk)
    update_last_login(User, cast.desk)  # what a sign-in saves
    config_cache._generations.clear()
    assert config_cache._generation(cast.company.pk) == generation
