"""Reads for member care, scoped by the actor's role grants: a venue's members, books, calls,
campaigns and care are read by its specialists, managers, general managers, directors,
auditors and administrators (a company-wide grant reads every venue of the company); its
members are also found by the front desk (to record visits). Figures
are aggregates in the database."""

from __future__ import annotations

import contextlib
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from amends.care.access import FIRST_CONTACT_DAYS, MEMBER_READ_ROLES, READ_ROLES
from amends.care.due import in_quiet
from amends.care.models import (
    CampaignCall,
    CareMessage,
    CoachFeedback,
    PointsMovement,
    RevisitCampaign,
)
from amends.core import clock, pii
from amends.core.errors import InvalidInput, NotFound
from amends.members.models import Member
from amends.members.services import email_index, phone_index
from amends.orgs.models import Company, User, Venue
from amends.orgs.roles import Role
from amends.orgs.selectors import scope_of

CallStatus = CampaignCall.Status


POOL_ROLES = frozenset({Role.SPECIALIST, Role.MANAGER, Role.GENERAL_MANAGER})


def readable_venue_ids(actor: User, roles: frozenset[str] = READ_ROLES) -> list[int]:
    """The venues whose care `actor` may read (holding one of `roles` there)."""
    scope = scope_of(actor)
    if not actor.is_active or scope.company_id is None:
        return []
    venues = Venue.objects.filter(company_id=scope.company_id)
    if scope.company_roles & roles:
        return list(venues.values_list("pk", flat=True))
    wanted = [pk for pk, held in scope.venue_roles.items() if held & roles]
    return list(venues.filter(pk__in=wanted).values_list("pk", flat=True))


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- members -----------------------------------------------------------------------------------


def members_for(
    actor: User, *, venue: Venue | None = None, q: str = "", specialist: User | None = None
) -> QuerySet[Member]:
    """The members the actor may see — the front desk too, to record visits — (of `venue`,
    matching `q`: a membership number — part of
    one — or a whole phone number or email, found through their blind indexes)."""
    members = Member.objects.filter(
        venue_id__in=readable_venue_ids(actor, MEMBER_READ_ROLES)
    ).select_related("customer", "venue", "specialist")
    if venue is not None:
        members = members.filter(venue=venue)
    if specialist is not None:
        members = members.filter(specialist=specialist)
    q = q.strip()[:100]
    if q:
        match = Q(number__icontains=q)
        if "@" in q:
            with contextlib.suppress(InvalidInput):
                match |= Q(customer__email_index=email_index(pii.normalize_email(q)))
        elif sum(ch.isdigit() for ch in q) >= 7:
            with contextlib.suppress(InvalidInput):
                match |= Q(customer__phone_index=phone_index(pii.normalize_phone(q)))
        members = members.filter(match)
    return members.order_by("venue__code", "number")


def member_get(actor: User, pk: int) -> Member:
    member = members_for(actor).filter(pk=pk).first()
    if member is None:
        raise NotFound(_("This member does not exist."), code="member_not_found")
    return member


def member_book(actor: User) -> QuerySet[Member]:
    """The members the actor looks after (active and frozen), by number."""
    return members_for(actor, specialist=actor).filter(
        status__in=[Member.Status.ACTIVE, Member.Status.FROZEN]
    )


def first_contact_overdue(actor: User, *, now: datetime | None = None) -> QuerySet[Member]:
    """Members the actor may see assigned more than 7 days ago and not contacted since."""
    now = now or clock.now()
    return members_for(actor).filter(
        specialist__isnull=False,
        first_contact_at__isnull=True,
        assigned_at__lt=now - timedelta(days=FIRST_CONTACT_DAYS),
        status=Member.Status.ACTIVE,
    )


def first_contact_due_on(member: Member) -> datetime | None:
    if member.assigned_at is None or member.first_contact_at is not None:
        return None
    return member.assigned_at + timedelta(days=FIRST_CONTACT_DAYS)


# --- calls and campaigns -----------------------------------------------------------------------


def calls_due(actor: User, *, day: date) -> list[CampaignCall]:
    """The actor's calls due on `day` (local to each venue) or earlier and not made yet, of
    running campaigns (with the unassigned ones of the venues where the actor is a specialist
    or manager) — without those whose member is in their quiet hours right now (when
    `day` is today), earliest first."""
    now = clock.now()
    # Calls nobody was given (the member has no specialist yet) are everyone's at the venue who
    # makes calls there: its specialists and managers see them too, marked "nobody yet".
    pool = readable_venue_ids(actor, POOL_ROLES)
    calls = (
        CampaignCall.objects.filter(
            Q(assignee=actor) | Q(assignee__isnull=True, campaign__venue_id__in=pool),
            status=CallStatus.DUE,
            campaign__status=RevisitCampaign.Status.RUNNING,
            campaign__venue_id__in=readable_venue_ids(actor),
            # Any time zone's `day` ends before this; the local day is checked below.
            due_at__lt=datetime.combine(
                day + timedelta(days=2), datetime.min.time(), ZoneInfo("UTC")
            ),
        )
        .select_related("campaign", "campaign__venue", "member", "member__customer")
        .order_by("due_at", "pk")
    )
    found = []
    for call in calls:
        tz = ZoneInfo(call.campaign.venue.timezone)
        if call.due_at.astimezone(tz).date() > day:
            continue
        local_now = now.astimezone(tz)
        if local_now.date() == day and in_quiet(
            local_now.time(), call.member.quiet_from, call.member.quiet_to
        ):
            continue
        found.append(call)
    return found


