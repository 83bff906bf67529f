"""The data-subject request providers of complaints, messages, privacy records and members
(`privacy.registry`).

- Complaints export the person's own complaints (their customer is the person), the
  conversation, evidence (with the files), interviews with them, remedies, their acceptance or
  refusal of a remedy, surveys and revisits, and the references of other complaints that
  mention them (not their text: that is other people's data). Erasure de-identifies each of
  their complaints (every class, as the purge does: the messages sent about them and the raw
  emails in their threads included) and masks the person's numbers where other complaints
  mention them; it refuses while a complaint of theirs is open or under legal hold.
- Messages export what was sent to the person (the outbox: about their complaints, member
  care, sign-in codes, the answers to their requests) and the emails they sent (as parsed from
  the raw message kept). Erasure blanks the messages sent to them that no complaint erasure
  reaches (care, codes, answers) once delivered or given up, and the raw emails from them that
  opened no complaint. A message still waiting to go is left to go (it tells them something).
- Privacy records export their consents to sensitive data and their earlier data-subject
  requests. The requests are kept on erasure: they are the record that the company answered
  (their free text goes after the audit-log period, `purge._purge_logs`).
- Staff consequences are not the person's data: a consequence names a staff member, never the
  customer (its note is erased with the complaint's free text).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from amends.complaints import selectors_privacy
from amends.complaints.models import (
    Complaint,
    ComplaintEvent,
    CustomerConsent,
    Evidence,
    Interview,
    RemedyProposal,
    Revisit,
    Survey,
)
from amends.complaints.services.gate import lock
from amends.inbound import parsing
from amends.members.models import Customer, CustomerCode, Member
from amends.notifications.models import InboundMessage, Outbox
from amends.privacy import erasure, registry
from amends.privacy.models import DataSubjectRequest, PurgeRecord, SensitiveConsent
from amends.privacy.retention import COMPLAINT_CLASSES
from amends.triage import pii

MESSAGE_KINDS = ("customer_message", "handler_reply", "call", "merged_from")


def _at(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def _own(customer: Customer) -> list[Complaint]:
    return list(
        Complaint.objects.filter(customer=customer)
        .select_related("venue", "category", "department")
        .order_by("received_at", "pk")
    )


def _mentioning(customer: Customer) -> list[Complaint]:
    """Other complaints of the company whose text mentions the person's phone or email."""
    found: dict[int, Complaint] = {}
    for value in (customer.phone, customer.email):
        if value:
            for complaint in selectors_privacy.complaints_mentioning(customer.company_id, value):
                if complaint.customer_id != customer.pk:
                    found[complaint.pk] = complaint
    return [found[pk] for pk in sorted(found)]


def complaints_export(customer: Customer) -> registry.Tables:
    own = _own(customer)
    refs = {c.pk: c.reference for c in own}
    tables: registry.Tables = {
        "complaints": [
            {
                "reference": c.reference,
                "venue": c.venue.name,
                "received_at": _at(c.received_at),
                "channel": c.channel,
                "state": c.state,
                "category": c.category.code if c.category else "",
                "severity": c.severity,
                "occurred_at": _at(c.occurred_at),
                "location": c.location,
                "people_involved": c.people_involved,
                "description": c.description,
                "consequence": c.consequence,
                "customer_request": c.customer_request,
                "validity": c.validity,
                "closed_at": _at(c.closed_at),
                "sensitive": ",".join(c.sensitive or []),
            }
            for c in own
        ],
        "messages": [],
        "evidence": [],
        "interviews": [],
        "remedies": [],
        "surveys": [],
        "revisits": [],
        "remedy_answers": [],
        "mentioned_in": [{"reference": c.reference} for c in _mentioning(customer)],
    }
    events = list(
        ComplaintEvent.objects.filter(complaint_id__in=refs, kind__in=MESSAGE_KINDS).order_by(
            "complaint_id", "seq"
        )
    )
    # A duplicate merged in may be someone else's complaint: its text is theirs, not exported.
    duplicates = {
        str(e.data.get("duplicate"))
        for e in events
        if e.kind == "merged_from" and isinstance(e.data, dict)
    }
    own_duplicates = set(
        Complaint.objects.filter(reference__in=duplicates, customer_id=customer.pk).values_list(
            "reference", flat=True
        )
    )
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        if event.kind == "merged_from" and str(data.get("duplicate")) not in own_duplicates:
            continue
        tables["messages"].append(
            {
                "reference": refs[event.complaint_id],
                "at": _at(event.at),
                "kind": event.kind,
                "text": str(data.get("text") or data.get("description") or ""),
            }
        )
    files: list[dict[str, Any]] = []
    for ev in Evidence.objects.filter(complaint_id__in=refs).exclude(file=""):
        name = f"evidence/{refs[ev.complaint_id]}-{ev.pk}{ev.extension}"
        tables["evidence"].append(
            {
                "reference": refs[ev.complaint_id],
                "file": name,
                "name": ev.original_name,
                "type": ev.content_type,
                "size": ev.size,
                "sha256": ev.sha256,
                "uploaded_at": _at(ev.uploaded_at),
            }
        )
        files.append({"name": name, "storage": ev.file.name})
    tables[registry.FILES] = files
    for iv in Interview.objects.filter(
        complaint_id__in=refs, interviewee_role=Interview.Role.CUSTOMER
    ):
        tables["interviews"].append(
            {"reference": refs[iv.complaint_id], "held_at": _at(iv.held_at), "summary": iv.summary}
        )
    for rp in RemedyProposal.objects.filter(complaint_id__in=refs):
        tables["remedies"].append(
            {
                "reference": refs[rp.complaint_id],
                "kind": rp.kind,
                "description": rp.description,
                "amount": str(rp.amount),
                "status": rp.status,
            }
        )
    for sv in Survey.objects.filter(complaint_id__in=refs):
        tables["surveys"].append(
            {
                "reference": refs[sv.complaint_id],
                "answered_at": _at(sv.answered_at),
                "satisfaction": sv.satisfaction,
                "nps": sv.nps,
                "comment": sv.comment,
            }
        )
    for rv in Revisit.objects.filter(complaint_id__in=refs):
        tables["revisits"].append(
            {
                "reference": refs[rv.complaint_id],
                "done_at": _at(rv.done_at),
                "method": rv.method,
                "reached": rv.reached,
                "satisfied": rv.satisfied,
                "notes": rv.notes,
            }
        )
    for answer in CustomerConsent.objects.filter(complaint_id__in=refs).order_by("recorded_at"):
        tables["remedy_answers"].append(
            {
                "reference": refs[answer.complaint_id],
                "recorded_at": _at(answer.recorded_at),
                "accepted": answer.accepted,
                "method": answer.method,
                "note": answer.note,
            }
        )
    return tables


