"""The conversation between the customer and the handler: the customer writes (tracking page,
an email reply, the venue's app) and the handler replies from the complaint page; both sides
see both on the timeline, and each message reaches the other side (the handler in the console,
the customer through the channel the complaint came in)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from amends.complaints.events import CustomerMessage, HandlerReply, record
from amends.complaints.messages import notify_customer, notify_staff
from amends.complaints.models import Complaint
from amends.complaints.permissions import Actor
from amends.complaints.services.gate import authorize_action, lock, save
from amends.core.errors import InvalidInput
from amends.notifications.models import Outbox

MAX_MESSAGE_CHARS = 4000


def _text(text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidInput(_("The message is empty."), code="empty_message")
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidInput(
            _("The message is too long (at most %(n)s characters).") % {"n": MAX_MESSAGE_CHARS},
            code="message_too_long",
        )
    return text


@transaction.atomic
def customer_message_post(
    *,
    complaint: Complaint,
    actor: Actor,
    text: str,
    via: str = "web",
    expected_version: int | None = None,
) -> Complaint:
    """The customer writes to the handler. The owner and the assignee are told in the console
    (and by email when they have an address)."""
    text = _text(text)
    locked = lock(complaint, expected_version=expected_version)
    authorize_action(locked, actor, "write_to_handler")
    record(locked, actor, CustomerMessage(text=text, via=via))
    save(locked)
    told: set[int] = set()
    for user in (locked.assignee, locked.owner):
        if user is not None and user.pk not in told and user.is_active:
            told.add(user.pk)
            notify_staff(locked, user=user, kind=Outbox.Kind.CUSTOMER_MESSAGE, text=text)
    return locked


@transaction.atomic
def customer_reply(
    *,
    complaint: Complaint,
    actor: Actor,
    text: str,
    expected_version: int | None = None,
) -> Complaint:
    """The handler writes to the customer, through the channel the complaint came in."""
    text = _text(text)
    locked = lock(complaint, expected_version=expected_version)
    authorize_action(locked, actor, "reply_to_customer")
    record(locked, actor, HandlerReply(text=text))
    save(locked)
    notify_customer(locked, kind=Outbox.Kind.MESSAGE, text=text)
    return locked
