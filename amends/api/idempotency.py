"""Idempotency-Key: a request sent again with the same key gets the first answer again.

Contract (per API key; a key is at most 200 characters):
- the same key with the same request (method, path and the parsed JSON body) → the stored
  answer, and nothing is done a second time;
- the same key with another request → 422 `idempotency_key_reused`;
- a request that failed (any error) stores nothing: it may be retried with the same key;
- a key is remembered for KEEP (a day; the job `api.forget_idempotency_keys` forgets older ones).

Race-safety: the record is inserted *first*, inside the transaction that then does the work and
stores the answer in it. A second identical request racing the first blocks on the unique
(api_key, key) index until the first commits (PostgreSQL: the unique check waits for the
inserting transaction; SQLite: the database's single writer lock), then finds the committed
record and answers with it. If the first rolls back, the second does the work itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction

from amends.api.errors import ApiError
from amends.api.models import IdempotencyRecord
from amends.core.principals import Principal

Answer = tuple[int, dict[str, Any]]

KEEP = timedelta(days=1)


def request_hash(method: str, path: str, data: Any) -> str:
    canonical = json.dumps([method, path, data], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotent(
    *, principal: Principal, key: str | None, fingerprint: str, work: Callable[[], Answer]
) -> Answer:
    """Run `work` once per (API key, `key`); see the module docstring. `work` returns the
    status and the JSON body of the answer; without a key it simply runs."""
    if not key:
        return work()
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    api_key_id=principal.ref or 0,
                    key=key,
                    request_hash=fingerprint,
                    response_status=0,
                )
        except IntegrityError:
            done = IdempotencyRecord.objects.get(api_key_id=principal.ref or 0, key=key)
            if done.request_hash != fingerprint:
                raise ApiError(422, "idempotency_key_reused") from None
            return done.response_status, done.response_body
        status, body = work()
        record.response_status, record.response_body = status, body
        record.save(update_fields=["response_status", "response_body"])
        return status, body
