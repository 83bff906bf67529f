"""The console's equipment register: the assets (with their uptime this month), one asset with
its QR code, plans, work orders and downtimes, the asset form, taking an asset out of service
and back, a fault reported by staff, the spreadsheet import with its progress bar, and the
preventive maintenance plans."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amends.console import equipment_forms as forms
from amends.console.equipment_views import refusal_message, refuse_stale
from amends.core import clock
from amends.core.errors import DomainError, NotFound, PermissionDenied, StaleVersion
from amends.equipment import access, selectors, services, uptime
from amends.equipment.models import Asset, AssetImport, MaintenancePlan
from amends.equipment.services_assets import LABELS
from amends.orgs.models import User, Venue
from amends.orgs.selectors import venues_for_actor

PER_PAGE = 50
FIELD_LABELS: dict[str, Any] = {**LABELS, "file": gettext_lazy("Spreadsheet")}
RECENT = 20


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def register_kept() -> str:
    return _("The equipment register is kept by the venue's maintenance staff and managers.")


def _refuse_unless_acts(actor: User, venue: Venue) -> None:
    if not access.may_act(actor, venue):
        raise PermissionDenied(register_kept(), code="equipment_not_allowed")


def uptimes_this_month(assets: list[Asset], now: datetime) -> dict[int, Any]:
    """Each asset's uptime (a Decimal percentage, two places) from the start of this month at
    its venue to now: one pass per venue on the page."""
    by_venue: dict[int, list[Asset]] = {}
    for item in assets:
        by_venue.setdefault(item.venue_id, []).append(item)
    shares: dict[int, Any] = {}
    for group in by_venue.values():
        venue = group[0].venue
        local = now.astimezone(ZoneInfo(venue.timezone))
        start, _end = uptime.month_bounds(venue, local.year, local.month)
        if start >= now:
            continue
        for pk, part in uptime.availability_by_asset(group, start, now).items():
            shares[pk] = part.uptime
    return shares


# --- the register ----------------------------------------------------------------------------


@login_required
@require_GET
def assets(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    filters = forms.AssetFilterForm(request.GET or None, actor=actor)
    found = selectors.assets_for(actor, **filters.values()).select_related("venue")
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page)
    shares = uptimes_this_month(rows, clock.now())
    context = {
        "page": page,
        "rows": [(asset, shares.get(asset.pk)) for asset in rows],
        "filters": filters,
        "may_add": any(access.may_act(actor, v) for v in venues_for_actor(actor=actor)),
    }
    return render(request, "console/equipment/assets.html", context)


def _asset_page(
    request: HttpRequest,
    asset: Asset,
    *,
    service: forms.ServiceForm | None = None,
    fault: forms.FaultForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = _actor(request)
    acts = access.may_act(actor, asset.venue)
    now = clock.now()
    fault_path = reverse("public:asset_fault", args=[asset.public_token])
    context = {
        "asset": asset,
        "acts": acts,
        "uptime": uptimes_this_month([asset], now).get(asset.pk),
        "plans": list(asset.plans.order_by("-active", "next_due_on", "pk")),
        "orders": list(
            asset.work_orders.select_related("assignee").order_by("-reported_at")[:RECENT]
        ),
        "downtimes": list(asset.downtimes.order_by("-started_at")[:RECENT]),
        "service": service
        or (forms.ServiceForm(actor=actor, asset=asset, auto_id="service-%s") if acts else None),
        "fault": fault
        or (
            forms.FaultForm(actor=actor, asset=asset, auto_id="fault-%s")
            if access.may_report(actor, asset.venue) and asset.status != Asset.Status.RETIRED
            else None
        ),
        "fault_url": str(settings.AMENDS_PUBLIC_URL).rstrip("/") + fault_path,
        "fault_path": fault_path,
    }
    return render(request, "console/equipment/asset.html", context, status=status)


@login_required
@require_GET
def asset(request: HttpRequest, pk: int) -> HttpResponse:
    return _asset_page(request, selectors.asset_get(_actor(request), pk))


@login_required
@require_http_methods(["GET", "POST"])
def asset_new(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if not any(access.may_act(actor, v) for v in venues_for_actor(actor=actor)):
        raise PermissionDenied(register_kept(), code="equipment_not_allowed")
    form = forms.AssetForm(
        request.POST or None, request.FILES or None, actor=actor, initial=_venue_initial(request)
    )
    return _save_asset(request, form, None)


def _venue_initial(request: HttpRequest) -> dict[str, Any]:
    code = request.GET.get("venue", "")[:12]
    return {"venue": code} if code else {}


@login_required
@require_http_methods(["GET", "POST"])
def asset_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    found = selectors.asset_get(actor, pk)
    _refuse_unless_acts(actor, found.venue)
    form = forms.AssetForm(request.POST or None, request.FILES or None, actor=actor, asset=found)
    return _save_asset(request, form, found)


def _save_asset(request: HttpRequest, form: forms.AssetForm, found: Asset | None) -> HttpResponse:
    status = 200
    if request.method == "POST":
        status = 400
        try:
            if found is not None:
                refuse_stale(form, found.version)
            if form.is_valid():
                if found is None:
                    _refuse_unless_acts(_actor(request), form.venues[form.cleaned_data["venue"]])
                with transaction.atomic():
                    saved = form.run()
                messages.success(request, _("The asset is saved."))
                return redirect("console:asset", pk=saved.pk)
        except DomainError as refused:
            message = refusal_message(refused)
            if isinstance(refused, StaleVersion):
                form.add_error(None, message)
            else:
                forms.show_refusal(form, refused)
            status = refused.http_status
    context = {"form": form, "asset": found}
    return render(request, "console/equipment/asset_form.html", context, status=status)


@login_required
@require_POST
def asset_service(request: HttpRequest, pk: int) -> HttpResponse:
    """Take the asset out of service, or return it to service."""
    actor = _actor(request)
    found = selectors.asset_get(actor, pk)
    _refuse_unless_acts(actor, found.venue)
    form = forms.ServiceForm(request.POST, actor=actor, asset=found, auto_id="service-%s")
    try:
        refuse_stale(form, found.version)
        if not form.is_valid():
            return _asset_page(request, found, service=form, status=400)
        with transaction.atomic():
            form.run()
    except DomainError as refused:
        message = refusal_message(refused)
        form.add_error(None, message)
        messages.error(request, message)
        return _asset_page(
            request, selectors.asset_get(actor, pk), service=form, status=refused.http_status
        )
    messages.success(
        request,
        _("Taken out of service.") if form.taking_out else _("Returned to service."),
    )
    return redirect("console:asset", pk=found.pk)


@login_required
@require_POST
def asset_report(request: HttpRequest, pk: int) -> HttpResponse:
    """A fault reported by a staff member on the asset's page."""
    actor = _actor(request)
    found = selectors.asset_get(actor, pk)
    form = forms.FaultForm(request.POST, actor=actor, asset=found, auto_id="fault-%s")
    if not form.is_valid():
        return _asset_page(request, found, fault=form, status=400)
    try:
        with transaction.atomic():
            order = form.run()
    except DomainError as refused:
        forms.show_refusal(form, refused)
        return _asset_page(request, found, fault=form, status=refused.http_status)
    messages.success(
        request, _("Fault reported: work order %(number)s.") % {"number": order.number}
    )
    return redirect("console:work_order", number=order.number)