def complaints_erase(customer: Customer, now: datetime) -> dict[str, int]:
    from amends.privacy.purge import is_held

    own = _own(customer)
    for complaint in own:
        if complaint.is_open:
            raise registry.Refused(
                _("Complaint %(reference)s is still being handled and needs the data.")
                % {"reference": complaint.reference}
            )
        if is_held(complaint)[0]:
            raise registry.Refused(
                _("Complaint %(reference)s is under legal hold.")
                % {"reference": complaint.reference}
            )
    mentions = _mentioning(customer)
    counts = {"complaints": 0, "files": 0, "texts": 0, "mentions_masked": 0}
    every = [c.value for c in COMPLAINT_CLASSES]
    for complaint in own:
        locked = lock(complaint)
        if locked.anonymised_at is not None:
            continue
        done = erasure.complaint_erase(locked, classes=every, now=now)
        PurgeRecord.objects.create(
            company_id=locked.company_id,
            at=now,
            outcome=PurgeRecord.Outcome.DELETED,
            complaint_id=locked.pk,
            reference=locked.reference,
            customer_id=customer.pk,
            classes=every,
            rule={"request": "deletion requested by the person"},
            counts=done,
        )
        counts["complaints"] += 1
        counts["files"] += done.get("files", 0)
        counts["texts"] += done.get("texts", 0)
    own_values = _own_values(customer)
    for complaint in mentions:
        locked = lock(complaint)
        if is_held(locked)[0]:  # a hold keeps the other complaint as it is; the block is kept
            counts["mentions_held"] = counts.get("mentions_held", 0) + 1
            continue
        counts["mentions_masked"] += erasure.complaint_mask(locked, now=now, only=own_values)[
            "masked"
        ]
    return counts


def _own_values(customer: Customer) -> set[tuple[str, str]]:
    """The person's phone and email as `triage.pii.normalized` compares them: only these are
    masked in other people's complaints that mention them."""
    values: set[tuple[str, str]] = set()
    if customer.phone:
        values.add((pii.PHONE, pii.normalized(pii.PHONE, customer.phone)))
    if customer.email:
        values.add((pii.EMAIL, pii.normalized(pii.EMAIL, customer.email)))
    return values


def members_export(customer: Customer) -> registry.Tables:
    return {
        "customer": [
            {
                "name": customer.name,
                "phone": customer.phone,
                "email": customer.email,
                "language": customer.language,
                "created_at": _at(customer.created_at),
            }
        ],
        "memberships": [
            {
                "venue": m.venue.name,
                "number": m.number,
                "level": m.level,
                "plan": m.plan,
                "starts_on": m.starts_on.isoformat() if m.starts_on else "",
                "expires_on": m.expires_on.isoformat() if m.expires_on else "",
                "status": m.status,
                "birthday": m.birthday,
                "points": m.points,
            }
            for m in Member.objects.filter(customer=customer).select_related("venue")
        ],
    }


