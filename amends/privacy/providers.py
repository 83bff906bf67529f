"""The data-subject request providers of complaints and members (`privacy.registry`).

Complaints export the person's own complaints (their customer is the person), the conversation,
evidence (with the files), interviews with them, remedies, surveys and revisits, and the
references of other complaints that mention them (not their text: that is other people's
data). Erasure de-identifies each of their complaints (every class, as the purge does) and masks
the person's numbers where other complaints mention them; it refuses while a complaint of theirs
is open or under legal hold.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from amends.complaints import selectors_privacy
from amends.complaints.models import (
    Complaint,
    ComplaintEvent,
    Evidence,
    Interview,
    RemedyProposal,
    Revisit,
    Survey,
)
from amends.complaints.services.gate import lock
from amends.members.models import Customer, Member
from amends.privacy import erasure, registry
from amends.privacy.models import PurgeRecord
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


def register_all() -> None:
    registry.register("complaints", export=complaints_export, erase=complaints_erase, order=10)
    registry.register("members", export=members_export, erase=members_erase, order=900)
