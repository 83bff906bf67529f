"""The access log in bulk: one row per person whose personal data one act unmasked (a bulk
export of complaints), written with one insert per `BATCH` people, never one query each.

A row per person, not one row for the act, because the auditor searches the log by the
person's phone or email (`selectors.access_log_search`, on the blind indexes of the row): a
single row without a person would never be found that way. (`services.log_access` writes the
single row of a view of one person.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from amends.core import clock
from amends.orgs.models import User
from amends.privacy.models import AccessLog

BATCH = 1000


@dataclass(frozen=True)
class Person:
    """Whose data it was: the customer's id and blind indexes, as read with the data."""

    customer_id: int
    phone_index: str = ""
    email_index: str = ""


def log_access_many(
    actor: User | None,
    *,
    people: Iterable[Person],
    what: str,
    why: str = "",
    company_id: int,
) -> int:
    """Log one act that unmasked the personal data of `people` (who, when, what, why), one
    row per distinct person, inserted in batches in the caller's transaction; the rows
    written."""
    name = ""
    if actor is not None:
        name = (getattr(actor, "display_name", "") or actor.get_username())[:150]
    now = clock.now()
    seen: set[int] = set()
    rows = []
    for person in people:
        if person.customer_id in seen:
            continue
        seen.add(person.customer_id)
        rows.append(
            AccessLog(
                company_id=company_id,
                at=now,
                actor=actor,
                actor_name=name,
                customer_id=person.customer_id,
                phone_index=person.phone_index,
                email_index=person.email_index,
                what=what[:200],
                why=why[:300],
            )
        )
    AccessLog.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)