def members_erase(customer: Customer, now: datetime) -> dict[str, int]:
    """The birthday goes; the membership itself stays (a contract), the contact data goes."""
    count = 0
    for member in Member.objects.filter(customer=customer):  # encrypted: not filtered in SQL
        if not member.birthday:
            continue
        member.birthday = ""
        member.save(update_fields=["birthday"])
        count += 1
    erased = erasure.erase_customer(customer, now=now)
    return {"birthdays": count, "customer": int(erased)}


# --- messages: the outbox to the person, the emails from them ---------------------------------

# The outbox channels that reach a customer (a call task and a console message go to staff, a
# webhook to an integration).
TO_CUSTOMER = (Outbox.Channel.EMAIL, Outbox.Channel.SMS, Outbox.Channel.MANUAL)
UNSENT = (Outbox.Status.PENDING, Outbox.Status.SENDING)


def _addressed_to(customer: Customer, row: Outbox) -> bool:
    address = (row.recipient_address or "").strip()
    return bool(address) and (
        address == customer.phone or address.lower() == (customer.email or "").lower()
    )


CODE_SLACK = timedelta(seconds=5)


def outbox_to(customer: Customer) -> list[Outbox]:
    """The outbox rows sent (or to be sent) to the person, oldest first:

    1. about their own complaints, to a customer channel;
    2. member care, to any of their memberships;
    3. sign-in codes: the row names its code (`context.customer_code`, a `CustomerCode` of
       theirs); a row queued before it did is matched by its address (theirs) and an instant
       within CODE_SLACK of one of their codes (the code and its message were stamped apart);
    4. the answers to their data-subject requests (the requests' dedupe keys).

    Rows 3 and 4 carry no complaint; each is found through a row of theirs, so a person with
    the same phone at another company is never reached."""
    own = list(Complaint.objects.filter(customer=customer).values_list("pk", flat=True))
    members = list(Member.objects.filter(customer=customer).values_list("pk", flat=True))
    codes = dict(CustomerCode.objects.filter(customer=customer).values_list("pk", "created_at"))
    requests = list(requests_of(customer).values_list("pk", flat=True))
    found: dict[int, Outbox] = {}
    for row in Outbox.objects.filter(
        complaint_id__in=own, recipient_user__isnull=True, channel__in=TO_CUSTOMER
    ):
        found[row.pk] = row
    if members:
        for row in Outbox.objects.filter(kind=Outbox.Kind.CARE, context__member__in=members):
            found[row.pk] = row
    if codes:
        signs = Outbox.objects.filter(kind=Outbox.Kind.SIGN_IN_CODE, complaint_id__isnull=True)
        for row in signs.filter(context__customer_code__in=list(codes)):
            found[row.pk] = row
        near = Q(pk__in=[])
        for at in codes.values():
            near |= Q(created_at__gte=at - CODE_SLACK, created_at__lte=at + CODE_SLACK)
        for row in signs.filter(near).exclude(context__has_key="customer_code"):
            if _addressed_to(customer, row):
                found[row.pk] = row
    if requests:
        keys = Q(pk__in=[])
        for pk in requests:
            keys |= Q(dedupe_key__startswith=f"dsr:{pk}:")
        for row in Outbox.objects.filter(keys, recipient_user__isnull=True):
            found[row.pk] = row
    return sorted(found.values(), key=lambda row: (row.created_at, row.pk))


def _sender(raw: bytes) -> tuple[str, parsing.ParsedEmail | None]:
    if not raw:
        return "", None
    parsed = parsing.parse(bytes(raw))
    return parsed.from_address, parsed


def emails_from(customer: Customer) -> list[tuple[InboundMessage, parsing.ParsedEmail | None]]:
    """The inbound emails from the person, oldest first, each with its parsed message (None when
    its raw message is already erased):

    1. every email that opened one of their complaints, and every email in their complaints'
       threads sent from their address;
    2. emails from their address that opened no complaint (ignored, failed) at the company's
       mailboxes or venues, while their raw message is kept (`purge.INBOUND_KEEP_DAYS`).
    """
    email = (customer.email or "").lower()
    own = {
        pk: reference
        for pk, reference in Complaint.objects.filter(customer=customer).values_list(
            "pk", "reference"
        )
    }
    found: list[tuple[InboundMessage, parsing.ParsedEmail | None]] = []
    for row in InboundMessage.objects.filter(complaint_id__in=own).order_by("received_at", "pk"):
        sender, parsed = _sender(row.raw)
        if row.status == InboundMessage.Status.COMPLAINT or (email and sender == email):
            found.append((row, parsed))
    if email:
        company = customer.company_id
        # Through the sender's blind index (set when the message was stored), so a busy mailbox
        # is never read message by message; the address is compared again after parsing.
        loose = (
            InboundMessage.objects.filter(
                complaint_id__isnull=True, sender_index=customer.email_index or "-"
            )
            .filter(Q(mailbox__venue__company_id=company) | Q(venue__company_id=company))
            .exclude(raw=b"")
            .order_by("received_at", "pk")
        )
        for row in loose:
            sender, parsed = _sender(row.raw)
            if sender == email:
                found.append((row, parsed))
    return found


