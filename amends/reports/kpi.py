"""The live KPI board: every venue the reader may report on, side by side, and the company's
total for a company-wide reader — the month's headline figures (the monthly report's own,
`monthly.headline_figures`) and what is open and overdue right now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext as _

from amends.complaints.models import Complaint
from amends.complaints.selectors import with_due
from amends.complaints.transitions import OPEN_STATES
from amends.core import clock
from amends.core.errors import PermissionDenied
from amends.orgs.models import User, Venue
from amends.reports import db, rollups
from amends.reports.access import may_report_company, report_venues
from amends.reports.figures import add_months, live_filters
from amends.reports.monthly import headline_figures, headline_values_by_venue, month_param
from amends.reports.structure import Figure
from amends.workflow.selectors import service_targets


@dataclass(frozen=True)
class KpiRow:
    venue: Venue | None  # None: the whole company
    label: str
    figures: tuple[Figure, ...]

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


@dataclass(frozen=True)
class KpiBoard:
    month: date
    generated_at: datetime
    current_to: datetime | None
    rows: tuple[KpiRow, ...]


def kpi_board(*, actor: User, month: date | None = None, now: datetime | None = None) -> KpiBoard:
    """The board of `month` (default: the current month in the company's zone). The venues'
    headline figures are the monthly report's own aggregates grouped by venue (a few statements
    for every venue at once), the company's its own; one grouped query for what is open and
    overdue now at every venue; the rollups' comparisons one small query per venue."""
    moment = now or clock.now()
    venues = list(report_venues(actor))
    whole = may_report_company(actor)
    if not venues and not whole:
        raise PermissionDenied(_("You may not read reports."), code="report_not_allowed")
    company_id = actor.company_id
    assert company_id is not None
    if month is None:
        month = moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date().replace(day=1)
    month = month.replace(day=1)
    targets = service_targets(company_id=company_id)
    venue_ids = [v.pk for v in venues]
    if not db.on_replica():
        rollups.refresh(now=moment, venue_ids=venue_ids)
    months = [month, add_months(month, -1), add_months(month, -12)]
    live = _live(venue_ids, moment)
    values = headline_values_by_venue(
        company_id=company_id, venue_ids=venue_ids, month=month, now=moment, targets=targets
    )
    rows = []
    for venue in venues:
        totals = rollups.month_totals(venue_ids=[venue.pk], months=months)
        figures = headline_figures(
            company_id=company_id,
            venue=venue,
            month=month,
            now=moment,
            targets=targets,
            totals=totals,
            values=values[venue.pk],
        )
        rows.append(
            KpiRow(
                venue=venue,
                label=venue.name_in(),
                figures=(*_live_figures(live.get(venue.pk, (0, 0)), month, venue), *figures),
            )
        )
    if whole:
        totals = rollups.month_totals(venue_ids=venue_ids, months=months)
        figures = headline_figures(
            company_id=company_id,
            venue=None,
            month=month,
            now=moment,
            targets=targets,
            totals=totals,
        )
        company_live = (sum(o for o, _ in live.values()), sum(d for _, d in live.values()))
        rows.append(
            KpiRow(
                venue=None,
                label=_("All venues"),
                figures=(*_live_figures(company_live, month, None), *figures),
            )
        )
    return KpiBoard(
        month=month,
        generated_at=moment,
        current_to=moment if not db.on_replica() else rollups.current_to(),
        rows=tuple(rows),
    )


def _live(venue_ids: list[int], now: datetime) -> dict[int, tuple[int, int]]:
    """Open and overdue now, per venue, in one grouped query (the console's overdue queue:
    a running deadline passed while the clock runs)."""
    live = live_filters(now)
    rows = (
        with_due(
            # Both counts are of open complaints: reading only those lets the (venue, state,
            # received_at) index find them instead of every complaint ever received.
            Complaint.objects.using(db.reading()).filter(
                venue_id__in=venue_ids, state__in=list(OPEN_STATES)
            )
        )
        .order_by()
        .values("venue_id")
        .annotate(
            open=Count("pk", filter=live["open"]),
            overdue=Count("pk", filter=live["overdue"]),
        )
    )
    return {row["venue_id"]: (row["open"], row["overdue"]) for row in rows}


def _live_figures(counts: tuple[int, int], month: date, venue: Venue | None) -> tuple[Figure, ...]:
    link = {"month": month_param(month)}
    if venue is not None:
        link["venue"] = venue.code
    return (
        Figure(key="open", label=_("Open now"), value=counts[0], link={**link, "measure": "open"}),
        Figure(
            key="overdue",
            label=_("Overdue now"),
            value=counts[1],
            rag="green" if counts[1] == 0 else "red",
            link={**link, "measure": "overdue"},
        ),
    )
