"""Remedies and handling authority (处理权限): within the proposer's limit no approval is
needed; above it the lowest role whose limit covers the amount must approve."""

import pytest

from amends.complaints import services
from amends.complaints.models import ComplaintEvent, RemedyProposal
from amends.complaints.tests.stories import drive
from amends.complaints.transitions import State
from amends.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from amends.notifications.models import Outbox
from amends.workflow.models import AuthorityLimit

S = State


def pending(c):
    return RemedyProposal.objects.get(complaint=c, status="pending")


def test_it_approves_a_remedy_within_the_proposers_authority_at_once(cast):
    c = drive(cast, S.REMEDY_PROPOSED, amount=150)
    c = services.remedy_submit(complaint=c, actor=cast.specialist)
    assert c.state == S.APPROVED
    assert c.remedies.get().decided_by == cast.specialist
    assert ComplaintEvent.objects.filter(
        complaint=c, kind="transition", data__within_authority=True
    ).exists()


def test_it_sends_a_larger_remedy_to_the_manager_for_approval(cast):
    c = drive(cast, S.APPROVAL_PENDING, amount=500)
    assert c.approval_role == "manager"
    asked = Outbox.objects.filter(complaint_id=c.pk, kind="approval_request", channel="in_app")
    assert set(asked.values_list("recipient_user__username", flat=True)) == {"manager"}
    with pytest.raises(PermissionDenied) as refused:
        services.remedy_approve(proposal=pending(c), actor=cast.specialist2)
    assert refused.value.code == "authority_exceeded"
    c = services.remedy_approve(proposal=pending(c), actor=cast.manager, comment="同意退款")
    assert c.state == S.APPROVED and c.approval_role == ""


def test_it_needs_the_director_above_the_managers_limit(cast):
    c = drive(cast, S.APPROVAL_PENDING, amount=3000)
    assert c.approval_role == "director"
    with pytest.raises(PermissionDenied) as refused:
        services.remedy_approve(proposal=pending(c), actor=cast.manager)
    assert refused.value.code == "authority_exceeded"
    assert pending(c).decided_by is None
    c = services.remedy_approve(proposal=pending(c), actor=cast.director)
    assert c.state == S.APPROVED


def test_it_follows_the_companys_own_authority_limits(cast):
    AuthorityLimit.objects.filter(company=cast.company, role="specialist").update(limit=1000)
    c = drive(cast, S.REMEDY_PROPOSED, amount=800)
    assert services.remedy_submit(complaint=c, actor=cast.specialist).state == S.APPROVED


def test_it_approves_the_part_within_authority_and_asks_for_the_rest(cast):
    c = drive(cast, S.REMEDY_PROPOSED, amount=500)
    services.remedy_propose(
        complaint=c, actor=cast.specialist, kind="apology", description="当面道歉", amount=0
    )
    c = services.remedy_submit(complaint=c, actor=cast.specialist)
    assert c.state == S.APPROVAL_PENDING
    assert dict(c.remedies.values_list("kind", "status")) == {
        "refund": "pending",
        "apology": "approved",
    }
    c = services.remedy_reject(
        proposal=pending(c), actor=cast.manager, comment="金额过高，改为赠课"
    )
    assert c.state == S.APPROVED


def test_it_rejects_only_with_a_reason_and_lets_the_handler_propose_again(cast):
    c = drive(cast, S.APPROVAL_PENDING, amount=500)
    with pytest.raises(InvalidInput) as refused:
        services.remedy_reject(proposal=pending(c), actor=cast.manager, comment="")
    assert refused.value.code == "needs_reason"
    assert pending(c).decided_by is None
    c = services.remedy_reject(proposal=pending(c), actor=cast.manager, comment="金额过高")
    assert c.state == S.REJECTED
    services.remedy_propose(
        complaint=c, actor=cast.specialist, kind="voucher", description="赠送两节课", amount=150
    )
    c = services.remedy_submit(complaint=c, actor=cast.specialist)
    assert c.state == S.APPROVED


def test_it_records_how_the_customer_answered(cast):
    c = drive(cast, S.APPROVED)
    with pytest.raises(InvalidInput) as refused:
        services.remedy_record_consent(complaint=c, actor=cast.desk, accepted=False, method="phone")
    assert refused.value.code == "needs_reason"
    assert not c.consents.exists()
    c = services.remedy_record_consent(
        complaint=c, actor=cast.desk, accepted=False, method="phone", note="客户要求全额退款"
    )
    assert c.state == S.CUSTOMER_DECLINED
    consent = c.consents.get()
    assert (consent.accepted, consent.method, consent.recorded_by) == (False, "phone", cast.desk)
    c = services.complaint_transition(
        complaint=c, to=S.INVESTIGATING, actor=cast.specialist, reason="重新核实"
    )
    assert c.state == S.INVESTIGATING


def test_it_cannot_approve_what_is_not_awaiting_approval(cast):
    c = drive(cast, S.APPROVED, amount=500)
    proposal = c.remedies.get()
    with pytest.raises(InvalidTransition) as refused:
        services.remedy_approve(proposal=proposal, actor=cast.director)
    assert refused.value.code == "not_pending"
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == ("approved", cast.manager)
