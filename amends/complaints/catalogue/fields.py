"""Field helpers shared by the catalogue's forms."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone

from amends.complaints.models import Complaint
from amends.orgs.models import User, Venue
from amends.orgs.roles import HANDLER_ROLES
from amends.orgs.selectors import users_with_role

BLANK = [("", "—")]


def local_datetime(value: datetime | None, venue: Venue) -> datetime | None:
    """A datetime-local input is wall time at the venue: give it the venue's zone."""
    if value is None:
        return None
    if timezone.is_aware(value):
        value = timezone.make_naive(value, timezone.get_current_timezone())
    return value.replace(tzinfo=ZoneInfo(venue.timezone))


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class CategoryChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


def text_field(label: Any, required: bool = True, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, widget=forms.Textarea(attrs={"rows": rows})
    )


def handlers(complaint: Complaint) -> Any:
    """Who may be assigned the complaint: its venue's handlers, not the person it is about."""
    return users_with_role(venue=complaint.venue, roles=HANDLER_ROLES).exclude(
        pk=complaint.subject_staff_id or 0
    )


def staff_of_company(complaint: Complaint) -> Any:
    """The active staff of the complaint's company, by name."""
    return User.objects.filter(company_id=complaint.company_id, is_active=True).order_by(
        "display_name", "username"
    )
