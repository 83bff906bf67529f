"""Role grants in the per-process configuration cache (`core/config_cache.py`): every request
reads its person's grants (`selectors.scope_of`), every intake its assignee's; they change a few
times a year. Every save or delete of a grant makes every process read its company's grants
afresh (a `QuerySet.update()` or `bulk_create()` sends no signal: call `bump()` after one).

With a shared cache (Redis) a grant taken away applies in every process at its next request;
with the per-process default (locmem), in the process that took it at once and in the others
within `config_cache.MAX_AGE`.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from amends.core.config_cache import bump
from amends.orgs.models import RoleGrant, User


def _grant_changed(sender: Any, instance: RoleGrant, **kwargs: Any) -> None:
    company = User.objects.filter(pk=instance.user_id).values_list("company_id", flat=True)
    bump(next(iter(company), None))


post_save.connect(_grant_changed, sender=RoleGrant, dispatch_uid="orgs.cache.grant")
post_delete.connect(_grant_changed, sender=RoleGrant, dispatch_uid="orgs.cache.dgrant")
