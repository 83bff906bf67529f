"""Erasing a complaint's personal data class by class, and a customer's contact data.

What stays: category, venue, department, dates, state and outcome, severity, validity and
responsibility, amounts and scores, the timeline's kinds and actors — so that every report adds
up the same after a purge. What goes, per class:

- free text (and health details, which live in it): the complaint's text fields, interviews,
  remedy descriptions and comments, revisit notes, the survey comment, consequence and consent
  notes, the bodies of the messages sent about it, and the personal strings of its timeline
  (`complaints.redaction`: the chain stays verifiable);
- attachments / recordings: the files themselves (deleted from storage) and their names;
- contact data: the customer's name, phone and email, unless another complaint of theirs that is
  not yet anonymised still needs them.

`complaint_erase` is called with the complaint's row locked, inside the caller's transaction;
files are deleted last, after every row is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Q

from amends.complaints import redaction
from amends.complaints.events import Anonymised, record
from amends.complaints.models import (
    Complaint,
    ComplaintEvent,
    Consequence,
    CustomerConsent,
    Evidence,
    Interview,
    RemedyProposal,
    Revisit,
    Survey,
)
from amends.complaints.services.gate import save
from amends.members.models import Customer
from amends.notifications.models import Outbox
from amends.notifications.services import outbox_cancel
from amends.privacy.models import DataClass, SensitiveConsent
from amends.triage import pii

C = DataClass
TEXT_FIELDS = (
    "description",
    "consequence",
    "customer_request",
    "people_involved",
    "subject_text",
    "location",
    "investigation_report",
    "booking_reference",
    "responsible_party",
)
RECORDING_TYPES = ("audio/", "video/")


def _recordings(complaint: Complaint) -> Q:
    test = Q(pk__in=[])
    for prefix in RECORDING_TYPES:
        test |= Q(content_type__startswith=prefix)
    return test


def erase_text(
    complaint: Complaint,
    *,
    now: datetime,
    change: Callable[[str], str],
    altered: list[int] | None = None,
) -> int:
    """Apply `change` to every free text of the complaint and its records; the strings changed.
    The complaint row itself is changed in memory (the caller saves it). Timeline events whose
    data no longer matches their hash are not sealed; their seqs go to `altered`."""
    changed = 0
    for name in TEXT_FIELDS:
        value = getattr(complaint, name)
        if value and change(value) != value:
            setattr(complaint, name, change(value))
            changed += 1

    changed += _erase_triage(complaint, change)

    def rows(model: type, fields: Iterable[str], **filters: object) -> int:
        done = 0
        for row in model.objects.filter(complaint=complaint, **filters):  # type: ignore[attr-defined]
            touched = [
                f for f in fields if getattr(row, f) and change(getattr(row, f)) != getattr(row, f)
            ]
            for name in touched:
                setattr(row, name, change(getattr(row, name)))
            if touched:
                row.save(update_fields=touched)
                done += len(touched)
        return done

    changed += rows(Interview, ("interviewee", "summary"))
    changed += rows(RemedyProposal, ("description", "decision_comment"))
    changed += rows(Revisit, ("notes",))
    changed += rows(Survey, ("comment",))
    changed += rows(Consequence, ("note",))
    changed += rows(CustomerConsent, ("note",))
    changed += rows(SensitiveConsent, ("note",))
    changed += rows(Evidence, ("description",))
    if redaction.enabled():
        changed += redaction.redact_timeline(complaint.pk, now=now, change=change, altered=altered)
    return changed


def inbound_erase(complaint_id: int) -> int:
    """Blank the raw emails (headers, body, attachments) that opened or replied to the
    complaint; the rows stay (their Message-ID keeps a re-delivered email from counting twice)."""
    from amends.notifications.models import InboundMessage

    rows = InboundMessage.objects.filter(complaint_id=complaint_id).exclude(raw=b"")
    return rows.update(raw=b"", reason="")


def _erase_triage(complaint: Complaint, change: Callable[[str], str]) -> int:
    """Apply `change` to the words triage kept from the text (each guess's reasons, each
    signal's words); codes and confidences stay. A blanked reason is dropped. The complaint is
    changed in memory."""
    triage = complaint.triage if isinstance(complaint.triage, dict) else {}
    changed = 0

    def texts(values: object) -> list[str]:
        nonlocal changed
        out: list[str] = []
        for value in values if isinstance(values, list) else []:
            new = change(value) if isinstance(value, str) else value
            changed += int(new != value)
            if new:
                out.append(new)
        return out

    fresh = dict(triage)
    for name, guess in triage.items():
        if isinstance(guess, dict) and "reasons" in guess:
            fresh[name] = {**guess, "reasons": texts(guess["reasons"])}
    signals = []
    for signal in triage.get("signals") or []:
        if isinstance(signal, dict) and isinstance(signal.get("words"), str) and signal["words"]:
            words = change(signal["words"])
            changed += int(words != signal["words"])
            signal = {**signal, "words": words}
        signals.append(signal)
    if "signals" in triage:
        fresh["signals"] = signals
    if changed:
        complaint.triage = fresh
    return changed


def erase_files(complaint: Complaint, *, recordings: bool, others: bool) -> list[str]:
    """Blank the names of the complaint's attachments (recordings, other files, or both) and
    return the storage names of their files, for the caller to delete after the rows."""
    found = Evidence.objects.filter(complaint=complaint).exclude(file="")
    if not recordings:
        found = found.exclude(_recordings(complaint))
    if not others:
        found = found.filter(_recordings(complaint))
    names = []
    for evidence in found:
        names.append(evidence.file.name)
        evidence.original_name = ""
        evidence.description = ""
        evidence.file = ""
        evidence.save(update_fields=["original_name", "description", "file"])
    return names


def delete_files(names: Iterable[str]) -> int:
    """Delete these files from the default storage; the number deleted."""
    from django.core.files.storage import default_storage

    deleted = 0
    for name in names:
        if name and default_storage.exists(name):
            default_storage.delete(name)
            deleted += 1
    return deleted


def erase_customer(customer: Customer, *, now: datetime) -> bool:
    """Erase the customer's contact data (name, phone, email, their blind indexes); False when
    already erased."""
    if customer.anonymised_at is not None:
        return False
    customer.name = customer.phone = customer.email = ""
    customer.phone_index = customer.email_index = ""
    customer.anonymised_at = now
    customer.save()
    return True


def customer_still_needed(customer_id: int, *, besides: int) -> bool:
    """Whether another complaint of the customer is not yet anonymised, or a membership of
    theirs is still running (active or frozen)."""
    from amends.members.models import Member

    running = (Member.Status.ACTIVE, Member.Status.FROZEN)
    return (
        Complaint.objects.filter(customer_id=customer_id, anonymised_at__isnull=True)
        .exclude(pk=besides)
        .exists()
        or Member.objects.filter(customer_id=customer_id, status__in=running).exists()
    )


def complaint_erase(
    complaint: Complaint,
    *,
    classes: Iterable[str],
    now: datetime,
    already: Iterable[str] = (),
) -> dict[str, int]:
    """Erase `classes` of the locked `complaint` (see the module); counts of what was erased.
    When every complaint class is erased the complaint is marked anonymised and the timeline
    says so. Files are deleted last."""
    wanted = set(classes)
    counts: dict[str, int] = {}
    # Health and injury details live in the free text of a sensitive complaint.
    if wanted & {C.FREE_TEXT, C.COMPLAINT_RECORD} or (C.HEALTH in wanted and complaint.sensitive):
        altered: list[int] = []
        counts["texts"] = erase_text(complaint, now=now, change=lambda text: "", altered=altered)
        if altered:
            counts["altered_events"] = len(altered)
        # A message not yet sent would go out empty: it is cancelled instead.
        about = Outbox.objects.filter(complaint_id=complaint.pk)
        outbox_cancel(
            ids=about.filter(status=Outbox.Status.PENDING).values_list("pk", flat=True),
            reason="personal data erased",
        )
        counts["messages"] = (
            Outbox.objects.filter(complaint_id=complaint.pk)
            .exclude(body="", subject="")
            .update(body="", subject="", recipient_address="", context={})
        )
        counts["inbound"] = inbound_erase(complaint.pk)
        # Merged into another complaint (perhaps another customer's): the copy of this one's
        # text that the merge wrote on the survivor's timeline goes too.
        if complaint.merged_into_id is not None:
            copies = ComplaintEvent.objects.filter(
                complaint_id=complaint.merged_into_id,
                kind="merged_from",
                data__duplicate=complaint.reference,
            )
            for event in copies:
                try:
                    counts["merged_copies"] = counts.get("merged_copies", 0) + (
                        redaction.redact_event(event, now=now, change=lambda text: "")
                    )
                except redaction.Tampered:
                    counts["altered_events"] = counts.get("altered_events", 0) + 1
        # Other apps' copies of the complaint's text (registered by those apps).
        from amends.privacy.registry import complaint_erasers

        for name, eraser in complaint_erasers():
            for key, value in eraser(complaint, now).items():
                counts[f"{name}.{key}"] = value
    files = erase_files(
        complaint,
        recordings=bool(wanted & {C.RECORDINGS, C.COMPLAINT_RECORD}),
        others=bool(wanted & {C.ATTACHMENTS, C.COMPLAINT_RECORD}),
    )
    customer_erased = False
    if wanted & {C.CONTACT_DATA, C.COMPLAINT_RECORD}:
        if not customer_still_needed(complaint.customer_id, besides=complaint.pk):
            customer_erased = erase_customer(complaint.customer, now=now)
        counts["customer"] = int(customer_erased)
    from amends.privacy.retention import COMPLAINT_CLASSES

    if (wanted | set(already)) >= {c.value for c in COMPLAINT_CLASSES} or (
        C.COMPLAINT_RECORD in wanted
    ):
        complaint.anonymised_at = now
    save(complaint)
    if complaint.anonymised_at is not None:
        record(complaint, None, Anonymised(customer_erased=customer_erased))
    # The files go only once the rows saying so are committed: a rollback keeps them.
    if files:
        transaction.on_commit(lambda: delete_files(files))
    counts["files"] = len(files)
    return counts


def complaint_mask(
    complaint: Complaint, *, now: datetime, only: set[tuple[str, str]] | None = None
) -> dict[str, int]:
    """Mask the personal data found in the kept free text of the locked `complaint` (phone,
    ID-card and bank-card numbers, emails: `triage.pii.mask`); counts. With `only` (pairs of
    kind and `pii.normalized` value), just those values — one person's, in someone else's
    complaint — and nothing else."""
    altered: list[int] = []
    change = pii.mask if only is None else _mask_only(only)
    changed = erase_text(complaint, now=now, change=change, altered=altered)
    if changed:
        save(complaint)
    counts = {"masked": changed}
    if altered:
        counts["altered_events"] = len(altered)
    return counts


def _mask_only(values: set[tuple[str, str]]) -> Callable[[str], str]:
    def change(text: str) -> str:
        if not text:
            return text
        out, last = [], 0
        for found in pii.find(text):
            if (found.kind, pii.normalized(found.kind, found.value)) in values:
                out.append(text[last : found.start])
                out.append(found.masked)
                last = found.end
        out.append(text[last:])
        return "".join(out)

    return change
