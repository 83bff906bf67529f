"""Field helpers shared by the catalogue's forms."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone

from amends.complaints.models import Complaint
from amends.orgs.models import Venue
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


# Every free text an action takes has a limit (a longer text is the form re-shown with the
# message, and the API answers 422): a note or a message 5,000 characters, a report 10,000.
TEXT_MAX = 5_000
REPORT_MAX = 10_000


def text_field(
    label: Any, required: bool = True, rows: int = 3, max_length: int = TEXT_MAX
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def handlers(complaint: Complaint) -> Any:
    """Who may be assigned the complaint: its venue's handlers, not the person it is about."""
    return users_with_role(venue=complaint.venue, roles=HANDLER_ROLES).exclude(
        pk=complaint.subject_staff_id or 0
    )


def staff_of_company(complaint: Complaint) -> Any:
    """The people a complaint may name (responsible, interviewed, given a consequence): the
    active staff of its company holding a role at its venue or company-wide, by name
    (`complaints.services.remedies.consequence_candidates`; the services refuse anyone else)."""
    from amends.complaints.services.remedies import consequence_candidates

    return consequence_candidates(complaint)
