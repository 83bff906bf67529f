"""The monthly report by email: on the 1st of each month at AMENDS_REPORT_SEND_HOUR (08:00)
in the venue's own time zone, each venue's customer-service managers and general managers get
last month's report — the PDF to read, the xlsx attached — once.

The job `reports.send_monthly` runs hourly; for each venue it:

1. decides whether it is time: the venue's local time is past the 1st at the send hour, in the
   first `CATCH_UP_DAYS` days of the month (a server down on the 1st sends on its return, not
   never), and there is no `MonthlyDelivery` for the venue and last month;
2. finds the recipients: people of the venue's company holding the role manager or general
   manager at the venue or company-wide, active, with an email address (the others are
   skipped; a venue with nobody records its delivery with 0 recipients);
3. builds the report (as amends itself, `build_monthly_report(actor=None)`) in each
   recipient's language — once per language — renders the PDF and the xlsx and stores them in
   the default storage (`reports/monthly/YYYY/MM/`), outside any transaction;
4. in one transaction, enqueues one email per recipient through the outbox with both files
   attached (dedupe key per venue, month and person) and writes the `MonthlyDelivery` row.

Idempotent: the unique `MonthlyDelivery` (venue, month) makes a second runner's transaction
fail and roll back, and the dedupe keys keep any message from being queued twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from amends.core.jobs import job
from amends.notifications.models import Outbox
from amends.notifications.services import outbox_enqueue
from amends.orgs.models import RoleGrant, User, Venue
from amends.orgs.roles import Role
from amends.reports.models import MonthlyDelivery
from amends.reports.structure import Report

log = logging.getLogger(__name__)

RECIPIENT_ROLES = (Role.MANAGER, Role.GENERAL_MANAGER)
CATCH_UP_DAYS = 7
KIND = Outbox.Kind.MONTHLY_REPORT
PDF_TYPE = "application/pdf"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def previous_month(day: date) -> date:
    """The first day of the month before `day`'s."""
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def due_month(venue: Venue, now: datetime) -> date | None:
    """Last month, if `venue`'s report for it is due at `now` (the venue's local time is the
    1st at the send hour or later, within the catch-up days); else None."""
    local = now.astimezone(ZoneInfo(venue.timezone))
    if local.day > CATCH_UP_DAYS:
        return None
    if local.day == 1 and local.hour < settings.AMENDS_REPORT_SEND_HOUR:
        return None
    return previous_month(local.date())


def recipients(venue: Venue) -> list[User]:
    """The venue's managers and general managers (granted there or company-wide) who have an
    email address, by username."""
    granted = RoleGrant.objects.filter(role__in=RECIPIENT_ROLES).filter(
        Q(venue=venue) | Q(venue__isnull=True)
    )
    people = User.objects.filter(
        company_id=venue.company_id, is_active=True, pk__in=granted.values("user_id")
    ).exclude(email="")
    return list(people.order_by("username"))


def language_of(person: User) -> str:
    known = {code for code, _name in settings.LANGUAGES}
    return person.language if person.language in known else settings.LANGUAGE_CODE


@dataclass(frozen=True)
class Rendered:
    report: Report
    pdf_path: str
    xlsx_path: str


def render(venue: Venue, month: date, language: str, *, now: datetime) -> Rendered:
    """Build `venue`'s report for `month` in `language`, render and store its PDF and xlsx."""
    from amends.reports.monthly import build_monthly_report
    from amends.reports.pdf import report_pdf
    from amends.reports.xlsx import report_xlsx

    report = build_monthly_report(
        actor=None, company=venue.company, venue=venue, month=month, language=language, now=now
    )
    stem = f"reports/monthly/{month:%Y}/{month:%m}/{venue.code}-{month:%Y-%m}-{language}"
    pdf = default_storage.save(f"{stem}.pdf", ContentFile(report_pdf(report)))
    xlsx = default_storage.save(f"{stem}.xlsx", ContentFile(report_xlsx(report)))
    return Rendered(report, pdf, xlsx)


