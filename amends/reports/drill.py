"""The complaints behind a figure or a row of a report: the same definitions (`figures`), as a
list within what the reader may see.

Parameters (all strings, as in a link): `month` (YYYY-MM, required), `venue` (code), `measure`
(one of `figures.MEASURES`), `category` (code, or "none"), `severity` (or "none"), `channel`,
`department` (code, or "none"), `staff` (id), `validity`, `cause` (or "none"), `subject` (a
recurring problem's key), `level` (highest escalation level), `remedy` (a remedy kind, with
the granted or compensated measure), `suggested` (the category triage suggested, a code). A bad
value is `InvalidInput` with a code, never a 500.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from amends.complaints.models import Complaint, RemedyProposal
from amends.complaints.selectors import queue_for_actor
from amends.complaints.subjects import subject_key
from amends.complaints.transitions import State
from amends.core import clock
from amends.core.errors import InvalidInput
from amends.orgs.models import Department, User, Venue
from amends.orgs.selectors import scope_of
from amends.reports.figures import (
    GRANTED,
    LIVE_MEASURES,
    MEASURES,
    highest_escalation,
    live_filters,
    measure_filters,
    received_in,
)
from amends.workflow.models import Category
from amends.workflow.rules import DEFAULT_TARGETS
from amends.workflow.selectors import service_targets
from amends.workflow.taxonomy import Channel, Severity, Validity

NONE = "none"
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str | None) -> date:
    match = MONTH.match(value or "")
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2999:
        raise InvalidInput(_("Give the month as YYYY-MM."), code="bad_month")
    return date(int(match.group(1)), int(match.group(2)), 1)


def _bad(code: str, message: str) -> InvalidInput:
    return InvalidInput(message, code=code)


def complaints_behind(
    *, actor: User, params: Mapping[str, str], now: datetime | None = None
) -> QuerySet[Complaint]:
    """The complaints a report's figure or row counts, among those `actor` may see."""
    moment = now or clock.now()
    month = parse_month(params.get("month"))
    scope = scope_of(actor)
    company_id = scope.company_id or 0
    venue: Venue | None = None
    if params.get("venue"):
        venue = Venue.objects.filter(company_id=company_id, code=params["venue"]).first()
        if venue is None:
            raise _bad("unknown_venue", _("No such venue."))
    measure = params.get("measure") or "received"
    if measure not in MEASURES and measure not in LIVE_MEASURES:
        raise _bad("unknown_measure", _("No such figure."))
    targets = service_targets(company_id=company_id) if company_id else DEFAULT_TARGETS
    seen = queue_for_actor(actor=actor, name="all", venue_id=venue.pk if venue else None)
    if measure in LIVE_MEASURES:  # the KPI board's "now" figures: whenever received
        return seen.filter(live_filters(moment)[measure]).order_by("-received_at", "-pk")
    complaints = seen.filter(received_in(company=company_id, venue=venue, month=month))
    if measure == "merged":
        complaints = complaints.filter(state=State.MERGED)
    else:
        complaints = complaints.exclude(state=State.MERGED).filter(
            measure_filters(moment, targets)[measure]()
        )
    complaints = complaints.filter(_filters(params, company_id, venue))
    if params.get("subject"):
        complaints = complaints.annotate(subject=subject_key()).filter(subject=params["subject"])
    if params.get("level"):
        try:
            level = int(params["level"])
        except ValueError:
            raise _bad("bad_level", _("No such escalation level.")) from None
        complaints = complaints.annotate(level=highest_escalation()).filter(level=level)
    if params.get("remedy"):
        if params["remedy"] not in RemedyProposal.Kind.values:
            raise _bad("unknown_remedy", _("No such remedy."))
        statuses = [RemedyProposal.Status.EXECUTED] if measure == "compensated" else list(GRANTED)
        complaints = complaints.filter(
            pk__in=RemedyProposal.objects.filter(kind=params["remedy"], status__in=statuses).values(
                "complaint_id"
            )
        )
    return complaints.order_by("-received_at", "-pk")


def _filters(params: Mapping[str, str], company_id: int, venue: Venue | None) -> Q:
    found = Q()
    if code := params.get("category"):
        if code == NONE:
            found &= Q(category__isnull=True)
        else:
            category = Category.objects.filter(company_id=company_id, code=code).first()
            if category is None:
                raise _bad("unknown_category", _("No such category."))
            found &= Q(category_id=category.pk)
    if suggested := params.get("suggested"):
        if not Category.objects.filter(company_id=company_id, code=suggested).exists():
            raise _bad("unknown_category", _("No such category."))
        found &= Q(suggested_category=suggested)
    if severity := params.get("severity"):
        if severity != NONE and severity not in Severity.values:
            raise _bad("unknown_severity", _("No such severity."))
        found &= Q(severity="" if severity == NONE else severity)
    if channel := params.get("channel"):
        if channel not in Channel.values:
            raise _bad("unknown_channel", _("No such channel."))
        found &= Q(channel=channel)
    if code := params.get("department"):
        if code == NONE:
            found &= Q(department__isnull=True)
        else:
            departments = Department.objects.filter(venue__company_id=company_id, code=code)
            if venue is not None:
                departments = departments.filter(venue=venue)
            if not departments.exists():
                raise _bad("unknown_department", _("No such department."))
            found &= Q(department__in=departments)
    if staff := params.get("staff"):
        if not (staff.isascii() and staff.isdigit() and len(staff) <= 18):
            raise _bad("unknown_staff", _("No such staff member."))
        found &= Q(subject_staff_id=int(staff)) | Q(responsible_staff_id=int(staff))
    if validity := params.get("validity"):
        if validity not in Validity.values:
            raise _bad("unknown_validity", _("No such validity."))
        found &= Q(validity=validity)
    if cause := params.get("cause"):
        if cause != NONE and cause not in Complaint.Cause.values:
            raise _bad("unknown_cause", _("No such cause."))
        found &= Q(cause="" if cause == NONE else cause)
    return found
