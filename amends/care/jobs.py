"""Member care's periodic jobs: the daily care messages, revisit-campaign triggers and the
specialists' member books. Each is idempotent and safe to run twice at once: the care run and
the triggers rest on unique constraints (one message per member, rule and day; one call per
campaign, member and trigger key), the books on the member's row lock."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q

from amends.care.models import CareRule, RevisitCampaign
from amends.care.services import campaign_trigger, care_run, specialist_assign
from amends.complaints.models import Complaint
from amends.core.errors import InvalidInput
from amends.core.jobs import job
from amends.members.models import Member
from amends.orgs.models import Venue

Trigger = RevisitCampaign.Trigger


@job(
    "care.daily",
    every=timedelta(minutes=15),
    description="Send today's care messages of each venue once its rules' local send time has "
    "passed (renewal, one session left, birthday, inactivity, holiday); once a day each.",
)
def daily(*, now: datetime) -> dict[str, int]:
    totals: dict[str, int] = {}
    venues = Venue.objects.filter(
        is_active=True, pk__in=CareRule.objects.filter(active=True).values("venue_id")
    )
    for venue in venues:
        for status, count in care_run(venue=venue, now=now).items():
            totals[status] = totals.get(status, 0) + count
    return totals


@job(
    "care.triggers",
    every=timedelta(minutes=15),
    description="Give running revisit campaigns their calls: members who joined today or "
    "yesterday, members inactive for the campaign's days, members whose complaint closed in "
    "the last day, and every active member for an every-member campaign.",
)
def triggers(*, now: datetime) -> dict[str, int]:
    """Renewals are triggered by `member_save` itself when it moves a member's end date later
    (the change is seen there, not afterwards)."""
    counts = {trigger: 0 for trigger in Trigger.values}
    campaigns = RevisitCampaign.objects.filter(
        status=RevisitCampaign.Status.RUNNING, venue__is_active=True
    ).select_related("venue")
    for campaign in campaigns:
        venue = campaign.venue
        today = now.astimezone(ZoneInfo(venue.timezone)).date()
        if campaign.starts_on > today or (campaign.ends_on and campaign.ends_on < today):
            continue
        members = Member.objects.filter(
            venue=venue, status=Member.Status.ACTIVE, customer__anonymised_at__isnull=True
        )
        found: list[tuple[Member, str]] = []
        if campaign.trigger == Trigger.JOINING:
            found = [
                (member, f"joining:{member.starts_on}")
                for member in members.filter(starts_on__in=[today, today - timedelta(days=1)])
            ]
        elif campaign.trigger == Trigger.INACTIVITY:
            since = today - timedelta(days=campaign.inactivity_days)
            found = [
                (member, f"inactivity:{since.isoformat()}")
                for member in members.filter(last_visit_on=since)
            ]
        elif campaign.trigger == Trigger.ALL_MEMBERS:
            found = [(member, "all") for member in members]
        elif campaign.trigger == Trigger.COMPLAINT_CLOSED:
            found = _after_complaints(venue, now)
        for member, key in found:
            if campaign_trigger(
                campaign=campaign,
                venue=venue,
                trigger=campaign.trigger,
                member=member,
                at=now,
                key=key,
            ):
                counts[campaign.trigger] += 1
    return counts


def _after_complaints(venue: Venue, now: datetime) -> list[tuple[Member, str]]:
    """Members of `venue` whose complaint there closed in the last day (the complaint names
    the membership, or its customer holds one at the venue)."""
    closed = Complaint.objects.filter(
        venue=venue, closed_at__gte=now - timedelta(days=1), closed_at__lte=now
    ).only("pk", "member_id", "customer_id")
    found = []
    for complaint in closed:
        member = (
            Member.objects.filter(
                Q(pk=complaint.member_id)
                if complaint.member_id
                else Q(customer_id=complaint.customer_id),
                venue=venue,
                customer__anonymised_at__isnull=True,
            )
            .exclude(status=Member.Status.CANCELLED)
            .order_by("pk")
            .first()
        )
        if member is not None:
            found.append((member, f"complaint:{complaint.pk}"))
    return found


@job(
    "care.specialist_books",
    every=timedelta(hours=1),
    description="Give every active member without a specialist the venue's specialist with "
    "the smallest member book.",
)
def specialist_books(*, now: datetime) -> dict[str, int]:
    assigned = 0
    unassigned = Member.objects.filter(
        status=Member.Status.ACTIVE, specialist__isnull=True, venue__is_active=True
    ).order_by("venue_id", "pk")
    for member in unassigned:
        try:
            done = specialist_assign(member=member, now=now)
        except InvalidInput:  # no specialist at that venue yet
            continue
        assigned += done.specialist_id is not None
    return {"assigned": assigned}
