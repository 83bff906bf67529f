"""Deciding a possible duplicate: "not a duplicate" (the merge is `exceptions.complaint_merge`)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from amends.complaints.events import DuplicateDismissed, record
from amends.complaints.models import Complaint
from amends.complaints.permissions import Actor
from amends.complaints.services import repeats
from amends.complaints.services.gate import authorize_action, lock, save
from amends.complaints.services.investigation import classify
from amends.core.errors import InvalidTransition


@transaction.atomic
def complaint_dismiss_duplicate(
    *, complaint: Complaint, actor: Actor, reason: str = "", expected_version: int | None = None
) -> Complaint:
    """Someone decided `complaint` is not a duplicate of the complaint it was flagged against:
    the warning goes, the decision is an event, and the other complaint now counts as an
    earlier one of the same customer (a repeat: at least important)."""
    locked = lock(complaint, expected_version=expected_version)
    authorize_action(locked, actor, "not_duplicate")
    other = locked.possible_duplicate_of
    if other is None:
        raise InvalidTransition(
            _("This complaint is not flagged as a possible duplicate."),
            code="no_possible_duplicate",
        )
    locked.possible_duplicate_of = None
    save(locked)
    record(locked, actor, DuplicateDismissed(of=other.reference, reason=reason.strip()))
    raised = repeats.recheck(locked, actor=actor, duplicates=False)
    if raised:
        classify(locked, actor=actor, category=None, severity=raised, psychology=None)
    return locked