def words(person: User, venue: Venue, rendered: Rendered) -> tuple[str, str, str]:
    """Subject, text and HTML of the email to `person`, in the report's language: the headline
    figures as the PDF shows them, and a link to the report in the console."""
    from amends.reports.pdf import body_context

    report = rendered.report
    with translation.override(report.language):
        shown = body_context(replace(report, charts=(), tables=()))  # the figures alone
        context = {
            "name": person.name_in(report.language),
            "venue_name": venue.name_in(report.language),
            "month_label": shown["month_label"],
            "figures": shown["shown_figures"],
            "url": console_url(venue, report.month),
            "language": report.language,
        }
        subject = " ".join(render_to_string("reports/email/monthly.subject.txt", context).split())
        context["subject"] = subject
        text = render_to_string("reports/email/monthly.txt", context).strip() + "\n"
        html = render_to_string("reports/email/monthly.html", context)
    return subject, text, html


def console_url(venue: Venue, month: date) -> str:
    """The report's page in the console (absolute), or "" when the console is not installed."""
    try:
        path = reverse("console:monthly_report")
    except NoReverseMatch:
        return ""
    return f"{settings.AMENDS_PUBLIC_URL}{path}?venue={venue.code}&month={month:%Y-%m}"


def venue_send(venue: Venue, month: date, *, now: datetime) -> int:
    """Send `venue`'s report for `month` to its managers; the number of emails queued now
    (0 when another runner sent it first)."""
    people = recipients(venue)
    rendered: dict[str, Rendered] = {}
    for language in sorted({language_of(person) for person in people}):
        rendered[language] = render(venue, month, language, now=now)
    queued = 0
    try:
        with transaction.atomic():
            for person in people:
                made = rendered[language_of(person)]
                subject, text, html = words(person, venue, made)
                name = f"{venue.code}-{month:%Y-%m}"
                row = outbox_enqueue(
                    kind=KIND,
                    channel=Outbox.Channel.EMAIL,
                    subject=subject,
                    body=text,
                    language=made.report.language,
                    recipient_user=person,
                    address=person.email,
                    context={
                        "html": html,
                        "attachments": [
                            {"path": made.pdf_path, "name": f"{name}.pdf", "type": PDF_TYPE},
                            {"path": made.xlsx_path, "name": f"{name}.xlsx", "type": XLSX_TYPE},
                        ],
                    },
                    dedupe_key=f"monthly-report:{venue.pk}:{month:%Y-%m}:{person.pk}",
                )
                queued += row is not None
            MonthlyDelivery.objects.create(
                venue=venue, month=month, sent_at=now, recipients=len(people)
            )
    except IntegrityError:
        # Another runner recorded this venue's month first: its messages are the ones sent.
        for made in rendered.values():
            default_storage.delete(made.pdf_path)
            default_storage.delete(made.xlsx_path)
        return 0
    return queued


def send_due(*, now: datetime) -> dict[str, int]:
    """Every venue whose last month's report is due and not yet sent: send it. Counts of the
    venues sent, the emails queued and the venues that failed (logged; tried again next hour)."""
    counts = {"venues": 0, "emails": 0, "failed": 0}
    sent = {
        (venue_id, month)
        for venue_id, month in MonthlyDelivery.objects.filter(
            month__gte=previous_month((now - timedelta(days=CATCH_UP_DAYS + 1)).date())
        ).values_list("venue_id", "month")
    }
    for venue in Venue.objects.select_related("company").order_by("code"):
        month = due_month(venue, now)
        if month is None or (venue.pk, month) in sent:
            continue
        try:
            counts["emails"] += venue_send(venue, month, now=now)
        except Exception:  # one venue's failure must not keep the others' reports back
            log.exception("the monthly report of %s for %s failed", venue.code, month)
            counts["failed"] += 1
            continue
        counts["venues"] += 1
    return counts


@job(
    "reports.send_monthly",
    every=timedelta(hours=1),
    description="Email each venue's managers last month's report (PDF, xlsx) on the 1st.",
)
def send_monthly(*, now: datetime) -> dict[str, int]:
    return send_due(now=now)


__all__ = ["due_month", "recipients", "send_due", "venue_send"]
