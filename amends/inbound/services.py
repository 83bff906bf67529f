"""Email in: store each message once, then decide what it is — an auto-reply or a loop
(ignored), a customer's reply (threaded into their complaint) or a new complaint.

Storing and processing are two steps so nothing is lost: `inbound_store` commits the raw
message (its Message-ID is unique, so a message fetched twice is stored once); `inbound_process`
handles it in one transaction. A worker killed between the two leaves a pending row, which the
job `inbound.process_pending` processes; a message that fails is marked failed with the reason
and retried by the job up to MAX_ATTEMPTS times.

What a message becomes (`inbound_process`):

1. Ignored: auto-replies, bounces, mailing lists and loops (`ignore_reason`), a message with no
   sender, and a sender who wrote more than MAX_PER_SENDER_HOUR messages in the hour.
2. A reply: it names a complaint — In-Reply-To / References holding the Message-ID of one of
   our emails (`Outbox.message_id`) or of the email that opened it, else the reference in the
   subject — and comes from that complaint's customer (compared through the email blind
   index). Its new text (quotes stripped) is the customer's message ("message" action, via
   email) and its files their evidence, all as the customer. A reply from anyone else opens a
   new complaint: whether a complaint exists is never told to a stranger. A reply to a closed
   complaint (the customer may no longer write to it) opens a new complaint whose description
   names the earlier reference, so staff can link the two.
3. Otherwise a new complaint at the mailbox's venue (or the venue given), recorded by the
   system for the channel "email", in the language of the text (`parsing.detect_language`);
   its files are kept as the customer's evidence. A file whose type is refused is skipped and
   a staff note on the complaint says so; the complaint is recorded all the same.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext as _

from amends.complaints import catalogue
from amends.complaints.events import Note, record
from amends.complaints.models import Complaint
from amends.complaints.services import Intake, complaint_receive
from amends.complaints.services.conversation import MAX_MESSAGE_CHARS
from amends.complaints.services.gate import lock, save
from amends.core import clock, pii, ratelimit
from amends.core.errors import DomainError, InvalidInput
from amends.core.principals import Principal, SystemPart
from amends.inbound import parsing
from amends.inbound.parsing import ParsedEmail
from amends.members.services import email_index
from amends.notifications.models import InboundMessage, Mailbox, Outbox
from amends.orgs.models import Venue
from amends.workflow.taxonomy import Channel

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
MAX_PER_SENDER_HOUR = 30
# A complaint's description is what the customer wrote; an email's tail past this (a long
# forwarded thread) stays in the stored raw message.
MAX_DESCRIPTION = 20000
IMAP_TIMEOUT = 30
BATCH = 100

Status = InboundMessage.Status
AUTO_SENDERS = frozenset(
    {"mailer-daemon", "postmaster", "no-reply", "noreply", "do-not-reply", "donotreply"}
)
BULK_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})


class NoVenue(InvalidInput):
    pass


# --- store ----------------------------------------------------------------------------------


def inbound_store(
    raw: bytes, *, mailbox: Mailbox | None, venue: Venue | None = None, venue_only: bool = False
) -> tuple[InboundMessage, bool]:
    """Keep `raw` once: (the row, whether it was new). A message without a Message-ID is known
    by a SHA-256 of its bytes. Safe against a concurrent store of the same message (the unique
    Message-ID decides; the loser gets the winner's row)."""
    message_id = parsing.message_id_of(raw, _message_id_header(raw))
    existing = InboundMessage.objects.filter(message_id=message_id).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            row = InboundMessage.objects.create(
                mailbox=mailbox,
                venue=venue,
                venue_only=venue_only and venue is not None,
                message_id=message_id,
                raw=raw,
                sender_index=sender_index_of(raw),
                received_at=clock.now(),
            )
        return row, True
    except IntegrityError:
        return InboundMessage.objects.get(message_id=message_id), False


def sender_index_of(raw: bytes) -> str:
    """The blind index of the message's From address, as a customer's email is indexed ("" when
    it has none or it is not an address)."""
    address = parsing.parse(raw).from_address
    try:
        return email_index(pii.normalize_email(address)) if address else ""
    except InvalidInput:
        return ""


def _message_id_header(raw: bytes) -> str:
    """The raw Message-ID header, read as the parser reads it (folded lines unfolded)."""
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
        return str(headers.get("Message-ID", "") or "")
    except Exception:  # an unreadable header block: the message is known by its bytes
        return ""


# --- decide ---------------------------------------------------------------------------------


def our_addresses() -> frozenset[str]:
    """amends' own addresses: the sender of its mail and every mailbox it reads."""
    ours = set(parsing.addresses(settings.DEFAULT_FROM_EMAIL))
    ours.update(a.lower() for a in Mailbox.objects.values_list("address", flat=True))
    return frozenset(ours)


def ignore_reason(parsed: ParsedEmail, *, ours: frozenset[str]) -> str:
    """Why `parsed` must not open or reach a complaint ("" when it may): an auto-reply, a bounce,
    list mail, or a loop (our own mail coming back)."""
    header = parsed.header
    auto = header("auto-submitted").strip().lower()
    if auto and auto != "no":
        return f"auto-reply (Auto-Submitted: {auto})"
    for name in ("x-autoreply", "x-autorespond", "x-autoresponse"):
        if header(name):
            return f"auto-reply ({name})"
    precedence = header("precedence").strip().lower()
    if precedence in BULK_PRECEDENCE:
        return f"bulk mail (Precedence: {precedence})"
    if header("list-id") or header("list-unsubscribe"):
        return "mailing list (List-Id / List-Unsubscribe)"
    content_type = header("content-type").lower()
    if content_type.startswith("multipart/report") or header("x-failed-recipients"):
        return "bounce (delivery status notification)"
    if header("return-path").strip() == "<>":
        return "bounce (empty Return-Path)"
    local = parsed.from_address.partition("@")[0]
    if local in AUTO_SENDERS:
        return f"automatic sender ({local})"
    if header("x-amends-loop"):
        return "loop (X-Amends-Loop)"
    if parsed.from_address in ours:
        return "loop (our own address)"
    if Outbox.objects.filter(message_id=parsed.message_id).exists():
        return "loop (our own message)"
    # A member of staff answering a notification email: the console is where they write.
    if (
        parsed.thread_ids
        and Outbox.objects.filter(
            message_id__in=parsed.thread_ids, recipient_user__isnull=False
        ).exists()
    ):
        return "a reply to a staff notification"
    return ""


def _is_customer(complaint: Complaint, address: str) -> bool:
    try:
        normalised = pii.normalize_email(address)
    except InvalidInput:
        return False
    index = complaint.customer.email_index
    return bool(index) and index == email_index(normalised)


def thread_of(
    parsed: ParsedEmail, *, company_id: int | None, venue_id: int | None = None
) -> Complaint | None:
    """The complaint `parsed` answers: by its In-Reply-To / References (our emails, or the email
    that opened a complaint), else by the reference in its subject. Only a complaint of
    `company_id` (when known), and of `venue_id` when given."""
    found: Complaint | None = None
    ids = parsed.thread_ids
    if ids:
        pk = (
            Outbox.objects.filter(
                message_id__in=ids, complaint_id__isnull=False, recipient_user__isnull=True
            )
            .values_list("complaint_id", flat=True)
            .first()
        ) or (
            InboundMessage.objects.filter(message_id__in=ids, complaint_id__isnull=False)
            .values_list("complaint_id", flat=True)
            .first()
        )
        if pk is not None:
            found = Complaint.objects.filter(pk=pk).first()
    if found is None:
        reference = parsing.reference_in(parsed.subject)
        if reference:
            found = Complaint.objects.filter(reference=reference).first()
    if found is not None and company_id is not None and found.company_id != company_id:
        return None
    if found is not None and venue_id is not None and found.venue_id != venue_id:
        return None
    return found


def _complainant(complaint: Complaint) -> Principal:
    return Principal.customer(
        customer_id=complaint.customer_id,
        company_id=complaint.company_id,
        complaint_id=complaint.pk,
    )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _attach(complaint: Complaint, parsed: ParsedEmail, principal: Principal) -> list[str]:
    """Keep the email's files as the customer's evidence; the refused ones' names and why."""
    skipped: list[str] = []
    for attachment in parsed.attachments:
        current = Complaint.objects.get(pk=complaint.pk)
        upload = SimpleUploadedFile(attachment.name, attachment.data, attachment.content_type)
        try:
            catalogue.perform(
                "evidence",
                complaint=current,
                actor=principal,
                data={"version": current.version, "description": parsed.subject[:300]},
                files={"file": upload},
            )
        except InvalidInput as refused:
            skipped.append(f"{attachment.name}: {refused.message}")
    return skipped


def _note_skipped(complaint: Complaint, skipped: list[str]) -> None:
    """A staff note (by the system: the customer did not write it) naming the refused files."""
    if not skipped:
        return
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Files of the customer's email that were not kept: %(files)s") % {
            "files": "; ".join(skipped)
        }
    locked = lock(complaint)
    record(locked, Principal.system(SystemPart.EMAIL.value), Note(text=text))
    save(locked)


