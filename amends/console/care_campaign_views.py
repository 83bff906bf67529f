"""The console's revisit campaigns (回访计划): the list, the form to start or change one, its
summary report and CSV, and the call sheet a specialist reads from while calling a member.

The call sheet's branch (satisfied / not satisfied) is chosen with two buttons of a GET form:
the server shows the chosen branch, no script runs in the page."""

from __future__ import annotations

import csv
import io
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amends.care import selectors, services
from amends.care.models import CampaignCall, RevisitCampaign
from amends.console import care_forms as forms
from amends.console.care_common import (
    CARE_MANAGE_ROLES,
    CARE_READ_ROLES,
    CARE_WORK_ROLES,
    holds,
    int_or_none,
    page_venue,
    refused_on,
    require_any,
)
from amends.console.care_member_views import local_today
from amends.console.views import raise_forbidden
from amends.core import clock
from amends.core.errors import DomainError, InvalidInput
from amends.members.selectors import contact_card
from amends.orgs.models import User, Venue
from amends.reports.structure import inert_csv

CALLED = (CampaignCall.Status.DONE, CampaignCall.Status.UNREACHABLE)


def with_coverage(campaigns: QuerySet[RevisitCampaign]) -> list[RevisitCampaign]:
    """Each campaign with its coverage % (called ÷ calls), from the counts its selector
    annotates (one query)."""
    rows = list(campaigns)
    for campaign in rows:
        total = campaign.calls_total  # type: ignore[attr-defined]
        done = campaign.calls_done  # type: ignore[attr-defined]
        campaign.coverage = int(done * 100 / total) if total else 0  # type: ignore[attr-defined]
    return rows


def campaign_for(actor: User, pk: int) -> RevisitCampaign:
    return selectors.campaign_get(actor, pk)


# --- the list and the form ------------------------------------------------------------------


@login_required
@require_GET
def campaigns(request: HttpRequest) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    venues = require_any(actor, CARE_READ_ROLES, _("Revisit campaigns are for customer service."))
    venue = page_venue(request, venues)
    status = request.GET.get("status", RevisitCampaign.Status.RUNNING)
    if status not in RevisitCampaign.Status.values:
        status = RevisitCampaign.Status.RUNNING
    found = selectors.campaigns_for(actor, venue=venue).filter(status=status)
    if venue is None:
        found = found.filter(venue__in=venues)
    rows = with_coverage(found.select_related("venue").order_by("-starts_on", "pk")[:200])
    context = {
        "campaigns": rows,
        "status": status,
        "statuses": RevisitCampaign.Status.choices,
        "venue": venue,
        "can_manage": any(holds(actor, v.pk, CARE_MANAGE_ROLES) for v in venues),
    }
    return render(request, "console/care/campaigns.html", context)


