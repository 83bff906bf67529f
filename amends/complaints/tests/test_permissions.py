"""Who may do what: every action of the transition table, allowed and refused per role."""

import pytest

from amends.complaints import selectors, services
from amends.complaints.models import ComplaintEvent
from amends.complaints.permissions import may
from amends.complaints.tests.stories import drive, received
from amends.complaints.transitions import ACTIONS, ALLOWED, State
from amends.core.errors import NotFound, PermissionDenied

S = State
CAST = [
    "desk",
    "specialist",
    "specialist2",
    "manager",
    "maintenance",
    "courses",
    "coach",
    "director",
    "auditor",
    "outsider",
    "stranger",
]

# On a complaint received by desk (still its owner) and assigned to specialist.
EXPECTED = {
    "acknowledge": {"desk", "specialist", "specialist2", "manager", "director"},
    "assign": {"desk", "specialist", "specialist2", "manager", "director"},
    "accept": {"specialist", "manager", "director"},
    "mark_invalid": {"desk", "specialist", "manager", "director"},
    "explain": {"desk", "specialist", "specialist2", "manager", "director"},
    # The front desk and every specialist may propose (each within their authority limit).
    "propose_remedy": {"desk", "specialist", "specialist2", "manager", "director"},
    "submit_remedy": {"desk", "specialist", "specialist2", "manager", "director"},
    "approve": {"specialist", "specialist2", "manager", "director"},
    "reject": {"specialist", "specialist2", "manager", "director"},
    "record_acceptance": {"desk", "specialist", "specialist2", "manager", "director"},
    "record_refusal": {"desk", "specialist", "specialist2", "manager", "director"},
    "execute": {
        "desk",
        "specialist",
        "specialist2",
        "manager",
        "maintenance",
        "courses",
        "director",
    },
    "give_feedback": {"desk", "specialist", "specialist2", "manager", "director"},
    "record_revisit": {"specialist", "specialist2", "manager", "director"},
    "close": {"desk", "specialist", "specialist2", "manager", "director"},
    "reopen": {"desk", "specialist", "specialist2", "manager", "director"},
    "back_to_investigation": {"desk", "specialist", "manager", "director"},
    "decline": {"manager", "director"},
    "merge": {"specialist", "specialist2", "manager", "director"},
    "escalate": {"desk", "specialist", "specialist2", "manager", "director"},
    "extend_deadline": {"desk", "specialist", "manager", "director"},
    "investigate": {"desk", "specialist", "specialist2", "manager", "director"},
    "add_note": {
        "desk",
        "specialist",
        "specialist2",
        "manager",
        "maintenance",
        "courses",
        "director",
    },
    "add_evidence": {
        "desk",
        "specialist",
        "specialist2",
        "manager",
        "maintenance",
        "courses",
        "director",
    },
    "classify": {"desk", "specialist", "specialist2", "manager", "director"},
    "record_consequence": {"manager", "director"},
    "follow_up": {"desk", "specialist", "specialist2", "manager", "director"},
    "not_duplicate": {"desk", "specialist", "specialist2", "manager", "director"},
    # The conversation: staff who face the customer reply; only the customer writes to them.
    "reply_to_customer": {"desk", "specialist", "specialist2", "manager", "director"},
    "write_to_handler": set(),
}


def test_it_lists_who_may_take_every_action(cast):
    assert set(EXPECTED) == set(ACTIONS)
    c = drive(cast, S.ASSIGNED)
    for name, action in ACTIONS.items():
        allowed = {who for who in CAST if may(c, getattr(cast, who), action)}
        assert allowed == EXPECTED[name], name


def test_it_never_lets_the_auditor_coach_or_another_venue_act(cast):
    c = drive(cast, S.ASSIGNED)
    for who in ("auditor", "coach", "outsider", "stranger"):
        assert selectors.actions_for_actor(actor=getattr(cast, who), complaint=c) == []


def test_it_offers_only_actions_that_fit_the_current_state(cast):
    c = drive(cast, S.INVESTIGATING)
    offered = {a.name for a in selectors.actions_for_actor(actor=cast.specialist, complaint=c)}
    # While investigating, the specialist (now its owner) finds it invalid or proposes a
    # remedy, and may work on it; nothing that belongs to another step, nor a supervisor's decline.
    assert offered == {
        "mark_invalid",
        "propose_remedy",
        "investigate",
        "classify",
        "add_note",
        "add_evidence",
        "reply_to_customer",
        "assign",
        "escalate",
        "extend_deadline",
        "merge",
    }


def test_every_allowed_state_change_has_a_path_in_the_table():
    assert (S.RECEIVED, S.ACKNOWLEDGED) in ALLOWED
    assert (S.CLOSED, S.INVESTIGATING) in ALLOWED
    assert (S.CLOSED, S.RECEIVED) not in ALLOWED
    assert (S.MERGED, S.INVESTIGATING) not in ALLOWED
    assert all(
        source not in (S.CLOSED, S.DECLINED, S.MERGED) or target == S.INVESTIGATING
        for source, target in ALLOWED
        if source != target
    )


@pytest.mark.parametrize(
    ("state", "to", "refused", "allowed"),
    [
        (S.RECEIVED, S.ACKNOWLEDGED, "coach", "desk"),
        (S.ASSIGNED, S.INVESTIGATING, "specialist2", "specialist"),
        (S.INVALID, S.EXPLAINED, "maintenance", "specialist"),
        (S.EXPLAINED, S.CLOSED, "auditor", "specialist"),
        (S.REVISIT_DONE, S.CLOSED, "courses", "manager"),
        (S.CLOSED, S.INVESTIGATING, "maintenance", "manager"),
        (S.INVESTIGATING, S.DECLINED, "specialist", "director"),
    ],
)
def test_it_refuses_the_wrong_role_at_the_gate_and_changes_nothing(
    cast, state, to, refused, allowed
):
    c = drive(cast, state)
    before = (c.version, ComplaintEvent.objects.filter(complaint=c).count())
    reason = "客户不满意" if to in (S.INVESTIGATING, S.DECLINED, S.EXPLAINED) else ""
    with pytest.raises(PermissionDenied):
        services.complaint_transition(
            complaint=c, to=to, actor=getattr(cast, refused), reason=reason
        )
    c.refresh_from_db()
    assert (c.version, ComplaintEvent.objects.filter(complaint=c).count()) == before
    c = services.complaint_transition(
        complaint=c, to=to, actor=getattr(cast, allowed), reason=reason
    )
    assert c.state == to


def test_it_hides_other_companies_complaints_as_not_found(cast):
    c = received(cast)
    with pytest.raises(NotFound):
        services.complaint_transition(complaint=c, to=S.ACKNOWLEDGED, actor=cast.stranger)
    with pytest.raises(NotFound):
        selectors.complaint_get_for_actor(actor=cast.stranger, pk=c.pk)
