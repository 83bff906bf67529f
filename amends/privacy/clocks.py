"""The clocks of privacy operations: data-subject requests (reminder two days before the due
date, escalation to the directors once late) and breaches (reminder 24 hours before the
72-hour notice is due, and again when it is late). Idempotent: each row is claimed with a
conditional update, and messages carry dedupe keys. Each message is rendered in its
recipient's language (`requests.tell_staff`), its dates in the company's time zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.utils.translation import gettext as _

from amends.notifications.models import Outbox
from amends.orgs.models import RoleGrant, User
from amends.orgs.roles import Role
from amends.privacy.models import Breach, DataSubjectRequest
from amends.privacy.requests import REMIND_BEFORE, local, officers, tell_staff

R = DataSubjectRequest
OPEN = [R.Status.RECEIVED, R.Status.VERIFIED, R.Status.EXTENDED]
BREACH_WARN = timedelta(hours=24)


def _directors(company_id: int) -> list[User]:
    ids = RoleGrant.objects.filter(
        role=Role.DIRECTOR, user__company_id=company_id, user__is_active=True
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


# What each message says; rendered once per recipient, in their language.


def _due_soon(pk: int, due: str) -> tuple[str, str]:
    return (
        _("Data-subject request DSR-%(pk)s is due %(due)s") % {"pk": pk, "due": due},
        _("Answer it before it is late."),
    )


def _late(pk: int, due: str) -> tuple[str, str]:
    return (
        _("Data-subject request DSR-%(pk)s is late") % {"pk": pk},
        _("It was due %(due)s.") % {"due": due},
    )


def _breach_due(pk: int, due: str) -> tuple[str, str]:
    return (
        _("Breach #%(pk)s: the regulator must be told by %(due)s") % {"pk": pk, "due": due},
        _("Record the notification in the breach register."),
    )


def requests_tick(*, now: datetime) -> dict[str, int]:
    """Remind the owner (else every privacy officer) two days before a request is due, and
    escalate to the directors and the owner once it is late: each message in its recipient's
    language, the due date in the company's time zone."""
    reminded = escalated = 0
    soon = R.objects.filter(
        status__in=OPEN, reminded_at__isnull=True, due_at__lte=now + REMIND_BEFORE
    )
    for pk in soon.values_list("pk", flat=True):
        with transaction.atomic():
            if not R.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now):
                continue
            row = R.objects.get(pk=pk)
            users = [row.owner] if row.owner else officers(row.company_id)
            due = local(row.due_at, row.company_id, fmt="%Y-%m-%d")
            tell_staff(
                users,
                kind=Outbox.Kind.REMINDER,
                key=f"dsr-remind:{pk}:{row.due_at:%Y%m%d}",
                words=partial(_due_soon, pk, due),
            )
            reminded += 1
    late = R.objects.filter(status__in=OPEN, escalated_at__isnull=True, due_at__lt=now)
    for pk in late.values_list("pk", flat=True):
        with transaction.atomic():
            if not R.objects.filter(pk=pk, escalated_at__isnull=True).update(escalated_at=now):
                continue
            row = R.objects.get(pk=pk)
            users = _directors(row.company_id) + ([row.owner] if row.owner else [])
            due = local(row.due_at, row.company_id)
            tell_staff(
                users,
                kind=Outbox.Kind.ESCALATION,
                key=f"dsr-late:{pk}:{row.due_at:%Y%m%d}",
                words=partial(_late, pk, due),
            )
            escalated += 1
    return {"request_reminders": reminded, "request_escalations": escalated}


def breaches_tick(*, now: datetime) -> dict[str, int]:
    reminded = 0
    near = Breach.objects.filter(
        status=Breach.Status.OPEN, notified_at__isnull=True, notify_by__lte=now + BREACH_WARN
    )
    for breach in near:
        late = breach.notify_by <= now
        stage = "late" if late else "near"
        if breach.reminded_at is not None and (not late or breach.reminded_at >= breach.notify_by):
            continue
        with transaction.atomic():
            claimed = Breach.objects.filter(pk=breach.pk, reminded_at=breach.reminded_at).update(
                reminded_at=now
            )
            if not claimed:
                continue
            due = local(breach.notify_by, breach.company_id)
            sent = tell_staff(
                officers(breach.company_id),
                kind=Outbox.Kind.ESCALATION if late else Outbox.Kind.REMINDER,
                key=f"breach:{breach.pk}:{stage}",
                words=partial(_breach_due, breach.pk, due),
            )
            reminded += sent > 0
    return {"breach_reminders": reminded}
