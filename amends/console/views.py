"""Views of the staff console: parse the request, read through the access-checked selectors,
call one service, respond. Domain errors become pages in middleware.UserLanguageMiddleware."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET, require_POST

from amends.complaints import catalogue, selectors, services
from amends.complaints.models import Complaint
from amends.complaints.narrative import tell
from amends.complaints.permissions import actor_tokens
from amends.complaints.services.investigation import evidence_served_name
from amends.console.forms import QueueFilterForm
from amends.console.paging import window
from amends.core.errors import DomainError, PermissionDenied
from amends.improvements import selectors as improvement_selectors
from amends.members.selectors import ContactCard
from amends.notifications.selectors import unread_count
from amends.orgs.models import User, Venue
from amends.orgs.roles import APPROVER_ROLES, INTAKE_ROLES, REVISIT_ROLES, UNMASK_ROLES, Role
from amends.orgs.selectors import scope_of, venues_for_actor
from amends.orgs.services import staff_set_language
from amends.reports.access import report_venues

SESSION_VENUE = "console_venue"
# "deadline": the stored running deadline, so "due soon" and "overdue" read in index order.
SORTS: dict[str, Any] = {
    "received": "-received_at",
    "oldest": "received_at",
    "due": selectors.BY_DEADLINE,
    "severity": "severity",
}


def actor_venues(request: HttpRequest) -> list[Venue]:
    """The venues the person sees, read once a request (the page, its header and its
    venue switch all ask)."""
    venues: list[Venue] | None = getattr(request, "_amends_venues", None)
    if venues is None:
        # With their company: an intake at one of them reads it.
        venues = list(venues_for_actor(actor=request.user).select_related("company"))  # type: ignore[arg-type]
        request._amends_venues = venues  # type: ignore[attr-defined]
    return venues


def current_venue(request: HttpRequest) -> Venue | None:
    """The venue the person works in now (None: every venue they see)."""
    venues = actor_venues(request)
    chosen = request.session.get(SESSION_VENUE)
    for venue in venues:
        if venue.pk == chosen:
            return venue
    return venues[0] if len(venues) == 1 else None


def _roles(request: HttpRequest) -> frozenset[str]:
    return scope_of(request.user).all_roles  # type: ignore[arg-type]


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    return target if url_has_allowed_host_and_scheme(target, {request.get_host()}) else default


# --- account --------------------------------------------------------------------------------


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Switch the language: remembered on the account when signed in, in a cookie before."""
    chosen = request.POST.get("language", "")
    if request.user.is_authenticated:
        staff_set_language(user=request.user, language=chosen)
    response = redirect(_next(request, "console:dashboard"))
    if chosen in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, chosen, samesite="Lax", max_age=365 * 86400
        )
    return response


