"""The queue counts of a person at a venue, kept for a short time in Django's cache.

Counting the queues is the one read of the console that grows with the open complaints in scope;
every page shows the counts, so they are computed once (`selectors.queue_counts`, one pass) and
kept for `SECONDS` under a key of the person, the venue and the company's *generation*. A write
that may change a queue's membership raises the generation, so the next page after a write counts
afresh. The generation lives in the same cache: with a shared cache (Redis, `AMENDS_CACHE_URL`)
a write in one process reaches every other process at once; with the per-process default
(locmem), other processes see it within `SECONDS`.

What raises it: every save or delete of a complaint (intake, the gate and every service save
through `Model.save`), of a revisit, a survey or a remedy proposal (the revisits, low-score and
approvals queues), of a role grant or personal authority limit (who sees and approves what), and
of the company itself. A `QuerySet.update()` sends no signal: call `bump()` after one that changes
a queue's membership. The raise happens at once and again at commit, so no reader caches the
counts of the rows before the commit under the new generation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from amends.complaints.models import Complaint, RemedyProposal, Revisit, Survey
from amends.orgs.models import Company, RoleGrant
from amends.workflow.models import PersonalAuthorityLimit

# How long a person's counts are trusted without a write (seconds): the bound on how far
# "due soon" and "overdue" lag behind the clock, and on staleness across processes with locmem.
SECONDS = 30
_PREFIX = "amends.queues"


def _generation_key(company_id: int) -> str:
    return f"{_PREFIX}.generation.{company_id}"


def generation(company_id: int) -> int:
    """The company's generation now (0 until its first write since the cache started)."""
    value = cache.get(_generation_key(company_id))
    return int(value) if value is not None else 0


def bump(company_id: int | None) -> None:
    """Queue membership in `company_id` may have changed: every person's counts are counted
    afresh on their next page. Raised now and again at commit (see the module docstring)."""
    if company_id is None:
        return
    key = _generation_key(company_id)

    def raise_it() -> None:
        try:
            cache.incr(key)
        except ValueError:
            # Never counted yet (or evicted): a value no earlier generation can have had.
            cache.set(key, time.time_ns(), timeout=None)

    raise_it()
    transaction.on_commit(raise_it)


def counts(
    *, company_id: int, user_id: int, venue_id: int | None, count: Callable[[], dict[str, int]]
) -> dict[str, int]:
    """The counts of `user_id` at `venue_id` (None: every venue) for the company's current
    generation: from the cache, else `count()` — stored for `SECONDS`."""
    key = (
        f"{_PREFIX}.counts.{company_id}.{generation(company_id)}.{user_id}."
        f"{venue_id if venue_id is not None else 'all'}"
    )
    found: dict[str, int] | None = cache.get(key)
    if found is not None:
        return found
    fresh = count()
    cache.set(key, fresh, timeout=SECONDS)
    return fresh


# --- invalidation on every write that may change a queue ------------------------------------


def _company_of(instance: Any) -> int | None:
    if isinstance(instance, Complaint):
        return instance.company_id
    if isinstance(instance, Company):
        return instance.pk
    if isinstance(instance, Revisit | Survey | RemedyProposal):
        if type(instance).complaint.is_cached(instance):
            return instance.complaint.company_id
        return (
            Complaint.objects.filter(pk=instance.complaint_id)
            .values_list("company_id", flat=True)
            .first()
        )
    if isinstance(instance, RoleGrant | PersonalAuthorityLimit):
        if type(instance).user.is_cached(instance):
            return instance.user.company_id
        from amends.orgs.models import User

        return User.objects.filter(pk=instance.user_id).values_list("company_id", flat=True).first()
    return None


def _changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loading fixtures
        return
    bump(_company_of(instance))


for _model in (
    Complaint,
    Revisit,
    Survey,
    RemedyProposal,
    RoleGrant,
    PersonalAuthorityLimit,
    Company,
):
    post_save.connect(_changed, sender=_model, dispatch_uid=f"complaints.queue_cache.s.{_model}")
    post_delete.connect(_changed, sender=_model, dispatch_uid=f"complaints.queue_cache.d.{_model}")
