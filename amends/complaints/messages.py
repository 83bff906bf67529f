"""The words of every notification the flow sends, rendered in the recipient's language from
templates (`templates/complaints/messages/`), never from strings in this module.

Each message is three templates under `complaints/messages/<audience>/<kind>`:
`.subject.txt` (one line), `.txt` (the plain body, also the SMS and console text) and `.html`
(the HTML part of an email, extending `complaints/messages/base.html`). Every sentence is a
{% translate %} / {% blocktranslate %}, so zh-Hans and English come from the one catalogue.

Outbox rows carry the finished subject and plain body, so delivery needs nothing but the row;
`context` carries what the delivery helper adds to an email (keys agreed with it):

- "html": the HTML part;
- "in_reply_to", "references": the Message-IDs of the complaint's emails (the customer's, and
  ours to them), so the customer's mail program threads the conversation, and their reply
  threads back into the complaint (`amends.inbound`);
- "reply_to": the venue's mailbox, when it has one (replies are read by amends);
- "api_key": for a webhook row, the API key whose subscriptions receive it.

Customer messages go back through the channel the complaint came in (`customer_route`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template import Context, Engine
from django.template.loader import render_to_string
from django.utils import translation

from amends.complaints.models import Complaint, RemedyProposal
from amends.notifications.models import InboundMessage, Mailbox, Outbox
from amends.notifications.services import outbox_enqueue
from amends.orgs.models import User
from amends.triage import pii
from amends.workflow.taxonomy import Channel

TEMPLATES = "complaints/messages"

CUSTOMER_KINDS = frozenset(
    {
        Outbox.Kind.ACKNOWLEDGEMENT,
        Outbox.Kind.DEADLINE_EXTENDED,
        Outbox.Kind.MESSAGE,
        Outbox.Kind.REMEDY_OFFER,
        Outbox.Kind.FEEDBACK,
        Outbox.Kind.EXPLANATION,
        Outbox.Kind.SURVEY_INVITATION,
        Outbox.Kind.SIGN_IN_CODE,
    }
)
STAFF_KINDS = frozenset(
    {
        Outbox.Kind.ASSIGNMENT,
        Outbox.Kind.URGENT_ALERT,
        Outbox.Kind.REMINDER,
        Outbox.Kind.ESCALATION,
        Outbox.Kind.APPROVAL_REQUEST,
        Outbox.Kind.REVISIT_ASSIGNED,
        Outbox.Kind.REOPENED,
        Outbox.Kind.LOW_SCORE,
        Outbox.Kind.CUSTOMER_MESSAGE,
    }
)
# What a person says better than a text: complaints taken in person or by phone get these as a
# call task for their owner (with the script), not as an SMS.
CALLED_KINDS = frozenset({Outbox.Kind.FEEDBACK, Outbox.Kind.REMEDY_OFFER, Outbox.Kind.MESSAGE})
SPOKEN_CHANNELS = frozenset({Channel.PHONE, Channel.FRONT_DESK, Channel.STAFF})
# A References header stays short: the first message and the latest ones are enough to thread.
MAX_REFERENCES = 20


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


# --- rendering ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    """One rendered message: a one-line subject, the plain body, the HTML body ("" if none)."""

    subject: str
    text: str
    html: str


@cache
def _plain() -> Engine:
    # Plain text is not HTML: the same templates directories, without autoescaping (a customer's
    # "<" or "&" stays as they wrote it in a text message).
    return Engine(app_dirs=True, autoescape=False, libraries={"i18n": "django.templatetags.i18n"})


def _tidy(text: str) -> str:
    """The plain body without the blank lines and trailing spaces the template tags leave."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def render_subject(name: str, context: Mapping[str, Any], *, language: str) -> str:
    template = _plain().get_template(f"{TEMPLATES}/{name}.subject.txt")
    with translation.override(language):
        return " ".join(template.render(Context(dict(context), autoescape=False)).split())


def render_text(name: str, context: Mapping[str, Any], *, language: str) -> str:
    template = _plain().get_template(f"{TEMPLATES}/{name}.txt")
    with translation.override(language):
        return _tidy(template.render(Context(dict(context), autoescape=False)))


def render(name: str, context: Mapping[str, Any], *, language: str, html: bool = True) -> Words:
    """Message `name` ("customer/acknowledgement", "staff/reminder") in `language`."""
    subject = render_subject(name, context, language=language)
    text = render_text(name, context, language=language)
    page = ""
    if html:
        with translation.override(language):
            page = render_to_string(
                f"{TEMPLATES}/{name}.html",
                {**context, "subject": subject, "language": language},
            )
    return Words(subject=subject, text=text, html=page)


# --- links ----------------------------------------------------------------------------------


