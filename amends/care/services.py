"""Writes for member care (会员关怀): members and their specialists, revisit campaigns and their
calls, points, coach feedback and care rules. Each service is one transaction; an update takes the
version the person saw and refuses a stale one with StaleVersion (409) under the row lock.

(Skeleton: the signatures are final; the bodies land next.)
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction

from amends.care.models import (
    CampaignCall,
    CareRule,
    CoachFeedback,
    PointsMovement,
    RevisitCampaign,
)
from amends.members.models import Member
from amends.orgs.models import User, Venue


@transaction.atomic
def member_save(
    *,
    actor: User,
    venue: Venue,
    data: dict[str, Any],
    member: Member | None = None,
    version: int | None = None,
) -> Member:
    raise NotImplementedError


@transaction.atomic
def specialist_assign(
    *, actor: User | None = None, member: Member, specialist: User | None = None, now: datetime
) -> Member:
    raise NotImplementedError


@transaction.atomic
def record_contact(*, actor: User, member: Member, version: int, note: str = "") -> Member:
    raise NotImplementedError


@transaction.atomic
def record_visit(*, member: Member, on: date) -> Member:
    raise NotImplementedError


@transaction.atomic
def use_session(*, member: Member) -> Member:
    raise NotImplementedError


@transaction.atomic
def campaign_save(
    *,
    actor: User,
    venue: Venue,
    data: dict[str, Any],
    campaign: RevisitCampaign | None = None,
    version: int | None = None,
) -> RevisitCampaign:
    raise NotImplementedError


@transaction.atomic
def campaign_finish(*, actor: User, campaign: RevisitCampaign, version: int) -> RevisitCampaign:
    raise NotImplementedError


@transaction.atomic
def campaign_trigger(
    *,
    campaign: RevisitCampaign | None = None,
    venue: Venue,
    trigger: str,
    member: Member,
    at: datetime,
    key: str,
) -> CampaignCall | None:
    raise NotImplementedError


@transaction.atomic
def call_record(
    *,
    actor: User,
    call: CampaignCall,
    version: int,
    reached: bool,
    outcome: str = "",
    score: int | None = None,
    notes: str = "",
) -> CampaignCall:
    raise NotImplementedError


@transaction.atomic
def points_move(
    *, actor: User | None, member: Member, delta: int, reason: str, note: str = ""
) -> PointsMovement:
    raise NotImplementedError


@transaction.atomic
def coach_feedback_record(
    *,
    actor: User,
    venue: Venue,
    coach: User,
    score: int,
    comment: str = "",
    member: Member | None = None,
) -> CoachFeedback:
    raise NotImplementedError


@transaction.atomic
def care_rule_save(
    *,
    actor: User,
    venue: Venue,
    data: dict[str, Any],
    rule: CareRule | None = None,
    version: int | None = None,
) -> CareRule:
    raise NotImplementedError


def care_run(*, venue: Venue, now: datetime) -> dict[str, int]:
    raise NotImplementedError
