"""Writes to improvement actions (整改). Each service is one transaction; every write after
the action is raised takes the version the person saw (`expected_version`) and refuses a stale
one with StaleVersion (409), under the row lock, before it changes anything.

Checks, in this order: the action is visible to the actor (else NotFound), the version is
current (StaleVersion), the actor may take the step (PermissionDenied), the status allows it
(InvalidTransition), the input is good (InvalidInput). Nothing is written when one fails.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from amends.complaints import subjects
from amends.complaints.models import Complaint
from amends.complaints.selectors import complaints_for_actor
from amends.core import clock
from amends.core.errors import (
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    StaleVersion,
)
from amends.improvements.models import ImprovementAction
from amends.improvements.selectors import (
    STEPS,
    Step,
    action_get_for_actor,
    may_own,
    may_raise,
    may_take,
    today_at,
)
from amends.notifications.models import Outbox
from amends.notifications.services import outbox_enqueue
from amends.orgs.models import User, Venue
from amends.workflow.models import Category

Status = ImprovementAction.Status
Source = ImprovementAction.Source


# --- shared checks -------------------------------------------------------------------------------


def _lock(actor: User, action: ImprovementAction, expected_version: int) -> ImprovementAction:
    """The action, visible to `actor`, locked, at the version the actor saw."""
    action_get_for_actor(actor=actor, pk=action.pk)
    # The venue is nullable (a company-wide action): lock the action's row only.
    locked = (
        ImprovementAction.objects.select_for_update(of=("self",))
        .select_related("venue", "company")
        .filter(pk=action.pk)
        .first()
    )
    if locked is None:
        raise NotFound(_("This improvement action does not exist."), code="improvement_not_found")
    if locked.version != expected_version:
        raise StaleVersion(
            _("Someone else changed this improvement action meanwhile. Reload it and try again."),
            current_version=locked.version,
        )
    return locked


def _allow(actor: User, action: ImprovementAction, step: Step) -> None:
    if not may_take(actor, action, step):
        raise PermissionDenied(
            _("You may not do this: %(step)s.") % {"step": step.label},
            code="improvement_not_allowed",
            step=step.name,
        )
    if action.status not in step.sources:
        raise InvalidTransition(
            _("This cannot be done while the action is “%(status)s”.")
            % {"status": action.get_status_display()},
            code="improvement_step_not_available",
            step=step.name,
            status=action.status,
        )


def _save(action: ImprovementAction) -> ImprovementAction:
    action.version += 1
    action.save()
    return action


def _title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise InvalidInput(_("Give the action a title."), code="title_required")
    if len(title) > 200:
        raise InvalidInput(_("The title is too long (200 characters at most)."), code="title_long")
    return title


def _owner(owner: User | None, *, company_id: int, venue: Venue | None) -> User:
    if owner is None or not may_own(
        owner, company_id=company_id, venue_id=venue.pk if venue else None
    ):
        raise InvalidInput(
            _("The owner must be a member of staff who works at this venue.")
            if venue is not None
            else _("The owner of a company-wide action must work for every venue."),
            code="owner_not_allowed",
        )
    return owner


def _due(due_on: date | None, venue: Venue | None) -> date:
    if due_on is None:
        raise InvalidInput(_("Give a due date."), code="due_required")
    if due_on < today_at(venue):
        raise InvalidInput(_("The due date has already passed."), code="due_in_past")
    return due_on


def _complaints(
    actor: User, *, company_id: int, venue: Venue | None, ids: Iterable[int]
) -> list[Complaint]:
    """The complaints with these ids, each one the actor may see and of the action's venue (any
    venue of the company for a company-wide action) — or InvalidInput."""
    wanted = {int(pk) for pk in ids}
    if not wanted:
        return []
    found = complaints_for_actor(actor=actor).filter(pk__in=wanted, company_id=company_id)
    if venue is not None:
        found = found.filter(venue_id=venue.pk)
    complaints = list(found)
    if len(complaints) != len(wanted):
        raise InvalidInput(
            _("Only complaints you can see at the action's venue can be linked."),
            code="complaint_not_linkable",
        )
    return complaints


def _tell_owner(action: ImprovementAction, *, actor: User) -> None:
    """A console message to the owner that the action is theirs (not when they gave it to
    themselves)."""
    owner = action.owner
    if owner.pk == actor.pk:
        return
    with translation.override(owner.language):
        subject = gettext("Improvement action for you: %(title)s") % {"title": action.title}
        body = gettext("Due %(due)s. %(what)s") % {
            "due": action.due_on.isoformat(),
            "what": action.description,
        }
    outbox_enqueue(
        kind=Outbox.Kind.IMPROVEMENT,
        channel=Outbox.Channel.IN_APP,
        recipient_user=owner,
        subject=subject,
        body=body.strip(),
        language=owner.language,
        # What the bell opens: the action's page (the console reads `improvement`).
        context={"improvement": action.pk},
        dedupe_key=f"improvement:{action.pk}:owner:{owner.pk}:{action.version}",
    )


# --- the services --------------------------------------------------------------------------------


@transaction.atomic
def improvement_raise(
    *,
    actor: User,
    venue: Venue | None,
    title: str,
    description: str = "",
    source: str,
    source_label: str = "",
    category: Category | None = None,
    subject_text: str = "",
    subject_key: str = "",
    owner: User | None,
    due_on: date | None,
    complaint_ids: Iterable[int] = (),
) -> ImprovementAction:
    """Raise an action at `venue` (None: every venue of the actor's company), from a report line
    (`source_label` names it), a recurring cause (a category and/or what it is about) or a
    complaint (linked). The owner must work at the venue; linked complaints must be the venue's
    and visible to the actor; the due date may not have passed. The owner is told."""
    company_id = actor.company_id
    if company_id is None or (venue is not None and venue.company_id != company_id):
        raise NotFound(_("This venue does not exist."), code="venue_not_found")
    if not may_raise(actor, venue.pk if venue else None):
        raise PermissionDenied(
            _("Improvement actions are raised by the venue's managers and directors."),
            code="improvement_not_allowed",
        )
    if source not in Source.values:
        raise InvalidInput(_("Say where the action comes from."), code="source_invalid")
    if category is not None and category.company_id != company_id:
        raise InvalidInput(_("Choose a category of your company."), code="category_invalid")
    complaints = _complaints(actor, company_id=company_id, venue=venue, ids=complaint_ids)
    source_label, subject_text = source_label.strip(), subject_text.strip()
    if subject_key and not subjects.is_key(subject_key):
        raise InvalidInput(_("This is not a recurring problem's subject."), code="subject_invalid")
    if source == Source.COMPLAINT and not complaints:
        raise InvalidInput(
            _("Link the complaint the action comes from."), code="complaint_required"
        )
    if source == Source.REPORT and not source_label:
        raise InvalidInput(_("Name the report line the action comes from."), code="label_required")
    if source == Source.CAUSE and category is None and not subject_text:
        raise InvalidInput(
            _("Name the cause: its category or what it is about."), code="cause_required"
        )
    action = ImprovementAction.objects.create(
        company_id=company_id,
        venue=venue,
        title=_title(title),
        description=description.strip(),
        source=source,
        source_label=source_label[:200],
        category=category,
        subject_text=subject_text[:200],
        subject_key=subject_key[:220],
        owner=_owner(owner, company_id=company_id, venue=venue),
        due_on=_due(due_on, venue),
        created_by=actor,
        created_at=clock.now(),
    )
    action.complaints.set(complaints)
    _tell_owner(action, actor=actor)
    return action


@transaction.atomic
def improvement_update(
    *,
    action: ImprovementAction,
    actor: User,
    expected_version: int,
    title: str,
    description: str,
    owner: User | None,
    due_on: date | None,
    complaint_ids: Iterable[int],
) -> ImprovementAction:
    """Change what an open action is: title, description, owner, due date and its linked
    complaints (those the actor sees are replaced by `complaint_ids`; links to complaints they
    cannot see are kept). A new owner is told. A due date that was kept may have passed; a
    changed one may not."""
    action = _lock(actor, action, expected_version)
    _allow(actor, action, STEPS["edit"])
    new_owner = _owner(owner, company_id=action.company_id, venue=action.venue)
    if due_on != action.due_on:
        due_on = _due(due_on, action.venue)
    complaints = _complaints(
        actor, company_id=action.company_id, venue=action.venue, ids=complaint_ids
    )
    complaints += list(
        action.complaints.exclude(pk__in=complaints_for_actor(actor=actor).values("pk"))
    )
    if action.source == Source.COMPLAINT and not complaints:
        raise InvalidInput(
            _("Link the complaint the action comes from."), code="complaint_required"
        )
    owner_changed = new_owner.pk != action.owner_id
    action.title = _title(title)
    action.description = description.strip()
    action.owner = new_owner
    action.due_on = due_on
    _save(action)
    action.complaints.set(complaints)
    if owner_changed:
        _tell_owner(action, actor=actor)
    return action


@transaction.atomic
def improvement_start(
    *, action: ImprovementAction, actor: User, expected_version: int
) -> ImprovementAction:
    """The owner (or an editor) starts the work: open → in progress."""
    action = _lock(actor, action, expected_version)
    _allow(actor, action, STEPS["start"])
    action.status = Status.IN_PROGRESS
    action.started_at = clock.now()
    return _save(action)


@transaction.atomic
def improvement_complete(
    *, action: ImprovementAction, actor: User, expected_version: int, outcome: str
) -> ImprovementAction:
    """The work is done (`outcome` says what was done): the effect check's after-window starts
    now."""
    action = _lock(actor, action, expected_version)
    _allow(actor, action, STEPS["complete"])
    outcome = (outcome or "").strip()
    if not outcome:
        raise InvalidInput(_("Say what was done."), code="outcome_required")
    now = clock.now()
    action.status = Status.DONE
    action.started_at = action.started_at or now
    action.done_at = now
    action.outcome = outcome
    return _save(action)


@transaction.atomic
def improvement_cancel(
    *, action: ImprovementAction, actor: User, expected_version: int, reason: str
) -> ImprovementAction:
    """An editor cancels an action that will not be done, saying why."""
    action = _lock(actor, action, expected_version)
    _allow(actor, action, STEPS["cancel"])
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why the action is cancelled."), code="reason_required")
    action.status = Status.CANCELLED
    action.cancel_reason = reason
    return _save(action)


@transaction.atomic
def improvement_link_complaint(
    *, action: ImprovementAction, actor: User, expected_version: int, complaint: Complaint
) -> ImprovementAction:
    """Link one more complaint (of the action's venue, visible to the actor). Linking one that
    is already linked changes nothing (the version stays)."""
    action = _lock(actor, action, expected_version)
    _allow(actor, action, STEPS["link"])
    (found,) = _complaints(
        actor, company_id=action.company_id, venue=action.venue, ids=[complaint.pk]
    )
    if action.complaints.filter(pk=found.pk).exists():
        return action
    action.complaints.add(found)
    return _save(action)


__all__ = [
    "improvement_cancel",
    "improvement_complete",
    "improvement_link_complaint",
    "improvement_raise",
    "improvement_start",
    "improvement_update",
]