def tracking_url(complaint: Complaint) -> str:
    """The customer's tracking page of `complaint` (its per-complaint link)."""
    # Imported here: the services package imports this module (a cycle at import time).
    from amends.complaints.services.access import customer_link_token

    token = customer_link_token(complaint)
    return f"{settings.AMENDS_PUBLIC_URL}/c/{complaint.reference}/{token}/"


def survey_url(token: str) -> str:
    return f"{settings.AMENDS_PUBLIC_URL}/s/{token}/"


def console_url(complaint: Complaint) -> str:
    return f"{settings.AMENDS_PUBLIC_URL}/console/c/{complaint.reference}/"


# --- the customer ---------------------------------------------------------------------------


def customer_route(complaint: Complaint, *, kind: str = "") -> tuple[str, str]:
    """(outbox channel, address) to reach the customer of `complaint` with a `kind` message,
    the way they came in:

    1. Through an integration (the complaint was recorded with an API key): a webhook to that
       key's subscriptions (the address is empty; context["api_key"] names the key).
    2. Email: by email.
    3. Phone, front desk, staff: the feedback, the remedy offer and the handler's messages are
       a call task for the owner (address: the phone, if known); the rest a text message.
    4. Web form, app: email when given, else a text message (both point to the tracking page).
    5. Social media, letter: by hand.
    Otherwise (no address for the channel), email, then a text message, then by hand.
    """
    customer = complaint.customer
    if complaint.api_key_id is not None:
        return Outbox.Channel.WEBHOOK, ""
    if complaint.channel == Channel.EMAIL and customer.email:
        return Outbox.Channel.EMAIL, customer.email
    if complaint.channel in SPOKEN_CHANNELS:
        if kind in CALLED_KINDS and _caller(complaint) is not None:
            return Outbox.Channel.CALL, customer.phone
        if customer.phone:
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


def _caller(complaint: Complaint) -> User | None:
    """Who calls the customer: the complaint's owner, else its assignee (active ones only)."""
    for user in (complaint.owner, complaint.assignee):
        if user is not None and user.is_active:
            return user
    return None


def customer_context(complaint: Complaint, *, kind: str, text: str) -> dict[str, Any]:
    """What the customer's templates are given (rendered in the customer's language, so the
    venue is named in it only: `venue` is resolved when the template reads it)."""
    context: dict[str, Any] = {
        "kind": kind,
        "ref": complaint.reference,
        "venue_name": _VenueName(complaint),
        "text": text,
        "reason": clause(text),
        "tracking_url": tracking_url(complaint),
        "due": local(complaint, complaint.respond_due),
    }
    if kind == Outbox.Kind.DEADLINE_EXTENDED:
        context["due"] = local(complaint, complaint.resolve_due or complaint.stage_due)
    elif kind == Outbox.Kind.SURVEY_INVITATION:
        context["code"] = text
        context["survey_url"] = survey_url(text)
    elif kind == Outbox.Kind.REMEDY_OFFER:
        context["remedies"] = [
            _Remedy(p)
            for p in RemedyProposal.objects.filter(
                complaint=complaint, status=RemedyProposal.Status.APPROVED
            ).order_by("pk")
        ]
    return context


class _VenueName:
    """The venue's name in the language active when the template prints it."""

    def __init__(self, complaint: Complaint) -> None:
        self.venue = complaint.venue

    def __str__(self) -> str:
        return self.venue.name_in()


class _Remedy:
    """An approved remedy as the customer reads it: its kind (in the active language), what
    it is, and its amount when there is one."""

    def __init__(self, proposal: RemedyProposal) -> None:
        self.description = proposal.description
        self.amount = proposal.amount if proposal.amount else None
        self._kind = proposal.kind

    @property
    def kind(self) -> str:
        return str(RemedyProposal.Kind(self._kind).label)


def notify_customer(
    complaint: Complaint, *, kind: str, text: str = "", dedupe_key: str | None = None
) -> None:
    """Queue a message to the customer about `complaint` (inside the caller's transaction), in
    the language of the complaint, through `customer_route`."""
    if kind not in CUSTOMER_KINDS:
        raise ValueError(f"no customer message for {kind}")
    channel, address = customer_route(complaint, kind=kind)
    language = complaint.language or complaint.customer.language
    context = customer_context(complaint, kind=kind, text=text)
    thread = email_thread(complaint) if channel == Outbox.Channel.EMAIL else {}
    # "Reply to this email" only where a mailbox of the venue reads the replies.
    context["email"] = bool(thread.get("reply_to"))
    extra: dict[str, Any] = {"venue": complaint.venue.code, "complaint_channel": complaint.channel}
    recipient: User | None = None
    if channel == Outbox.Channel.CALL:
        recipient = _caller(complaint)
        assert recipient is not None  # customer_route chose a call only with someone to call
        # The task is read by the caller (subject in their language); the script is what they
        # say to the customer (in the customer's language).
        subject = render_subject("customer/call", context, language=recipient.language)
        words = Words(subject, render_text("customer/call", context, language=language), "")
        extra["call_language"] = language
    else:
        words = render(f"customer/{kind}", context, language=language)
    if channel == Outbox.Channel.EMAIL:
        extra.update(thread)
        extra["html"] = words.html
    elif channel == Outbox.Channel.WEBHOOK:
        extra["api_key"] = complaint.api_key_id
    outbox_enqueue(
        kind=kind,
        channel=channel,
        recipient_user=recipient,
        address=address,
        subject=words.subject,
        body=words.text,
        language=recipient.language if recipient is not None else language,
        complaint_id=complaint.pk,
        reference=complaint.reference,
        dedupe_key=dedupe_key,
        context=extra,
    )


