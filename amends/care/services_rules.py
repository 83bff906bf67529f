"""Care rules and the daily care run (renewal reminders, one session left, birthdays, "we miss
you", holiday greetings). Reached through `amends.care.services`."""

from __future__ import annotations

import calendar as pycalendar
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from amends.care.access import MANAGE_ROLES, a_time, label, require_care, text
from amends.care.models import CareMessage, CareRule
from amends.core import clock
from amends.core.errors import InvalidInput, NotFound, StaleVersion
from amends.members.models import Member
from amends.notifications.models import Outbox
from amends.notifications.services import outbox_enqueue
from amends.orgs.models import User, Venue
from amends.privacy.models import DataSubjectRequest
from amends.workflow.calendar import statutory_holidays
from amends.workflow.models import CalendarOverride

Kind = CareRule.Kind
DEFAULT_DAYS: dict[str, list[int]] = {Kind.RENEWAL: [30, 10, 1], Kind.INACTIVITY: [10]}
# A member still at one session left is reminded again only after this many days.
LAST_SESSION_REPEAT_DAYS = 30
# The outbox kind of care messages.
OUTBOX_KIND = "care"


def _days(kind: str, raw: Any) -> list[int]:
    if kind not in DEFAULT_DAYS:
        return []
    if raw in (None, "", []):
        return list(DEFAULT_DAYS[kind])
    if isinstance(raw, str):
        raw = [part for part in raw.replace("，", ",").split(",") if part.strip()]
    try:
        days = sorted({int(str(day).strip()) for day in raw}, reverse=True)
    except (TypeError, ValueError):
        raise InvalidInput(
            _("Days are whole numbers, e.g. 30, 10, 1."), code="days_invalid"
        ) from None
    if not days or len(days) > 10 or not all(1 <= day <= 365 for day in days):
        raise InvalidInput(_("Give one to ten days, each from 1 to 365."), code="days_out_of_range")
    return days


@transaction.atomic
def care_rule_save(
    *,
    actor: User,
    venue: Venue,
    data: dict[str, Any],
    rule: CareRule | None = None,
    version: int | None = None,
) -> CareRule:
    """Create the venue's rule for one kind of care (one per kind), or update one at
    `version`. `data`: kind, active, days (renewal: days before the end, default 30, 10, 1;
    inactivity: days since the last visit, default 10), send_at (local time, default 10:00),
    channel, message_zh, message_en. Messages may name {name}, {venue}, {days}, {expires_on}.
    Managers, general managers and directors of the venue."""
    require_care(actor, venue, MANAGE_ROLES)
    kind = str(data.get("kind") or (rule.kind if rule else ""))
    if kind not in Kind.values:
        raise InvalidInput(_("Choose the kind of care."), code="kind_invalid")
    channel = str(data.get("channel") or CareRule.Channel.SMS)
    if channel not in CareRule.Channel.values:
        raise InvalidInput(_("Unknown channel."), code="channel_invalid")
    values: dict[str, Any] = {
        "kind": kind,
        "active": _boolean(data.get("active", True)),
        "days": _days(kind, data.get("days")),
        "send_at": a_time(data.get("send_at"), field="send_at", label=label(CareRule, "send_at"))
        or time(10, 0),
        "channel": channel,
        "message_zh": text(
            data, "message_zh", limit=500, required=True, label=label(CareRule, "message_zh")
        ),
        "message_en": text(
            data, "message_en", limit=500, required=True, label=label(CareRule, "message_en")
        ),
    }
    others = CareRule.objects.filter(venue=venue, kind=kind)
    if rule is not None:
        others = others.exclude(pk=rule.pk)
    taken = InvalidInput(_("This venue already has a rule of this kind."), code="care_rule_exists")
    if others.exists():
        raise taken
    if rule is None:
        # Two managers adding the same kind at once: the second meets the unique constraint.
        try:
            with transaction.atomic():
                return CareRule.objects.create(venue=venue, **values)
        except IntegrityError as clash:
            raise taken from clash
    if version is None:
        raise InvalidInput(_("The version is missing."), code="version_required")
    locked = CareRule.objects.select_for_update().filter(pk=rule.pk, venue=venue).first()
    if locked is None:
        raise NotFound(_("This care rule does not exist."), code="care_rule_not_found")
    if locked.version != version:
        raise StaleVersion(
            _("Someone else changed this rule meanwhile. Reload and try again."),
            current_version=locked.version,
        )
    for field, value in values.items():
        setattr(locked, field, value)
    locked.version += 1
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError as clash:
        raise taken from clash
    return locked


