"""The API's own housekeeping: answers kept for an Idempotency-Key are forgotten after a day."""

from __future__ import annotations

from datetime import datetime, timedelta

from amends.api.idempotency import KEEP
from amends.api.models import IdempotencyRecord
from amends.core.jobs import job


@job(
    "api.forget_idempotency_keys",
    every=timedelta(hours=1),
    description="Forget the answers kept for Idempotency-Keys older than a day.",
)
def forget_idempotency_keys(*, now: datetime) -> dict[str, int]:
    """Idempotent: deleting what is already gone deletes nothing."""
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=now - KEEP).delete()
    return {"idempotency_keys_forgotten": deleted}