def _managed(actor: User) -> list[Venue]:
    return require_any(actor, CARE_MANAGE_ROLES, _("Campaigns are run by the venue's managers."))


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Start a campaign (prefilled with a script in the reader's language) or change one."""
    actor: User = request.user  # type: ignore[assignment]
    venues = _managed(actor)
    campaign = campaign_for(actor, pk) if pk is not None else None
    if campaign is not None and not holds(actor, campaign.venue_id, CARE_MANAGE_ROLES):
        raise_forbidden(_("Campaigns are run by the venue's managers."))
    if request.method == "GET":
        initial = forms.CampaignForm.initial_for(campaign, local_today())
        if campaign is None:
            chosen = page_venue(request, venues)
            initial["venue"] = chosen.pk if chosen else None
        form = forms.CampaignForm(initial=initial, venues=venues, campaign=campaign)
        return _edit_page(request, form, campaign)
    form = forms.CampaignForm(request.POST, venues=venues, campaign=campaign)
    if not form.is_valid():
        return _edit_page(request, form, campaign, status=400)
    try:
        saved = services.campaign_save(
            actor=actor,
            venue=campaign.venue if campaign else form.cleaned_data["venue"],
            data=form.data_for_service(),
            campaign=campaign,
            version=form.cleaned_data.get("version") if campaign else None,
        )
    except DomainError as refused:
        refused_on(form, refused)
        return _edit_page(request, form, campaign, status=refused.http_status)
    messages.success(request, _("The campaign is saved."))
    return redirect("console:care_campaign", pk=saved.pk)


def _edit_page(
    request: HttpRequest, form: Any, campaign: RevisitCampaign | None, status: int = 200
) -> HttpResponse:
    context = {"form": form, "campaign": campaign}
    return render(request, "console/care/campaign_edit.html", context, status=status)


@login_required
@require_POST
def campaign_finish(request: HttpRequest, pk: int) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    campaign = campaign_for(actor, pk)
    if not holds(actor, campaign.venue_id, CARE_MANAGE_ROLES):
        raise_forbidden(_("Campaigns are run by the venue's managers."))
    version = int_or_none(request.POST.get("version"))
    try:
        if version is None:
            raise InvalidInput(_("Reload the page and try again."), code="version_required")
        services.campaign_finish(actor=actor, campaign=campaign, version=version)
    except DomainError as refused:
        messages.error(request, str(refused.message))
        return _summary_page(request, campaign_for(actor, pk), status=refused.http_status)
    messages.success(request, _("The campaign is finished."))
    return redirect("console:care_campaign", pk=campaign.pk)


# --- the summary report ---------------------------------------------------------------------


@login_required
@require_GET
def campaign(request: HttpRequest, pk: int) -> HttpResponse:
    return _summary_page(request, campaign_for(request.user, pk))  # type: ignore[arg-type]


def per_specialist(campaign: RevisitCampaign) -> list[dict[str, Any]]:
    """The campaign's calls by specialist (one query): calls, to call, called, not reached,
    not satisfied, coverage %."""
    rows = (
        CampaignCall.objects.filter(campaign=campaign)
        .values("assignee_id")
        .annotate(
            calls=Count("pk"),
            due=Count("pk", filter=Q(status=CampaignCall.Status.DUE)),
            done=Count("pk", filter=Q(status=CampaignCall.Status.DONE)),
            unreachable=Count("pk", filter=Q(status=CampaignCall.Status.UNREACHABLE)),
            not_satisfied=Count("pk", filter=Q(outcome=CampaignCall.Outcome.NOT_SATISFIED)),
        )
        .order_by("assignee_id")
    )
    people = {u.pk: u for u in User.objects.filter(pk__in=[r["assignee_id"] for r in rows])}
    return [
        {
            **row,
            "specialist": people.get(row["assignee_id"]),
            "coverage": int(row["done"] * 100 / row["calls"]) if row["calls"] else 0,
        }
        for row in rows
    ]


def _summary_page(request: HttpRequest, found: RevisitCampaign, status: int = 200) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    context = {
        "campaign": found,
        "summary": selectors.campaign_summary(found),
        "specialists": per_specialist(found),
        "can_manage": holds(actor, found.venue_id, CARE_MANAGE_ROLES),
    }
    return render(request, "console/care/campaign.html", context, status=status)


def csv_columns() -> list[str]:
    return [
        _("Membership number"),
        _("Member"),
        _("Phone"),
        _("Specialist"),
        _("Triggered at"),
        _("Due"),
        _("Status"),
        _("Attempts"),
        _("Outcome"),
        _("Satisfaction (1–5)"),
        _("Called at"),
        _("Complaint"),
    ]


@login_required
@require_GET
def campaign_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The campaign's calls, one a row, the member masked; UTF-8 with a byte-order mark, so
    Excel opens the Chinese as Chinese."""
    found = campaign_for(request.user, pk)  # type: ignore[arg-type]
    zone = ZoneInfo(found.venue.timezone or "Asia/Shanghai")

    def when(moment: Any) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""

    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(csv_columns())
    calls = found.calls.select_related("member__customer", "assignee", "complaint").order_by(
        "due_at", "pk"
    )
    for call in calls:
        card = contact_card(call.member.customer, unmasked=False)
        row: list[Any] = [
            call.member.number,
            card.name,
            card.phone,
            call.assignee.name_in() if call.assignee else "",
            when(call.triggered_at),
            when(call.due_at),
            call.get_status_display(),
            call.attempts,
            call.get_outcome_display() if call.outcome else "",
            call.score or "",
            when(call.called_at),
            call.complaint.reference if call.complaint else "",
        ]
        writer.writerow([inert_csv(cell) for cell in row])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    stamp = clock.now().astimezone(zone).strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="campaign-{found.pk}-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- the call sheet -------------------------------------------------------------------------

BRANCHES = (CampaignCall.Outcome.SATISFIED, CampaignCall.Outcome.NOT_SATISFIED)


class _Keep(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(text: str, values: dict[str, str]) -> str:
    """A script with its placeholders ({name}, {venue}, {specialist}) filled; a stray brace
    leaves the text as written."""
    try:
        return text.format_map(_Keep(values))
    except (ValueError, IndexError, AttributeError):
        return text


def call_for(actor: User, pk: int) -> CampaignCall:
    return selectors.call_get(actor, pk)


@login_required
@require_GET
def call_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    call = call_for(request.user, pk)  # type: ignore[arg-type]
    return _sheet(request, call, branch=request.GET.get("branch", ""))


def _sheet(
    request: HttpRequest,
    call: CampaignCall,
    *,
    branch: str,
    form: forms.CallForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    if branch not in BRANCHES:
        branch = ""
    card = contact_card(call.member.customer, unmasked=False)
    campaign = call.campaign
    values = {
        "name": card.name,
        "venue": campaign.venue.name_in(),
        "specialist": actor.name_in(),
    }
    can_record = call.status == CampaignCall.Status.DUE and holds(
        actor, campaign.venue_id, CARE_WORK_ROLES
    )
    if form is None and can_record:
        form = forms.CallForm(
            initial={"version": call.version, "outcome": branch, "reached": "yes"},
            auto_id="call-%s",
        )
    context = {
        "call": call,
        "card": card,
        "campaign": campaign,
        "branch": branch,
        "greeting": fill(campaign.greeting, values),
        "satisfied": fill(campaign.satisfied_script, values),
        "unsatisfied": fill(campaign.unsatisfied_script, values),
        "closing": fill(campaign.closing, values),
        "form": form if can_record else None,
    }
    return render(request, "console/care/call.html", context, status=status)


@login_required
@require_POST
def call_record(request: HttpRequest, pk: int) -> HttpResponse:
    """What the call found. Not satisfied: the service opens a complaint, linked here."""
    actor: User = request.user  # type: ignore[assignment]
    call = call_for(actor, pk)
    if not holds(actor, call.campaign.venue_id, CARE_WORK_ROLES):
        raise_forbidden(_("Revisit calls are made by specialists."))
    form = forms.CallForm(request.POST, auto_id="call-%s")
    branch = request.POST.get("branch", "")
    if not form.is_valid():
        return _sheet(request, call, branch=branch, form=form, status=400)
    data = form.cleaned_data
    try:
        recorded = services.call_record(
            actor=actor,
            call=call,
            version=data["version"],
            reached=data["reached"] == "yes",
            outcome=data["outcome"],
            score=data["score"],
            notes=data["notes"],
        )
    except DomainError as refused:
        refused_on(form, refused)
        messages.error(request, str(refused.message))
        return _sheet(
            request, call_for(actor, pk), branch=branch, form=form, status=refused.http_status
        )
    if recorded.complaint_id:
        messages.success(
            request,
            _("The call is recorded. Complaint %(reference)s is opened for what went wrong.")
            % {"reference": recorded.complaint.reference},  # type: ignore[union-attr]
        )
    elif recorded.status == CampaignCall.Status.DUE:
        messages.success(request, _("Not reached: the attempt is counted. Call again later."))
    else:
        messages.success(request, _("The call is recorded."))
    return redirect("console:care_call", pk=call.pk)
