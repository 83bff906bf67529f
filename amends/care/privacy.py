"""What member care holds about a person, for a data-subject request (`amends.privacy`'s
registry: `export(customer) -> {table: rows}`, `erase(customer, now) -> counts`).

`register(registry)` is called with `amends.privacy.registry` from `CareConfig.ready` (privacy
sits below care in the layers).

Export: for each of the person's memberships, what care keeps beyond the membership itself
(which the members provider exports): the specialist, first contact, visits, sessions, quiet
hours and opt-outs; the revisit calls (with the notes taken); the care messages; the points
ledger; the feedback they gave on coaches.

Erase (inside the request's transaction, before the members provider erases the customer):
the free text goes — call notes, first-contact notes, points notes, feedback comments — and
the feedback is no longer tied to them (the coach's scores stay, anonymous); calls not made
yet are cancelled;
the quiet hours and opt-outs go; the care messages queued to them are emptied (body and address)
and any not yet sent cancelled. Counts, outcomes and scores stay for the reports.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from amends.care.models import (
    CampaignCall,
    CareMessage,
    CoachFeedback,
    PointsMovement,
)
from amends.members.models import Customer, Member
from amends.notifications.models import Outbox

NAME = "care"
# Before the members provider (900), which erases the customer itself.
ORDER = 500


def _at(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def _day(value: Any) -> str:
    return value.isoformat() if value else ""


def care_export(customer: Customer) -> dict[str, list[dict[str, Any]]]:
    members = list(Member.objects.filter(customer=customer).select_related("venue", "specialist"))
    numbers = {m.pk: f"{m.venue.code}:{m.number}" for m in members}
    calls = (
        CampaignCall.objects.filter(member__customer=customer)
        .select_related("campaign", "complaint")
        .order_by("triggered_at", "pk")
    )
    messages = CareMessage.objects.filter(member__customer=customer).select_related("rule")
    points = PointsMovement.objects.filter(member__customer=customer).order_by("at", "pk")
    feedback = (
        CoachFeedback.objects.filter(member__customer=customer)
        .select_related("coach")
        .order_by("at", "pk")
    )
    return {
        "care_members": [
            {
                "membership": numbers[m.pk],
                "specialist": m.specialist.name_in() if m.specialist else "",
                "assigned_at": _at(m.assigned_at),
                "first_contact_at": _at(m.first_contact_at),
                "first_contact_note": m.first_contact_note,
                "last_visit_on": _day(m.last_visit_on),
                "sessions_left": "" if m.sessions_left is None else m.sessions_left,
                "quiet_from": _day(m.quiet_from),
                "quiet_to": _day(m.quiet_to),
                "opt_outs": ",".join(m.opt_outs or []),
                "points": m.points,
            }
            for m in members
        ],
        "care_calls": [
            {
                "membership": numbers.get(c.member_id, ""),
                "campaign": c.campaign.name,
                "triggered_at": _at(c.triggered_at),
                "due_at": _at(c.due_at),
                "status": c.status,
                "attempts": c.attempts,
                "outcome": c.outcome,
                "score": "" if c.score is None else c.score,
                "notes": c.notes,
                "called_at": _at(c.called_at),
                "complaint": c.complaint.reference if c.complaint else "",
            }
            for c in calls
        ],
        "care_messages": [
            {
                "membership": numbers.get(m.member_id, ""),
                "kind": m.rule.kind,
                "day": _day(m.day),
                "channel": m.channel,
                "status": m.status,
            }
            for m in messages.order_by("day", "pk")
        ],
        "points": [
            {
                "membership": numbers.get(p.member_id, ""),
                "at": _at(p.at),
                "points": p.delta,
                "reason": p.reason,
                "note": p.note,
                "balance_after": p.balance_after,
            }
            for p in points
        ],
        "coach_feedback": [
            {
                "coach": f.coach.name_in(),
                "at": _at(f.at),
                "score": f.score,
                "comment": f.comment,
            }
            for f in feedback
        ],
    }


def care_erase(customer: Customer, now: datetime) -> dict[str, int]:
    members = Member.objects.filter(customer=customer)
    mine = Q(member__customer=customer)
    counts = {
        "calls_cancelled": CampaignCall.objects.filter(mine, status=CampaignCall.Status.DUE).update(
            status=CampaignCall.Status.CANCELLED
        ),
        "call_notes": CampaignCall.objects.filter(mine).exclude(notes="").update(notes=""),
        "points_notes": PointsMovement.objects.filter(mine).exclude(note="").update(note=""),
        "coach_feedback": CoachFeedback.objects.filter(mine).update(member=None, comment=""),
        "quiet_hours": members.filter(
            Q(quiet_from__isnull=False) | Q(quiet_to__isnull=False)
        ).update(quiet_from=None, quiet_to=None),
    }
    counts["contact_notes"] = members.exclude(first_contact_note="").update(first_contact_note="")
    members.update(opt_outs=[])
    outbox = Outbox.objects.filter(
        pk__in=CareMessage.objects.filter(mine, outbox_id__isnull=False).values("outbox_id")
    )
    outbox.filter(status=Outbox.Status.PENDING).update(status=Outbox.Status.CANCELLED)
    emptied = list(outbox)
    for row in emptied:  # the address is encrypted: written through the model
        row.body, row.recipient_address = "", ""
        row.save(update_fields=["body", "recipient_address"])
    counts["care_messages"] = len(emptied)
    return counts


def register(registry: Any) -> None:
    """Register care's provider with `amends.privacy.registry` (passed in: see the module)."""
    registry.register(NAME, export=care_export, erase=care_erase, order=ORDER)