@login_required
@require_POST
def venue(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("venue", "")
    allowed = {v.pk for v in venues_for_actor(actor=request.user)}  # type: ignore[arg-type]
    if raw.isdigit() and int(raw) in allowed:
        request.session[SESSION_VENUE] = int(raw)
    else:
        request.session.pop(SESSION_VENUE, None)
    return redirect(_next(request, "console:dashboard"))


# --- dashboard and queues -------------------------------------------------------------------


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    place = current_venue(request)
    figures = selectors.figures_for_actor(actor=request.user, venue=place)  # type: ignore[arg-type]
    counts = selectors.queue_counts(actor=request.user, venue_id=place.pk if place else None)  # type: ignore[arg-type]
    context = {"figures": figures, "off": figures.off_target, "counts": counts, "place": place}
    return render(request, "console/dashboard.html", context)


# What each dashboard tile's complaints are, as the all-complaints view names them.
TILE_LABELS = {
    "new_today": _l("Received today"),
    "open": _l("Open"),
    "due_soon": _l("Due within 4 h"),
    "overdue": _l("Overdue"),
    "received_month": _l("Received this month"),
    "resolvable_month": _l("Received this month, resolved or due by now"),
    "response_missed_month": _l("First response after its deadline, this month"),
    "resolution_missed_month": _l("Resolution after its deadline, this month"),
    "responded_month": _l("Answered this month"),
    "late_month": _l("Answered late or not yet, this month"),
    "surveyed_month": _l("Surveyed this month"),
}


@login_required
@require_GET
def queue(request: HttpRequest, name: str) -> HttpResponse:
    if name not in selectors.QUEUES:
        raise Http404
    actor: User = request.user  # type: ignore[assignment]
    place = current_venue(request)
    tile = request.GET.get("tile", "") if name == "all" else ""
    if tile in TILE_LABELS:  # a dashboard tile's complaints, exactly
        complaints = selectors.tile_complaints(actor=actor, name=tile, venue=place)
    else:
        tile = ""
        complaints = selectors.queue_for_actor(
            actor=actor, name=name, venue_id=place.pk if place else None
        )
    filters = QueueFilterForm(request.GET or None, actor=actor, venues=actor_venues(request))
    complaints = filters.apply(
        complaints, ZoneInfo(place.timezone) if place else ZoneInfo("Asia/Shanghai")
    )
    sort = request.GET.get("sort", "due" if name in selectors.TIMED_QUEUES else "received")
    complaints = complaints.order_by(SORTS.get(sort, "-received_at"), "-pk")
    per = filters.cleaned_data.get("per") if filters.is_valid() else None
    counts = selectors.queue_counts(actor=actor, venue_id=place.pk if place else None)
    page = window(
        selectors.as_list_rows(complaints, actor),
        page=request.GET.get("page"),
        per=per or 25,
        # The whole queue is as long as its tab says: not counted twice (a timed queue is).
        total=None if tile or filters.narrows() or name in selectors.TIMED_QUEUES else counts[name],
    )
    context = {
        "name": name,
        "page": page,
        "filters": filters,
        "counts": counts,
        "sort": sort,
        "place": place,
        "tile": tile,
        "tile_label": TILE_LABELS.get(tile, ""),
    }
    return render(request, "console/queue.html", context)


@login_required
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    if not _roles(request) & APPROVER_ROLES:
        raise_forbidden(_("The approvals inbox is for managers and directors."))
    rows = selectors.approvals_inbox(actor=request.user)  # type: ignore[arg-type]
    return render(request, "console/approvals.html", {"rows": rows})


@login_required
@require_GET
def revisits(request: HttpRequest) -> HttpResponse:
    if not _roles(request) & REVISIT_ROLES:
        raise_forbidden(_("Revisits are made by customer-service staff."))
    items = selectors.revisits_for_actor(actor=request.user)  # type: ignore[arg-type]
    return render(request, "console/revisits.html", {"revisits": items})


@login_required
@require_GET
def settings_page(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if not (user.is_staff or Role.ADMIN in _roles(request)):
        raise_forbidden(_("Settings are for administrators."))
    return render(request, "console/settings.html", {"can_admin": user.is_staff})


def raise_forbidden(message: str) -> None:
    raise PermissionDenied(message, code="page_not_allowed")


# --- one complaint --------------------------------------------------------------------------


def _complaint_page(
    request: HttpRequest,
    complaint: Complaint,
    *,
    bound: catalogue.ActionForm | None = None,
    status: int = 200,
    contact: ContactCard | None = None,
) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    tokens = actor_tokens(complaint, actor)
    forms = []
    for spec in catalogue.available(complaint, actor):
        if spec.name in ("approve", "reject"):  # shown beside each pending proposal
            continue
        if type(bound) is spec.form:
            forms.append((spec.name, bound))
        else:
            forms.append(
                (
                    spec.name,
                    catalogue.bind(
                        spec.name, complaint=complaint, actor=actor, auto_id=f"{spec.name}-%s"
                    ),
                )
            )
    remedies = list(selectors.remedies_of(actor=actor, complaint=complaint))
    decidable = selectors.decidable_proposal_ids(actor=actor, complaint=complaint)
    context = {
        "complaint": complaint,
        "contact": contact or selectors.complaint_contact_masked(actor=actor, complaint=complaint),
        "can_unmask": bool(tokens & UNMASK_ROLES),
        "lines": tell(
            complaint, list(selectors.timeline_for_actor(actor=actor, complaint=complaint))
        ),
        "evidence": list(selectors.evidence_of(actor=actor, complaint=complaint)),
        "remedies": remedies,
        "decidable": decidable,
        "page_url": reverse("console:complaint", args=[complaint.reference]),
        "revisits": list(selectors.revisits_of(actor=actor, complaint=complaint)),
        "improvements": list(
            improvement_selectors.actions_for_actor(actor=actor).filter(complaints=complaint)
        ),
        "can_raise_improvement": improvement_selectors.may_raise(actor, complaint.venue_id),
        "forms": forms,
        "bound": bound,
    }
    return render(request, "console/complaint.html", context, status=status)


@login_required
@require_GET
def complaint_page(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = selectors.complaint_get_for_actor(actor=request.user, reference=reference)  # type: ignore[arg-type]
    return _complaint_page(request, complaint)


@login_required
@require_POST
def complaint_act(request: HttpRequest, reference: str, name: str) -> HttpResponse:
    """One action on a complaint. A stale version, a refused step or bad input re-shows the page
    with the message and the form as it was filled; nothing is written."""
    actor: User = request.user  # type: ignore[assignment]
    complaint = selectors.complaint_get_for_actor(actor=actor, reference=reference)
    if name not in catalogue.CATALOGUE:
        raise Http404
    form = catalogue.bind(
        name,
        complaint=complaint,
        actor=actor,
        data=request.POST,
        files=request.FILES,
        auto_id=f"{name}-%s",
    )
    try:
        catalogue.refuse_stale(form)
        catalogue.refuse_unavailable(form)
        if not form.is_valid():
            return _complaint_page(request, complaint, bound=form, status=400)
        catalogue.execute(form)
    except DomainError as refused:
        form.add_error(None, str(refused.message))
        messages.error(request, str(refused.message))
        return _complaint_page(request, complaint, bound=form, status=refused.http_status)
    messages.success(request, _("Done: %(action)s.") % {"action": form.title})
    target = selectors.complaint_get_for_actor(actor=actor, pk=complaint.pk)
    return redirect("console:complaint", reference=target.reference)


@login_required
@require_POST
def reveal_contact(request: HttpRequest, reference: str) -> HttpResponse:
    """HTMX: the customer's contact details unmasked (an audited event)."""
    complaint = selectors.complaint_get_for_actor(actor=request.user, reference=reference)  # type: ignore[arg-type]
    card = services.complaint_reveal_contact(complaint=complaint, actor=request.user)  # type: ignore[arg-type]
    if not request.htmx:  # type: ignore[attr-defined]  # without JavaScript: the whole page
        return _complaint_page(request, complaint, contact=card)
    return render(request, "console/_contact.html", {"contact": card, "complaint": complaint})


@login_required
@require_GET
def evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    """An evidence file, only for people who may see its complaint, under the name amends
    makes (reference, sequence, sniffed extension), never the client's. Photos open in the
    browser; everything else (PDFs too) downloads. The stored type was sniffed at upload."""
    evidence = selectors.evidence_get_for_actor(actor=request.user, pk=pk)  # type: ignore[arg-type]
    inline = evidence.content_type.startswith("image/")
    response = FileResponse(
        evidence.file.open("rb"),
        content_type=evidence.content_type,
        as_attachment=not inline,
        filename=evidence_served_name(evidence),
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    # Should the browser ever render it as a page, it runs nothing and loads nothing.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


def context(request: HttpRequest) -> dict[str, Any]:
    """Template context of every console page: who, where, what they may open."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not request.path.startswith("/console/"):
        return {}
    roles = scope_of(user).all_roles
    match = request.resolver_match
    return {
        "section": section_of(match.url_name if match else "", match.kwargs if match else {}),
        "unread": unread_count(user=user),
        "venues": actor_venues(request),
        "place": current_venue(request),
        "can_intake": bool(roles & INTAKE_ROLES),
        "can_approve": bool(roles & APPROVER_ROLES),
        "can_revisit": bool(roles & REVISIT_ROLES),
        "can_settings": user.is_staff or Role.ADMIN in roles,
        "can_report": report_venues(user).exists(),
    }


def section_of(url_name: str | None, kwargs: dict[str, Any]) -> str:
    """Which entry of the navigation the page belongs to (marked aria-current)."""
    if url_name == "queue":
        return "all" if kwargs.get("name") == "all" else "queues"
    if url_name in ("intake", "intake_done", "intake_duplicates"):
        return "intake"
    if url_name in ("notifications", "notification_open"):
        return "notifications"
    if url_name == "quarterly_review":
        return "improvements"
    return url_name or ""


@login_required
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """Where signing in lands: maintenance on its work orders, everyone else on the dashboard."""
    from amends.console.templatetags.equipment_tags import equipment_nav

    if equipment_nav(request.user) == "first":
        return redirect("console:work_orders")
    return redirect("console:dashboard")
