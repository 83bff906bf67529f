"""The privacy console (个人信息保护): data-subject requests, the access log, legal holds, the
breach register, retention rules and the purge evidence, and a complaint's sensitive flags.

Parse, read through the access-checked selectors of `amends.privacy`, call one service, respond.
A refused step re-shows the page with the message (409 when someone else changed the row), and
nothing is written. Who sees what: the selectors and services decide (PermissionDenied → 403).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amends.complaints.selectors import complaint_get_for_actor
from amends.console import privacy_forms as forms
from amends.core import clock
from amends.core.errors import DomainError, StaleVersion
from amends.orgs.models import User
from amends.privacy import requests as dsr
from amends.privacy import retention, selectors, services
from amends.privacy.models import DataClass, DataSubjectRequest, RetentionRule, Trigger

PER_PAGE = 50
R = DataSubjectRequest


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _refusal(refused: DomainError) -> str:
    if isinstance(refused, StaleVersion):
        return _("Someone else changed this meanwhile. Reload the page and try again.")
    return str(refused.message)


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(request, f"console/privacy/{template}", context, status=status)


# --- home --------------------------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    officer = services.has_any(actor, services.OFFICER_ROLES)
    reader = services.has_any(actor, services.READER_ROLES)
    holder = services.has_any(actor, services.HOLD_ROLES)
    if not (officer or reader or holder):
        services.require(actor, services.OFFICER_ROLES)  # the 403 page, with its reason
    context = {
        "officer": officer,
        "reader": reader,
        "holder": holder,
        "open_requests": selectors.requests_for(actor=actor).count() if officer else None,
    }
    return _page(request, "home.html", context)


# --- data-subject requests -----------------------------------------------------------------------


@login_required
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    everything = request.GET.get("all") == "1"
    rows = selectors.requests_for(actor=actor, open_only=not everything)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "all": everything,
        "now": clock.now(),
        "zone": dsr.company_zone(services.company_of(actor)),
    }
    return _page(request, "requests.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    """Any member of staff records a request they received (at the desk, by phone, by letter)."""
    actor = _actor(request)
    form = forms.RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = dsr.request_receive(actor=actor, **form.cleaned_data)
        except DomainError as refused:
            form.add_error(None, _refusal(refused))
            return _page(request, "request_new.html", {"form": form}, refused.http_status)
        due = dsr.local(row.due_at, row.company_id, fmt="%Y-%m-%d")
        messages.success(
            request, _("Request DSR-%(pk)s recorded; due %(due)s.") % {"pk": row.pk, "due": due}
        )
        if services.has_any(actor, services.OFFICER_ROLES):
            return redirect("console:privacy_request", pk=row.pk)
        return redirect("console:privacy_request_new")
    status = 400 if request.method == "POST" else 200
    return _page(request, "request_new.html", {"form": form}, status)


def _request_page(
    request: HttpRequest, row: DataSubjectRequest, status: int = 200, **forms_given: Any
) -> HttpResponse:
    version = {"version": row.version}
    context = {
        "row": row,
        "now": clock.now(),
        "zone": dsr.company_zone(row.company_id),
        "verify": forms_given.get("verify") or forms.VerifyForm(initial=version),
        "refuse": forms_given.get("refuse")
        or forms.TextForm(initial=version, label=_("Reason for refusal")),
        "extend": forms_given.get("extend")
        or forms.TextForm(initial=version, label=_("Notice of extension to the requester")),
        "complete": forms_given.get("complete")
        or forms.TextForm(initial=version, label=_("What was done")),
        "confirm": forms.ConfirmForm(initial=version),
        "gdpr": services.privacy_settings(row.company_id).gdpr_mode,
        "error": forms_given.get("error", ""),
    }
    return _page(request, "request.html", context, status)


@login_required
@require_GET
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _request_page(request, selectors.request_get(actor=_actor(request), pk=pk))


STEPS = {
    "verify": (forms.VerifyForm, "verify"),
    "refuse": (forms.TextForm, "refuse"),
    "extend": (forms.TextForm, "extend"),
    "complete": (forms.TextForm, "complete"),
    "erase": (forms.ConfirmForm, ""),
    "export": (forms.ConfirmForm, ""),
}


@login_required
@require_POST
def request_act(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    actor = _actor(request)
    row = selectors.request_get(actor=actor, pk=pk)
    if step not in STEPS:
        return _request_page(request, row, 404, error=_("No such step."))
    form_class, slot = STEPS[step]
    form = form_class(request.POST)
    if not form.is_valid():
        given = {slot: form} if slot else {}
        return _request_page(request, row, 400, error=_("Check the form."), **given)
    data, version = form.cleaned_data, form.cleaned_data["version"]
    try:
        if step == "verify":
            dsr.request_verify(
                actor=actor, request=row, method=data["method"], note=data["note"], version=version
            )
        elif step == "refuse":
            dsr.request_refuse(actor=actor, request=row, reason=data["text"], version=version)
        elif step == "extend":
            dsr.request_extend(actor=actor, request=row, notice=data["text"], version=version)
        elif step == "complete":
            dsr.request_complete(actor=actor, request=row, outcome=data["text"], version=version)
        elif step == "erase":
            done = dsr.request_erase(actor=actor, request=row, version=version)
            if done.status == R.Status.REFUSED:
                messages.warning(
                    request, _("Refused: %(reason)s") % {"reason": done.refusal_reason}
                )
        else:
            name, content = dsr.request_export(actor=actor, request=row, version=version)
            response = HttpResponse(content, content_type="application/zip")
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            response["Cache-Control"] = "no-store"
            return response
    except DomainError as refused:
        row.refresh_from_db()
        given = {slot: form} if slot else {}
        return _request_page(request, row, refused.http_status, error=_refusal(refused), **given)
    return redirect("console:privacy_request", pk=pk)


# --- the access log and the purge evidence -----------------------------------------------------


@login_required
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    services.require(actor, services.READER_ROLES)
    form = forms.AccessLogForm(request.GET or None, actor=actor)
    rows = selectors.access_log_search(actor=actor).none()
    error, status = "", 200
    if form.is_valid():
        try:
            rows = selectors.access_log_search(actor=actor, **form.cleaned_data)
        except DomainError as refused:
            error, status = _refusal(refused), refused.http_status
    elif form.is_bound:
        status = 400
    else:
        rows = selectors.access_log_search(actor=actor)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return _page(request, "access_log.html", {"form": form, "page": page, "error": error}, status)


@login_required
@require_GET
def evidence(request: HttpRequest) -> HttpResponse:
    rows = selectors.purge_records(actor=_actor(request))
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return _page(request, "evidence.html", {"page": page})


# --- legal holds -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def holds(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    rows = selectors.holds_for(actor=actor)
    may_place = services.has_any(actor, services.HOLD_ROLES)
    form = forms.HoldForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint = customer = None
                if data["reference"]:
                    complaint = selectors.complaint_for_hold(
                        actor=actor, reference=data["reference"]
                    )
                elif data["contact"]:
                    customer = selectors.customer_for_hold(actor=actor, contact=data["contact"])
                services.legal_hold_place(
                    actor=actor, complaint=complaint, customer=customer, reason=data["reason"]
                )
                messages.success(request, _("Legal hold placed."))
                return redirect("console:privacy_holds")
            except DomainError as refused:
                form.add_error(None, _refusal(refused))
                status = refused.http_status
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "form": form, "may_place": may_place, "lift": forms.TextForm}
    return _page(request, "holds.html", context, status)


@login_required
@require_POST
def hold_lift(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    hold = selectors.hold_get(actor=actor, pk=pk)
    form = forms.TextForm(request.POST, label=_("Reason for lifting"))
    if form.is_valid():
        try:
            services.legal_hold_lift(
                actor=actor,
                hold=hold,
                reason=form.cleaned_data["text"],
                version=form.cleaned_data["version"],
            )
            messages.success(request, _("Legal hold lifted."))
        except DomainError as refused:
            messages.error(request, _refusal(refused))
    else:
        messages.error(request, _("Give a reason."))
    return redirect("console:privacy_holds")


# --- breaches ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def breaches(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    rows = selectors.breaches_for(actor=actor)
    form = forms.BreachForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.breach_record(actor=actor, **form.cleaned_data)
                messages.success(request, _("Breach recorded."))
                return redirect("console:privacy_breaches")
            except DomainError as refused:
                form.add_error(None, _refusal(refused))
                status = refused.http_status
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "form": form,
        "now": clock.now(),
        "officer": services.has_any(actor, services.OFFICER_ROLES),
    }
    return _page(request, "breaches.html", context, status)


@login_required
@require_http_methods(["GET", "POST"])
def breach(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    row = selectors.breach_get(actor=actor, pk=pk)
    form = forms.BreachUpdateForm(
        request.POST or None,
        initial={"version": row.version, "status": row.status, "notified_at": row.notified_at},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.breach_update(actor=actor, breach=row, **form.cleaned_data)
                messages.success(request, _("Breach updated."))
                return redirect("console:privacy_breach", pk=pk)
            except DomainError as refused:
                form.add_error(None, _refusal(refused))
                status = refused.http_status
    context = {"row": row, "form": form, "now": clock.now()}
    return _page(request, "breach.html", context, status)


# --- retention rules and settings ----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def rules(request: HttpRequest) -> HttpResponse:
    """One form per class and one for the request clock, each carrying the version the page
    showed: a change made meanwhile by someone else is refused (409), nothing written."""
    actor = _actor(request)
    services.require(actor, services.OFFICER_ROLES)
    company_id = services.company_of(actor)
    settings_row = services.privacy_settings(company_id)
    posted = request.POST if request.method == "POST" else None
    versions = RetentionRule.versions(company_id)
    current = retention.rules_for(company_id)
    rule_forms = {
        rule.data_class: forms.RuleForm(
            posted if posted and posted.get("data_class") == rule.data_class else None,
            initial={
                "data_class": rule.data_class,
                "months": rule.months,
                "trigger": rule.trigger,
                "version": versions.get(rule.data_class, 0),
            },
            auto_id=f"rule-{rule.data_class}-%s",
        )
        for rule in current.values()
    }
    settings_form = forms.SettingsForm(
        posted if posted and "request_days" in posted else None,
        initial={
            "request_days": settings_row.request_days,
            "gdpr_mode": settings_row.gdpr_mode,
            "version": settings_row.version if settings_row.pk else 0,
        },
        auto_id="settings-%s",
    )
    status, error = 200, ""
    if posted is not None:
        status = 400
        bound = next((f for f in rule_forms.values() if f.is_bound), None) or settings_form
        if bound.is_bound and bound.is_valid():
            data = bound.cleaned_data
            try:
                if bound is settings_form:
                    services.privacy_settings_set(actor=actor, **data)
                else:
                    services.retention_rule_set(actor=actor, **data)
                messages.success(request, _("Saved."))
                return redirect("console:privacy_rules")
            except DomainError as refused:
                bound.add_error(None, _refusal(refused))
                status = refused.http_status
        elif not bound.is_bound:
            error = _("Check the form.")
    shown = [
        {
            "data_class": rule.data_class,
            "label": DataClass(rule.data_class).label,
            "months": rule.months,
            "trigger": Trigger(rule.trigger).label,
            "form": rule_forms[rule.data_class],
        }
        for rule in current.values()
    ]
    context = {"rules": shown, "settings_form": settings_form, "error": error}
    return _page(request, "rules.html", context, status)


# --- a complaint's sensitive data ----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def sensitive(request: HttpRequest, reference: str) -> HttpResponse:
    actor = _actor(request)
    complaint = complaint_get_for_actor(actor=actor, reference=reference)
    flags = forms.SensitiveForm(
        request.POST if "kinds" in request.POST or "version" in request.POST else None,
        initial={"kinds": complaint.sensitive, "version": complaint.version},
    )
    consent = forms.ConsentForm(request.POST if "method" in request.POST else None)
    status = 200
    if request.method == "POST":
        status = 400
        bound = consent if consent.is_bound else flags
        if bound.is_valid():
            data = bound.cleaned_data
            try:
                if bound is consent:
                    services.sensitive_consent_record(actor=actor, complaint=complaint, **data)
                else:
                    services.complaint_set_sensitive(
                        actor=actor,
                        complaint=complaint,
                        kinds=data["kinds"],
                        version=data["version"],
                        reason=data["reason"],
                    )
                messages.success(request, _("Saved."))
                return redirect("console:privacy_sensitive", reference=reference)
            except DomainError as refused:
                bound.add_error(None, _refusal(refused))
                status = refused.http_status
    consents = selectors.sensitive_consents(complaint)
    context = {"complaint": complaint, "flags": flags, "consent": consent, "consents": consents}
    return _page(request, "sensitive.html", context, status)