def _posted_version(request: HttpRequest) -> int | None:
    """The version the person saw, as posted; None when missing or malformed."""
    raw = request.POST.get("version", "")
    if not raw.isdigit() or len(raw) > 12 or int(raw) < 1:
        return None
    return int(raw)


@login_required
@require_POST
def asset_retire(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    found = selectors.asset_get(actor, pk)
    _refuse_unless_acts(actor, found.venue)
    seen = _posted_version(request)
    if seen is None:
        messages.error(request, _("Reload the page: the form has no version."))
        return _asset_page(request, found, status=400)
    try:
        refuse_stale(request.POST, found.version)
        with transaction.atomic():
            services.asset_retire(actor=actor, asset=found, version=seen)
    except DomainError as refused:
        messages.error(request, refusal_message(refused))
        return _asset_page(request, selectors.asset_get(actor, pk), status=refused.http_status)
    messages.success(request, _("The asset is retired."))
    return redirect("console:asset", pk=found.pk)


@login_required
@require_GET
def asset_photo(request: HttpRequest, pk: int) -> FileResponse:
    """The asset's photo, for people who may see the asset."""
    found = selectors.asset_get(_actor(request), pk)
    if not found.photo:
        raise Http404
    response = FileResponse(found.photo.open("rb"), content_type=found.photo_type or "image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the spreadsheet import ------------------------------------------------------------------


def _import_for(actor: User, pk: int) -> AssetImport:
    found = selectors.import_get(actor, pk)
    if not access.may_act(actor, found.venue):
        raise NotFound(_("This import does not exist."), code="import_not_found")
    return found


@login_required
@require_http_methods(["GET", "POST"])
def asset_import(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    venues = [v for v in venues_for_actor(actor=actor) if access.may_act(actor, v)]
    if not venues:
        raise PermissionDenied(register_kept(), code="equipment_not_allowed")
    posted = request.method == "POST"
    form = forms.ImportForm(
        request.POST if posted else None, request.FILES if posted else None, actor=actor
    )
    form.fields["venue"].choices = [(v.code, f"{v.code} {v.name_in()}") for v in venues]  # type: ignore[attr-defined]
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            try:
                started = form.run()
            except DomainError as refused:
                forms.show_refusal(form, refused)
                status = refused.http_status
            else:
                return redirect("console:asset_import_status", pk=started.pk)
    recent = AssetImport.objects.filter(venue__in=venues).select_related("venue", "created_by")
    context = {"form": form, "recent": list(recent.order_by("-created_at", "-pk")[:10])}
    return render(request, "console/equipment/import.html", context, status=status)


@login_required
@require_GET
def asset_import_status(request: HttpRequest, pk: int) -> HttpResponse:
    """An import's progress and its row errors; htmx asks for the progress box every second
    while it runs."""
    found = _import_for(_actor(request), pk)
    context = {
        "job": found,
        "errors": [
            {
                "row": error.get("row", ""),
                "field": str(FIELD_LABELS.get(error.get("field", ""), error.get("field", ""))),
                "message": error.get("message", ""),
            }
            for error in found.errors or []
            if isinstance(error, dict)
        ],
        "running": found.status in (AssetImport.Status.PENDING, AssetImport.Status.RUNNING),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "console/equipment/_import_progress.html", context)
    return render(request, "console/equipment/import_status.html", context)


# --- preventive maintenance plans ------------------------------------------------------------


@login_required
@require_GET
def plans(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    found = (
        MaintenancePlan.objects.filter(asset__in=selectors.assets_for(actor))
        .select_related("asset", "asset__venue")
        .order_by("-active", "next_due_on", "asset__code", "pk")
    )
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "console/equipment/plans.html", {"page": page})


def _plan_for(actor: User, pk: int) -> MaintenancePlan:
    found = (
        MaintenancePlan.objects.filter(pk=pk, asset__in=selectors.assets_for(actor))
        .select_related("asset", "asset__venue")
        .first()
    )
    if found is None:
        raise Http404
    return found


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    found = selectors.asset_get(actor, pk)
    _refuse_unless_acts(actor, found.venue)
    form = forms.PlanForm(request.POST or None, actor=actor, asset=found)
    return _save_plan(request, form, found, None)


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    plan = _plan_for(actor, pk)
    _refuse_unless_acts(actor, plan.asset.venue)
    form = forms.PlanForm(request.POST or None, actor=actor, asset=plan.asset, plan=plan)
    return _save_plan(request, form, plan.asset, plan)


def _save_plan(
    request: HttpRequest,
    form: forms.PlanForm,
    found: Asset,
    plan: MaintenancePlan | None,
) -> HttpResponse:
    status = 200
    if request.method == "POST":
        status = 400
        try:
            if plan is not None:
                refuse_stale(form, plan.version)
            if form.is_valid():
                with transaction.atomic():
                    form.run()
                messages.success(request, _("The maintenance plan is saved."))
                return redirect("console:asset", pk=found.pk)
        except DomainError as refused:
            message = refusal_message(refused)
            if isinstance(refused, StaleVersion):
                form.add_error(None, message)
            else:
                forms.show_refusal(form, refused)
            status = refused.http_status
    context = {"form": form, "asset": found, "plan": plan}
    return render(request, "console/equipment/plan_form.html", context, status=status)
