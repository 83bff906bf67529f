"""The words of every notification the flow sends, rendered in the recipient's language.

Outbox rows carry the finished subject and body, so delivery needs nothing but the row.
Customer messages go back through the channel the complaint came in: email to email, a text
message for phone and desk complaints, and by hand (a letter, a social-media reply) otherwise.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import translation
from django.utils.translation import gettext as _

from amends.complaints.models import Complaint
from amends.notifications.models import Outbox
from amends.notifications.services import outbox_enqueue
from amends.orgs.models import User
from amends.workflow.taxonomy import Channel


def local(complaint: Complaint, moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(ZoneInfo(complaint.venue.timezone)).strftime("%Y-%m-%d %H:%M")


# A sentence's own closing marks, left off a text placed inside another sentence so the stop is
# never doubled ("原因：设备待检修。。").
_STOPS = ".。!！?？;；,，:： "


def clause(text: str) -> str:
    """`text` ready to sit inside a sentence: trimmed, without its own closing punctuation."""
    return text.strip().rstrip(_STOPS)


def customer_route(complaint: Complaint) -> tuple[str, str]:
    """(outbox channel, address) to reach the customer the way they came in."""
    customer = complaint.customer
    if complaint.channel == Channel.EMAIL and customer.email:
        return Outbox.Channel.EMAIL, customer.email
    if complaint.channel in (Channel.PHONE, Channel.FRONT_DESK, Channel.STAFF) and customer.phone:
        return Outbox.Channel.SMS, customer.phone
    if complaint.channel in (Channel.WEB, Channel.APP):
        if customer.email:
            return Outbox.Channel.EMAIL, customer.email
        if customer.phone:
            return Outbox.Channel.SMS, customer.phone
    if complaint.channel in (Channel.SOCIAL, Channel.LETTER):
        return Outbox.Channel.MANUAL, ""
    if customer.email:
        return Outbox.Channel.EMAIL, customer.email
    if customer.phone:
        return Outbox.Channel.SMS, customer.phone
    return Outbox.Channel.MANUAL, ""


def notify_customer(
    complaint: Complaint, *, kind: str, text: str = "", dedupe_key: str | None = None
) -> None:
    """Queue a message to the customer about `complaint` (inside the caller's transaction)."""
    channel, address = customer_route(complaint)
    language = complaint.language or complaint.customer.language
    with translation.override(language):
        subject, body = _customer_words(complaint, kind=kind, text=text)
    outbox_enqueue(
        kind=kind,
        channel=channel,
        address=address,
        subject=subject,
        body=body,
        language=language,
        complaint_id=complaint.pk,
        reference=complaint.reference,
        dedupe_key=dedupe_key,
        context={"venue": complaint.venue.code, "complaint_channel": complaint.channel},
    )


def notify_staff(
    complaint: Complaint,
    *,
    user: User,
    kind: str,
    text: str = "",
    dedupe_key: str | None = None,
    due: datetime | None = None,
) -> None:
    """Queue a console message (and an email when the user has an address) to a member of staff.
    `due` is the deadline the message is about (default: the complaint's running one)."""
    with translation.override(user.language):
        subject, body = _staff_words(complaint, kind=kind, text=text, due=due)
    outbox_enqueue(
        kind=kind,
        channel=Outbox.Channel.IN_APP,
        recipient_user=user,
        subject=subject,
        body=body,
        language=user.language,
        complaint_id=complaint.pk,
        reference=complaint.reference,
        dedupe_key=dedupe_key,
    )
    if user.email:
        outbox_enqueue(
            kind=kind,
            channel=Outbox.Channel.EMAIL,
            recipient_user=user,
            address=user.email,
            subject=subject,
            body=body,
            language=user.language,
            complaint_id=complaint.pk,
            reference=complaint.reference,
            dedupe_key=f"{dedupe_key}:email" if dedupe_key else None,
        )


def _customer_words(complaint: Complaint, *, kind: str, text: str) -> tuple[str, str]:
    """The customer's message, in the active language (the customer's): the venue is named in
    that language only, never in both."""
    ref, venue = complaint.reference, complaint.venue.name_in()
    if kind == Outbox.Kind.ACKNOWLEDGEMENT:
        return (
            _("We have received your complaint %(ref)s") % {"ref": ref},
            _(
                "Thank you for telling us. %(venue)s has recorded your complaint as %(ref)s. "
                "We will reply by %(due)s."
            )
            % {"venue": venue, "ref": ref, "due": local(complaint, complaint.respond_due)},
        )
    if kind == Outbox.Kind.DEADLINE_EXTENDED:
        return (
            _("More time needed for your complaint %(ref)s") % {"ref": ref},
            _(
                "We need more time to resolve your complaint %(ref)s: %(reason)s. "
                "We will come back to you by %(due)s."
            )
            % {
                "ref": ref,
                "reason": clause(text),
                "due": local(complaint, complaint.resolve_due or complaint.stage_due),
            },
        )
    if kind == Outbox.Kind.MESSAGE:
        return (_("A message about your complaint %(ref)s") % {"ref": ref}, text)
    if kind == Outbox.Kind.FEEDBACK:
        return (_("The outcome of your complaint %(ref)s") % {"ref": ref}, text)
    if kind == Outbox.Kind.EXPLANATION:
        return (_("About your complaint %(ref)s") % {"ref": ref}, text)
    if kind == Outbox.Kind.SURVEY_INVITATION:
        return (
            _("How did we do? (%(ref)s)") % {"ref": ref},
            _(
                "Your complaint %(ref)s is closed. Please tell us how satisfied you are (1–5) "
                "and how likely "
                "you are to recommend %(venue)s (0–10). Survey code: %(code)s"
            )
            % {"ref": ref, "venue": venue, "code": text},
        )
    raise ValueError(f"no customer message for {kind}")


def _staff_words(
    complaint: Complaint, *, kind: str, text: str, due: datetime | None = None
) -> tuple[str, str]:
    ref = complaint.reference
    running = complaint.respond_due if complaint.responded_at is None else complaint.resolve_due
    when = local(complaint, due or running)
    subjects: dict[str, Any] = {
        Outbox.Kind.ASSIGNMENT: _("Complaint %(ref)s is assigned to you"),
        Outbox.Kind.URGENT_ALERT: _("URGENT complaint %(ref)s"),
        Outbox.Kind.REMINDER: _("Complaint %(ref)s is due soon"),
        Outbox.Kind.ESCALATION: _("Complaint %(ref)s has been escalated to you"),
        Outbox.Kind.APPROVAL_REQUEST: _("A remedy for complaint %(ref)s awaits your approval"),
        Outbox.Kind.REVISIT_ASSIGNED: _("Please revisit the customer of complaint %(ref)s"),
        Outbox.Kind.REOPENED: _("Complaint %(ref)s has been reopened"),
        Outbox.Kind.LOW_SCORE: _("Low survey score on complaint %(ref)s"),
        Outbox.Kind.CUSTOMER_MESSAGE: _("The customer of complaint %(ref)s wrote"),
    }
    if kind not in subjects:
        raise ValueError(f"no staff message for {kind}")
    body = _("%(ref)s at %(venue)s: %(summary)s. Due: %(due)s.") % {
        "ref": ref,
        "venue": complaint.venue.name_in(),
        # The sentence adds its own full stop: the description's own is left out.
        "summary": clause(complaint.description[:140]),
        "due": when,
    }
    if text:
        body = f"{body}\n{text}"
    return subjects[kind] % {"ref": ref}, body
