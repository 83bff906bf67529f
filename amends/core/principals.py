"""Who acts: every service acts for a principal, not only for a signed-in staff member.

- staff: a `orgs.User`, with roles at venues and relations to complaints;
- customer: the complainant, proved by the unguessable per-complaint link (then limited to that
  one complaint) or by a short-lived code sent to their phone or email (then any complaint of
  theirs at that company);
- api_key: an integration (a venue's app or mini-program, a review-site monitor, a CRM), per
  company or per venue, with scopes;
- system: amends itself — the tick, the workers, the channels that take complaints in.

A principal is a plain value made by the faces after authentication; the complaints app turns it
into the tokens the transition table names (`complaints.permissions.actor_tokens`). Events record
the principal's kind, id and name, so the timeline can say "the customer", "API key
'mini-program'" or "the system" in words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class PrincipalKind(models.TextChoices):
    STAFF = "staff", _("Staff member")
    CUSTOMER = "customer", _("The customer")
    API_KEY = "api_key", _("API key")
    SYSTEM = "system", _("The system")


class SystemPart(models.TextChoices):
    """The parts of amends that act as the system, by the name they record on events (shown in
    the reader's language)."""

    WEB_FORM = "web form", _("web form")
    EMAIL = "email", _("email")


class ApiScope(models.TextChoices):
    """What an API key may do. The transition table names them as `api:<scope>` tokens."""

    READ = "complaints:read", _("Read complaints")
    WRITE = "complaints:write", _("Record complaints, add notes and evidence")
    CUSTOMER = "complaints:customer", _("Act for the customer (accept, refuse, reopen)")
    HANDLE = "complaints:handle", _("Acknowledge, assign, classify, escalate")
    EQUIPMENT_READ = "equipment:read", _("Read equipment and work orders")
    EQUIPMENT_WRITE = "equipment:write", _("Report equipment faults (monitoring systems)")


@dataclass(frozen=True)
class Principal:
    """One acting party. `ref` is the id of the user, customer or API key (None for the system).

    `complaint_id` limits a customer proved by a per-complaint link to that complaint;
    `venue_id` limits an API key issued for one venue; `scopes` are an API key's scopes.
    """

    kind: str
    ref: int | None = None
    company_id: int | None = None
    name: str = ""
    user: Any = field(default=None, compare=False, repr=False)
    complaint_id: int | None = None
    venue_id: int | None = None
    scopes: frozenset[str] = frozenset()

    @property
    def is_staff(self) -> bool:
        return self.kind == PrincipalKind.STAFF

    @classmethod
    def staff(cls, user: Any) -> Principal:
        return cls(
            kind=PrincipalKind.STAFF,
            ref=user.pk,
            company_id=user.company_id,
            name=str(user),
            user=user,
        )

    @classmethod
    def customer(
        cls, *, customer_id: int, company_id: int, complaint_id: int | None = None
    ) -> Principal:
        return cls(
            kind=PrincipalKind.CUSTOMER,
            ref=customer_id,
            company_id=company_id,
            complaint_id=complaint_id,
        )

    @classmethod
    def system(cls, name: str = "") -> Principal:
        """amends itself; `name` says which part (a job, a channel), for the record."""
        return cls(kind=PrincipalKind.SYSTEM, name=name)


SYSTEM = Principal.system()


def as_principal(actor: Any) -> Principal:
    """A principal for `actor`: itself when it is one, a staff principal for a user."""
    if isinstance(actor, Principal):
        return actor
    if actor is None:
        return SYSTEM
    return Principal.staff(actor)
