"""Triage at intake and after: the suggestion of `amends.triage` recorded on the complaint, used
where nobody chose, and every disagreement of a person with it recorded (`TriageOverride`).

- Every channel's intake runs through `complaint_receive`, so every channel is triaged: the
  console, the public form, email and the API.
- Where a person receives the complaint (the console), the person decides: the suggestion is
  shown with its reasons and a one-click accept, and a blank stays blank. Where nobody does (the
  public form, email, the API), a blank field takes the suggestion when it is confident enough
  (`APPLY_AT`), and urgent at any confidence (recall first). The complaint remembers which fields
  came from triage (`triage["applied"]`), so its owner knows to confirm them.
- An urgent suggestion alerts the venue's managers at once, whatever the receiver chose.
- Triage never stops an intake: if it fails, the complaint is recorded without a suggestion.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from amends.complaints.models import Complaint, TriageOverride
from amends.complaints.permissions import Actor
from amends.core import clock
from amends.core.principals import PrincipalKind, as_principal
from amends.workflow.models import Category
from amends.workflow.taxonomy import Severity

if TYPE_CHECKING:
    from amends.complaints.services.intake import Intake
    from amends.triage.suggest import Suggestion

log = logging.getLogger(__name__)

APPLY_AT = 0.55
FIELDS = ("category", "severity", "psychology", "validity")


def text_of(intake: Intake) -> str:
    """What the customer said, as triage reads it."""
    parts = (intake.description, intake.consequence, intake.customer_request, intake.subject_text)
    return "\n".join(p.strip() for p in parts if p and p.strip())


def suggest(text: str) -> Suggestion:
    """The model's reading of `text`. The model is loaded by the first complaint read, not by
    every process that imports the services (numpy and the dictionaries: about 40 MB)."""
    from amends.triage.suggest import suggest as reading

    return reading(text)


def read(text: str) -> Suggestion | None:
    if not text.strip():
        return None
    try:
        return suggest(text)
    except Exception:  # a broken model must not lose a complaint
        log.exception("triage failed; the complaint is recorded without a suggestion")
        return None


def decide(
    *, company_id: int, intake: Intake, suggestion: Suggestion | None, attended: bool
) -> tuple[Category | None, str, str, list[str]]:
    """The category, severity and psychology the complaint starts with: what the receiver chose;
    with nobody receiving it (`attended` false), blanks take the confident suggestion. Returns
    them and the fields taken from triage."""
    category, severity, psychology = intake.category, intake.severity, intake.psychology
    applied: list[str] = []
    if suggestion is None or attended:
        return category, severity, psychology, applied
    if category is None and suggestion.category.confidence >= APPLY_AT:
        category = Category.objects.filter(
            company_id=company_id, code=suggestion.category.code, is_active=True
        ).first()
        if category is not None:
            applied.append("category")
    if not severity and (suggestion.urgent or suggestion.severity.confidence >= APPLY_AT):
        severity = suggestion.severity.code
        applied.append("severity")
    if not psychology and suggestion.psychology.confidence >= APPLY_AT:
        psychology = suggestion.psychology.code
        applied.append("psychology")
    return category, severity, psychology, applied


def keep(complaint: Complaint, suggestion: Suggestion | None, applied: list[str]) -> None:
    """Put the suggestion on the (unsaved) complaint."""
    if suggestion is None:
        return
    complaint.triage = {**suggestion.as_record(), "applied": applied}
    complaint.suggested_category = suggestion.category.code
    complaint.suggested_severity = suggestion.severity.code


def _person(actor: Actor | None) -> Any:
    if actor is None:
        return None
    principal = as_principal(actor)
    return principal.user if principal.kind == PrincipalKind.STAFF else None


def _suggested(complaint: Complaint, field: str) -> tuple[str, float]:
    guess = (complaint.triage or {}).get(field) or {}
    return str(guess.get("code") or ""), float(guess.get("confidence") or 0.0)


def record_intake_overrides(
    complaint: Complaint, intake: Intake, actor: Actor, *, attended: bool
) -> None:
    """The receiver's choices that differ from the suggestion (after the complaint is saved).
    Only a person disagrees: what an integration sends through the API is not counted."""
    if not attended:
        return
    chosen = {
        "category": intake.category.code if intake.category else "",
        "severity": intake.severity,
        "psychology": intake.psychology,
    }
    rows = []
    for field, value in chosen.items():
        suggested, confidence = _suggested(complaint, field)
        if value and suggested and value != suggested:
            rows.append(_row(complaint, field, suggested, value, confidence, "intake", actor))
    if rows:
        TriageOverride.objects.bulk_create(rows)


def snapshot(complaint: Complaint) -> dict[str, str]:
    """The classification a person may change, as codes (compare with `note_changes`)."""
    return {
        "category": complaint.category.code if complaint.category else "",
        "severity": complaint.severity,
        "psychology": complaint.psychology,
    }


def note_changes(complaint: Complaint, before: dict[str, str], actor: Actor) -> None:
    """After a person's classification: each field changed since `before` (a `snapshot`)."""
    for field, value in snapshot(complaint).items():
        if value != before[field]:
            note_change(complaint, field, before[field], value, actor)


def note_change(complaint: Complaint, field: str, before: str, after: str, actor: Actor) -> None:
    """A person changed `field` from `before` to `after`: when that moves it away from a
    suggestion it agreed with (or had no value yet), it is an override."""
    suggested, confidence = _suggested(complaint, field)
    if field == "validity":
        # Undecided is no answer: neither a suggestion to disagree with nor a choice.
        suggested = "" if suggested == "undecided" else suggested
        before = "" if before == "undecided" else before
        after = "" if after == "undecided" else after
    if not (suggested and after) or after == suggested or (before and before != suggested):
        return
    _row(complaint, field, suggested, after, confidence, "later", actor).save()


def _row(
    complaint: Complaint,
    field: str,
    suggested: str,
    chosen: str,
    confidence: float,
    stage: str,
    actor: Actor | None,
) -> TriageOverride:
    return TriageOverride(
        complaint=complaint,
        venue_id=complaint.venue_id,
        field=field,
        suggested=suggested,
        chosen=chosen,
        confidence=confidence,
        stage=stage,
        by=_person(actor),
        at=clock.now(),
        model=str((complaint.triage or {}).get("model", ""))[:20],
    )


def alerts(complaint: Complaint) -> bool:
    """Whether intake must alert: the complaint is urgent, or triage suggested urgent."""
    return complaint.severity == Severity.URGENT or complaint.suggested_severity == Severity.URGENT
