"""Retention rules: how long each class of data is kept, and when it has expired.

A company's `RetentionRule` rows override `DEFAULTS` class by class. A period is whole calendar
months after its trigger's date at the complaint's venue (its time zone, not the server's); the
data is kept through that last day and expired the day after (closed 20 Nov 2026, 36 months:
kept through 20 Nov 2029, erased from 21 Nov 2029).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from amends.complaints.models import Complaint
from amends.privacy.models import DataClass, RetentionRule, Trigger

C = DataClass

# The classes erased from a complaint, and the classes kept as rows of their own.
COMPLAINT_CLASSES = (
    C.FREE_TEXT,
    C.ATTACHMENTS,
    C.RECORDINGS,
    C.HEALTH,
    C.CONTACT_DATA,
    C.COMPLAINT_RECORD,
)
LOG_CLASSES = (C.AUDIT_LOG, C.ACCESS_LOG)
# The access log is kept at least this long, whatever a company sets (SPEC §7).
ACCESS_LOG_MIN_MONTHS = 12


@dataclass(frozen=True)
class Rule:
    data_class: str
    months: int
    trigger: str

    def describe(self) -> str:
        return f"{self.data_class}: {self.months} months after {self.trigger}"


DEFAULTS: dict[str, Rule] = {
    **{c.value: Rule(c.value, 36, Trigger.CLOSED.value) for c in COMPLAINT_CLASSES},
    C.AUDIT_LOG.value: Rule(C.AUDIT_LOG.value, 36, Trigger.RECORDED.value),
    C.ACCESS_LOG.value: Rule(C.ACCESS_LOG.value, ACCESS_LOG_MIN_MONTHS, Trigger.RECORDED.value),
}


def rules_for(company_id: int) -> dict[str, Rule]:
    """Every class's rule at this company: its own where set, else the default."""
    rules = dict(DEFAULTS)
    for row in RetentionRule.objects.filter(company_id=company_id):
        months = row.months
        if row.data_class == C.ACCESS_LOG:
            months = max(months, ACCESS_LOG_MIN_MONTHS)
        rules[row.data_class] = Rule(row.data_class, months, row.trigger)
    return rules


def add_months(day: date, months: int) -> date:
    """`day` plus whole calendar months (31 January + 1 month is 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def zone_of(complaint: Complaint) -> ZoneInfo:
    """The time zone of the complaint's venue: its days are the venue's days."""
    return ZoneInfo(complaint.venue.timezone)


def local_today(complaint: Complaint, now: datetime) -> date:
    """The date at the complaint's venue at `now`."""
    return timezone.localdate(now, zone_of(complaint))


def keep_until(complaint: Complaint, rule: Rule) -> date | None:
    """The last day `complaint`'s data of `rule`'s class is kept; None while it runs no clock
    (not yet closed, for a rule counted from closure)."""
    moment = complaint.received_at if rule.trigger == Trigger.RECEIVED else complaint.closed_at
    if moment is None:
        return None
    return add_months(timezone.localdate(moment, zone_of(complaint)), rule.months)


def expired(complaint: Complaint, rule: Rule, today: date) -> bool:
    until = keep_until(complaint, rule)
    return until is not None and today > until


def due_classes(complaint: Complaint, rules: dict[str, Rule], today: date) -> list[str]:
    """The complaint classes whose period has passed. The complaint record's rule caps the
    others: when it has expired, every class is due."""
    if expired(complaint, rules[C.COMPLAINT_RECORD], today):
        return [c.value for c in COMPLAINT_CLASSES]
    return [c.value for c in COMPLAINT_CLASSES if expired(complaint, rules[c.value], today)]


def log_cutoff(rule: Rule, today: date) -> date:
    """Rows recorded before this day have expired."""
    return add_months(today, -rule.months)