def _boolean(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes")
    return bool(value)


# --- the daily run -----------------------------------------------------------------------------


def holiday_first_day(day: date) -> bool:
    """Whether `day` is the first day of a holiday: a statutory holiday of China (the law's
    list) or a named day off of the calendar the admin keeps (CalendarOverride), whose eve is
    not one."""
    named = set(
        CalendarOverride.objects.filter(
            day__in=[day - timedelta(days=1), day], is_working_day=False
        )
        .exclude(name="")
        .values_list("day", flat=True)
    )

    def holiday(one: date) -> bool:
        return one in statutory_holidays(one.year) or one in named

    return holiday(day) and not holiday(day - timedelta(days=1))


def birthday_today(birthday: str, today: date) -> bool:
    """Whether an ISO birth date is celebrated on `today` (29 February on the 28th in years
    without one)."""
    try:
        born = date.fromisoformat(birthday)
    except ValueError:
        return False
    if (born.month, born.day) == (today.month, today.day):
        return True
    return (
        (born.month, born.day) == (2, 29)
        and (today.month, today.day) == (2, 28)
        and not pycalendar.isleap(today.year)
    )


def _candidates(rule: CareRule, today: date) -> Iterator[tuple[Member, str]]:
    """(member, detail) for each member the rule greets today (active members with a customer
    not erased)."""
    members = Member.objects.filter(
        venue_id=rule.venue_id,
        status=Member.Status.ACTIVE,
        customer__anonymised_at__isnull=True,
    ).select_related("customer")
    if rule.kind == Kind.RENEWAL:
        for days in rule.days or DEFAULT_DAYS[Kind.RENEWAL]:
            for member in members.filter(expires_on=today + timedelta(days=days)):
                yield member, str(days)
    elif rule.kind == Kind.INACTIVITY:
        for days in rule.days or DEFAULT_DAYS[Kind.INACTIVITY]:
            for member in members.filter(last_visit_on=today - timedelta(days=days)):
                yield member, str(days)
    elif rule.kind == Kind.LAST_SESSION:
        recent = CareMessage.objects.filter(
            rule=rule, day__gt=today - timedelta(days=LAST_SESSION_REPEAT_DAYS)
        ).exclude(day=today)
        for member in members.filter(sessions_left=1).exclude(pk__in=recent.values("member_id")):
            yield member, "1"
    elif rule.kind == Kind.BIRTHDAY:
        # The birth date is encrypted: read (decrypted) here, compared in Python.
        for member in members:
            if member.birthday and birthday_today(member.birthday, today):
                yield member, ""
    elif rule.kind == Kind.HOLIDAY and holiday_first_day(today):
        yield from ((member, "") for member in members)


def _route(rule: CareRule, member: Member) -> tuple[str, str]:
    """(outbox channel, address) for the rule's channel; ("", "") when there is no address.
    WeChat has no transport yet: a task to send by hand, to the member's phone."""
    customer = member.customer
    if rule.channel == CareRule.Channel.EMAIL:
        return (Outbox.Channel.EMAIL, customer.email) if customer.email else ("", "")
    if not customer.phone:
        return "", ""
    if rule.channel == CareRule.Channel.WECHAT:
        return Outbox.Channel.MANUAL, customer.phone
    return Outbox.Channel.SMS, customer.phone


def _words(rule: CareRule, member: Member, detail: str) -> tuple[str, str, str]:
    """(language, subject, body) in the member's language."""
    language = member.customer.language
    if language not in ("zh-hans", "en"):
        language = "zh-hans"
    venue = rule.venue
    venue_name = (venue.name_en or venue.name) if language == "en" else venue.name
    template = rule.message_en if language == "en" else rule.message_zh
    values = {
        "name": member.customer.name,
        "venue": venue_name,
        "days": detail,
        "expires_on": member.expires_on.isoformat() if member.expires_on else "",
    }
    body = template
    for key, value in values.items():
        body = body.replace("{" + key + "}", value)
    with translation.override(language):
        subject = f"{venue_name} · {gettext(str(Kind(rule.kind).label))}"
    return language, subject, body


def consent_withdrawn(company_id: int) -> set[int]:
    """The customers of the company who withdrew their consent (a data-subject request of kind
    withdrawal, completed): care sends them nothing, on any channel."""
    return set(
        DataSubjectRequest.objects.filter(
            company_id=company_id,
            kind=DataSubjectRequest.Kind.WITHDRAWAL,
            status=DataSubjectRequest.Status.DONE,
            customer_id__isnull=False,
        ).values_list("customer_id", flat=True)
    )


def _send(
    rule: CareRule,
    member: Member,
    detail: str,
    today: date,
    withdrawn: frozenset[int] | set[int] = frozenset(),
) -> str | None:
    """Record (and queue) the member's message for `rule` today, in its own transaction;
    None when one was already recorded (by this run or a concurrent one). A customer in
    `withdrawn` (consent withdrawn) is recorded as opted out, whatever the channel."""
    with transaction.atomic():
        if CareMessage.objects.filter(member=member, rule=rule, day=today).exists():
            return None
        channel, address = _route(rule, member)
        if member.customer_id in withdrawn or rule.channel in (member.opt_outs or []):
            status = CareMessage.Status.OPTED_OUT
        elif not address:
            status = CareMessage.Status.NO_CONTACT
        else:
            status = CareMessage.Status.QUEUED
        try:
            with transaction.atomic():
                message = CareMessage.objects.create(
                    member=member,
                    rule=rule,
                    day=today,
                    channel=rule.channel,
                    status=status,
                    detail=detail,
                    created_at=clock.now(),
                )
        except IntegrityError:
            return None
        if status == CareMessage.Status.QUEUED:
            language, subject, body = _words(rule, member, detail)
            row = outbox_enqueue(
                kind=OUTBOX_KIND,
                channel=channel,
                address=address,
                subject=subject,
                body=body,
                language=language,
                reference=f"{rule.venue.code}:{member.number}"[:40],
                context={"care": rule.kind, "member": member.pk, "care_channel": rule.channel},
                dedupe_key=f"care:{member.pk}:{rule.pk}:{today.isoformat()}",
            )
            if row is not None:
                CareMessage.objects.filter(pk=message.pk).update(outbox_id=row.pk)
        return status


def due_rules(venue: Venue, local: datetime) -> Iterable[CareRule]:
    """The venue's active rules whose send time has passed today and that have not run yet."""
    return (
        CareRule.objects.filter(venue=venue, active=True, send_at__lte=local.time())
        .filter(Q(last_run_on__isnull=True) | Q(last_run_on__lt=local.date()))
        .select_related("venue")
        .order_by("pk")
    )


def care_run(*, venue: Venue, now: datetime) -> dict[str, int]:
    """Send today's care messages of `venue` for every active rule whose `send_at` (local time)
    has passed and that has not run today (`last_run_on`). Idempotent: at most one message per
    member, rule and day (the unique constraint decides between two runs at once); an
    opted-out channel — or any channel, for a person who withdrew their consent — is recorded
    as opted_out and not sent; no address: no_contact. Returns counts per status."""
    local = now.astimezone(ZoneInfo(venue.timezone))
    today = local.date()
    counts = {status: 0 for status in CareMessage.Status.values}
    withdrawn = consent_withdrawn(venue.company_id)
    for rule in due_rules(venue, local):
        done = set(
            CareMessage.objects.filter(rule=rule, day=today).values_list("member_id", flat=True)
        )
        for member, detail in _candidates(rule, today):
            if member.pk in done:
                continue
            done.add(member.pk)
            status = _send(rule, member, detail, today, withdrawn)
            if status is not None:
                counts[status] += 1
        # Only a complete run counts: one stopped half-way is taken up again by the next.
        CareRule.objects.filter(pk=rule.pk).update(last_run_on=today)
    return counts


__all__ = ["birthday_today", "care_rule_save", "care_run", "holiday_first_day"]
