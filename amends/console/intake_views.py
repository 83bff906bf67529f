"""Intake views of the staff console: record a complaint at a busy desk, read it back, confirm
(with the photos the customer shows). Parse, access, call one service, respond; domain errors
become pages in the middleware."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amends.complaints import selectors, services
from amends.complaints.models import Complaint
from amends.console.forms import INTAKE_ERROR_FIELDS, IntakeForm
from amends.console.triage_forms import TriageIntakeForm
from amends.console.views import actor_venues, current_venue, raise_forbidden
from amends.core.errors import DomainError, InvalidInput
from amends.core.uploads import safe_filename
from amends.members.selectors import member_at
from amends.orgs.models import User


@login_required
def intake(request: HttpRequest) -> HttpResponse:
    """Record a complaint in three steps: type it, read it back to the customer (and attach
    their photos), confirm."""
    actor: User = request.user  # type: ignore[assignment]
    form = TriageIntakeForm(
        request.POST or None,
        request.FILES or None,
        actor=actor,
        venue=current_venue(request),
        venues=actor_venues(request),
    )
    if not form.venues:
        raise_forbidden(_("You do not record complaints."))
    if request.method == "POST" and "edit" in request.POST:
        return render(request, "console/intake.html", {"form": form})
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
            _attach(request, complaint, actor, form.cleaned_data["photos"])
            return redirect("console:intake_done", reference=complaint.reference)
    if request.method == "POST" and set(form.errors) == {"photos"}:
        # Only the files were wrong: the read-back stays, with the message beside them.
        return render(request, "console/intake_review.html", {"form": form}, status=400)
    status = 400 if request.method == "POST" else 200
    return render(request, "console/intake.html", {"form": form}, status=status)


def _attach(
    request: HttpRequest, complaint: Complaint, actor: User, photos: list[UploadedFile]
) -> None:
    """Attach each photo to the complaint, now committed. A file refused (its content is not a
    supported type, it is too large) leaves the complaint as it is: the person is told which
    file, why, and that it can be added on the complaint page."""
    attached = 0
    for photo in photos:
        try:
            services.evidence_add(
                complaint=complaint,
                actor=actor,
                name=photo.name or "photo",
                stream=photo,
                size=photo.size or 0,
                declared_type=photo.content_type or "",
            )
        except DomainError as refused:
            messages.warning(
                request,
                _(
                    "The complaint is recorded, but %(name)s was not attached: %(reason)s "
                    "Add it on the complaint page."
                )
                % {
                    "name": safe_filename(photo.name or "photo"),
                    "reason": _sentence(str(refused.message)),
                },
            )
        else:
            attached += 1
    if attached:
        messages.success(request, _("Files attached: %(n)s.") % {"n": attached})


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "。", "!", "！", "?", "？")) else f"{text}."


@login_required
@require_GET
def intake_done(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = selectors.complaint_get_for_actor(actor=request.user, reference=reference)  # type: ignore[arg-type]
    return render(request, "console/intake_done.html", {"complaint": complaint})


@login_required
@require_POST
def intake_duplicates(request: HttpRequest) -> HttpResponse:
    """HTMX: open complaints from the same phone in the last 30 days, offered to add to. The
    phone is posted (with the CSRF token), never put in the address: addresses end up in access
    logs, proxies and the browser's history."""
    phone = request.POST.get("phone", "").strip()[:40]
    found: list[Complaint] = []
    if len(phone) >= 7:
        try:
            found = list(selectors.open_duplicates_for_phone(actor=request.user, phone=phone)[:5])  # type: ignore[arg-type]
        except DomainError:
            found = []
    return render(
        request,
        "console/_duplicates.html",
        {"found": found, "description": request.POST.get("description", "")[:10_000]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def intake_member(request: HttpRequest) -> HttpResponse:
    """HTMX: the name on a membership at the chosen venue, to fill the customer's name. The
    page posts the number and the typed name (nothing personal in the address); GET is still
    answered for links and tests that use it.

    Only someone who records complaints at that venue may look a number up, and only an exact
    number answers. Only the name is given: the complaint reaches the member through the member
    record (intake links it by number), so no phone or email is shown or needs an audit entry.
    """
    actor: User = request.user  # type: ignore[assignment]
    form = IntakeForm(actor=actor)
    venues = form.fields["venue"].queryset  # type: ignore[attr-defined]
    query = request.POST if request.method == "POST" else request.GET
    raw = query.get("venue", "")
    venue = venues.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 12 else None
    if venue is None:
        raise Http404
    number = query.get("member_number", "")[:60]
    member = member_at(venue=venue, number=number)
    typed = query.get("customer_name", "").strip()[:100]
    context = {
        "member": member,
        "name": member.customer.name if member else "",
        "fill": member is not None and not typed and bool(member.customer.name),
        "field": form["customer_name"],
        "number": number.strip(),
    }
    return render(request, "console/_intake_member.html", context)
