"""The customer's tracking page (投诉进度查询), reached two ways:

- by the complaint's own link `/c/<reference>/<token>/` (the token is a keyed HMAC: a wrong one
  is the same 404 as an unknown reference), which proves the holder is the complainant of that
  one complaint;
- by signing in at `/t/` with the reference and the phone or email they gave: a six-digit code
  is sent there (`customer_code_send`), and the code proves they own it (`customer_code_verify`),
  so the session then holds the customer (their id and company) and `/t/<reference>/` shows
  any complaint of theirs at that company.

The page tells where the complaint stands in plain words, what happens next and by when (in the
venue's time zone), the customer's timeline and the conversation, and offers exactly the
catalogued actions the customer may take now (`catalogue.available`): write to the handler,
accept or decline the approved remedy, reopen, add evidence. Every form posts the complaint's
version; a stale one re-shows the current page with a notice (409), never a 500.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amends.complaints import catalogue, services
from amends.complaints.events import CONVERSATION
from amends.complaints.models import Complaint
from amends.complaints.narrative import tell
from amends.complaints.surveys import survey_is_open
from amends.core import clock, pii, ratelimit
from amends.core.errors import DomainError, InvalidInput, NotFound, StaleVersion
from amends.core.principals import Principal
from amends.privacy import requests as privacy_requests
from amends.public import selectors
from amends.public.forms import CodeForm, PrivacyRequestForm, SignInForm, check_attachment
from amends.public.pages import client_address, public_page
from amends.public.status import standing

HOUR = 3600
CODES_PER_ADDRESS = 10  # sign-in codes asked for an hour from one address
TRIES_PER_ADDRESS = 30  # codes typed an hour from one address (each code allows 5 tries)
ACTS_PER_COMPLAINT = 30  # messages, files and answers an hour on one complaint
PRIVACY_REQUESTS_PER_ADDRESS = 10  # personal-data requests posted an hour from one address
SESSION_SIGN_IN = "public_sign_in"
SESSION_CUSTOMER = "public_customer"

# The catalogued actions the customer's page offers, in the page's order.
CUSTOMER_ACTIONS = ("consent", "message", "evidence", "reopen")
DONE = {
    "message": gettext_lazy("Your message has been sent."),
    "consent": gettext_lazy("Thank you: your answer has been recorded."),
    "reopen": gettext_lazy("We will look at your complaint again."),
    "evidence": gettext_lazy("Thank you: your file has been added."),
}
# Where a service's refusal belongs on the customer's forms.
ERROR_FIELDS = {
    "empty_message": "text",
    "message_too_long": "text",
    "needs_reason": "note",
    "reason_required": "reason",
    "empty_file": "file",
    "file_too_large": "file",
    "unsupported_file_type": "file",
}
# What the customer's answer to a remedy is recorded as (the consent action's `method`).
ONLINE = "online"


# --- the page -------------------------------------------------------------------------------


def _page(
    request: HttpRequest,
    principal: Principal,
    complaint: Complaint,
    base: str,
    *,
    bound: catalogue.ActionForm | None = None,
    kept: dict[str, dict[str, Any]] | None = None,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    available = {spec.name for spec in catalogue.available(complaint, principal)}
    action_forms: dict[str, catalogue.ActionForm] = {}
    for name in CUSTOMER_ACTIONS:
        if name not in available:
            continue
        if bound is not None and bound.name == name:
            action_forms[name] = bound
        else:
            action_forms[name] = catalogue.bind(
                name,
                complaint=complaint,
                actor=principal,
                auto_id=f"{name}-%s",
                initial=(kept or {}).get(name, {}),
            )
    lines = tell(
        complaint,
        selectors.timeline_for_customer(principal=principal, complaint=complaint),
        audience="customer",
    )
    survey = selectors.survey_of(principal=principal, complaint=complaint)
    survey_url = ""
    if (
        survey is not None
        and survey.answered_at is None
        and survey_is_open(survey, now=clock.now())
    ):
        survey_url = reverse("public:survey", args=[survey.token])
    context = {
        "venue": complaint.venue,
        "complaint": complaint,
        "standing": standing(complaint, can_reopen="reopen" in action_forms),
        "timeline": [line for line in lines if line.kind not in CONVERSATION],
        "thread": [line for line in lines if line.kind in CONVERSATION],
        "remedies": selectors.offered_remedies(principal=principal, complaint=complaint)
        if "consent" in action_forms
        else [],
        "forms": action_forms,
        "base": base,
        "notice": notice,
        "survey_url": survey_url,
        "signed_in": request.session.get(SESSION_CUSTOMER) is not None,
    }
    return render(request, "public/track.html", context, status=status)


def _act(
    request: HttpRequest, principal: Principal, complaint: Complaint, name: str, base: str
) -> HttpResponse:
    """One catalogued action by the customer. Bad input re-shows the page with the messages
    beside the fields; a stale page re-shows the current one with a notice; nothing is written
    then. Success: back to the page (redirect-after-POST) with a thank-you."""
    if name not in CUSTOMER_ACTIONS:
        raise Http404
    if not ratelimit.allow(
        "public-act:complaint", str(complaint.pk), limit=ACTS_PER_COMPLAINT, per=HOUR
    ):
        notice = _("Too much was sent on this complaint in a short time. Please try again later.")
        return _page(request, principal, complaint, base, notice=notice, status=429)
    data = request.POST.copy()
    data["via"] = "web"  # the message action: written on the tracking page
    data["method"] = ONLINE  # the consent action: given online by the customer
    form = catalogue.bind(
        name,
        complaint=complaint,
        actor=principal,
        data=data,
        files=request.FILES,
        auto_id=f"{name}-%s",
    )
    try:
        catalogue.refuse_stale(form)
        catalogue.refuse_unavailable(form)
        if not form.is_valid():
            return _page(request, principal, complaint, base, bound=form, status=400)
        if name == "evidence":
            check_attachment(form.cleaned_data["file"])
        catalogue.execute(form)
    except StaleVersion:
        current = selectors.complaint_for_customer(principal=principal, pk=complaint.pk)
        typed = {k: v for k, v in request.POST.items() if k in ("text", "reason", "note")}
        notice = _(
            "This page was out of date: your complaint changed meanwhile. Here is the current "
            "page; please check it and send again."
        )
        return _page(
            request, principal, current, base, kept={name: typed}, notice=notice, status=409
        )
    except forms.ValidationError as refused:
        form.add_error("file", refused)
        return _page(request, principal, complaint, base, bound=form, status=400)
    except DomainError as refused:
        form.add_error(ERROR_FIELDS.get(refused.code), str(refused.message))
        return _page(request, principal, complaint, base, bound=form, status=refused.http_status)
    messages.success(request, str(DONE[name]))
    return redirect(base)


# --- by the complaint's link ------------------------------------------------------------------


def _by_link(reference: str, token: str) -> tuple[Principal, Complaint, str]:
    principal = services.customer_link_principal(reference=reference, token=token)
    complaint = selectors.complaint_for_customer(principal=principal, reference=reference)
    return principal, complaint, reverse("public:track", args=[reference, token])


@public_page
@require_GET
def track_link(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    principal, complaint, base = _by_link(reference, token)
    return _page(request, principal, complaint, base)


@public_page
@require_POST
def track_link_act(request: HttpRequest, reference: str, token: str, name: str) -> HttpResponse:
    principal, complaint, base = _by_link(reference, token)
    return _act(request, principal, complaint, name, base)


# --- by signing in with a code ----------------------------------------------------------------


def _signed_in(request: HttpRequest) -> Principal | None:
    held = request.session.get(SESSION_CUSTOMER)
    if not isinstance(held, dict):
        return None
    return Principal.customer(customer_id=int(held["customer"]), company_id=int(held["company"]))


def _verified_by(request: HttpRequest) -> str:
    """ "phone" or "email": the contact the signed-in customer's code was sent to ("" for a
    session signed in before this was kept: such a session files no privacy request)."""
    held = request.session.get(SESSION_CUSTOMER)
    via = held.get("via", "") if isinstance(held, dict) else ""
    return via if via in ("phone", "email") else ""


def _to_sign_in(reference: str = "") -> HttpResponse:
    target = reverse("public:sign_in")
    return redirect(f"{target}?reference={reference}" if reference else target)


@public_page
def sign_in(request: HttpRequest) -> HttpResponse:
    """Step 1: the reference and the phone or email. The same answer whether they match a
    complaint or not (the code page), so the page never tells who complained."""
    posted = request.method == "POST"
    initial = {"reference": request.GET.get("reference", "")[:40]}
    form = SignInForm(request.POST if posted else None, initial=initial)
    if posted and form.is_valid():
        if not ratelimit.allow(
            "public-code:address", client_address(request), limit=CODES_PER_ADDRESS, per=HOUR
        ):
            form.add_error(
                None, _("Too many codes were asked for from here. Please try again in an hour.")
            )
            return render(request, "public/sign_in.html", {"form": form}, status=429)
        d = form.cleaned_data
        company = selectors.company_of_reference(reference=d["reference"])
        if company is not None:
            services.customer_code_send(company=company, phone=d["phone"], email=d["email"])
        request.session[SESSION_SIGN_IN] = {
            "reference": d["reference"],
            "phone": d["phone"] if d["phone"] else "",
            "email": "" if d["phone"] else d["email"],
        }
        return redirect("public:sign_in_code")
    status = 400 if posted else 200
    return render(request, "public/sign_in.html", {"form": form}, status=status)


@public_page
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """Step 2: the code. Right: the session holds the customer, and the complaint's page opens
    (or the list of their complaints, when the reference was not one of theirs)."""
    pending: Any = request.session.get(SESSION_SIGN_IN)
    if not isinstance(pending, dict):
        return _to_sign_in()
    posted = request.method == "POST"
    form = CodeForm(request.POST if posted else None)
    sent_to = (
        pii.mask_phone(pending["phone"]) if pending["phone"] else pii.mask_email(pending["email"])
    )
    context = {"form": form, "sent_to": sent_to}
    if posted and form.is_valid():
        if not ratelimit.allow(
            "public-code-try:address", client_address(request), limit=TRIES_PER_ADDRESS, per=HOUR
        ):
            form.add_error(None, _("Too many tries from here. Please try again in an hour."))
            return render(request, "public/sign_in_code.html", context, status=429)
        company = selectors.company_of_reference(reference=pending["reference"])
        try:
            if company is None:
                raise InvalidInput(
                    gettext_lazy("This code is not valid. Ask for a new one."), code="code_invalid"
                )
            principal = services.customer_code_verify(
                company=company,
                code=form.cleaned_data["code"],
                phone=pending["phone"],
                email=pending["email"],
            )
        except InvalidInput as refused:
            form.add_error("code", str(refused.message))
            return render(request, "public/sign_in_code.html", context, status=400)
        request.session.cycle_key()  # a new session id for the signed-in customer
        request.session[SESSION_CUSTOMER] = {
            "customer": principal.ref,
            "company": principal.company_id,
            # the one contact the code was sent to, and so proved (a privacy request reaches
            # only the rows with it)
            "via": "phone" if pending["phone"] else "email",
        }
        del request.session[SESSION_SIGN_IN]
        try:
            complaint = selectors.complaint_for_customer(
                principal=principal, reference=pending["reference"]
            )
        except NotFound:
            return redirect("public:mine")
        return redirect("public:complaint", reference=complaint.reference)
    status = 400 if posted else 200
    return render(request, "public/sign_in_code.html", context, status=status)


@public_page
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """Every complaint of the signed-in customer at the company."""
    principal = _signed_in(request)
    if principal is None:
        return _to_sign_in()
    complaints = list(selectors.complaints_of_customer(principal=principal)[:50])
    rows = [(c, standing(c)) for c in complaints]
    return render(request, "public/mine.html", {"rows": rows})


@public_page
@require_http_methods(["GET", "POST"])
def privacy(request: HttpRequest) -> HttpResponse:
    """The signed-in customer's requests about their personal data: what they asked and where
    each stands, and a form to ask (access, a copy, a correction, deletion, withdrawal of
    consent). A second post of a request still open shows that one instead of a new one."""
    principal = _signed_in(request)
    if principal is None:
        return _to_sign_in()
    posted = request.method == "POST"
    form = PrivacyRequestForm(request.POST if posted else None, auto_id="privacy-%s")
    status = 400 if posted else 200
    if posted and not ratelimit.allow(
        "public-privacy:address",
        client_address(request),
        limit=PRIVACY_REQUESTS_PER_ADDRESS,
        per=HOUR,
    ):
        form.add_error(None, _("Too many requests were sent from here. Please try again later."))
        status = 429
    elif posted and form.is_valid():
        try:
            row, new = privacy_requests.request_from_customer(
                principal=principal, via=_verified_by(request), **form.cleaned_data
            )
        except DomainError as refused:
            field = refused.params.get("field")
            form.add_error(field if field in form.fields else None, str(refused.message))
            status = refused.http_status
        else:
            due = privacy_requests.local(row.due_at, row.company_id, fmt="%Y-%m-%d")
            words = {"ref": f"DSR-{row.pk}", "due": due}
            if new:
                messages.success(
                    request, _("We have your request %(ref)s; we answer by %(due)s.") % words
                )
            else:
                messages.info(
                    request,
                    _("You asked for this already: request %(ref)s is open; we answer by %(due)s.")
                    % words,
                )
            return redirect("public:privacy")
    context = {
        "form": form,
        "rows": privacy_requests.requests_of_customer(
            principal=principal, via=_verified_by(request)
        ),
        "zone": privacy_requests.company_zone(principal.company_id or 0),
    }
    return render(request, "public/privacy.html", context, status=status)


@public_page
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    return redirect("public:sign_in")


@public_page
@require_GET
def complaint_page(request: HttpRequest, reference: str) -> HttpResponse:
    principal = _signed_in(request)
    if principal is None:
        return _to_sign_in(reference)
    complaint = selectors.complaint_for_customer(principal=principal, reference=reference)
    base = reverse("public:complaint", args=[complaint.reference])
    return _page(request, principal, complaint, base)


@public_page
@require_POST
def complaint_act(request: HttpRequest, reference: str, name: str) -> HttpResponse:
    principal = _signed_in(request)
    if principal is None:
        return _to_sign_in(reference)
    complaint = selectors.complaint_for_customer(principal=principal, reference=reference)
    base = reverse("public:complaint", args=[complaint.reference])
    return _act(request, principal, complaint, name, base)