def campaigns_for(actor: User, venue: Venue | None = None) -> QuerySet[RevisitCampaign]:
    campaigns = RevisitCampaign.objects.filter(
        venue_id__in=readable_venue_ids(actor)
    ).select_related("venue")
    if venue is not None:
        campaigns = campaigns.filter(venue=venue)
    return campaigns.annotate(
        calls_total=Count("calls"),
        calls_done=Count("calls", filter=Q(calls__status=CallStatus.DONE)),
    )


def campaign_get(actor: User, pk: int) -> RevisitCampaign:
    campaign = campaigns_for(actor).filter(pk=pk).first()
    if campaign is None:
        raise NotFound(_("This campaign does not exist."), code="campaign_not_found")
    return campaign


def call_get(actor: User, pk: int) -> CampaignCall:
    call = (
        CampaignCall.objects.filter(pk=pk, campaign__venue_id__in=readable_venue_ids(actor))
        .select_related("campaign", "campaign__venue", "member", "member__customer", "assignee")
        .first()
    )
    if call is None:
        raise NotFound(_("This call does not exist."), code="call_not_found")
    return call


def campaign_summary(campaign: RevisitCampaign) -> dict[str, Any]:
    """The campaign's report, in one query: members in scope (calls), due / done /
    unreachable / cancelled, coverage (done ÷ all calls, %), satisfied and not satisfied
    (counts and % of the calls made), average score, complaints opened."""
    Outcome = CampaignCall.Outcome
    row = CampaignCall.objects.filter(campaign=campaign).aggregate(
        members=Count("member", distinct=True),
        calls=Count("pk"),
        due=Count("pk", filter=Q(status=CallStatus.DUE)),
        overdue=Count("pk", filter=Q(status=CallStatus.DUE, due_at__lt=clock.now())),
        done=Count("pk", filter=Q(status=CallStatus.DONE)),
        unreachable=Count("pk", filter=Q(status=CallStatus.UNREACHABLE)),
        cancelled=Count("pk", filter=Q(status=CallStatus.CANCELLED)),
        satisfied=Count("pk", filter=Q(outcome=Outcome.SATISFIED)),
        not_satisfied=Count("pk", filter=Q(outcome=Outcome.NOT_SATISFIED)),
        complaints=Count("complaint", distinct=True),
        average_score=Avg("score"),
    )
    average = row.pop("average_score")
    row["average_score"] = (
        Decimal(str(average)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if average is not None
        else None
    )
    row["coverage"] = _percent(row["done"], row["calls"])
    row["satisfied_percent"] = _percent(row["satisfied"], row["done"])
    row["not_satisfied_percent"] = _percent(row["not_satisfied"], row["done"])
    return row


# --- points, care sent, coaches ---------------------------------------------------------------


def points_ledger(member: Member) -> QuerySet[PointsMovement]:
    return PointsMovement.objects.filter(member=member).select_related("by").order_by("at", "pk")


def _day_bounds(tz: ZoneInfo, start: date, end: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, datetime.min.time(), tz),
        datetime.combine(end + timedelta(days=1), datetime.min.time(), tz),
    )


def care_sent(venue: Venue, start: date, end: date) -> dict[str, dict[str, int]]:
    """Care messages of `venue` on the days `start`–`end` (inclusive): {kind: {status: n}}."""
    rows = (
        CareMessage.objects.filter(rule__venue=venue, day__gte=start, day__lte=end)
        .values("rule__kind", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    sent: dict[str, dict[str, int]] = {}
    for row in rows:
        sent.setdefault(row["rule__kind"], {})[row["status"]] = row["n"]
    return sent


def coach_satisfaction(
    venue_or_company: Venue | Company, start: date, end: date
) -> list[dict[str, Any]]:
    """Per coach, feedback given `start`–`end` (inclusive, local days): count, average score
    (two places) and the % satisfied (score ≥ 4); best average first."""
    if isinstance(venue_or_company, Venue):
        feedback = CoachFeedback.objects.filter(venue=venue_or_company)
        tz = ZoneInfo(venue_or_company.timezone)
    else:
        feedback = CoachFeedback.objects.filter(venue__company=venue_or_company)
        tz = ZoneInfo("Asia/Shanghai")
    low, high = _day_bounds(tz, start, end)
    rows = (
        feedback.filter(at__gte=low, at__lt=high)
        .values("coach_id")
        .annotate(
            count=Count("pk"),
            average=Avg("score"),
            satisfied=Count("pk", filter=Q(score__gte=4)),
        )
        .order_by()
    )
    coaches = {user.pk: user for user in User.objects.filter(pk__in=[r["coach_id"] for r in rows])}
    result = [
        {
            "coach": coaches[row["coach_id"]],
            "count": row["count"],
            "average": Decimal(str(row["average"])).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP
            ),
            "satisfied": row["satisfied"],
            "satisfied_percent": _percent(row["satisfied"], row["count"]),
        }
        for row in rows
    ]
    result.sort(key=lambda r: (-r["average"], r["coach"].pk))
    return result


def first_contact_rate(venue: Venue, start: date, end: date) -> dict[str, Any]:
    """Of the members assigned on `start`–`end`, how many were contacted within 7 days."""
    low, high = _day_bounds(ZoneInfo(venue.timezone), start, end)
    assigned = Member.objects.filter(venue=venue, assigned_at__gte=low, assigned_at__lt=high)
    row = assigned.aggregate(
        assigned=Count("pk"),
        within=Count(
            "pk",
            filter=Q(first_contact_at__lte=F("assigned_at") + timedelta(days=FIRST_CONTACT_DAYS)),
        ),
    )
    row["percent"] = _percent(row["within"], row["assigned"])
    return row
