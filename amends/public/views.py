"""The venue's complaint form (no account) and its QR poster.

Abuse protection:
- rate limits: a valid submission counts against the client's address (FORM_PER_ADDRESS an
  hour) and against the phone or email it gives (FORM_PER_CONTACT a day); over either, the form
  comes back with its input and a 429;
- a honeypot field (`website`, hidden from people, filled by bots): filled, the form comes back
  with a 400 and a neutral message and nothing is recorded. We chose a visible refusal over a
  pretended success because a person whose browser filled the field by mistake must not believe
  a complaint was sent when none was; a bot learns little, and its tries count against its
  address's limit.

Nothing is half-written: every file is checked by its content before intake, and intake and
the evidence are one transaction — a file refused at any point leaves no complaint behind.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from amends.complaints import catalogue, services
from amends.complaints.models import Complaint, Evidence
from amends.core import clock, ratelimit
from amends.core.errors import InvalidInput, NotFound
from amends.core.principals import Principal, SystemPart
from amends.orgs.models import Venue
from amends.public import poster, selectors
from amends.public.forms import INTAKE_ERROR_FIELDS, ComplaintForm
from amends.public.pages import absolute, client_address, public_page, venue_time

HOUR, DAY = 3600, 86400
FORM_PER_ADDRESS = 10  # valid submissions an hour from one address
FORM_PER_CONTACT = 5  # complaints a day from one phone number or email address
SESSION_FILED = "public_filed"
RECEIPT_SHOWN = timedelta(minutes=15)
WEB_FORM = SystemPart.WEB_FORM.value


def _still_shown(filed: dict[str, Any]) -> bool:
    try:
        return clock.now() < datetime.fromisoformat(str(filed.get("until")))
    except ValueError:
        return False


def _form_page(
    request: HttpRequest, venue: Venue, form: ComplaintForm, *, status: int = 200
) -> HttpResponse:
    context = {
        "venue": venue,
        "form": form,
        "retention_years": settings.AMENDS_RETENTION_YEARS,
        "max_mb": settings.AMENDS_MAX_UPLOAD_MB,
    }
    return render(request, "public/form.html", context, status=status)


@public_page
def complaint_form(request: HttpRequest, code: str) -> HttpResponse:
    """GET: the venue's form. POST: check, limit, record (with the files), then the receipt."""
    venue = selectors.venue_for_form(code=code)
    posted = request.method == "POST"
    form = ComplaintForm(
        request.POST if posted else None, request.FILES if posted else None, venue=venue
    )
    if not posted:
        return _form_page(request, venue, form)
    address = client_address(request)
    if form.is_bot:
        ratelimit.hit("public-form:address", address, per=HOUR)
        form.add_error(None, _("The form could not be sent. Please try again."))
        return _form_page(request, venue, form, status=400)
    if not form.is_valid():
        return _form_page(request, venue, form, status=400)
    contact = form.cleaned_data["phone"] or form.cleaned_data["email"]
    if not ratelimit.allow(
        "public-form:address", address, limit=FORM_PER_ADDRESS, per=HOUR
    ) or not ratelimit.allow("public-form:contact", contact, limit=FORM_PER_CONTACT, per=DAY):
        form.add_error(
            None,
            _(
                "Too many complaints were sent from here in a short time, so this one was not "
                "recorded. Please try again later, or tell us at the front desk."
            ),
        )
        return _form_page(request, venue, form, status=429)
    try:
        complaint = _record(venue, form)
    except InvalidInput as refused:
        field = INTAKE_ERROR_FIELDS.get(refused.code)
        fields = refused.params.get("fields")
        if field is None and isinstance(fields, dict):
            field = next((f for f in fields if f in form.fields), None)
        if refused.code == "no_one_on_duty":
            form.add_error(
                None,
                _(
                    "We cannot take complaints online for this venue at the moment. Please tell "
                    "us at the front desk or by phone."
                ),
            )
        else:
            form.add_error(field, str(refused.message))
        return _form_page(request, venue, form, status=400)
    request.session[SESSION_FILED] = {
        "reference": complaint.reference,
        "token": services.customer_link_token(complaint),
        # The receipt is shown for a short while only: on a shared tablet at the venue the
        # next person must not find the previous customer's link.
        "until": (clock.now() + RECEIPT_SHOWN).isoformat(),
    }
    return redirect("public:received", code=venue.code)


def _record(venue: Venue, form: ComplaintForm) -> Complaint:
    """Intake and every file in one transaction: the web form records the complaint (or finds
    the one this same form recorded before, and adds nothing to it), then the complainant
    (proved by the complaint's own link) adds each file through the catalogue's "evidence"
    action — the transition table lets the complainant add evidence, not the system. Files
    already stored are removed again if anything fails."""
    stored: list[Evidence] = []
    try:
        with transaction.atomic():
            complaint = services.complaint_receive(
                actor=Principal.system(WEB_FORM), venue=venue, intake=form.intake()
            )
            if getattr(complaint, "replayed", False):
                return complaint  # this form was sent before: its files are there already
            customer = services.customer_link_principal(
                reference=complaint.reference, token=services.customer_link_token(complaint)
            )
            for upload in form.cleaned_data["attachments"]:
                current = selectors.complaint_for_customer(principal=customer, pk=complaint.pk)
                stored.append(
                    catalogue.perform(
                        "evidence",
                        complaint=current,
                        actor=customer,
                        data={"version": current.version},
                        files={"file": upload},
                    )
                )
    except InvalidInput as refused:
        _remove(stored)
        if refused.code in ("empty_file", "file_too_large", "unsupported_file_type"):
            raise InvalidInput(
                refused.message, code="attachment", fields={"attachments": 1}
            ) from None
        raise
    except BaseException:
        _remove(stored)
        raise
    return complaint


def _remove(stored: list[Evidence]) -> None:
    for evidence in stored:
        evidence.file.delete(save=False)


@public_page
@require_GET
def received(request: HttpRequest, code: str) -> HttpResponse:
    """The receipt after the form (redirect-after-POST): the reference, by when the customer will
    hear from us, and their tracking link. Only the browser that sent the complaint sees it."""
    venue = selectors.venue_for_form(code=code)
    filed: Any = request.session.get(SESSION_FILED)
    if not isinstance(filed, dict) or not _still_shown(filed):
        request.session.pop(SESSION_FILED, None)
        return redirect("public:form", code=venue.code)
    try:
        principal = services.customer_link_principal(
            reference=str(filed.get("reference")), token=str(filed.get("token"))
        )
        complaint = selectors.complaint_for_customer(
            principal=principal, reference=str(filed.get("reference"))
        )
    except NotFound:
        return redirect("public:form", code=venue.code)
    if complaint.venue_id != venue.pk:
        return redirect("public:form", code=venue.code)
    path = reverse("public:track", args=[complaint.reference, filed["token"]])
    context = {
        "venue": venue,
        "complaint": complaint,
        "respond_due": venue_time(complaint.respond_due, venue),
        "track_url": absolute(path),
        "track_path": path,
    }
    return render(request, "public/received.html", context)


@require_GET
def poster_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The venue's printable A4 QR poster (public: it hangs at the entrance). `?lang=en` prints
    it in English first."""
    try:
        venue = selectors.venue_for_form(code=code)
    except NotFound:
        raise Http404 from None
    lang = "en" if request.GET.get("lang") == "en" else "zh-hans"
    response = HttpResponse(poster.poster_pdf_cached(venue, lang), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="poster-{venue.code}-{lang}.pdf"'
    response["Cache-Control"] = f"public, max-age={poster.CACHE_SECONDS}"
    return response
