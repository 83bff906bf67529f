"""Privacy reads, each scoped to the actor's company and refused without the role:

- the access log and the purge evidence: the auditor and the privacy officer (READER_ROLES);
- requests, holds, rules and breaches: the privacy officer (OFFICER_ROLES); the auditor reads
  holds and breaches too.

Lists are bounded (LIMIT rows, newest first) and run a fixed number of queries.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from amends.complaints.models import Complaint
from amends.core import pii as core_pii
from amends.core.errors import InvalidInput, NotFound
from amends.members.models import Customer
from amends.members.services import email_index, phone_index
from amends.orgs.models import User
from amends.privacy.models import (
    AccessLog,
    Breach,
    DataSubjectRequest,
    LegalHold,
    PurgeRecord,
    SensitiveConsent,
)
from amends.privacy.services import OFFICER_ROLES, READER_ROLES, company_of, require

LIMIT = 200


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def contact_filter(value: str) -> Q:
    """Rows about the person with this phone or email (blind index); InvalidInput otherwise."""
    value = value.strip()
    try:
        if "@" in value:
            return Q(email_index=email_index(core_pii.normalize_email(value)))
        return Q(phone_index=phone_index(core_pii.normalize_phone(value)))
    except InvalidInput:
        raise InvalidInput(
            _("Give a valid phone number or email address."), code="bad_contact"
        ) from None


def access_log_search(
    *,
    actor: User,
    contact: str = "",
    staff: User | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AccessLog]:
    """Who saw whose personal data: by the person's phone or email, by staff member, by date."""
    require(actor, READER_ROLES)
    rows = AccessLog.objects.filter(company_id=company_of(actor)).select_related("actor")
    if contact.strip():
        rows = rows.filter(contact_filter(contact))
    if staff is not None:
        rows = rows.filter(actor=staff)
    if since is not None:
        rows = rows.filter(at__gte=_day_start(since))
    if until is not None:
        rows = rows.filter(at__lt=_day_start(until) + timedelta(days=1))
    return rows.order_by("-at", "-pk")


def purge_records(*, actor: User) -> QuerySet[PurgeRecord]:
    require(actor, READER_ROLES)
    return PurgeRecord.objects.filter(company_id=company_of(actor)).order_by("-at", "-pk")


def requests_for(*, actor: User, open_only: bool = True) -> QuerySet[DataSubjectRequest]:
    require(actor, OFFICER_ROLES)
    rows = DataSubjectRequest.objects.filter(company_id=company_of(actor)).select_related(
        "owner", "received_by"
    )
    if open_only:
        rows = rows.exclude(
            status__in=[DataSubjectRequest.Status.DONE, DataSubjectRequest.Status.REFUSED]
        )
    return rows.order_by("due_at", "pk")


# The largest id a row can have: a larger one in an address is simply not found.
MAX_PK = 2**63 - 1


def request_get(*, actor: User, pk: int) -> DataSubjectRequest:
    require(actor, OFFICER_ROLES)
    if not 0 < pk <= MAX_PK:
        raise NotFound(_("Not found."), code="not_found")
    found = (
        DataSubjectRequest.objects.filter(company_id=company_of(actor), pk=pk)
        .select_related("owner", "received_by", "customer")
        .first()
    )
    if found is None:
        raise NotFound(_("Not found."), code="not_found")
    return found


def holds_for(*, actor: User) -> QuerySet[LegalHold]:
    from amends.privacy.services import HOLD_ROLES

    require(actor, HOLD_ROLES | READER_ROLES)
    return (
        LegalHold.objects.filter(company_id=company_of(actor))
        .select_related("complaint", "placed_by", "lifted_by")
        .order_by("lifted_at", "-placed_at")
    )


def hold_get(*, actor: User, pk: int) -> LegalHold:
    found = holds_for(actor=actor).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("Not found."), code="not_found")
    return found


def breaches_for(*, actor: User) -> QuerySet[Breach]:
    require(actor, OFFICER_ROLES | READER_ROLES)
    return Breach.objects.filter(company_id=company_of(actor)).order_by("-discovered_at", "-pk")


def breach_get(*, actor: User, pk: int) -> Breach:
    if not 0 < pk <= MAX_PK:
        raise NotFound(_("Not found."), code="not_found")
    found = breaches_for(actor=actor).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("Not found."), code="not_found")
    return found


def complaint_for_hold(*, actor: User, reference: str) -> Complaint:
    """A complaint of the actor's company by reference, for one who may place holds (a hold
    covers the whole company, whoever may read the complaint)."""
    from amends.privacy.services import HOLD_ROLES

    require(actor, HOLD_ROLES)
    found = Complaint.objects.filter(
        company_id=company_of(actor), reference=reference.strip()
    ).first()
    if found is None:
        raise NotFound(_("No complaint has this reference."), code="complaint_not_found")
    return found


def customer_for_hold(*, actor: User, contact: str) -> Customer:
    from amends.privacy.requests import customers_by_contact
    from amends.privacy.services import HOLD_ROLES

    require(actor, HOLD_ROLES)
    found = customers_by_contact(company_of(actor), contact)
    if not found:
        raise NotFound(_("No customer has this phone or email."), code="customer_not_found")
    return found[0]


def sensitive_consents(complaint: Complaint) -> QuerySet[SensitiveConsent]:
    """The consents recorded on a complaint the caller has already read (access checked)."""
    return SensitiveConsent.objects.filter(complaint=complaint).select_related("recorded_by")