def _open_complaint(parsed: ParsedEmail, *, venue: Venue, follows: str = "") -> Complaint:
    language = parsing.detect_language(f"{parsed.subject}\n{parsed.text}")
    parts = [parsed.subject, parsed.text]
    with translation.override(language):
        if follows:
            parts.insert(
                0,
                _("Written by email about complaint %(ref)s after it was closed.")
                % {"ref": follows},
            )
        if not (parsed.subject or parsed.text):
            parts.append(_("An email without text: see its files."))
    description = _cut("\n\n".join(part for part in parts if part.strip()), MAX_DESCRIPTION)
    name = parsed.from_name or parsed.from_address.partition("@")[0]
    complaint = complaint_receive(
        actor=Principal.system(SystemPart.EMAIL.value),
        venue=venue,
        intake=Intake(
            channel=Channel.EMAIL,
            description=description,
            customer_name=name[:100],
            email=parsed.from_address,
            language=language,
        ),
    )
    principal = Principal.customer(
        customer_id=complaint.customer_id,
        company_id=complaint.company_id,
        complaint_id=complaint.pk,
    )
    _note_skipped(complaint, _attach(complaint, parsed, principal))
    return complaint


def _reply(parsed: ParsedEmail, complaint: Complaint) -> Complaint:
    principal = Principal.customer(
        customer_id=complaint.customer_id,
        company_id=complaint.company_id,
        complaint_id=complaint.pk,
    )
    text = _cut(parsing.strip_quoted(parsed.text), MAX_MESSAGE_CHARS)
    if text:
        catalogue.perform(
            "message",
            complaint=complaint,
            actor=principal,
            data={"text": text, "via": "email", "version": complaint.version},
        )
    _note_skipped(complaint, _attach(complaint, parsed, principal))
    return complaint