def messages_export(customer: Customer) -> registry.Tables:
    refs: dict[int | None, str] = dict(
        Complaint.objects.filter(customer=customer).values_list("pk", "reference")
    )
    return {
        "sent_to_you": [
            {
                "at": _at(row.sent_at or row.created_at),
                "reference": refs.get(row.complaint_id, row.reference),
                "kind": row.kind,
                "channel": row.channel,
                "status": row.status,
                "to": row.recipient_address,
                "subject": row.subject,
                "body": row.body,
            }
            for row in outbox_to(customer)
        ],
        "emails_from_you": [
            {
                "received_at": _at(row.received_at),
                "reference": refs.get(row.complaint_id, ""),
                "status": row.status,
                "from": parsed.from_address if parsed else "",
                "subject": parsed.subject if parsed else "",
                "text": parsed.text if parsed else "",
                "attachments": ", ".join(a.name for a in parsed.attachments) if parsed else "",
            }
            for row, parsed in emails_from(customer)
        ],
    }


def messages_erase(customer: Customer, now: datetime) -> dict[str, int]:
    """Blank what the complaint erasure does not reach: the messages sent to the person outside
    their complaints (delivered or given up; a message waiting to go is left to go) and the raw
    emails from them that opened no complaint. The rows stay, without their content."""
    outside = [
        row.pk
        for row in outbox_to(customer)
        if row.complaint_id is None and row.status not in UNSENT
    ]
    messages = (
        Outbox.objects.filter(pk__in=outside)
        .exclude(body="", subject="")
        .update(body="", subject="", recipient_address="", context={})
    )
    loose = [row.pk for row, _parsed in emails_from(customer) if row.complaint_id is None]
    emails = InboundMessage.objects.filter(pk__in=loose).exclude(raw=b"").update(raw=b"", reason="")
    return {"messages": messages, "emails": emails}


# --- privacy records: consents to sensitive data, earlier requests ------------------------------


def requests_of(customer: Customer) -> QuerySet[DataSubjectRequest]:
    """The person's data-subject requests: those matched to this customer row, and those that
    matched no row but were made with its phone or email (a request covering several rows of
    one person is matched to the first: it is listed with that one only)."""
    by_contact = Q(pk__in=[])
    if customer.phone_index:
        by_contact |= Q(phone_index=customer.phone_index)
    if customer.email_index:
        by_contact |= Q(email_index=customer.email_index)
    return DataSubjectRequest.objects.filter(company_id=customer.company_id).filter(
        Q(customer=customer) | (Q(customer__isnull=True) & by_contact)
    )


def privacy_export(customer: Customer) -> registry.Tables:
    return {
        "sensitive_data_consents": [
            {
                "reference": consent.complaint.reference,
                "recorded_at": _at(consent.recorded_at),
                "kinds": ",".join(consent.kinds or []),
                "given": consent.given,
                "method": consent.method,
                "note": consent.note,
                "withdrawn_at": _at(consent.withdrawn_at),
            }
            for consent in SensitiveConsent.objects.filter(complaint__customer=customer)
            .select_related("complaint")
            .order_by("recorded_at", "pk")
        ],
        "requests": [
            {
                "request": f"DSR-{row.pk}",
                "kind": row.kind,
                "status": row.status,
                "received_at": _at(row.received_at),
                "due_at": _at(row.due_at),
                "finished_at": _at(row.finished_at),
                "details": row.details,
                "outcome": row.outcome,
                "refusal_reason": row.refusal_reason,
            }
            for row in requests_of(customer).order_by("received_at", "pk")
        ],
    }


def privacy_erase(customer: Customer, now: datetime) -> dict[str, int]:
    """Nothing here is erased on request: the consents' notes go with the complaints' free
    text, and the requests are the record that the company answered (see the module)."""
    return {}


def register_all() -> None:
    registry.register("complaints", export=complaints_export, erase=complaints_erase, order=10)
    # Before the members provider erases the contact data the messages are matched on.
    registry.register("messages", export=messages_export, erase=messages_erase, order=20)
    registry.register("privacy", export=privacy_export, erase=privacy_erase, order=30)
    registry.register("members", export=members_export, erase=members_erase, order=900)
