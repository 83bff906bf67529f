"""Which kinds of remedy fit which kinds of venue — pure data, no database.

A gym does not offer a room upgrade or a late checkout, and a hotel does not extend a gym
membership or rebook a class. The catalogue offers only the kinds that fit the complaint's
venue; `remedy_propose` refuses the others (`remedy_not_offered_here`).
"""

from __future__ import annotations

from amends.complaints.models import RemedyProposal
from amends.orgs.models import Venue

K = RemedyProposal.Kind
V = Venue.Kind

EVERY_VENUE = frozenset(V.values)

# The kinds that only some venues offer; every other kind fits every venue.
ONLY_AT: dict[str, frozenset[str]] = {
    K.CLASS_ADJUSTMENT: frozenset({V.GYM}),
    K.MEMBERSHIP_EXTENSION: frozenset({V.GYM}),
    K.ROOM_CHANGE: frozenset({V.HOTEL}),
    K.LATE_CHECKOUT: frozenset({V.HOTEL}),
}


def venue_kinds_for(kind: str) -> frozenset[str]:
    """The kinds of venue that offer remedy `kind`."""
    return ONLY_AT.get(kind, EVERY_VENUE)


def fits(kind: str, venue_kind: str) -> bool:
    return kind in K.values and venue_kind in venue_kinds_for(kind)


def kinds_for(venue_kind: str) -> list[str]:
    """The remedy kinds a venue of this kind offers, in the order of RemedyProposal.Kind."""
    return [kind for kind in K.values if fits(kind, venue_kind)]
