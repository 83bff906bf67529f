"""Personal data in what people wrote: found for privacy requests, masked where the customer is.

- `complaints_mentioning(company, value)`: the company's complaints that are about a person —
  their customer is that person (phone or email blind index) — or whose free text, or a message,
  note or call written on them, holds the phone number, email address, ID-card or bank-card
  number (`triage.pii.contains`: however it is spelled, checksums checked). What a privacy
  request (access, correction, erasure) starts from.
- `masked_text` / `masked_lines`: free text as a display that masks the customer's fields shows
  it (`triage.pii.mask`), under the same condition as the customer's contact card: the console's
  lists always, a complaint page until the contact is revealed (an audited step), an export
  unless its maker may unmask, the API always.

The selector checks no permission: the privacy officer's service that calls it has (a request
covers the whole company, whoever may read each complaint).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Q, QuerySet

from amends.complaints.events import EventKind
from amends.complaints.models import Complaint, ComplaintEvent
from amends.complaints.narrative import Line
from amends.core import pii as core_pii
from amends.core.errors import InvalidInput
from amends.members.services import email_index, phone_index
from amends.orgs.models import Company
from amends.triage import pii

CHUNK = 2000
# The free text of a complaint: what the customer said, and what staff wrote of it.
TEXT_FIELDS = (
    "description",
    "consequence",
    "customer_request",
    "people_involved",
    "subject_text",
    "location",
    "investigation_report",
)
# Timeline events whose `text` someone wrote: the conversation, notes and call notes.
TEXT_EVENTS = (
    EventKind.CUSTOMER_MESSAGE.value,
    EventKind.HANDLER_REPLY.value,
    EventKind.NOTE.value,
    EventKind.CALL.value,
)
# Timeline lines that carry what the customer wrote (masked where the customer is).
CUSTOMER_TEXT_KINDS = frozenset({EventKind.CUSTOMER_MESSAGE.value, EventKind.MERGED_FROM.value})
# Timeline lines whose details are never free text (dates, references, names of staff): told to
# everyone who may see the complaint, on every face (the console's `details_for`, the API's
# `line_out`). Every other kind (notes, calls, interviews, messages, reasons, changed details,
# remedies, surveys, sensitive flags, …) is withheld on a sensitive complaint from those who may
# not read it — a kind added later is withheld until it is listed here.
STRUCTURED_LINE_KINDS = frozenset(
    {
        EventKind.RECEIVED.value,
        EventKind.HANDOFF_ACCEPTED.value,
        EventKind.CALENDAR_WARNING.value,
        EventKind.EVIDENCE.value,
        EventKind.PERSONAL_DATA_VIEWED.value,
        EventKind.REVISIT_SCHEDULED.value,
        EventKind.FOLLOW_UP_OPENED.value,
        EventKind.DEADLINES_RECOMPUTED.value,
        EventKind.REMINDER.value,
        EventKind.ANONYMISED.value,
        EventKind.REPEAT.value,
    }
)
# Any number of personal data has a run of at least three digits: a cheap first sieve in SQL.
_DIGITS = r"[0-9０-９]{3}"


def _as_company_id(company: Company | int) -> int:
    return company.pk if isinstance(company, Company) else int(company)


def customer_match(value: str) -> Q | None:
    """Complaints whose customer has this phone or email (blind index); None when `value` is
    neither a valid phone number nor a valid email address."""
    try:
        if "@" in value:
            return Q(customer__email_index=email_index(core_pii.normalize_email(value)))
        digits = re.sub(r"\D", "", value)
        if not 5 <= len(digits) <= 15:
            return None
        return Q(customer__phone_index=phone_index(core_pii.normalize_phone(value)))
    except InvalidInput:
        return None


def _sieve(value: str, names: Iterable[str]) -> Q:
    """A cheap SQL filter that every text holding `value` passes."""
    test = Q(pk__in=[])
    for name in names:
        if "@" in value:
            test |= Q(**{f"{name}__icontains": value.split("@", 1)[1]})
        else:
            test |= Q(**{f"{name}__regex": _DIGITS})
    return test


def _texts_mentioning(company_id: int, value: str) -> Iterator[int]:
    """Ids of the company's complaints whose free text holds `value`, read in chunks."""
    rows = (
        Complaint.objects.filter(company_id=company_id)
        .filter(_sieve(value, TEXT_FIELDS))
        .order_by()
        .values_list("pk", *TEXT_FIELDS)
    )
    for pk, *texts in rows.iterator(chunk_size=CHUNK):
        if any(text and pii.contains(text, value) for text in texts):
            yield pk


def _events_mentioning(company_id: int, value: str) -> Iterator[int]:
    """Ids of the company's complaints with a message, note or call holding `value`."""
    rows = (
        ComplaintEvent.objects.filter(complaint__company_id=company_id, kind__in=TEXT_EVENTS)
        .order_by()
        .values_list("complaint_id", "data")
    )
    for complaint_id, data in rows.iterator(chunk_size=CHUNK):
        text = data.get("text") if isinstance(data, dict) else None
        if isinstance(text, str) and pii.contains(text, value):
            yield complaint_id


def complaints_mentioning(company: Company | int, value: str) -> QuerySet[Complaint]:
    """The company's complaints of the person with this phone, email, ID or card number: their
    customer is that person, or their text mentions it. Oldest first; empty for a blank value.
    The texts are scanned in chunks (`iterator`), after a SQL sieve on each field."""
    company_id = _as_company_id(company)
    complaints = Complaint.objects.filter(company_id=company_id)
    value = value.strip()
    if not value or "\x00" in value:
        return complaints.none()
    found = set(_texts_mentioning(company_id, value))
    found.update(_events_mentioning(company_id, value))
    match = Q(pk__in=sorted(found))
    by_customer = customer_match(value)
    if by_customer is not None:
        match |= by_customer
    return complaints.filter(match).order_by("received_at", "pk")


# --- masked displays -------------------------------------------------------------------------


def masked_text(text: Any, *, masked: bool = True) -> Any:
    """`text` with its personal data masked when `masked` (anything not text stays as it is)."""
    if not masked or not isinstance(text, str) or not text:
        return text
    return pii.mask(text)


def masked_lines(lines: Iterable[Line], *, masked: bool = True) -> list[Line]:
    """The timeline's lines with what the customer wrote masked when `masked`."""
    out = []
    for line in lines:
        if masked and line.kind in CUSTOMER_TEXT_KINDS:
            line = dataclasses.replace(line, details=[pii.mask(d) for d in line.details])
        out.append(line)
    return out