def _decide(row: InboundMessage, *, venue: Venue | None) -> tuple[str, str, int | None]:
    """(status, reason, complaint id) of `row`; raises on what should be retried."""
    parsed = parsing.parse(bytes(row.raw))
    reason = ignore_reason(parsed, ours=our_addresses())
    if reason:
        return Status.IGNORED, reason, None
    if not parsed.from_address:
        return Status.IGNORED, "no sender address", None
    if not (parsed.subject or parsed.text or parsed.attachments):
        return Status.IGNORED, "empty message", None
    # Counted once per message (not on retries): a sender in a loop with us is cut off.
    if row.attempts <= 1 and not ratelimit.allow(
        "inbound:sender", parsed.from_address, limit=MAX_PER_SENDER_HOUR, per=3600
    ):
        return Status.IGNORED, f"loop (over {MAX_PER_SENDER_HOUR} messages an hour)", None
    venue = venue or row.venue or (row.mailbox.venue if row.mailbox is not None else None)
    complaint = thread_of(
        parsed,
        company_id=venue.company_id if venue else None,
        venue_id=venue.pk if venue is not None and row.venue_only else None,
    )
    if complaint is not None and _is_customer(complaint, parsed.from_address):
        principal = _complainant(complaint)
        if any(spec.name == "message" for spec in catalogue.available(complaint, principal)):
            _reply(parsed, complaint)
            return Status.REPLY, "", complaint.pk
        follow_up = _open_complaint(parsed, venue=complaint.venue, follows=complaint.reference)
        _answering(follow_up, row)
        return Status.COMPLAINT, f"follows {complaint.reference} (closed)", follow_up.pk
    if venue is None:
        raise NoVenue("no venue to open the complaint at (no mailbox)", code="no_venue")
    opened = _open_complaint(parsed, venue=venue)
    _answering(opened, row)
    return Status.COMPLAINT, "", opened.pk


