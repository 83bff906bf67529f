"""The console's member-care pages about members: the specialist's day (calls due today, the
member book), the manager's list of a venue's members, and one member's page with its forms.

Parse, access, call one `amends.care` service, respond. A refused write re-shows the page with
the message and the form as it was filled (409 when the page was stale); nothing is written."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amends.care import selectors, services
from amends.complaints.selectors import complaints_for_actor
from amends.console import care_forms as forms
from amends.console.care_common import (
    CARE_MANAGE_ROLES,
    CARE_READ_ROLES,
    CARE_WORK_ROLES,
    DESK_ROLES,
    holds,
    page_venue,
    refused_on,
    require_any,
)
from amends.core import clock
from amends.core.errors import DomainError, InvalidInput
from amends.members.models import Member
from amends.members.selectors import ContactCard, contact_card
from amends.orgs.models import User, Venue
from amends.orgs.roles import UNMASK_ROLES, Role
from amends.orgs.selectors import users_with_role

PER_PAGE = 50
EXPIRING_DAYS = 30
FIRST_CONTACT_DAYS = 7
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_today(venue: Venue | None = None) -> date:
    zone = ZoneInfo(venue.timezone) if venue is not None and venue.timezone else SHANGHAI
    return clock.now().astimezone(zone).date()


def mark(member: Member, *, today: date, now: datetime) -> Member:
    """The badges of a member row: membership ending soon, first contact due or overdue; and
    the customer as a list shows them (masked)."""
    ends = member.expires_on
    member.expiring_soon = bool(ends and today <= ends <= today + timedelta(days=EXPIRING_DAYS))  # type: ignore[attr-defined]
    due = (
        member.assigned_at + timedelta(days=FIRST_CONTACT_DAYS)
        if member.assigned_at and not member.first_contact_at
        else None
    )
    member.contact_due = due  # type: ignore[attr-defined]
    member.contact_overdue = bool(due and due <= now)  # type: ignore[attr-defined]
    member.card = contact_card(member.customer, unmasked=False)  # type: ignore[attr-defined]
    return member


def specialists_of(venue: Venue) -> list[User]:
    return list(users_with_role(venue=venue, roles=[Role.SPECIALIST]))


# --- the specialist's day -------------------------------------------------------------------


@login_required
@require_GET
def calls_today(request: HttpRequest) -> HttpResponse:
    """My campaign calls due today or overdue, soonest first."""
    actor: User = request.user  # type: ignore[assignment]
    venues = require_any(actor, CARE_WORK_ROLES, _("Revisit calls are made by specialists."))
    today = local_today(venues[0] if len(venues) == 1 else None)
    calls = selectors.calls_due(actor, day=today)
    rows = [
        {"call": call, "card": contact_card(call.member.customer, unmasked=False)} for call in calls
    ]
    return render(request, "console/care/calls.html", {"rows": rows, "today": today})


@login_required
@require_GET
def member_book(request: HttpRequest) -> HttpResponse:
    """The members assigned to me."""
    actor: User = request.user  # type: ignore[assignment]
    require_any(actor, CARE_WORK_ROLES, _("The member book is for customer-service specialists."))
    now = clock.now()
    members = selectors.member_book(actor).select_related("customer", "venue")
    page = Paginator(members.order_by("expires_on", "pk"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    for member in page:
        mark(member, today=local_today(member.venue), now=now)
    return render(request, "console/care/book.html", {"page": page})


@login_required
@require_GET
def members(request: HttpRequest) -> HttpResponse:
    """All the members of a venue, for those who run its member care (and the auditor)."""
    actor: User = request.user  # type: ignore[assignment]
    venues = require_any(
        actor,
        CARE_MANAGE_ROLES | {Role.AUDITOR},
        _("The list of members is for the venue's managers."),
    )
    venue = page_venue(request, venues)
    specialists = specialists_of(venue) if venue is not None else []
    filters = forms.MemberFilterForm(request.GET or None, specialists=specialists)
    wanted = filters.cleaned_data if filters.is_valid() else {}
    chosen = next((u for u in specialists if u.pk == wanted.get("specialist")), None)
    q = (wanted.get("q") or "").strip()
    found = selectors.members_for(actor, venue=venue, q=q, specialist=chosen)
    if q:  # a membership number matches exactly (a phone or email through the selector)
        found = found.filter(Q(number=q) | ~Q(number__icontains=q))
    if venue is None:
        found = found.filter(venue__in=venues)
    if wanted.get("specialist") == 0:
        found = found.filter(specialist__isnull=True)
    if wanted.get("status"):
        found = found.filter(status=wanted["status"])
    today = local_today(venue)
    if wanted.get("expiring"):
        found = found.filter(
            expires_on__gte=today, expires_on__lte=today + timedelta(days=EXPIRING_DAYS)
        )
    found = found.select_related("customer", "venue", "specialist").order_by("number", "pk")
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    now = clock.now()
    for member in page:
        mark(member, today=today, now=now)
    context = {"page": page, "filters": filters, "venue": venue, "venues": venues}
    return render(request, "console/care/members.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def member_new(request: HttpRequest) -> HttpResponse:
    """Add a member; they are given the specialist with the smallest book at once."""
    actor: User = request.user  # type: ignore[assignment]
    venues = require_any(actor, CARE_WORK_ROLES, _("Members are added by customer service."))
    if request.method == "GET":
        chosen = page_venue(request, venues)
        form = forms.NewMemberForm(
            venues=venues,
            initial={"venue": chosen.pk if chosen else None, "status": Member.Status.ACTIVE},
        )
        return render(request, "console/care/member_new.html", {"form": form})
    form = forms.NewMemberForm(request.POST, venues=venues)
    if not form.is_valid():
        return render(request, "console/care/member_new.html", {"form": form}, status=400)
    try:
        created = services.member_save(
            actor=actor, venue=form.cleaned_data["venue"], data=form.data_for_new()
        )
    except DomainError as refused:
        refused_on(form, refused, forms.NewMemberForm.FIELDS)
        status = refused.http_status
        return render(request, "console/care/member_new.html", {"form": form}, status=status)
    try:
        services.specialist_assign(member=created, now=clock.now())
        messages.success(request, _("The member is added."))
    except DomainError as refused:  # no specialist at the venue: the member waits for one
        messages.warning(
            request, _("The member is added without a specialist: %(why)s") % {"why": refused}
        )
    return redirect("console:care_member", pk=created.pk)


# --- one member -----------------------------------------------------------------------------

ACTIONS = ("edit", "points", "contact", "visit", "reassign")


def _forms(member: Member, actor: User, bound: tuple[str, Any] | None) -> dict[str, Any]:
    """The forms the member's page offers `actor` (a bound one as it was filled)."""
    venue_id = member.venue_id
    offered: dict[str, Any] = {}
    if holds(actor, venue_id, CARE_WORK_ROLES):
        offered["edit"] = forms.MemberForm.of(member)
        offered["points"] = forms.PointsForm(
            initial={"version": member.version}, auto_id="points-%s"
        )
        if member.specialist_id and not member.first_contact_at:
            offered["contact"] = forms.ContactForm(
                initial={"version": member.version}, auto_id="contact-%s"
            )
    if holds(actor, venue_id, CARE_WORK_ROLES | DESK_ROLES):
        offered["visit"] = forms.VisitForm(
            initial={"on": local_today(member.venue)}, auto_id="visit-%s"
        )
    if holds(actor, venue_id, CARE_MANAGE_ROLES):
        offered["reassign"] = forms.ReassignForm(
            initial={"specialist": member.specialist_id, "version": member.version},
            specialists=specialists_of(member.venue),
            auto_id="reassign-%s",
        )
    if bound is not None:
        offered[bound[0]] = bound[1]
    return offered


