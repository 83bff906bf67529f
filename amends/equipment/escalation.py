"""The first-reaction clock's warnings: at 80 % the technician and the venue's maintenance
people are warned (the escalation roles when it has neither, as for the fault report); at 100 %
the venue's managers (its general manager; the director when it has neither) hear of it. Each
once per work order: `escalation_level` 0 → 1 → 2.

One indexed query finds the due work (`warn_at` and `response_due_at` are stored); each work
order is then handled in its own transaction with its row locked and the condition checked again,
so two runs at once act once. The level is not an edit anybody saw, so the version does not move
(a technician's open page stays current)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from amends.equipment import access
from amends.equipment.models import WorkOrder
from amends.equipment.records import event, tell
from amends.notifications.models import Outbox
from amends.orgs.roles import Role
from amends.orgs.selectors import users_with_role


def _due(now: datetime) -> Q:
    return Q(escalation_level=0, warn_at__lte=now) | Q(
        escalation_level__lt=2, response_due_at__lte=now
    )


def due_work_orders(now: datetime) -> list[int]:
    return list(
        WorkOrder.objects.filter(
            _due(now),
            kind=WorkOrder.Kind.FAULT,
            reacted_at__isnull=True,
            status__in=WorkOrder.OPEN_STATUSES,
        )
        .order_by("response_due_at")
        .values_list("pk", flat=True)
    )


def _params(wo: WorkOrder) -> dict[str, object]:
    return {
        "number": wo.number,
        "asset": f"{wo.asset.code} {wo.asset.name}",
        "location": wo.asset.location or "-",
        "due": wo.response_due_at.astimezone(_tz(wo)).strftime("%Y-%m-%d %H:%M")
        if wo.response_due_at
        else "",
        "description": wo.description,
    }


def _tz(wo: WorkOrder):  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return ZoneInfo(wo.venue.timezone)


@transaction.atomic
def escalate_one(pk: int, *, now: datetime) -> tuple[int, int]:
    """Warn and/or escalate one work order if still due. Returns (warnings, escalations)."""
    wo = (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("venue", "asset", "assignee")
        .filter(pk=pk, reacted_at__isnull=True, status__in=WorkOrder.OPEN_STATUSES)
        .first()
    )
    if wo is None:
        return 0, 0
    warned = escalated = 0
    params = _params(wo)
    context = {"work_order": wo.number}
    if wo.escalation_level == 0 and wo.warn_at is not None and wo.warn_at <= now:
        people = list(access.technicians(wo.venue))
        if wo.assignee is not None and wo.assignee.pk not in {p.pk for p in people}:
            people.insert(0, wo.assignee)
        if not people:
            # No maintenance people and nobody assigned: those the fault report went to.
            people = list(users_with_role(venue=wo.venue, roles=access.ESCALATE_ROLES))
        tell(
            people,
            kind=Outbox.Kind.REMINDER,
            key=f"wo:{wo.pk}:warn",
            subject=_("First reaction due soon: %(asset)s (%(number)s)"),
            body=_("React by %(due)s.\n%(description)s\nWhere: %(location)s"),
            context=context,
            params=params,
        )
        wo.escalation_level = 1
        event(wo, "warned", at=now, percent=80)
        warned = 1
    if wo.escalation_level == 1 and wo.response_due_at is not None and wo.response_due_at <= now:
        people = list(users_with_role(venue=wo.venue, roles=access.ESCALATE_ROLES)) or list(
            users_with_role(venue=wo.venue, roles=[Role.DIRECTOR])
        )
        tell(
            people,
            kind=Outbox.Kind.ESCALATION,
            key=f"wo:{wo.pk}:escalate",
            subject=_("No reaction in time: %(asset)s (%(number)s)"),
            body=_(
                "The first reaction was due by %(due)s and nobody has reacted.\n"
                "%(description)s\nWhere: %(location)s"
            ),
            context=context,
            params=params,
        )
        wo.escalation_level = 2
        event(wo, "escalated", at=now, percent=100, to=[p.pk for p in people])
        escalated = 1
    if warned or escalated:
        WorkOrder.objects.filter(pk=wo.pk).update(escalation_level=wo.escalation_level)
    return warned, escalated


def escalate_due(*, now: datetime) -> dict[str, int]:
    warnings = escalations = 0
    for pk in due_work_orders(now):
        warned, escalated = escalate_one(pk, now=now)
        warnings += warned
        escalations += escalated
    return {"warnings": warnings, "escalations": escalations}