def email_thread(complaint: Complaint) -> dict[str, Any]:
    """The threading headers of a new email to the customer of `complaint`: In-Reply-To the
    latest message of the conversation, References all of them (oldest first, at most
    MAX_REFERENCES: the first and the latest), and Reply-To the venue's mailbox."""
    inbound = InboundMessage.objects.filter(
        complaint_id=complaint.pk,
        status__in=[InboundMessage.Status.COMPLAINT, InboundMessage.Status.REPLY],
    ).values_list("message_id", "received_at", "pk")
    outbound = Outbox.objects.filter(
        complaint_id=complaint.pk,
        channel=Outbox.Channel.EMAIL,
        recipient_user__isnull=True,
        message_id__isnull=False,
    ).values_list("message_id", "created_at", "pk")
    ordered = sorted([*inbound, *outbound], key=lambda row: (row[1], row[2]))
    ids = list(dict.fromkeys(str(row[0]) for row in ordered))
    if len(ids) > MAX_REFERENCES:
        ids = [ids[0], *ids[-(MAX_REFERENCES - 1) :]]
    thread: dict[str, Any] = {
        "in_reply_to": ids[-1] if ids else "",
        "references": ids,
        "reply_to": "",
    }
    mailbox = (
        Mailbox.objects.filter(venue_id=complaint.venue_id, is_active=True)
        .order_by("address")
        .values_list("address", flat=True)
        .first()
    )
    if mailbox:
        thread["reply_to"] = mailbox
    return thread


def sign_in_code_words(*, code: str, minutes: int, language: str) -> Words:
    """The sign-in code message (no complaint: the code opens all of the customer's)."""
    context = {"code": code, "minutes": minutes}
    return render("customer/sign_in_code", context, language=language)


# --- staff ----------------------------------------------------------------------------------


def staff_context(
    complaint: Complaint, *, kind: str, text: str, due: datetime | None = None
) -> dict[str, Any]:
    running = complaint.respond_due if complaint.responded_at is None else complaint.resolve_due
    # A message to staff shows the customer masked (it leaves amends by email): so is the
    # personal data typed into the complaint or the customer's message — masked before it is
    # cut, so that no half of a number escapes.
    return {
        "kind": kind,
        "ref": complaint.reference,
        "venue_name": _VenueName(complaint),
        # The sentence adds its own full stop: the description's own is left out.
        "summary": clause(pii.mask(complaint.description)[:140]),
        "due": local(complaint, due or running),
        "text": pii.mask(text),
        "console_url": console_url(complaint),
    }


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
    notify_staff_each(complaint, people=[(user, dedupe_key)], kind=kind, text=text, due=due)


def notify_staff_each(
    complaint: Complaint,
    *,
    people: Sequence[tuple[User, str | None]],
    kind: str,
    text: str = "",
    due: datetime | None = None,
) -> None:
    """`notify_staff` to each of `people` (a user and the dedupe key of their message): the
    same message, rendered once per language (a reminder to the owner and the assignee)."""
    if kind not in STAFF_KINDS:
        raise ValueError(f"no staff message for {kind}")
    context = staff_context(complaint, kind=kind, text=text, due=due)
    rendered: dict[str, Words] = {}
    for user, _key in people:
        if user.language not in rendered:
            with_email = any(p.email for p, _ in people if p.language == user.language)
            rendered[user.language] = render(
                f"staff/{kind}", context, language=user.language, html=with_email
            )
    for user, dedupe_key in people:
        words = rendered[user.language]
        outbox_enqueue(
            kind=kind,
            channel=Outbox.Channel.IN_APP,
            recipient_user=user,
            subject=words.subject,
            body=words.text,
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
                subject=words.subject,
                body=words.text,
                language=user.language,
                complaint_id=complaint.pk,
                reference=complaint.reference,
                dedupe_key=f"{dedupe_key}:email" if dedupe_key else None,
                context={"html": words.html},
            )
