"""The reads of the customer's pages, each checked for the customer principal who reads.

A customer sees only their own complaints (`permissions.can_see`): one complaint when they came
by its link, all of theirs at the company when they signed in with a code. Anything else is
NotFound, exactly as an unknown reference, so a page never tells whether a complaint exists.
"""

from __future__ import annotations

from django.db.models import QuerySet

from amends.complaints.models import Complaint, ComplaintEvent, RemedyProposal, Survey
from amends.complaints.permissions import can_see
from amends.core.errors import NotFound
from amends.core.principals import Principal, PrincipalKind
from amends.orgs.models import Company, Venue


def venue_for_form(*, code: str) -> Venue:
    """The active venue whose public form this is; NotFound for an unknown or inactive one."""
    venue = Venue.objects.filter(code=code.upper(), is_active=True).select_related("company")
    found = venue.first()
    if found is None:
        raise NotFound("venue not found", code="venue_not_found")
    return found


def _is_customer(principal: Principal) -> bool:
    return principal.kind == PrincipalKind.CUSTOMER and principal.ref is not None


def complaints_of_customer(*, principal: Principal) -> QuerySet[Complaint]:
    """The customer's complaints at their company (only the linked one for a link)."""
    if not _is_customer(principal) or principal.ref is None or principal.company_id is None:
        return Complaint.objects.none()
    found = Complaint.objects.filter(
        customer_id=principal.ref, company_id=principal.company_id
    ).select_related("venue", "company")
    if principal.complaint_id is not None:
        found = found.filter(pk=principal.complaint_id)
    return found.order_by("-received_at", "-pk")


def complaint_for_customer(
    *, principal: Principal, reference: str | None = None, pk: int | None = None
) -> Complaint:
    """One complaint of the customer's, else NotFound (never says whether it exists)."""
    found = complaints_of_customer(principal=principal)
    found = found.filter(pk=pk) if pk is not None else found.filter(reference=reference)
    complaint = found.first()
    if complaint is None or not can_see(complaint, principal):
        raise NotFound("complaint not found", code="complaint_not_found")
    return complaint


def timeline_for_customer(*, principal: Principal, complaint: Complaint) -> list[ComplaintEvent]:
    """Every event of the complaint, for `narrative.tell(..., audience="customer")`, which
    leaves out what the customer may not see."""
    complaint_for_customer(principal=principal, pk=complaint.pk)
    return list(ComplaintEvent.objects.filter(complaint=complaint).order_by("seq"))


def offered_remedies(*, principal: Principal, complaint: Complaint) -> list[RemedyProposal]:
    """The approved remedies the customer is asked to accept (never drafts or rejected ones)."""
    complaint_for_customer(principal=principal, pk=complaint.pk)
    return list(
        RemedyProposal.objects.filter(
            complaint=complaint, status=RemedyProposal.Status.APPROVED
        ).order_by("pk")
    )


def survey_of(*, principal: Principal, complaint: Complaint) -> Survey | None:
    complaint_for_customer(principal=principal, pk=complaint.pk)
    return Survey.objects.filter(complaint=complaint).first()


def survey_by_token(*, token: str) -> Survey:
    """The survey this link answers (the token is its proof); NotFound otherwise."""
    survey = (
        Survey.objects.filter(token=token).select_related("complaint", "complaint__venue").first()
        if token
        else None
    )
    if survey is None:
        raise NotFound("survey not found", code="survey_not_found")
    return survey


def company_of_reference(*, reference: str) -> Company | None:
    """The company a typed reference belongs to, to send a sign-in code within it. The caller
    answers the same whether it exists or not."""
    complaint = (
        Complaint.objects.filter(reference=reference.strip().upper())
        .select_related("company")
        .first()
    )
    return complaint.company if complaint else None
