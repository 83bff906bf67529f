"""Reads of the outbox for the console: a person's notifications are the outbox rows addressed
to them in the console (channel in_app) and their call tasks (channel call: call the customer
back with the script in the body), whatever became of the rows meant for other channels."""

from __future__ import annotations

from django.db.models import QuerySet

from amends.notifications.models import Outbox
from amends.orgs.models import User

# The channels a member of staff reads in the console.
CONSOLE_CHANNELS = (Outbox.Channel.IN_APP, Outbox.Channel.CALL)


def notifications_for_user(*, user: User) -> QuerySet[Outbox]:
    """Every console notification of `user`, newest first (assignments, approvals waiting,
    reminders, escalations, low survey scores …) and call tasks, in one list. A cancelled row
    was never to be delivered outside; in the console it is still what happened, so it is
    listed too."""
    return Outbox.objects.filter(recipient_user_id=user.pk, channel__in=CONSOLE_CHANNELS).order_by(
        "-created_at", "-pk"
    )


def unread_count(*, user: User) -> int:
    """How many console notifications `user` has not read (the bell's number): one query."""
    return notifications_for_user(user=user).filter(read_at__isnull=True).count()


def notification_get_for_user(*, user: User, pk: int) -> Outbox | None:
    """One of `user`'s own console notifications, else None (another person's is never shown)."""
    return notifications_for_user(user=user).filter(pk=pk).first()
