"""Role grants and the people who hold them in the per-process configuration cache
(`core/config_cache.py`): every request reads its person's grants (`selectors.scope_of`), every
intake its assignee's, every queue page the people its filter lists (`selectors.people_at`);
they change a few times a year. Every save or delete of a grant or of a person (but a sign-in,
which saves only `last_login`) makes every process read its company's afresh (a
`QuerySet.update()` or `bulk_create()` sends no signal: call `bump()` after one).

A grant taken away applies at once in the process that took it; in the others within
`config_cache.GENERATION_TTL` (a second) with a shared cache (Redis), within
`config_cache.MAX_AGE` with the per-process default (locmem).
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from amends.core.config_cache import bump
from amends.orgs.models import RoleGrant, User


def bump_company_of(user_id: int) -> None:
    """Something cached about the person `user_id` changed: their company's entries are read
    afresh in every process (the global ones when they belong to no company)."""
    company = User.objects.filter(pk=user_id).values_list("company_id", flat=True)
    bump(next(iter(company), None))


def _grant_changed(sender: Any, instance: RoleGrant, **kwargs: Any) -> None:
    bump_company_of(instance.user_id)


def _person_changed(sender: Any, instance: User, **kwargs: Any) -> None:
    if kwargs.get("update_fields") == frozenset({"last_login"}):
        return  # a sign-in
    bump(instance.company_id)


post_save.connect(_grant_changed, sender=RoleGrant, dispatch_uid="orgs.cache.grant")
post_save.connect(_person_changed, sender=User, dispatch_uid="orgs.cache.person")
post_delete.connect(_person_changed, sender=User, dispatch_uid="orgs.cache.dperson")
post_delete.connect(_grant_changed, sender=RoleGrant, dispatch_uid="orgs.cache.dgrant")