def member_page(
    request: HttpRequest,
    member: Member,
    *,
    bound: tuple[str, Any] | None = None,
    contact: ContactCard | None = None,
    status: int = 200,
) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    now = clock.now()
    mark(member, today=local_today(member.venue), now=now)
    context = {
        "member": member,
        "contact": contact or member.card,  # type: ignore[attr-defined]
        "can_unmask": holds(actor, member.venue_id, UNMASK_ROLES),
        "forms": _forms(member, actor, bound),
        "bound": bound[0] if bound else "",
        "ledger": list(
            selectors.points_ledger(member).select_related("by").order_by("-at", "-pk")[:50]
        ),
        "care_messages": list(
            member.care_messages.select_related("rule").order_by("-day", "-pk")[:50]
        ),
        "calls": list(
            member.campaign_calls.select_related("campaign", "called_by", "complaint").order_by(
                "-due_at", "-pk"
            )[:50]
        ),
        "complaints": list(
            complaints_for_actor(actor=actor)
            .filter(customer_id=member.customer_id)
            .order_by("-received_at")[:20]
        ),
        "feedback": list(member.coach_feedback.select_related("coach").order_by("-at")[:20]),
        "read_only": not holds(actor, member.venue_id, CARE_WORK_ROLES | DESK_ROLES),
    }
    return render(request, "console/care/member.html", context, status=status)


