"""Intake views of the staff console: record a complaint at a busy desk, read it back, confirm.
Parse, access, call one service, respond; domain errors become pages in the middleware."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from amends.complaints import selectors, services
from amends.complaints.models import Complaint
from amends.console.forms import INTAKE_ERROR_FIELDS, IntakeForm
from amends.console.views import current_venue, raise_forbidden
from amends.core.errors import DomainError, InvalidInput
from amends.orgs.models import User


@login_required
def intake(request: HttpRequest) -> HttpResponse:
    """Record a complaint in three steps: type it, read it back to the customer, confirm."""
    actor: User = request.user  # type: ignore[assignment]
    form = IntakeForm(request.POST or None, actor=actor, venue=current_venue(request))
    if not form.fields["venue"].queryset.exists():  # type: ignore[attr-defined]
        raise_forbidden(_("You do not record complaints."))
    if request.method == "POST" and form.is_valid():
        if "confirm" not in request.POST:
            return render(request, "console/intake_review.html", {"form": form})
        try:
            complaint = services.complaint_receive(
                actor=actor, venue=form.cleaned_data["venue"], intake=form.intake()
            )
        except InvalidInput as refused:
            form.add_error(INTAKE_ERROR_FIELDS.get(refused.code), str(refused.message))
        else:
            return redirect("console:intake_done", reference=complaint.reference)
    status = 400 if request.method == "POST" else 200
    return render(request, "console/intake.html", {"form": form}, status=status)


@login_required
@require_GET
def intake_done(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = selectors.complaint_get_for_actor(actor=request.user, reference=reference)  # type: ignore[arg-type]
    return render(request, "console/intake_done.html", {"complaint": complaint})


@login_required
@require_GET
def intake_duplicates(request: HttpRequest) -> HttpResponse:
    """HTMX: open complaints from the same phone in the last 30 days, offered to add to."""
    phone = request.GET.get("phone", "").strip()
    found: list[Complaint] = []
    if len(phone) >= 7:
        try:
            found = list(selectors.open_duplicates_for_phone(actor=request.user, phone=phone)[:5])  # type: ignore[arg-type]
        except DomainError:
            found = []
    return render(
        request,
        "console/_duplicates.html",
        {"found": found, "description": request.GET.get("description", "")},
    )
