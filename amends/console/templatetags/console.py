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
