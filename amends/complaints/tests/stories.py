"""Drive a complaint to any state through the real services, as people would (STYLE §8)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from amends.complaints import services
from amends.complaints.catalogue import perform
from amends.complaints.models import Complaint, RemedyProposal
from amends.complaints.transitions import State
from amends.conftest import Cast

S = State

PATH_VALID = [
    S.RECEIVED,
    S.ACKNOWLEDGED,
    S.ASSIGNED,
    S.INVESTIGATING,
    S.REMEDY_PROPOSED,
    S.APPROVAL_PENDING,
    S.APPROVED,
    S.CUSTOMER_ACCEPTED,
    S.REMEDY_EXECUTED,
    S.FEEDBACK_GIVEN,
    S.REVISIT_DONE,
    S.CLOSED,
]
PATH_INVALID = [
    S.RECEIVED,
    S.ACKNOWLEDGED,
    S.ASSIGNED,
    S.INVESTIGATING,
    S.INVALID,
    S.EXPLAINED,
    S.CLOSED,
]


def received(cast: Cast, **fields: Any) -> Complaint:
    intake: dict[str, Any] = {
        "channel": "front_desk",
        "description": "私教课迟到二十分钟，态度很差。",
        "customer_name": "李娜",
        "phone": "13912345678",
        "category": cast.category("service_quality"),
        "severity": "general",
    }
    intake.update(fields)
    return services.complaint_receive(
        actor=cast.desk,
        venue=cast.gym,
        intake=services.Intake(**intake),
        acknowledge=False,
        auto_assign=False,
    )


def drive(
    cast: Cast,
    to: str,
    *,
    amount: Decimal | int = 500,
    complaint: Complaint | None = None,
    **fields: Any,
) -> Complaint:
    """A complaint received by `desk`, handled by `specialist`, brought to state `to`.

    The remedy path proposes `amount` (¥500 by default: above the specialist's ¥200, so the
    manager must approve it).
    """
    path = PATH_INVALID if to in (S.INVALID, S.EXPLAINED) else PATH_VALID
    c = complaint or received(cast, **fields)
    for step in path[path.index(S(c.state)) + 1 : path.index(S(to)) + 1]:
        c = _step(cast, c, step, Decimal(amount))
    return c


def act(name: str, c: Complaint, actor: Any, **data: Any) -> Any:
    """Take catalogued action `name` on `c` as `actor` would through any face: the current
    version is sent with the input."""
    current = Complaint.objects.get(pk=c.pk)
    return perform(name, complaint=current, actor=actor, data={"version": current.version, **data})


def _step(cast: Cast, c: Complaint, step: str, amount: Decimal) -> Complaint:
    sp = cast.specialist
    if step == S.ACKNOWLEDGED:
        return act("acknowledge", c, cast.desk)
    if step == S.ASSIGNED:
        return act("assign", c, cast.desk, assignee=sp.pk)
    if step == S.INVESTIGATING:
        return act("accept", c, sp)
    if step == S.INVALID:
        act(
            "investigation",
            c,
            sp,
            report="监控显示会员自己操作不当。",
            validity="invalid",
            responsibility="customer",
        )
        return act("mark_invalid", c, sp)
    if step == S.EXPLAINED:
        return act("explain", c, sp, message="经查看监控，系操作不当，已为您讲解正确用法。")
    if step == S.REMEDY_PROPOSED:
        act(
            "investigation",
            c,
            sp,
            report="教练确实迟到。",
            validity="valid",
            responsibility="staff",
            cause="subjective",
        )
        act("propose_remedy", c, sp, kind="refund", description="退还一节课费用", amount=amount)
        return Complaint.objects.get(pk=c.pk)
    if step == S.APPROVAL_PENDING:
        return act("submit_remedy", c, sp)
    if step == S.APPROVED:
        if c.state == S.APPROVAL_PENDING:
            approver = cast.manager if amount <= 2000 else cast.director
            for proposal in RemedyProposal.objects.filter(complaint=c, status="pending"):
                c = act("approve", c, approver, proposal=proposal.pk, comment="同意")
            return c
        return act("submit_remedy", c, sp)
    if step == S.CUSTOMER_ACCEPTED:
        return act("consent", c, cast.desk, accepted="yes", method="signature")
    if step == S.REMEDY_EXECUTED:
        return act("execute", c, sp, note="已退款")
    if step == S.FEEDBACK_GIVEN:
        return act("feedback", c, sp, message="已退款并向您致歉。")
    if step == S.REVISIT_DONE:
        revisit = c.revisits.get(done_at__isnull=True)
        act("revisit", c, revisit.assignee, reached="yes", satisfied="yes", method="phone")
        return Complaint.objects.get(pk=c.pk)
    if step == S.CLOSED:
        return act("close", c, sp)
    raise AssertionError(f"no step to {step}")