def _member(request: HttpRequest, pk: int) -> Member:
    actor: User = request.user  # type: ignore[assignment]
    member = selectors.member_get(actor, pk)
    if not holds(actor, member.venue_id, CARE_READ_ROLES | DESK_ROLES):
        raise Http404
    return member


@login_required
@require_GET
def member(request: HttpRequest, pk: int) -> HttpResponse:
    return member_page(request, _member(request, pk))


@login_required
@require_POST
def member_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The member's name and phone unmasked (an audited view), in place with htmx."""
    found = _member(request, pk)
    actor: User = request.user  # type: ignore[assignment]
    card = services.member_reveal_contact(actor=actor, member=found)
    if not request.htmx:  # type: ignore[attr-defined]
        return member_page(request, found, contact=card)
    return render(request, "console/care/_contact.html", {"contact": card, "member": found})


@login_required
@require_POST
def member_act(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """One step on a member: edit, move points, first contact, a visit, a new specialist."""
    actor: User = request.user  # type: ignore[assignment]
    found = _member(request, pk)
    if name not in ACTIONS:
        raise Http404
    offered = _forms(found, actor, None)
    if name not in offered:
        raise_not_allowed()
    form = _bind(name, request, found)
    if not form.is_valid():
        return member_page(request, found, bound=(name, form), status=400)
    try:
        done = _execute(name, form, found, actor)
    except DomainError as refused:
        refused_on(form, refused)
        messages.error(request, str(refused.message))
        fresh = selectors.member_get(actor, found.pk)
        return member_page(request, fresh, bound=(name, form), status=refused.http_status)
    messages.success(request, done)
    return redirect("console:care_member", pk=found.pk)


def raise_not_allowed() -> None:
    from amends.console.views import raise_forbidden

    raise_forbidden(_("You may not do this for this member."))


def _bind(name: str, request: HttpRequest, member: Member) -> Any:
    data = request.POST
    if name == "edit":
        return forms.MemberForm(data, auto_id="member-%s")
    if name == "points":
        return forms.PointsForm(data, auto_id="points-%s")
    if name == "contact":
        return forms.ContactForm(data, auto_id="contact-%s")
    if name == "visit":
        return forms.VisitForm(data, auto_id="visit-%s")
    return forms.ReassignForm(data, specialists=specialists_of(member.venue), auto_id="reassign-%s")


def _execute(name: str, form: Any, member: Member, actor: User) -> str:
    data = form.cleaned_data
    if name == "edit":
        services.member_save(
            actor=actor,
            venue=member.venue,
            data=form.data_for_service(member),
            member=member,
            version=data["version"],
        )
        return _("The member's details are saved.")
    if name == "points":
        moved = services.points_move(
            actor=actor,
            member=member,
            delta=form.delta(),
            reason=data["reason"],
            note=data["note"],
            version=data["version"],
        )
        return _("Points moved: %(delta)+d, balance %(balance)d.") % {
            "delta": moved.delta,
            "balance": moved.balance_after,
        }
    if name == "contact":
        services.record_contact(
            actor=actor, member=member, version=data["version"], note=data["note"]
        )
        return _("First contact recorded.")
    if name == "visit":
        if data["on"] > local_today(member.venue):
            raise InvalidInput(
                _("A visit cannot be in the future."), code="visit_in_future", field="on"
            )
        services.record_visit(member=member, on=data["on"])
        return _("Visit recorded.")
    services.specialist_assign(
        actor=actor,
        member=member,
        specialist=form.chosen(),
        now=clock.now(),
        version=data["version"],
    )
    return _("The member's specialist is changed.")