def _answering(complaint: Complaint, row: InboundMessage) -> None:
    """The acknowledgement was queued while the complaint was being recorded, before this email
    was known to be its first: it answers the email (In-Reply-To / References), so the
    customer's mail program shows one conversation."""
    for outgoing in Outbox.objects.filter(
        complaint_id=complaint.pk,
        channel=Outbox.Channel.EMAIL,
        recipient_user__isnull=True,
        status=Outbox.Status.PENDING,
    ):
        references = [row.message_id, *outgoing.context.get("references", [])]
        outgoing.context = {
            **outgoing.context,
            "in_reply_to": outgoing.context.get("in_reply_to") or row.message_id,
            "references": list(dict.fromkeys(references)),
        }
        outgoing.save(update_fields=["context"])


def inbound_process(message: InboundMessage, *, venue: Venue | None = None) -> InboundMessage:
    """Process one stored message (see the module docstring), in one transaction.

    Idempotent and safe to run twice at once: the row is claimed with a conditional update
    (pending or failed, attempts unchanged), so a second worker finds it taken or done and
    leaves it. A failure marks it failed with the reason (attempts counted); it never raises
    an ordinary error. A worker killed half-way rolls everything back: the row stays as it was.
    """
    seen = message.attempts
    try:
        with transaction.atomic():
            claimed = InboundMessage.objects.filter(
                pk=message.pk, status__in=[Status.PENDING, Status.FAILED], attempts=seen
            ).update(attempts=F("attempts") + 1)
            if not claimed:
                return InboundMessage.objects.get(pk=message.pk)
            row = InboundMessage.objects.select_related("mailbox__venue", "venue").get(
                pk=message.pk
            )
            status, reason, complaint_id = _decide(row, venue=venue)
            row.status, row.reason, row.complaint_id = status, reason[:300], complaint_id
            row.processed_at = clock.now()
            row.save(update_fields=["status", "reason", "complaint_id", "processed_at"])
            return row
    except Exception as exc:  # one bad message never stops the others
        if not isinstance(exc, DomainError):
            log.exception("inbound message %s failed", message.message_id)
        reason = f"{type(exc).__name__}: {exc}"[:300]
        InboundMessage.objects.filter(pk=message.pk, attempts=seen).update(
            status=Status.FAILED, reason=reason, attempts=F("attempts") + 1
        )
        return InboundMessage.objects.get(pk=message.pk)


def inbound_store_and_process(
    raw: bytes,
    *,
    venue: Venue | None = None,
    mailbox: Mailbox | None = None,
    venue_only: bool = False,
) -> InboundMessage:
    """Store `raw` and process it now (a mail gateway posting to the API). A message already
    stored is processed only if it is still pending (or failed with tries left)."""
    row, created = inbound_store(raw, mailbox=mailbox, venue=venue, venue_only=venue_only)
    if _due(row):
        # A message stored earlier (by a mailbox, or another gateway) is processed as it was
        # stored, never at the venue this caller names.
        row = inbound_process(row, venue=venue if created else None)
    return row


def _due(row: InboundMessage) -> bool:
    return row.status == Status.PENDING or (
        row.status == Status.FAILED and row.attempts < MAX_ATTEMPTS
    )


