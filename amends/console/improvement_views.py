"""The improvement actions' pages (整改) and the quarterly process review: parse the request,
read through the access-checked selectors, call one service through its form, respond. A
refused step re-shows the page with the message and the form as it was filled (409 when the
page was stale); nothing is written."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amends.core import clock
from amends.core.errors import DomainError, PermissionDenied
from amends.improvements import forms, selectors
from amends.improvements.effect import VERDICT_LABELS, effect_of
from amends.improvements.models import ImprovementAction
from amends.orgs.models import User, Venue
from amends.reports.access import may_report_company, report_venues
from amends.reports.quarterly import current_quarter, quarter_review

PER_PAGE = 25


@login_required
@require_GET
def improvements(request: HttpRequest) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    filters = forms.ListFilterForm(request.GET or None, actor=actor)
    actions = filters.apply(
        selectors.actions_for_actor(actor=actor), today=selectors.today_at(None)
    ).order_by("due_on", "pk")
    page = Paginator(actions, PER_PAGE).get_page(request.GET.get("page"))
    for action in page:
        action.overdue = selectors.is_overdue(action)  # type: ignore[attr-defined]
    venues, company_wide = selectors.raisable_venues(actor=actor)
    context = {"page": page, "filters": filters, "can_raise": bool(venues) or company_wide}
    return render(request, "console/improvements/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def improvement_new(request: HttpRequest) -> HttpResponse:
    """Raise an action; prefilled from ?complaint=REF, or from a report line or a cause
    (?source=report&venue=CODE&category=CODE&label=…)."""
    actor: User = request.user  # type: ignore[assignment]
    venues, company_wide = selectors.raisable_venues(actor=actor)
    if not venues and not company_wide:
        raise PermissionDenied(
            _("Improvement actions are raised by the venue's managers and directors."),
            code="page_not_allowed",
        )
    if request.method == "GET":
        initial, reference = forms.raise_initial(actor=actor, params=request.GET.dict())
        form = forms.RaiseForm(initial=initial, actor=actor)
        return _new_page(request, form, reference)
    form = forms.RaiseForm(request.POST, actor=actor)
    if not form.is_valid():
        return _new_page(request, form, "", status=400)
    try:
        action = forms.execute(form)
    except DomainError as refused:
        forms.show_refusal(form, refused)
        return _new_page(request, form, "", status=refused.http_status)
    messages.success(request, _("Improvement action raised."))
    return redirect("console:improvement", pk=action.pk)


def _new_page(
    request: HttpRequest, form: forms.RaiseForm, reference: str, status: int = 200
) -> HttpResponse:
    context = {"form": form, "reference": reference}
    return render(request, "console/improvements/new.html", context, status=status)


@login_required
@require_GET
def improvement(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.action_get_for_actor(actor=request.user, pk=pk)  # type: ignore[arg-type]
    return _action_page(request, action)


def _action_page(
    request: HttpRequest,
    action: ImprovementAction,
    *,
    bound: forms.StepForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    steps = []
    for name in selectors.steps_for_actor(actor=actor, action=action):
        if bound is not None and bound.name == name:
            steps.append((name, bound))
        else:
            form = forms.STEP_FORMS[name](action=action, actor=actor, auto_id=f"{name}-%s")
            steps.append((name, form))
    linked = list(selectors.linked_complaints(actor=actor, action=action))
    effect = effect_of(action, now=clock.now()) if action.status == action.Status.DONE else None
    context = {
        "action": action,
        "steps": steps,
        "bound": bound,
        "linked": linked,
        "hidden": action.complaints.count() - len(linked),
        "overdue": selectors.is_overdue(action),
        "effect": effect,
        "verdict": VERDICT_LABELS[effect.verdict] if effect else "",
    }
    return render(request, "console/improvements/action.html", context, status=status)


@login_required
@require_POST
def improvement_act(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """One step on an action. A stale version is refused (409) before the input is judged; a
    step the person may not take is refused (403 / 409); bad input re-shows the form (400)."""
    actor: User = request.user  # type: ignore[assignment]
    action = selectors.action_get_for_actor(actor=actor, pk=pk)
    if name not in forms.STEP_FORMS:
        raise Http404
    form = forms.STEP_FORMS[name](request.POST, action=action, actor=actor, auto_id=f"{name}-%s")
    try:
        forms.refuse_stale(form)
        forms.refuse_unavailable(form)
        if not form.is_valid():
            return _action_page(request, action, bound=form, status=400)
        forms.execute(form)
    except DomainError as refused:
        forms.show_refusal(form, refused)
        messages.error(request, str(refused.message))
        return _action_page(request, action, bound=form, status=refused.http_status)
    messages.success(request, _("Done: %(step)s.") % {"step": form.heading})
    return redirect("console:improvement", pk=action.pk)


@login_required
@require_GET
def quarterly_review(request: HttpRequest) -> HttpResponse:
    """The quarterly process review of a venue (?venue=CODE) or the company, for ?quarter=
    (default: the quarter under way)."""
    actor: User = request.user  # type: ignore[assignment]
    venues = list(report_venues(actor))
    company_wide = may_report_company(actor)
    if not venues:
        raise PermissionDenied(
            _("You may not read the reports of this venue."), code="report_not_allowed"
        )
    code = request.GET.get("venue", "").strip().upper()
    # No venue named: the company for those who may read it, else their first venue. A named
    # venue's access is checked by the review itself.
    venue: Venue | None = _venue_or_404(actor, code) if code else None
    if venue is None and not company_wide:
        venue = venues[0]
    quarter = request.GET.get("quarter", "").strip() or current_quarter()
    report = quarter_review(
        actor=actor,
        company=actor.company,  # type: ignore[arg-type]
        venue=venue,
        quarter=quarter,
        language=get_language() or "zh-hans",
    )
    tables = [
        {
            "table": table,
            "rows": [
                {
                    "row": row,
                    "cells": list(zip(row.values, [c.kind for c in table.columns], strict=True)),
                }
                for row in table.rows
            ],
        }
        for table in report.tables
    ]
    context: dict[str, Any] = {
        "report": report,
        "tables": tables,
        "quarter": quarter.upper(),
        "venue": venue,
        "venues": venues,
        "company_wide": company_wide,
    }
    return render(request, "console/improvements/review.html", context)


def _venue_or_404(actor: User, code: str) -> Venue:
    """A venue of the actor's company they may not report on is refused by the access check;
    one of another company is not found."""
    found = Venue.objects.filter(company_id=actor.company_id or 0, code=code).first()
    if found is None:
        raise Http404
    return found
