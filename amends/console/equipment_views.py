"""The console's work orders (维修工单): the list (open first, the overdue first reactions
marked), one work order with its clock, steps and action forms, its photos, and a work order
opened from a complaint. Parse, read through the access-checked selectors, call one service
through its form, respond; a refused step re-shows the page with the message and the form as
it was filled (409 when someone else changed it meanwhile), and nothing is written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amends.complaints.selectors import complaint_get_for_actor
from amends.console import equipment_forms as forms
from amends.core import clock
from amends.core.errors import DomainError, InvalidTransition, PermissionDenied, StaleVersion
from amends.equipment import access, selectors, services
from amends.equipment import clock as response_clock
from amends.equipment.models import WorkOrder
from amends.orgs.models import User, Venue
from amends.workflow.selectors import venue_clock

PER_PAGE = 25
S = WorkOrder.Status


def stale_message() -> str:
    return _("Someone else changed this meanwhile. Reload the page and try again.")


def refusal_message(refused: DomainError) -> str:
    return stale_message() if isinstance(refused, StaleVersion) else str(refused.message)


# --- the first-reaction clock ----------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """A work order's first-reaction clock as the page shows it: when it is due, the minutes
    (of the venue's response clock) left or past, and, once reacted, the minutes it took."""

    due: datetime | None
    waiting: bool  # no first reaction yet
    overdue: bool
    minutes_left: int
    minutes_over: int
    minutes_elapsed: int
    minutes_taken: int | None
    target: int
    business: bool

    @property
    def within_target(self) -> bool:
        return self.minutes_taken is not None and self.minutes_taken <= self.target


class Clocks:
    """The clocks of several work orders, reading each venue's calendar and settings once."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._venues: dict[int, tuple[Any, Any]] = {}

    def _of(self, venue: Venue) -> tuple[Any, Any]:
        if venue.pk not in self._venues:
            self._venues[venue.pk] = (response_clock.settings_for(venue), venue_clock(venue))
        return self._venues[venue.pk]

    def of(self, order: WorkOrder) -> Clock:
        settings, vc = self._of(order.venue)
        waiting = order.status == S.REPORTED
        due = order.response_due_at

        def minutes(start: datetime, end: datetime) -> int:
            return response_clock.response_minutes(
                order.venue, start, end, settings=settings, clock=vc
            )

        left = over = elapsed = 0
        if waiting:
            elapsed = minutes(order.reported_at, self.now)
            if due is not None and due > self.now:
                left = minutes(self.now, due)
            elif due is not None:
                over = max(minutes(due, self.now), 0)
        return Clock(
            due=due,
            waiting=waiting,
            overdue=waiting and due is not None and due <= self.now,
            minutes_left=left,
            minutes_over=over,
            minutes_elapsed=elapsed,
            minutes_taken=order.response_minutes,
            target=settings.response_minutes,
            business=order.clock_mode != "clock",
        )


# --- the list --------------------------------------------------------------------------------


def ordered(orders: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    """Open first; among them those still waiting for their first reaction, the most urgent
    first; then the rest, newest first."""
    return orders.annotate(
        closed=Case(
            When(status__in=WorkOrder.OPEN_STATUSES, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        waiting=Case(
            When(status=S.REPORTED, then=Value(0)), default=Value(1), output_field=IntegerField()
        ),
    ).order_by("closed", "waiting", "response_due_at", "-reported_at", "pk")


@login_required
@require_GET
def work_orders(request: HttpRequest) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    filters = forms.WorkOrderFilterForm(request.GET or None, actor=actor)
    values = filters.values()
    status = values.pop("status")
    found = selectors.work_orders_for(actor, status=status, **values)
    found = ordered(found.select_related("asset", "venue", "assignee"))
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    clocks = Clocks(clock.now())
    rows = [(order, clocks.of(order)) for order in page]
    context = {"page": page, "rows": rows, "filters": filters}
    return render(request, "console/equipment/work_orders.html", context)


# --- one work order --------------------------------------------------------------------------

EVENT_LABELS: dict[str, Any] = {}


def event_label(kind: str) -> str:
    if not EVENT_LABELS:
        EVENT_LABELS.update(
            {
                "reported": _("Fault reported"),
                "out_of_service": _("Taken out of service"),
                "reacted": _("First reaction"),
                "assigned": _("Technician assigned"),
                "arrived": _("Technician on site"),
                "resolved": _("Repaired"),
                "verified": _("Verified and signed off"),
                "cancelled": pgettext("work order", "Cancelled"),
                "photo_added": _("Photo added"),
                "back_in_service": _("Back in service"),
                "planned": _("Opened by the maintenance plan"),
                "warned": _("Warning: 80 per cent of the response time has run"),
                "escalated": _("Escalated: the response time has run out"),
                "complaint_told": _("The complaint's owner was told"),
            }
        )
    return str(EVENT_LABELS.get(kind, kind.replace("_", " ")))


def who_did(event: Any, order: WorkOrder) -> str:
    """Who took a step, in words: the staff member, the API key or the member who reported it
    (by the name they gave), else the system."""
    if event.actor is not None:
        return str(event.actor.name_in())
    data = event.data or {}
    if data.get("actor_name"):
        return str(data["actor_name"])
    if event.kind == "reported":
        return order.reporter_name or str(order.get_source_display())
    return _("the system")


def steps_for(actor: User, order: WorkOrder) -> list[str]:
    """The steps `actor` may take on `order` now: the services' steps (the sign-off left out
    for the technician who repaired it when someone else can sign off), and adding photos while
    it is open."""
    names = [name for name in services.steps_for(actor, order) if name in forms.STEP_FORMS]
    if (
        "verify" in names
        and order.resolved_by_id == actor.pk
        and access.others_to_sign_off(order.venue, besides=actor)
    ):
        names.remove("verify")
    if order.is_open and access.may_report(actor, order.venue):
        names.insert(len(names) - ("cancel" in names), "photo")
    return names


def _page(
    request: HttpRequest,
    order: WorkOrder,
    *,
    bound: forms.StepForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    steps = []
    for name in steps_for(actor, order):
        if bound is not None and bound.name == name:
            steps.append((name, bound))
        else:
            form = forms.STEP_FORMS[name](work_order=order, actor=actor, auto_id=f"{name}-%s")
            steps.append((name, form))
    if bound is not None and all(name != bound.name for name, _form in steps):
        steps.append((bound.name, bound))  # refused: shown with its message, as filled
    complaint = None
    if order.complaint_id:
        try:
            complaint = complaint_get_for_actor(actor=actor, pk=order.complaint_id)
        except DomainError:
            complaint = None
    events = [
        (event, event_label(event.kind), who_did(event, order))
        for event in order.events.select_related("actor")
    ]
    context = {
        "order": order,
        "asset": order.asset,
        "clock": Clocks(clock.now()).of(order),
        "steps": steps,
        "bound": bound,
        "events": events,
        "photos": list(order.photos.all()),
        "complaint": complaint,
        "complaint_hidden": order.complaint_id is not None and complaint is None,
    }
    return render(request, "console/equipment/work_order.html", context, status=status)


@login_required
@require_GET
def work_order(request: HttpRequest, number: str) -> HttpResponse:
    order = selectors.work_order_get(request.user, number)
    return _page(request, order)


@login_required
@require_POST
def work_order_act(request: HttpRequest, number: str, name: str) -> HttpResponse:
    """One step on a work order. A step the person may not take is refused (403) or not
    available in this status (409); bad input re-shows the form (400); a stale version (409)
    says someone else changed it."""
    actor: User = request.user  # type: ignore[assignment]
    order = selectors.work_order_get(actor, number)
    if name not in forms.STEP_FORMS:
        raise Http404
    form_class = forms.STEP_FORMS[name]
    form = form_class(
        request.POST,
        request.FILES if form_class.files_allowed else None,
        work_order=order,
        actor=actor,
        auto_id=f"{name}-%s",
    )
    try:
        if name not in steps_for(actor, order):
            refuse_unavailable(actor, order, name)
        refuse_stale(form, order.version)
        if not form.is_valid():
            return _page(request, order, bound=form, status=400)
        with transaction.atomic():
            form.run()
    except DomainError as refused:
        message = refusal_message(refused)
        if isinstance(refused, StaleVersion):
            form.add_error(None, message)
        else:
            forms.show_refusal(form, refused)
        messages.error(request, message)
        fresh = selectors.work_order_get(actor, number)
        return _page(request, fresh, bound=form, status=refused.http_status)
    messages.success(request, _("Done: %(step)s.") % {"step": form.heading})
    return redirect("console:work_order", number=order.number)


def refuse_unavailable(actor: User, order: WorkOrder, name: str) -> None:
    """A step the person may not take (403), or not in the work order's status (409), is
    refused before the input is judged: there is no form to correct."""
    if not access.may_act(actor, order.venue) and not (
        name == "photo" and access.may_report(actor, order.venue)
    ):
        raise PermissionDenied(
            _("Work orders are handled by the venue's maintenance staff and managers."),
            code="work_order_not_allowed",
        )
    if name == "verify" and order.status == S.RESOLVED:
        raise PermissionDenied(
            _("Someone other than the technician who repaired it signs the repair off."),
            code="sign_off_by_another",
        )
    raise InvalidTransition(
        _("This cannot be done while the work order is “%(status)s”.")
        % {"status": order.get_status_display()},
        code="work_order_step_not_available",
    )


def refuse_stale(form: Any, current: int) -> None:
    """A stale version is refused (409) before the input is judged: the page the person acted
    on is out of date, whatever they typed. The service checks again under the row lock."""
    data = form.data if hasattr(form, "data") else form
    try:
        seen = int(data.get("version") or 0)
    except (TypeError, ValueError):
        return  # the form reports the malformed version
    if seen and seen != current:
        raise StaleVersion(stale_message())


@login_required
@require_GET
def work_order_photo(request: HttpRequest, number: str, pk: int) -> FileResponse:
    """A photo of a work order, for people who may see the work order."""
    order = selectors.work_order_get(request.user, number)
    photo = order.photos.filter(pk=pk).first()
    if photo is None:
        raise Http404
    response = FileResponse(
        photo.file.open("rb"),
        content_type=photo.content_type,
        as_attachment=not photo.content_type.startswith("image/"),
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- from a complaint ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def work_order_from_complaint(request: HttpRequest, reference: str) -> HttpResponse:
    """Open a work order for a complaint: an asset of the complaint's venue, the description
    prefilled from the complaint."""
    actor: User = request.user  # type: ignore[assignment]
    complaint = complaint_get_for_actor(actor=actor, reference=reference)
    if not access.may_report(actor, complaint.venue):
        raise PermissionDenied(
            _("You may not open work orders at this venue."), code="work_order_not_allowed"
        )
    assets = selectors.assets_for(actor, venue=complaint.venue).exclude(status="retired")
    posted = request.method == "POST"
    form = forms.ComplaintWorkOrderForm(
        request.POST if posted else None, actor=actor, complaint=complaint, assets=assets
    )
    status = 200
    if posted:
        status = 400
        if form.is_valid():
            try:
                with transaction.atomic():
                    order = form.run()
            except DomainError as refused:
                forms.show_refusal(form, refused)
                status = refused.http_status
            else:
                messages.success(
                    request,
                    _("Work order %(number)s opened for this complaint.")
                    % {"number": order.number},
                )
                return redirect("console:work_order", number=order.number)
    context = {"form": form, "complaint": complaint}
    return render(request, "console/equipment/from_complaint.html", context, status=status)
