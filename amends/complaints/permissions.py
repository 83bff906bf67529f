"""Who may take which action on a complaint: the `who` sets of the transition table, applied to
the principal who acts.

A principal holds tokens on a complaint:
- a staff member: the roles they hold at the complaint's venue and their relations to it
  (`receiver`, `owner`, `assignee`, `revisitor`);
- the customer: `complainant`, on their own complaints only (and only on the one complaint a
  per-complaint link proves);
- an API key: `api:<scope>` for each of its scopes, on complaints of its company (and venue);
- the system: `system`.
A principal that may not see the complaint at all holds no token, and the services answer as if
the complaint did not exist.
"""

from __future__ import annotations

from amends.complaints.models import Complaint, Revisit
from amends.complaints.requirements import offered
from amends.complaints.transitions import ACTIONS, Action, State
from amends.core.principals import Principal, PrincipalKind, as_principal
from amends.orgs.models import User
from amends.orgs.selectors import scope_of

Actor = User | Principal
"""What services accept as `actor`: a principal, or a user (a staff principal)."""

COMPLAINANT = "complainant"
SYSTEM = "system"
# States a complaint is in before anyone could revisit it: a revisit is scheduled at feedback or
# at closure (`followups.revisit_schedule`), and a reopening deletes the open one, so a complaint
# in these states has none (and `actor_tokens` need not look).
BEFORE_ANY_REVISIT = frozenset({State.RECEIVED, State.ACKNOWLEDGED, State.ASSIGNED})


def api_token(scope: str) -> str:
    return f"api:{scope}"


def can_see(complaint: Complaint, actor: Actor) -> bool:
    """Whether the principal may know this complaint exists (company, venue, customer)."""
    p = as_principal(actor)
    if p.kind == PrincipalKind.SYSTEM:
        return True
    if p.company_id != complaint.company_id:
        return False
    if p.kind == PrincipalKind.CUSTOMER:
        return p.ref == complaint.customer_id and p.complaint_id in (None, complaint.pk)
    if p.kind == PrincipalKind.API_KEY:
        return p.venue_id in (None, complaint.venue_id)
    return True


def actor_tokens(
    complaint: Complaint, actor: Actor, *, revisiting: bool | None = None
) -> frozenset[str]:
    """The tokens `actor` holds on `complaint` (see the module docstring). Empty for an inactive
    user, another company's principal, or a customer's other complaints. `revisiting`: whether
    the actor has an open revisit of it, when the caller read that for many complaints at once
    (else one query here)."""
    p = as_principal(actor)
    if not can_see(complaint, p):
        return frozenset()
    if p.kind == PrincipalKind.SYSTEM:
        return frozenset({SYSTEM})
    if p.kind == PrincipalKind.CUSTOMER:
        return frozenset({COMPLAINANT})
    if p.kind == PrincipalKind.API_KEY:
        return frozenset(api_token(scope) for scope in p.scopes)
    user: User = p.user
    if not user.is_active:
        return frozenset()
    tokens = set(scope_of(user).roles_at(complaint.venue_id))
    if complaint.received_by_id == user.pk:
        tokens.add("receiver")
    if complaint.owner_id == user.pk:
        tokens.add("owner")
    if complaint.assignee_id == user.pk:
        tokens.add("assignee")
    if revisiting is None and complaint.state in BEFORE_ANY_REVISIT:
        revisiting = False  # no query: a revisit is scheduled at feedback or closure only
    if revisiting is None:
        revisiting = Revisit.objects.filter(
            complaint=complaint, assignee=user, done_at__isnull=True
        ).exists()
    if revisiting:
        tokens.add("revisitor")
    return frozenset(tokens)


def may(
    complaint: Complaint, actor: Actor, action: Action, *, tokens: frozenset[str] | None = None
) -> bool:
    """Whether `actor` holds a role, relation or scope that `action` allows, on this complaint."""
    held = actor_tokens(complaint, actor) if tokens is None else tokens
    return bool(held & action.who)


def actions_available(complaint: Complaint, actor: Actor) -> list[Action]:
    """The actions `actor` may take now: allowed for them and possible in the current state.
    One query at most (the revisit relation), however many actions there are."""
    tokens = actor_tokens(complaint, actor)
    return [
        a
        for a in ACTIONS.values()
        if complaint.state in a.sources
        and may(complaint, actor, a, tokens=tokens)
        and offered(complaint, a)
    ]
