"""Reads of the outbox for the console: a person's notifications are the outbox rows addressed
to them in the console (channel in_app), whatever became of the rows meant for other channels."""

from __future__ import annotations

from django.db.models import QuerySet

from amends.notifications.models import Outbox
from amends.orgs.models import User


def notifications_for_user(*, user: User) -> QuerySet[Outbox]:
    """Every console notification of `user`, newest first (assignments, approvals waiting,
    reminders, escalations, low survey scores …). A cancelled row was never to be delivered
    outside; in the console it is still what happened, so it is listed too."""
    return Outbox.objects.filter(recipient_user_id=user.pk, channel=Outbox.Channel.IN_APP).order_by(
        "-created_at", "-pk"
    )


def unread_count(*, user: User) -> int:
    """How many console notifications `user` has not read (the bell's number): one query."""
    return notifications_for_user(user=user).filter(read_at__isnull=True).count()


def notification_get_for_user(*, user: User, pk: int) -> Outbox | None:
    """One of `user`'s own console notifications, else None (another person's is never shown)."""
    return notifications_for_user(user=user).filter(pk=pk).first()
