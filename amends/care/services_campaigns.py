"""Writes for revisit campaigns (回访计划) and their calls. Reached through
`amends.care.services`."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from amends.care.access import (
    MANAGE_ROLES,
    MAX_ATTEMPTS,
    a_date,
    an_int,
    label,
    require_care,
    text,
)
from amends.care.due import call_due
from amends.care.models import CampaignCall, RevisitCampaign
from amends.complaints.services import Intake, complaint_receive
from amends.core import clock
from amends.core.errors import InvalidInput, InvalidTransition, NotFound, StaleVersion
from amends.members.models import Member
from amends.orgs.models import User, Venue
from amends.workflow.selectors import venue_clock
from amends.workflow.taxonomy import Channel

Trigger = RevisitCampaign.Trigger
CallStatus = CampaignCall.Status
Outcome = CampaignCall.Outcome
# A revisit call is due within three days of what started it.
MAX_DUE_DAYS = 3


def _campaign_values(data: dict[str, Any]) -> dict[str, Any]:
    trigger = str(data.get("trigger") or "")
    if trigger not in Trigger.values:
        raise InvalidInput(_("Choose what starts a call."), code="trigger_invalid")
    values: dict[str, Any] = {
        "name": text(data, "name", limit=120, required=True, label=label(RevisitCampaign, "name")),
        "trigger": trigger,
        "due_days": an_int(
            data.get("due_days", 3),
            field="due_days",
            low=1,
            high=MAX_DUE_DAYS,
            label=label(RevisitCampaign, "due_days"),
        )
        or MAX_DUE_DAYS,
        "inactivity_days": an_int(
            data.get("inactivity_days", 10),
            field="inactivity_days",
            low=1,
            high=365,
            label=label(RevisitCampaign, "inactivity_days"),
        )
        or 10,
        "starts_on": a_date(
            data.get("starts_on"), field="starts_on", label=label(RevisitCampaign, "starts_on")
        ),
        "ends_on": a_date(
            data.get("ends_on"), field="ends_on", label=label(RevisitCampaign, "ends_on")
        ),
    }
    for field in ("greeting", "satisfied_script", "unsatisfied_script", "closing"):
        values[field] = text(
            data, field, limit=2000, required=True, label=label(RevisitCampaign, field)
        )
    if values["starts_on"] is None:
        raise InvalidInput(_("Give the day the campaign starts."), code="starts_on_required")
    if values["ends_on"] is not None and values["ends_on"] < values["starts_on"]:
        raise InvalidInput(_("The campaign cannot end before it starts."), code="ends_before_start")
    return values


def _lock_campaign(campaign: RevisitCampaign, version: int | None) -> RevisitCampaign:
    locked = (
        RevisitCampaign.objects.select_for_update(of=("self",))
        .select_related("venue")
        .filter(pk=campaign.pk)
        .first()
    )
    if locked is None:
        raise NotFound(_("This campaign does not exist."), code="campaign_not_found")
    if version is not None and locked.version != version:
        raise StaleVersion(
            _("Someone else changed this campaign meanwhile. Reload and try again."),
            current_version=locked.version,
        )
    return locked


@transaction.atomic
def campaign_save(
    *,
    actor: User,
    venue: Venue,
    data: dict[str, Any],
    campaign: RevisitCampaign | None = None,
    version: int | None = None,
) -> RevisitCampaign:
    """Create a revisit campaign at `venue`, or update one at `version`. `data`: name, trigger,
    due_days (default 3), inactivity_days (10), starts_on, ends_on, greeting, satisfied_script,
    unsatisfied_script, closing. The trigger of a campaign that has calls stays as it is.
    Managers, general managers and directors of the venue."""
    require_care(actor, venue, MANAGE_ROLES)
    values = _campaign_values(data)
    if campaign is None:
        return RevisitCampaign.objects.create(venue=venue, created_by=actor, **values)
    if version is None:
        raise InvalidInput(_("The version is missing."), code="version_required")
    locked = _lock_campaign(campaign, version)
    if locked.venue_id != venue.pk:
        raise NotFound(_("This campaign does not exist."), code="campaign_not_found")
    if locked.status != RevisitCampaign.Status.RUNNING:
        raise InvalidTransition(_("This campaign has finished."), code="campaign_finished")
    if values["trigger"] != locked.trigger and locked.calls.exists():
        raise InvalidInput(
            _("The trigger cannot change once the campaign has calls."), code="trigger_locked"
        )
    for field, value in values.items():
        setattr(locked, field, value)
    locked.version += 1
    locked.save()
    return locked


@transaction.atomic
def campaign_finish(*, actor: User, campaign: RevisitCampaign, version: int) -> RevisitCampaign:
    """Finish a running campaign: no new calls; calls not made yet are cancelled (they count as
    not covered in its summary)."""
    locked = _lock_campaign(campaign, version)
    require_care(actor, locked.venue_id, MANAGE_ROLES)
    if locked.status != RevisitCampaign.Status.RUNNING:
        raise InvalidTransition(_("This campaign has finished."), code="campaign_finished")
    today = clock.now().astimezone(ZoneInfo(locked.venue.timezone)).date()
    locked.status = RevisitCampaign.Status.FINISHED
    if locked.ends_on is None or locked.ends_on > today:
        locked.ends_on = max(today, locked.starts_on)
    locked.version += 1
    locked.save()
    locked.calls.filter(status=CallStatus.DUE).update(status=CallStatus.CANCELLED)
    return locked


def _accepts(campaign: RevisitCampaign, *, venue: Venue, trigger: str, at: datetime) -> bool:
    day = at.astimezone(ZoneInfo(venue.timezone)).date()
    return (
        campaign.venue_id == venue.pk
        and campaign.status == RevisitCampaign.Status.RUNNING
        and campaign.trigger == trigger
        and campaign.starts_on <= day
        and (campaign.ends_on is None or day <= campaign.ends_on)
    )


def _one_call(
    campaign: RevisitCampaign, *, venue: Venue, member: Member, at: datetime, key: str
) -> CampaignCall | None:
    """The call for (campaign, member, key), created now — None when it already existed. A
    savepoint catches the unique constraint, so two triggers at once create one call."""
    if CampaignCall.objects.filter(campaign=campaign, member=member, trigger_key=key).exists():
        return None
    due = call_due(
        triggered=at,
        due_days=campaign.due_days,
        clock=venue_clock(venue),
        quiet_from=member.quiet_from,
        quiet_to=member.quiet_to,
    )
    try:
        with transaction.atomic():
            return CampaignCall.objects.create(
                campaign=campaign,
                member=member,
                trigger_key=key,
                triggered_at=at,
                due_at=due,
                assignee_id=member.specialist_id,
            )
    except IntegrityError:
        return None


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
    """Something happened to `member` at `at` (their joining, renewal, a complaint closed,
    inactivity; `key` names that one happening, e.g. "joining:2026-11-23"): give `campaign` —
    or, None, every running campaign of the venue with this trigger — a call to them.

    Idempotent: one call per (campaign, member, key); returns the (first) call created, None
    when there was nothing new. The call is due `due_days` after `at`, moved out of the
    member's quiet hours and into the venue's opening hours, and is its specialist's.
    """
    if trigger not in Trigger.values:
        raise InvalidInput(_("Choose what starts a call."), code="trigger_invalid")
    if member.venue_id != venue.pk:
        raise InvalidInput(_("This member belongs to another venue."), code="member_elsewhere")
    if len(key) > 80 or not key:
        # Keys are built by the code (e.g. "joining:2026-11-23"), never typed by a person.
        raise ValueError("trigger key empty or longer than 80 characters")
    if campaign is not None:
        campaigns = [campaign] if _accepts(campaign, venue=venue, trigger=trigger, at=at) else []
    else:
        campaigns = [
            found
            for found in RevisitCampaign.objects.filter(
                venue=venue, trigger=trigger, status=RevisitCampaign.Status.RUNNING
            ).order_by("pk")
            if _accepts(found, venue=venue, trigger=trigger, at=at)
        ]
    first: CampaignCall | None = None
    for each in campaigns:
        call = _one_call(each, venue=venue, member=member, at=at, key=key)
        first = first or call
    return first


def _lock_call(call: CampaignCall, version: int) -> CampaignCall:
    locked = (
        CampaignCall.objects.select_for_update(of=("self",))
        .select_related("campaign", "campaign__venue", "member", "member__customer")
        .filter(pk=call.pk)
        .first()
    )
    if locked is None:
        raise NotFound(_("This call does not exist."), code="call_not_found")
    if locked.version != version:
        raise StaleVersion(
            _("Someone else recorded this call meanwhile. Reload and try again."),
            current_version=locked.version,
        )
    return locked


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
    """Record a revisit call at `version`.

    - Not reached: one more attempt; the call stays due, and is given up as unreachable after
      the third.
    - Reached: `outcome` satisfied or not satisfied, an optional score 1–5; the call is done and
      counts as the member's contact. Not satisfied opens a complaint (channel phone, received
      by `actor`, the member's customer, the notes as its description) linked to the call.
    """
    locked = _lock_call(call, version)
    venue = locked.campaign.venue
    require_care(actor, venue)
    if locked.status != CallStatus.DUE:
        raise InvalidTransition(_("This call has already been recorded."), code="call_closed")
    notes = text({"notes": notes}, "notes", limit=4000, label=label(CampaignCall, "notes"))
    now = clock.now()
    locked.attempts += 1
    locked.notes = notes or locked.notes
    if not reached:
        if locked.attempts >= MAX_ATTEMPTS:
            locked.status = CallStatus.UNREACHABLE
            locked.called_at, locked.called_by = now, actor
    else:
        if outcome not in Outcome.values:
            raise InvalidInput(_("Was the member satisfied or not?"), code="outcome_required")
        locked.outcome = outcome
        locked.score = an_int(
            score, field="score", low=1, high=5, label=label(CampaignCall, "score")
        )
        locked.status = CallStatus.DONE
        locked.called_at, locked.called_by = now, actor
        member = locked.member
        if member.first_contact_at is None:
            Member.objects.filter(pk=member.pk, first_contact_at__isnull=True).update(
                first_contact_at=now
            )
        if outcome == Outcome.NOT_SATISFIED:
            locked.complaint = _open_complaint(actor=actor, call=locked, venue=venue)
    locked.version += 1
    locked.save()
    return locked


def _open_complaint(*, actor: User, call: CampaignCall, venue: Venue) -> Any:
    member = call.member
    language = member.customer.language or "zh-hans"
    description = call.notes
    if not description:
        with translation.override(language):
            description = gettext("Not satisfied when called back in the campaign “%(name)s”.") % {
                "name": call.campaign.name
            }
    return complaint_receive(
        actor=actor,
        venue=venue,
        intake=Intake(
            channel=Channel.PHONE,
            description=description,
            language=language,
            member_number=member.number,
        ),
    )


__all__ = ["call_record", "campaign_finish", "campaign_save", "campaign_trigger"]
