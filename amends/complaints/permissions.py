"""Who may take which action on a complaint: the `who` sets of the transition table, applied to
a person's roles at the complaint's venue and their relations to it."""

from __future__ import annotations

from amends.complaints.models import Complaint, Revisit
from amends.complaints.transitions import ACTIONS, Action
from amends.orgs.models import User
from amends.orgs.selectors import scope_of


def actor_tokens(complaint: Complaint, actor: User) -> frozenset[str]:
    """The roles `actor` holds at the complaint's venue and their relations to it (receiver,
    owner, assignee, revisitor). Empty for an inactive user or another company's."""
    scope = scope_of(actor)
    if not actor.is_active or scope.company_id != complaint.company_id:
        return frozenset()
    tokens = set(scope.roles_at(complaint.venue_id))
    if complaint.received_by_id == actor.pk:
        tokens.add("receiver")
    if complaint.owner_id == actor.pk:
        tokens.add("owner")
    if complaint.assignee_id == actor.pk:
        tokens.add("assignee")
    if Revisit.objects.filter(complaint=complaint, assignee=actor, done_at__isnull=True).exists():
        tokens.add("revisitor")
    return frozenset(tokens)


def may(
    complaint: Complaint, actor: User, action: Action, *, tokens: frozenset[str] | None = None
) -> bool:
    """Whether `actor` holds a role or relation that `action` allows, on this complaint."""
    held = actor_tokens(complaint, actor) if tokens is None else tokens
    return bool(held & action.who)


def actions_available(complaint: Complaint, actor: User) -> list[Action]:
    """The actions `actor` may take now: allowed for them and possible in the current state.
    One query at most (the revisit relation), however many actions there are."""
    tokens = actor_tokens(complaint, actor)
    return [
        a
        for a in ACTIONS.values()
        if complaint.state in a.sources and may(complaint, actor, a, tokens=tokens)
    ]
