"""Reads for member care, scoped by the actor's role grants.

(Skeleton: the signatures are final; the bodies land next.)
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet

from amends.care.models import CampaignCall, PointsMovement, RevisitCampaign
from amends.members.models import Member
from amends.orgs.models import Company, User, Venue


def members_for(
    actor: User, *, venue: Venue | None = None, q: str = "", specialist: User | None = None
) -> QuerySet[Member]:
    raise NotImplementedError


def member_get(actor: User, pk: int) -> Member:
    raise NotImplementedError


def member_book(actor: User) -> QuerySet[Member]:
    raise NotImplementedError


def calls_due(actor: User, *, day: date) -> list[CampaignCall]:
    raise NotImplementedError


def campaigns_for(actor: User, venue: Venue | None = None) -> QuerySet[RevisitCampaign]:
    raise NotImplementedError


def campaign_summary(campaign: RevisitCampaign) -> dict[str, Any]:
    raise NotImplementedError


def points_ledger(member: Member) -> QuerySet[PointsMovement]:
    raise NotImplementedError


def care_sent(venue: Venue, start: date, end: date) -> dict[str, dict[str, int]]:
    raise NotImplementedError


def coach_satisfaction(venue_or_company: Venue | Company, start: date, end: date) -> list[dict[str, Any]]:
    raise NotImplementedError


def first_contact_overdue(actor: User, *, now: Any) -> QuerySet[Member]:
    raise NotImplementedError
