"""The console's care rules (renewal reminders, greetings) with the care messages sent, the
coaches' feedback and satisfaction, and the desk's record of a member's visit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from amends.care import selectors, services
from amends.care.models import CareMessage, CareRule
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
from amends.console.care_member_views import local_today
from amends.console.views import raise_forbidden
from amends.core.errors import DomainError, InvalidInput
from amends.members.selectors import member_at
from amends.orgs.models import User, Venue
from amends.orgs.roles import Role
from amends.orgs.selectors import users_with_role

SENT_DAYS = 30
# Who records a member's word on a coach.
FEEDBACK_ROLES = CARE_WORK_ROLES | DESK_ROLES
COACH_DAYS = 90
KINDS = [kind for kind, _label in CareRule.Kind.choices]


# --- care rules -----------------------------------------------------------------------------


def _rule_forms(
    venue: Venue, bound: forms.CareRuleForm | None = None
) -> list[tuple[str, str, CareRule | None, forms.CareRuleForm]]:
    rules = {rule.kind: rule for rule in venue.care_rules.all()}
    shown = []
    for kind, label in CareRule.Kind.choices:
        rule = rules.get(kind)
        if bound is not None and bound.kind == kind:
            form = bound
        elif rule is not None:
            form = forms.CareRuleForm(
                kind=kind,
                initial={
                    "active": rule.active,
                    "days": ", ".join(str(d) for d in rule.days or []),
                    "send_at": rule.send_at,
                    "channel": rule.channel,
                    "message_zh": rule.message_zh,
                    "message_en": rule.message_en,
                    "version": rule.version,
                },
            )
        else:
            initial = forms.default_rule(kind)
            initial["days"] = ", ".join(str(d) for d in initial.get("days") or [])
            form = forms.CareRuleForm(kind=kind, initial=initial)
        shown.append((kind, str(label), rule, form))
    return shown


def _rules_venue(request: HttpRequest) -> tuple[Venue, list[Venue]]:
    actor: User = request.user  # type: ignore[assignment]
    venues = require_any(
        actor,
        CARE_MANAGE_ROLES | {Role.AUDITOR},
        _("Care rules are set by the venue's managers."),
    )
    venue = page_venue(request, venues) or venues[0]
    return venue, venues


def _rules_page(
    request: HttpRequest,
    venue: Venue,
    venues: list[Venue],
    *,
    bound: forms.CareRuleForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    today = local_today(venue)
    sent = selectors.care_sent(venue, today - timedelta(days=SENT_DAYS), today)
    statuses = CareMessage.Status.choices
    sent_rows = [
        {
            "label": label,
            "counts": [(sent.get(kind) or {}).get(code, 0) for code, _s in statuses],
        }
        for kind, label in CareRule.Kind.choices
    ]
    context = {
        "venue": venue,
        "venues": venues,
        "rules": _rule_forms(venue, bound),
        "can_edit": holds(actor, venue.pk, CARE_MANAGE_ROLES),
        "sent_rows": sent_rows,
        "statuses": statuses,
        "sent_days": SENT_DAYS,
    }
    return render(request, "console/care/rules.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def care_rules(request: HttpRequest) -> HttpResponse:
    venue, venues = _rules_venue(request)
    return _rules_page(request, venue, venues)


@login_required
@require_POST
def care_rule(request: HttpRequest, kind: str) -> HttpResponse:
    """Save one kind of rule of the venue (?venue=CODE)."""
    if kind not in KINDS:
        raise Http404
    actor: User = request.user  # type: ignore[assignment]
    venue, venues = _rules_venue(request)
    if not holds(actor, venue.pk, CARE_MANAGE_ROLES):
        raise_forbidden(_("Care rules are set by the venue's managers."))
    form = forms.CareRuleForm(request.POST, kind=kind)
    if not form.is_valid():
        return _rules_page(request, venue, venues, bound=form, status=400)
    rule = venue.care_rules.filter(kind=kind).first()
    try:
        if rule is not None and form.cleaned_data.get("version") is None:
            raise InvalidInput(_("Reload the page and try again."), code="version_required")
        services.care_rule_save(
            actor=actor,
            venue=venue,
            data=form.data_for_service(),
            rule=rule,
            version=form.cleaned_data.get("version") if rule is not None else None,
        )
    except DomainError as refused:
        refused_on(form, refused)
        messages.error(request, str(refused.message))
        return _rules_page(request, venue, venues, bound=form, status=refused.http_status)
    messages.success(request, _("The care rule is saved."))
    return redirect(reverse("console:care_rules") + f"?venue={venue.code}#rule-{kind}")


# --- coaches --------------------------------------------------------------------------------


def coaches_of(venues: list[Venue]) -> dict[int, User]:
    found: dict[int, User] = {}
    for venue in venues:
        for user in users_with_role(venue=venue, roles=[Role.STAFF]):
            found.setdefault(user.pk, user)
    return found


def _coach_page(
    request: HttpRequest, form: forms.CoachFeedbackForm | None = None, status: int = 200
) -> HttpResponse:
    """The feedback form (customer service and the front desk) and the coaches' satisfaction
    over the last 90 days at a venue (customer service, managers and the auditor)."""
    actor: User = request.user  # type: ignore[assignment]
    venues = require_any(
        actor,
        CARE_READ_ROLES | DESK_ROLES,
        _("Coach feedback is for customer service and the front desk."),
    )
    writers = [v for v in venues if holds(actor, v.pk, FEEDBACK_ROLES)]
    readers = [v for v in venues if holds(actor, v.pk, CARE_READ_ROLES)]
    venue = (page_venue(request, readers) or readers[0]) if readers else None
    table: list[dict[str, Any]] = []
    if venue is not None:
        today = local_today(venue)
        table = selectors.coach_satisfaction(venue, today - timedelta(days=COACH_DAYS), today)
    if form is None and writers:
        chosen = venue if venue in writers else writers[0]
        form = forms.CoachFeedbackForm(
            venues=writers, coaches=coaches_of(writers), initial={"venue": chosen.pk}
        )
    context = {
        "form": form,
        "table": table,
        "venue": venue,
        "venues": readers,
        "days": COACH_DAYS,
    }
    return render(request, "console/care/coaches.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def coaches(request: HttpRequest) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    if request.method == "GET":
        return _coach_page(request)
    writers = require_any(
        actor, FEEDBACK_ROLES, _("Coach feedback is recorded by customer service and the desk.")
    )
    form = forms.CoachFeedbackForm(request.POST, venues=writers, coaches=coaches_of(writers))
    if not form.is_valid():
        return _coach_page(request, form, status=400)
    data = form.cleaned_data
    venue: Venue = data["venue"]
    coach = {u.pk: u for u in users_with_role(venue=venue, roles=[Role.STAFF])}.get(data["coach"])
    member = member_at(venue=venue, number=data["member"]) if data["member"] else None
    try:
        if coach is None:
            raise InvalidInput(_("Choose a coach of this venue."), code="bad_coach", field="coach")
        if data["member"] and member is None:
            raise InvalidInput(
                _("No member with this number at this venue."), code="no_member", field="member"
            )
        services.coach_feedback_record(
            actor=actor,
            venue=venue,
            coach=coach,
            score=data["score"],
            comment=data["comment"],
            member=member,
        )
    except DomainError as refused:
        refused_on(form, refused)
        return _coach_page(request, form, status=refused.http_status)
    messages.success(request, _("The feedback on %(coach)s is recorded.") % {"coach": coach})
    return redirect("console:care_coaches")


# --- the desk: a member's visit -------------------------------------------------------------


class VisitByNumberForm(django_forms.Form):
    venue = django_forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none())
    number = django_forms.CharField(label=_("Membership number"), max_length=40)
    on = django_forms.DateField(label=_("Visit on"), widget=forms.DateInput())

    def __init__(self, *args: Any, venues: list[Venue], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["venue"]
        field.queryset = Venue.objects.filter(pk__in=[v.pk for v in venues])  # type: ignore[attr-defined]
        field.label_from_instance = lambda v: v.name_in()  # type: ignore[attr-defined]


@login_required
@require_http_methods(["GET", "POST"])
def visits(request: HttpRequest) -> HttpResponse:
    """The desk records that a member came in (by membership number, exactly)."""
    actor: User = request.user  # type: ignore[assignment]
    venues = require_any(
        actor, CARE_WORK_ROLES | DESK_ROLES, _("Visits are recorded by the front desk.")
    )
    if request.method == "GET":
        chosen = page_venue(request, venues)
        form = VisitByNumberForm(
            venues=venues, initial={"venue": chosen.pk if chosen else None, "on": local_today()}
        )
        return render(request, "console/care/visits.html", {"form": form})
    form = VisitByNumberForm(request.POST, venues=venues)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        member = member_at(venue=data["venue"], number=data["number"])
        try:
            if member is None:
                raise InvalidInput(
                    _("No member with this number at this venue."),
                    code="no_member",
                    field="number",
                )
            if data["on"] > local_today(data["venue"]):
                raise InvalidInput(
                    _("A visit cannot be in the future."), code="visit_in_future", field="on"
                )
            services.record_visit(member=member, on=data["on"])
        except DomainError as refused:
            refused_on(form, refused)
            status = refused.http_status
        else:
            messages.success(
                request, _("Visit of member %(number)s recorded.") % {"number": member.number}
            )
            return redirect("console:care_visits")
    return render(request, "console/care/visits.html", {"form": form}, status=status)