def inbound_process_pending(*, mailbox: Mailbox | None = None, limit: int = BATCH) -> int:
    """Process the pending messages and retry the failed ones (fewer than MAX_ATTEMPTS tries),
    oldest first; at most `limit`. Returns how many were handled (whatever their outcome)."""
    due = InboundMessage.objects.filter(
        Q(status=Status.PENDING) | Q(status=Status.FAILED, attempts__lt=MAX_ATTEMPTS)
    )
    if mailbox is not None:
        due = due.filter(mailbox=mailbox)
    handled = 0
    for row in due.order_by("received_at", "pk")[:limit]:
        inbound_process(row)
        handled += 1
    return handled


# --- IMAP -----------------------------------------------------------------------------------


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    if mailbox.imap_ssl:
        return imaplib.IMAP4_SSL(mailbox.imap_host, mailbox.imap_port, timeout=IMAP_TIMEOUT)
    return imaplib.IMAP4(mailbox.imap_host, mailbox.imap_port, timeout=IMAP_TIMEOUT)


def _ok(response: tuple[str, Any], what: str) -> Any:
    status, data = response
    if status != "OK":
        raise imaplib.IMAP4.error(f"{what}: {status} {data!r}")
    return data


def _fetched(data: Any) -> bytes | None:
    for item in data or []:
        if isinstance(item, tuple) and len(item) >= 2 and isinstance(item[1], bytes):
            return item[1]
    return None


# The IMAP keyword amends sets on each message it has stored. Searching for messages without it
# (rather than for unseen ones) still finds a message that someone read in the shared mailbox
# before amends fetched it.
STORED = "$AmendsStored"


def mailbox_poll(mailbox: Mailbox) -> int:
    """Fetch the messages of `mailbox` amends has not stored yet, over IMAP, and store each;
    returns how many new ones were stored. Then process the mailbox's pending messages.

    Order matters: a message is fetched without marking it (BODY.PEEK), stored (committed),
    and only then flagged (the STORED keyword, and \\Seen). A worker killed before the store
    loses nothing (the message is not flagged); killed after it, the message is fetched again
    and the unique Message-ID keeps it once. A message that cannot be stored is logged and left
    for the next poll; it never stops the others. `last_polled_at` and `last_error` are recorded
    on the mailbox."""
    stored = 0
    error = ""
    try:
        client = _connect(mailbox)
        try:
            _ok(client.login(mailbox.imap_user, mailbox.imap_password), "LOGIN")
            _ok(client.select(_quoted(mailbox.imap_folder)), "SELECT")
            uids = _ok(client.uid("SEARCH", "UNKEYWORD", STORED), "SEARCH")[0].split()
            for uid in uids:
                raw = _fetched(_ok(client.uid("FETCH", uid, "(BODY.PEEK[])"), "FETCH"))
                if raw is None:
                    continue
                try:
                    _row, created = inbound_store(raw, mailbox=mailbox)
                except Exception as exc:  # this message only; the next poll tries it again
                    log.exception("mailbox %s: message %s not stored", mailbox.address, uid)
                    error = f"{type(exc).__name__}: {exc}"
                    continue
                stored += int(created)
                _ok(client.uid("STORE", uid, "+FLAGS", f"({STORED} \\Seen)"), "STORE")
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                client.logout()
    except (imaplib.IMAP4.error, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"
        log.warning("mailbox %s: %s", mailbox.address, error)
    Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=clock.now(), last_error=error)
    mailbox.last_polled_at, mailbox.last_error = clock.now(), error
    inbound_process_pending(mailbox=mailbox)
    return stored


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mailboxes_poll() -> int:
    """Poll every active mailbox that has an IMAP server; how many new messages were stored."""
    total = 0
    for mailbox in (
        Mailbox.objects.filter(is_active=True).exclude(imap_host="").select_related("venue")
    ):
        try:
            total += mailbox_poll(mailbox)
        except Exception:  # one mailbox's trouble never stops the others
            log.exception("mailbox %s: poll failed", mailbox.address)
    return total
