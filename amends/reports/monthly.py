"""The monthly report (SPEC §8): what became of the complaints a venue (or the company)
received in a month, against the company's targets (SPEC §10), with the tables and charts every
face renders (`amends.reports.structure.Report`).

Every number is an aggregate computed by the database over the month's cohort
(`figures.cohort`), or, for what spans months (trend, comparisons), a sum of the daily rollups.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Avg, Case, Count, Max, Q, QuerySet, Sum, When
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from amends.complaints.models import Complaint, RemedyProposal
from amends.complaints.transitions import State
from amends.core import clock
from amends.core.errors import NotFound
from amends.orgs.models import Company, User, Venue
from amends.reports import db, rollups
from amends.reports.access import check_report_access
from amends.reports.chart_data import ChartData
from amends.reports.figure_specs import FIGURES, FigureSpec, figure_labels, target_of
from amends.reports.figures import (
    RESPONSE_SECONDS,
    add_months,
    cohort,
    count_of,
    month_span,
    of_cohort,
    percentile,
    percentiles_by,
    received_in,
    survey_figures,
    surveys_of,
)
from amends.reports.numbers import (
    change,
    hours,
    money,
    month_param,
    nps_of,
    pct,
    rag,
    score,
)
from amends.reports.rollups import Totals
from amends.reports.structure import (
    Figure,
    Report,
    Table,
    Value,
)
from amends.reports.tables_care import CareTables
from amends.reports.tables_classification import ClassificationTables
from amends.reports.tables_equipment import EquipmentTables
from amends.reports.tables_money import MoneyTables
from amends.reports.tables_people import PeopleTables
from amends.reports.tables_review import ReviewTables
from amends.reports.tables_times import TimeTables
from amends.reports.tables_triage import TriageTables
from amends.workflow.rules import Targets
from amends.workflow.selectors import service_targets

__all__ = [
    "FIGURES",
    "FigureSpec",
    "build_monthly_report",
    "figure_labels",
    "headline_figures",
    "headline_values",
    "headline_values_by_venue",
    "month_param",
    "scope_venue_ids",
    "target_of",
]

TREND_MONTHS = 13


HEADLINE_COUNTS = (
    "received",
    "open_now",
    "responded",
    "within_target_judged",
    "within_target_missed",
    "response_judged",
    "response_late",
    "resolution_judged",
    "resolution_late",
    "resolved",
    "resolvable",
    "reopen_base",
    "reopened",
    "escalated",
)

REPEAT = Q(repeat_of__isnull=False) | Q(repeat_count__gt=0)


def _headline_aggregates(now: datetime, targets: Targets) -> dict[str, Any]:
    return {
        **{name: count_of(name, now, targets) for name in HEADLINE_COUNTS},
        "response_seconds": Avg(RESPONSE_SECONDS),
    }


def _values_of(
    counts: Mapping[str, Any], *, merged: int, p90: float | None, repeaters: int, paid: Any
) -> dict[str, Value]:
    c = {k: (v if v is not None else 0) for k, v in counts.items()}
    return {
        "received": c["received"],
        "merged": merged,
        "open_now": c["open_now"],
        "responded": c["responded"],
        "avg_first_response_hours": hours(counts["response_seconds"]),
        "p90_first_response_hours": hours(p90),
        "within_target_rate": pct(
            c["within_target_judged"] - c["within_target_missed"], c["within_target_judged"]
        ),
        "response_on_time_rate": pct(
            c["response_judged"] - c["response_late"], c["response_judged"]
        ),
        "resolution_on_time_rate": pct(
            c["resolution_judged"] - c["resolution_late"], c["resolution_judged"]
        ),
        "resolution_rate": pct(c["resolved"], c["resolvable"]),
        "reopen_rate": pct(c["reopened"], c["reopen_base"]),
        "escalated": c["escalated"],
        "satisfaction": score(counts["satisfaction"]),
        "positive_rate": pct(c["positive"], c["surveyed"]),
        "nps": nps_of(c["promoters"], c["detractors"], c["nps_answered"]),
        "repeat_complainants": repeaters,
        "compensation_paid": money(paid),
    }


def headline_values(
    complaints: QuerySet[Complaint],
    merged: QuerySet[Complaint],
    remedies: QuerySet[RemedyProposal],
    *,
    targets: Targets,
    now: datetime,
) -> dict[str, Value]:
    """The values of the headline figures over `complaints` (a month's cohort): one aggregate
    query, plus the merged count, the 90th percentile, the repeat customers and the money
    (`remedies`: the cohort's, `figures.of_cohort`)."""
    counts = complaints.order_by().aggregate(**_headline_aggregates(now, targets))
    counts.update(surveys_of(complaints).aggregate(**survey_figures()))
    repeaters = complaints.filter(REPEAT).order_by().values("customer_id").distinct().count()
    paid = remedies.filter(status=RemedyProposal.Status.EXECUTED)
    return _values_of(
        counts,
        merged=merged.count(),
        p90=percentile(complaints, RESPONSE_SECONDS, 0.9),
        repeaters=repeaters,
        paid=paid.aggregate(total=Sum("amount"))["total"],
    )


def headline_values_by_venue(
    *, company_id: int, venue_ids: Collection[int], month: date, now: datetime, targets: Targets
) -> dict[int, dict[str, Value]]:
    """`headline_values` of each of `venue_ids` (each venue's month in its own zone), the same
    aggregates grouped by venue: five statements for any number of venues (the KPI board)."""
    ids = list(venue_ids)
    complaints = cohort(company=company_id, venue=None, month=month).filter(venue_id__in=ids)
    complaints = complaints.order_by()
    using = complaints.db
    no_surveys: dict[str, Any] = {
        **dict.fromkeys(("surveyed", "positive", "nps_answered", "promoters", "detractors"), 0),
        "satisfaction": None,
    }
    counts = {
        row["venue_id"]: {**no_surveys, **row}
        for row in complaints.values("venue_id").annotate(**_headline_aggregates(now, targets))
    }
    for row in (
        surveys_of(complaints).values("complaint__venue_id").annotate(**survey_figures()).order_by()
    ):
        counts[row["complaint__venue_id"]].update(row)
    merged = {
        row["venue_id"]: row["n"]
        for row in Complaint.objects.using(using)
        .filter(received_in(company=company_id, venue=None, month=month))
        .filter(state=State.MERGED, venue_id__in=ids)
        .order_by()
        .values("venue_id")
        .annotate(n=Count("pk"))
    }
    # `.values("customer_id").distinct().count()` counts "no customer" as one: so here too.
    repeaters = {
        row["venue_id"]: row["n"] + row["anonymous"]
        for row in complaints.filter(REPEAT)
        .values("venue_id")
        .annotate(
            n=Count("customer_id", distinct=True),
            anonymous=Max(Case(When(customer_id__isnull=True, then=1), default=0)),
        )
    }
    paid = {
        row["complaint__venue_id"]: row["total"]
        for row in of_cohort(
            RemedyProposal.objects.using(using), company=company_id, venue=None, month=month
        )
        .filter(status=RemedyProposal.Status.EXECUTED, complaint__venue_id__in=ids)
        .order_by()
        .values("complaint__venue_id")
        .annotate(total=Sum("amount"))
    }
    p90 = percentiles_by(complaints, "venue_id", RESPONSE_SECONDS, 0.9)
    empty: dict[str, Any] = {
        **dict.fromkeys(HEADLINE_COUNTS, 0),
        **no_surveys,
        "response_seconds": None,
    }
    return {
        pk: _values_of(
            counts.get(pk, empty),
            merged=merged.get(pk, 0),
            p90=p90.get(pk),
            repeaters=repeaters.get(pk, 0),
            paid=paid.get(pk),
        )
        for pk in ids
    }


def headline_figures(
    *,
    company_id: int,
    venue: Venue | None,
    month: date,
    now: datetime,
    targets: Targets | None = None,
    totals: Mapping[date, Totals] | None = None,
    values: Mapping[str, Value] | None = None,
) -> tuple[Figure, ...]:
    """The report's headline figures for `venue` (None: the company) and `month`, each with
    its target and colour, its change against last month and the same month last year (from
    `totals`, the rollups by month; read here when not given) and its drill-down link. The
    KPI board shows the same figures (one definition)."""
    targets = targets or service_targets(company_id=company_id)
    if values is None:
        complaints = cohort(company=company_id, venue=venue, month=month)
        merged = (
            Complaint.objects.using(complaints.db)
            .filter(received_in(company=company_id, venue=venue, month=month))
            .filter(state=State.MERGED)
        )
        remedies = of_cohort(
            RemedyProposal.objects.using(complaints.db),
            company=company_id,
            venue=venue,
            month=month,
        )
        values = headline_values(complaints, merged, remedies, targets=targets, now=now)
    if totals is None:
        totals = rollups.month_totals(
            venue_ids=scope_venue_ids(company_id, venue),
            months=[month, add_months(month, -1), add_months(month, -12)],
        )
    this, last, year = (
        totals.get(month, Totals()),
        totals.get(add_months(month, -1), Totals()),
        totals.get(add_months(month, -12), Totals()),
    )
    labels = figure_labels()
    link = {"month": month_param(month)}
    if venue is not None:
        link["venue"] = venue.code
    found = []
    for spec in FIGURES:
        target = target_of(targets, spec.target)
        value = values[spec.key]
        found.append(
            Figure(
                key=spec.key,
                label=labels[spec.key],
                value=value,
                kind=spec.kind,
                target=target,
                rag=rag(
                    value,
                    target,
                    higher_is_better=spec.higher_is_better,
                    margin=targets.amber_margin,
                )
                if target is not None
                else "",
                link={**link, "measure": spec.measure},
                change=change(getattr(this, spec.totals), getattr(last, spec.totals))
                if spec.totals
                else None,
                change_year=change(getattr(this, spec.totals), getattr(year, spec.totals))
                if spec.totals
                else None,
            )
        )
    return tuple(found)


def scope_venue_ids(company_id: int, venue: Venue | None) -> list[int]:
    if venue is not None:
        return [venue.pk]
    return list(Venue.objects.filter(company_id=company_id).values_list("pk", flat=True))


# --- the report --------------------------------------------------------------------------------


def build_monthly_report(
    *,
    actor: User | None,
    company: Company,
    venue: Venue | None,
    month: date,
    language: str,
    now: datetime | None = None,
    refresh: bool = True,
) -> Report:
    """The monthly report of `venue` (None: the whole company) for `month`, in `language`.

    `actor` None is amends itself (the CLI, the monthly email): no access check. Otherwise the
    actor must hold a report role there (`check_report_access`). Unless reading from a replica,
    the rollups of the scope are brought up to date first, so the trend and the comparisons
    agree with the month's own figures."""
    month = month.replace(day=1)
    if venue is not None and venue.company_id != company.pk:
        raise NotFound(_("No such venue."), code="venue_not_found")
    if actor is not None:
        check_report_access(actor=actor, venue=venue)
    moment = now or clock.now()
    venue_ids = scope_venue_ids(company.pk, venue)
    if refresh and not db.on_replica():
        rollups.refresh(now=moment, venue_ids=venue_ids)
        current: datetime | None = moment
    else:
        current = rollups.current_to()
    zone = ZoneInfo(venue.timezone if venue is not None else settings.TIME_ZONE)
    start, end = month_span(month, zone)
    with translation.override(language):
        targets = service_targets(company_id=company.pk)
        trend_months = [add_months(month, -i) for i in range(TREND_MONTHS - 1, -1, -1)]
        totals = rollups.month_totals(venue_ids=venue_ids, months=trend_months)
        figures = headline_figures(
            company_id=company.pk,
            venue=venue,
            month=month,
            now=moment,
            targets=targets,
            totals=totals,
        )
        builder = _Builder(
            company=company,
            venue=venue,
            month=month,
            now=moment,
            targets=targets,
            language=language,
        )
        tables = builder.tables(figures, totals)
        charts = builder.charts(totals, trend_months)
        scope_label = venue.name_in(language) if venue is not None else company.name
        title = _("%(scope)s — complaints report, %(month)s") % {
            "scope": scope_label,
            "month": date_format(month, "YEAR_MONTH_FORMAT"),
        }
    return Report(
        title=title,
        scope_label=scope_label,
        venue_code=venue.code if venue is not None else "",
        month=month,
        period_start=start,
        period_end=end,
        time_zone=str(zone),
        language=language,
        generated_at=moment,
        current_to=current,
        figures=figures,
        tables=tables,
        charts=charts,
    )


class _Builder(
    ClassificationTables,
    TimeTables,
    MoneyTables,
    PeopleTables,
    ReviewTables,
    TriageTables,
    EquipmentTables,
    CareTables,
    ChartData,
):
    """The tables and charts of one report (labels in the active language)."""

    def tables(self, figures: Sequence[Figure], totals: Mapping[date, Totals]) -> tuple[Table, ...]:
        by_category = self._counts_by_category()
        return (
            self.classification(),
            self.validity(),
            self.times("times_by_category", _("Times by category"), "category_id"),
            self.times("times_by_severity", _("Times by severity"), "severity"),
            self.times("times_by_department", _("Times by department"), "department_id"),
            self.escalations(),
            self.reopens(),
            self.compensation(),
            self.satisfaction(),
            self.staff(),
            self.causes(by_category),
            self.cause_kinds(),
            self.recurring(),
            self.comparison(totals),
            self.improvements(),
            self.triage_agreement(),
            *(self.equipment_tables() if self.equipment_venues() else ()),
            *self.care_tables(),
        )
