"""Template helpers of the console: times in the venue's zone, time left, badges."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import template
from django.utils.translation import gettext as _

from amends.core import clock

register = template.Library()


@register.filter
def venue_time(moment: datetime | None, venue: Any) -> str:
    """`moment` in the venue's time zone, as 2026-11-20 14:00."""
    if moment is None:
        return "—"
    tz = ZoneInfo(getattr(venue, "timezone", "") or "Asia/Shanghai")
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 60 * 24)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    return _("%(m)d min") % {"m": minutes}


@register.filter
def time_left(due: datetime | None) -> str:
    """“3 h 20 min left” or “overdue by 2 h 5 min”."""
    if due is None:
        return ""
    delta = due - clock.now()
    if delta.total_seconds() >= 0:
        return _("%(span)s left") % {"span": _span(delta)}
    return _("overdue by %(span)s") % {"span": _span(-delta)}


@register.filter
def is_overdue(due: datetime | None) -> bool:
    return due is not None and due <= clock.now()


@register.simple_tag(takes_context=True)
def query_with(context: Any, **changes: Any) -> str:
    """The current query string with some parameters replaced (for sorting and paging links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + params.urlencode() if params else "?"


@register.filter
def role_label(code: str) -> str:
    """A role code (manager) as its name in the current language."""
    from amends.orgs.roles import Role

    try:
        return str(Role(code).label)
    except ValueError:
        return code


# --- deadlines and the holiday calendar (clocks) ---------------------------------------------


@register.filter
def deadline_outcomes(complaint: Any) -> list[Any]:
    """What became of each deadline of `complaint` now (`clocks.outcomes`): no query."""
    from amends.complaints.clocks import outcomes

    return outcomes(complaint, clock.now())


@register.filter
def late_deadlines(complaint: Any) -> list[Any]:
    """The deadlines `complaint` met late (done after the deadline): what a list row adds."""
    from amends.complaints.clocks import Status, outcomes

    return [o for o in outcomes(complaint, clock.now()) if o.status == Status.MISSED]


def _deadline_name(name: str) -> str:
    names = {
        "respond": _("First response"),
        "resolve": _("Resolution"),
        "plan": _("Remedy plan"),
        "execute": _("Carrying out the remedy"),
        "follow_up": _("Follow-up"),
    }
    return names.get(name, name)


@register.filter
def deadline_label(outcome: Any) -> str:
    """“First response”, “Resolution”, or the working-days stage of an outcome."""
    return _deadline_name(outcome.name)


@register.filter
def outcome_text(outcome: Any) -> str:
    """An outcome in words: “met”, “missed by 2 h 5 min”, “3 h left”, “overdue by 1 d 2 h”."""
    from amends.complaints.clocks import Status

    status = outcome.status
    if status == Status.MET:
        return _("met")
    if status == Status.MISSED:
        return _("missed by %(span)s") % {"span": _span(outcome.late_by)}
    if status == Status.OVERDUE:
        return _("overdue by %(span)s") % {"span": _span(outcome.late_by)}
    if status == Status.PAUSED:
        if outcome.late_by is not None:
            return _("paused, overdue by %(span)s") % {"span": _span(outcome.late_by)}
        return _("paused")
    return _("%(span)s left") % {"span": _span(outcome.due - clock.now())}


@register.filter
def late_text(outcome: Any) -> str:
    """A late deadline named: “First response missed by 2 h 5 min”."""
    return _("%(deadline)s missed by %(span)s") % {
        "deadline": _deadline_name(outcome.name),
        "span": _span(outcome.late_by),
    }


@register.inclusion_tag("console/_calendar_warning.html", takes_context=True)
def calendar_warning(context: Any, venues: Any = None) -> dict[str, Any]:
    """A warning for every venue (one, several, or — when None — all the viewer's) whose
    working-days clocks reach a year without an official holiday schedule in the next weeks:
    its deadlines use the statutory holidays, without the make-up workdays, until someone
    enters the State Council's schedule (the admin's "paste a year's schedule")."""
    from amends.orgs.models import Venue
    from amends.orgs.selectors import venues_for_actor
    from amends.workflow.selectors import calendar_gaps

    request = context.get("request")
    user = getattr(request, "user", None)
    if venues is None:
        places = list(venues_for_actor(actor=user)) if user is not None else []
    elif isinstance(venues, Venue):
        places = [venues]
    else:
        places = list(venues)
    gaps = calendar_gaps(places, clock.now().date()) if places else []
    return {"gaps": gaps, "can_fix": bool(getattr(user, "is_staff", False))}


@register.filter
def capped(count: int) -> str:
    """A count that was counted only up to `paging.CAP + 1` ("all complaints"): "1,000+"
    beyond the cap."""
    from amends.console.paging import CAP

    return _("1,000+") if count > CAP else str(count)
