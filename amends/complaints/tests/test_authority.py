"""Handling authority (处理权限) as a chain lives it: every role that may propose a remedy does,
the front desk included; within the proposer's own limit (their personal one where the admin
set it) it is approved at once; above it, the lowest role of specialist → manager → general
manager → director whose limit covers it — and whom the venue has — approves. Remedies fit the
venue: no room upgrade at a gym."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from amends.complaints import catalogue, selectors, services
from amends.complaints.models import Complaint, RemedyProposal
from amends.complaints.tests.stories import act, drive
from amends.complaints.transitions import State
from amends.conftest import Cast, _staff, local
from amends.core import clock
from amends.core.errors import InvalidInput, PermissionDenied
from amends.notifications.models import Outbox
from amends.orgs.roles import Role
from amends.workflow.models import AuthorityLimit, PersonalAuthorityLimit

S = State


@pytest.fixture
def monday(cast: Cast) -> Any:
    with clock.travel(local(2026, 10, 12, 10, 0)):
        yield


def investigated(cast: Cast, **fields: Any) -> Complaint:
    """A coach twenty minutes late for a PT session: received by desk, investigated by
    specialist, found valid — ready for a remedy."""
    c = drive(cast, S.INVESTIGATING, **fields)
    act(
        "investigation",
        c,
        cast.specialist,
        report="教练确实迟到二十分钟。",
        validity="valid",
        responsibility="staff",
        cause="subjective",
    )
    return Complaint.objects.get(pk=c.pk)


def propose(c: Complaint, actor: Any, amount: int, kind: str = "voucher") -> Complaint:
    act("propose_remedy", c, actor, kind=kind, description=f"补偿{amount}元", amount=amount)
    return act("submit_remedy", c, actor)


def pending(c: Complaint) -> RemedyProposal:
    return RemedyProposal.objects.get(complaint=c, status="pending")


def asked(c: Complaint) -> set[str]:
    rows = Outbox.objects.filter(complaint_id=c.pk, kind="approval_request", channel="in_app")
    return set(rows.values_list("recipient_user__username", flat=True))


def test_it_lets_the_front_desk_settle_80_yuan_at_once(cast: Cast, monday: Any) -> None:
    c = propose(investigated(cast), cast.desk, 80)
    assert c.state == S.APPROVED
    proposal = c.remedies.get()
    assert (proposal.status, proposal.amount, proposal.decided_by) == (
        "approved",
        Decimal("80.00"),
        cast.desk,
    )
    assert asked(c) == set()


def test_it_sends_800_yuan_from_the_front_desk_to_the_manager(cast: Cast, monday: Any) -> None:
    c = propose(investigated(cast), cast.desk, 800)
    assert (c.state, c.approval_role, pending(c).approval_role) == (
        S.APPROVAL_PENDING,
        "manager",
        "manager",
    )
    assert asked(c) == {"manager"}
    with pytest.raises(PermissionDenied) as refused:
        services.remedy_approve(proposal=pending(c), actor=cast.specialist2)
    assert refused.value.code == "authority_exceeded"
    c = act("approve", c, cast.manager, proposal=pending(c).pk, comment="同意")
    assert c.state == S.APPROVED


def test_it_lets_a_specialist_with_a_personal_limit_approve_1000_yuan(
    cast: Cast, monday: Any
) -> None:
    PersonalAuthorityLimit.objects.create(
        user=cast.specialist2, limit=Decimal("1500"), reason="资深客服，2026年第四季度授权"
    )
    c = propose(investigated(cast), cast.desk, 1000)
    assert (c.state, c.approval_role) == (S.APPROVAL_PENDING, "manager")  # roles decide who
    proposal = pending(c)
    # It waits in specialist2's approvals inbox too, not in specialist's.
    inbox = selectors.queue_for_actor(actor=cast.specialist2, name="approvals")
    assert list(inbox.values_list("pk", flat=True)) == [c.pk]
    assert not selectors.queue_for_actor(actor=cast.specialist, name="approvals").exists()
    # specialist is held to the role's ¥200; specialist2's own ¥1,500 covers it.
    assert selectors.decidable_proposal_ids(actor=cast.specialist, complaint=c) == set()
    assert selectors.decidable_proposal_ids(actor=cast.specialist2, complaint=c) == {proposal.pk}
    with pytest.raises(PermissionDenied):
        services.remedy_approve(proposal=proposal, actor=cast.specialist)
    c = act("approve", c, cast.specialist2, proposal=proposal.pk, comment="在授权范围内")
    assert c.state == S.APPROVED
    assert RemedyProposal.objects.get(pk=proposal.pk).decided_by == cast.specialist2


def test_it_lets_a_personal_limit_lower_what_the_role_allows(cast: Cast, monday: Any) -> None:
    PersonalAuthorityLimit.objects.create(user=cast.desk, limit=Decimal("0"), reason="试用期")
    c = propose(investigated(cast), cast.desk, 80)
    assert (c.state, c.approval_role) == (S.APPROVAL_PENDING, "specialist")


def test_it_sends_8000_yuan_to_the_general_manager_when_the_limits_say_so(
    cast: Cast, monday: Any
) -> None:
    gm = _staff(cast.company, "gm", (Role.GENERAL_MANAGER, cast.gym, None))
    c = propose(investigated(cast), cast.specialist, 8000, kind="medical_costs")
    assert (c.state, c.approval_role) == (S.APPROVAL_PENDING, "general_manager")
    assert asked(c) == {"gm"}
    with pytest.raises(PermissionDenied) as refused:
        services.remedy_approve(proposal=pending(c), actor=cast.manager)
    assert refused.value.code == "authority_exceeded"
    c = act("approve", c, gm, proposal=pending(c).pk, comment="医药费按票据报销")
    assert c.state == S.APPROVED

    # The company lowers the general manager's limit to ¥5,000: ¥8,000 needs the director.
    AuthorityLimit.objects.filter(company=cast.company, role="general_manager").update(
        limit=Decimal("5000")
    )
    c = propose(investigated(cast, phone="13912340000"), cast.specialist, 8000)
    assert c.approval_role == "director"
    assert asked(c) == {"director"}


def test_it_skips_the_general_manager_a_venue_does_not_have(cast: Cast, monday: Any) -> None:
    c = propose(investigated(cast), cast.specialist, 8000, kind="property_costs")
    assert (c.state, c.approval_role) == (S.APPROVAL_PENDING, "director")
    assert asked(c) == {"director"}


def kinds_offered(c: Complaint, actor: Any) -> set[str]:
    form = catalogue.bind("propose_remedy", complaint=c, actor=actor)
    return {value for value, _label in form.fields["kind"].choices}


def test_it_offers_a_gym_no_hotel_remedy_and_refuses_one(cast: Cast, monday: Any) -> None:
    c = investigated(cast)
    offered = kinds_offered(c, cast.specialist)
    assert {"room_change", "late_checkout"} & offered == set()
    assert {"class_adjustment", "membership_extension", "medical_costs", "property_costs"} <= (
        offered
    )
    with translation.override("zh-hans"), pytest.raises(InvalidInput) as refused:
        services.remedy_propose(
            complaint=c, actor=cast.specialist, kind="room_change", description="升级套房"
        )
    assert refused.value.code == "remedy_not_offered_here"
    assert str(refused.value) == "本门店不提供此类处理方案：换房或升级房型。"
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        services.remedy_propose(
            complaint=c, actor=cast.specialist, kind="late_checkout", description="Late checkout"
        )
    assert str(refused.value) == "This venue does not offer this remedy: Late checkout."
    assert not c.remedies.exists()
    with pytest.raises(InvalidInput):  # the catalogue's form refuses it before the service
        act("propose_remedy", c, cast.specialist, kind="late_checkout", description="延迟退房")
    assert Complaint.objects.get(pk=c.pk).state == S.INVESTIGATING


def test_it_offers_a_hotel_its_own_remedies_and_no_gym_ones(cast: Cast, monday: Any) -> None:
    hotel_manager = _staff(
        cast.company, "htl.manager", (Role.MANAGER, cast.hotel, "customer_service")
    )
    c = cast.receive(venue=cast.hotel, actor=hotel_manager, category="noise")
    offered = kinds_offered(c, hotel_manager)
    assert {"room_change", "late_checkout", "medical_costs"} <= offered
    assert {"class_adjustment", "membership_extension"} & offered == set()


def test_it_shows_role_and_personal_limits_in_the_admin(cast: Cast, admin_client: Any) -> None:
    PersonalAuthorityLimit.objects.create(user=cast.specialist2, limit=Decimal("1500"))
    with translation.override("zh-hans"):
        listed = admin_client.get(reverse("admin:workflow_personalauthoritylimit_changelist"))
        assert listed.status_code == 200 and "Specialist2: 1500.00" in listed.content.decode()
        page = admin_client.get(reverse("admin:orgs_user_change", args=[cast.specialist2.pk]))
        assert page.status_code == 200
        assert 'name="authority_override-0-limit" value="1500.00"' in page.content.decode()
        roles = admin_client.get(reverse("admin:workflow_authoritylimit_changelist"))
        assert "店长" in roles.content.decode()
