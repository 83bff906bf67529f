"""What the API keeps of its own: the answers to requests made with an Idempotency-Key."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from amends.core import clock
from amends.orgs.models import ApiKey


class IdempotencyRecord(models.Model):
    """The answer given to a request that carried an `Idempotency-Key`, kept so that the same
    request sent again (a retry after a timeout) gets the same answer instead of doing the work
    twice. The key belongs to one API key; `request_hash` tells the same request from another
    one reusing the key. The row is written in the transaction that does the work, so it exists
    exactly when the work was done (see `amends.api.idempotency`)."""

    api_key = models.ForeignKey(ApiKey, models.CASCADE, related_name="+", verbose_name=_("API key"))
    key = models.CharField(_("idempotency key"), max_length=200)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(_("response status"))
    response_body = models.JSONField(_("response body"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=clock.now, db_index=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint(fields=["api_key", "key"], name="idempotency_key_per_api_key")
        ]

    def __str__(self) -> str:
        return f"{self.api_key_id}:{self.key}"
