"""The monthly report (SPEC §8): what became of the complaints a venue (or the company)
received in a month, against the company's targets (SPEC §10), with the tables and charts every
face renders (`amends.reports.structure.Report`).

Every number is an aggregate computed by the database over the month's cohort
(`figures.cohort`), or, for what spans months (trend, comparisons), a sum of the daily rollups.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from amends.complaints.models import Complaint, Consequence, RemedyProposal
from amends.complaints.transitions import State
from amends.core import clock
from amends.core.errors import NotFound
from amends.improvements.effect import VERDICT_LABELS, effect_of
from amends.improvements.selectors import actions_in_month
from amends.orgs.models import Company, Department, RoleGrant, User, Venue, in_language
from amends.orgs.roles import ESCALATION_LADDER, Role
from amends.reports import db, rollups
from amends.reports.access import check_report_access
from amends.reports.figures import (
    ANSWERED,
    DETRACTOR,
    GRANTED,
    NPS_ANSWERED,
    PROMOTER,
    RESOLUTION_SECONDS,
    RESPONSE_SECONDS,
    SATISFACTION,
    Seconds,
    add_months,
    cohort,
    count_of,
    highest_escalation,
    month_span,
    percentile,
    percentiles_by,
    received_in,
    satisfaction_at_least,
    subject_key,
)
from amends.reports.rollups import Totals
from amends.reports.structure import (
    Chart,
    Column,
    ColumnKind,
    Figure,
    Rag,
    Report,
    Row,
    Series,
    Table,
    Value,
)
from amends.workflow.models import Category
from amends.workflow.rules import Targets
from amends.workflow.selectors import service_targets
from amends.workflow.taxonomy import Channel, Severity, Validity

ONE = Decimal("0.1")
TWO = Decimal("0.01")
CENTS = Decimal("0.01")
NONE = "none"  # a link's value for "not set" (no category, no severity …)
TREND_MONTHS = 13


# --- numbers -----------------------------------------------------------------------------------


def pct(part: int | None, whole: int | None) -> Decimal | None:
    """`part` of `whole` in percent, one place; None without a base."""
    if not whole:
        return None
    return (Decimal(100 * (part or 0)) / Decimal(whole)).quantize(ONE, ROUND_HALF_UP)


def hours(seconds: float | Decimal | None) -> Decimal | None:
    if seconds is None:
        return None
    return (Decimal(str(seconds)) / Decimal(3600)).quantize(ONE, ROUND_HALF_UP)


def score(value: float | Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(TWO, ROUND_HALF_UP)


def money(value: Decimal | None) -> Decimal:
    return (value or Decimal("0")).quantize(CENTS, ROUND_HALF_UP)


def nps_of(promoters: int, detractors: int, answers: int) -> Decimal | None:
    if not answers:
        return None
    return (Decimal(100 * (promoters - detractors)) / Decimal(answers)).quantize(TWO, ROUND_HALF_UP)


def change(now: Value, base: Value) -> Decimal | None:
    """The change from `base` to `now` in percent (one place); None without a base."""
    if not isinstance(now, int | Decimal) or not isinstance(base, int | Decimal) or not base:
        return None
    moved = (Decimal(now) - Decimal(base)) / abs(Decimal(base)) * 100
    return moved.quantize(ONE, ROUND_HALF_UP)


def rag(value: Value, target: Value, *, higher_is_better: bool, margin: Decimal) -> Rag:
    """Green: meets the target; amber: misses it by less than `margin` % of the target; red:
    misses it by more; "" without a figure or a target."""
    if not isinstance(value, int | Decimal) or not isinstance(target, int | Decimal):
        return ""
    miss = (
        Decimal(target) - Decimal(value) if higher_is_better else Decimal(value) - Decimal(target)
    )
    if miss <= 0:
        return "green"
    if miss < abs(Decimal(target)) * margin / 100:
        return "amber"
    return "red"


def month_param(month: date) -> str:
    return f"{month:%Y-%m}"


# --- headline figures --------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureSpec:
    key: str
    kind: ColumnKind
    measure: str  # the drill-down's measure: the complaints behind the figure
    totals: str = ""  # the `Totals` attribute compared month over month
    target: str = ""  # the `Targets` field, where there is one
    higher_is_better: bool = True


FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec("received", "count", "received", "received"),
    FigureSpec("merged", "count", "merged"),
    FigureSpec("open_now", "count", "open_now"),
    FigureSpec("responded", "count", "responded", "responded"),
    FigureSpec(
        "avg_first_response_hours",
        "hours",
        "responded",
        "avg_response_hours",
        "average_response_hours",
        higher_is_better=False,
    ),
    FigureSpec("p90_first_response_hours", "hours", "responded"),
    FigureSpec(
        "within_target_rate",
        "percent",
        "within_target_missed",
        "within_target_rate",
        "respond_within",
    ),
    FigureSpec("response_on_time_rate", "percent", "response_late", "on_time_rate", "on_time_rate"),
    FigureSpec(
        "resolution_on_time_rate",
        "percent",
        "resolution_late",
        "resolution_on_time_rate",
        "on_time_rate",
    ),
    FigureSpec("resolution_rate", "percent", "resolved", "resolution_rate", "resolution_rate"),
    FigureSpec(
        "reopen_rate", "percent", "reopened", "reopen_rate", "reopen_rate", higher_is_better=False
    ),
    FigureSpec("escalated", "count", "escalated", "escalated"),
    FigureSpec("satisfaction", "score", "surveyed", "mean_satisfaction"),
    FigureSpec("positive_rate", "percent", "positive", "positive_share", "positive_rate"),
    FigureSpec("nps", "score", "detractors", "nps", "nps"),
    FigureSpec("repeat_complainants", "count", "repeat"),
    FigureSpec("compensation_paid", "money", "compensated"),
)


def figure_labels() -> dict[str, str]:
    """The figures' names in the active language."""
    return {
        "received": _("Complaints received"),
        "merged": _("Merged into another complaint"),
        "open_now": _("Still open"),
        "responded": _("Responded to"),
        "avg_first_response_hours": _("Average first response (hours)"),
        "p90_first_response_hours": _("First response, 90th percentile (hours)"),
        "within_target_rate": _("Responded within the target time"),
        "response_on_time_rate": _("First responses on time"),
        "resolution_on_time_rate": _("Resolutions on time"),
        "resolution_rate": _("Resolution rate"),
        "reopen_rate": _("Reopen rate"),
        "escalated": _("Escalated"),
        "satisfaction": _("Satisfaction (1–5)"),
        "positive_rate": _("Positive feedback (4–5)"),
        "nps": _("Net promoter score"),
        "repeat_complainants": _("Repeat complainants"),
        "compensation_paid": _("Compensation paid (CNY)"),
    }


def target_of(targets: Targets, name: str) -> Decimal | None:
    if not name:
        return None
    if name == "respond_within":  # every response within the target time: 100 %
        return Decimal("100")
    value: Decimal = getattr(targets, name)
    return value


def headline_values(
    complaints: QuerySet[Complaint],
    merged: QuerySet[Complaint],
    *,
    targets: Targets,
    now: datetime,
) -> dict[str, Value]:
    """The values of the headline figures over `complaints` (a month's cohort): one aggregate
    query, plus the merged count, the 90th percentile, the repeat customers and the money."""
    counts = complaints.order_by().aggregate(
        **{
            name: count_of(name, now, targets)
            for name in (
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
                "surveyed",
                "positive",
                "nps_answered",
                "promoters",
                "detractors",
            )
        },
        response_seconds=Avg(RESPONSE_SECONDS),
        satisfaction=Avg(SATISFACTION, filter=ANSWERED),
    )
    c = {k: (v if v is not None else 0) for k, v in counts.items()}
    repeaters = (
        complaints.filter(Q(repeat_of__isnull=False) | Q(repeat_count__gt=0))
        .order_by()
        .values("customer_id")
        .distinct()
        .count()
    )
    paid = RemedyProposal.objects.using(complaints.db).filter(
        complaint__in=complaints.order_by().values("pk"), status=RemedyProposal.Status.EXECUTED
    )
    return {
        "received": c["received"],
        "merged": merged.count(),
        "open_now": c["open_now"],
        "responded": c["responded"],
        "avg_first_response_hours": hours(counts["response_seconds"]),
        "p90_first_response_hours": hours(percentile(complaints, RESPONSE_SECONDS, 0.9)),
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
        "compensation_paid": money(paid.aggregate(total=Sum("amount"))["total"]),
    }


def headline_figures(
    *,
    company_id: int,
    venue: Venue | None,
    month: date,
    now: datetime,
    targets: Targets | None = None,
    totals: Mapping[date, Totals] | None = None,
) -> tuple[Figure, ...]:
    """The report's headline figures for `venue` (None: the company) and `month`, each with
    its target and colour, its change against last month and the same month last year (from
    `totals`, the rollups by month; read here when not given) and its drill-down link. The
    KPI board shows the same figures (one definition)."""
    targets = targets or service_targets(company_id=company_id)
    complaints = cohort(company=company_id, venue=venue, month=month)
    merged = (
        Complaint.objects.using(db.reading())
        .filter(received_in(company=company_id, venue=venue, month=month))
        .filter(state=State.MERGED)
    )
    values = headline_values(complaints, merged, targets=targets, now=now)
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


class _Builder:
    """The tables and charts of one report (labels in the active language)."""

    def __init__(
        self,
        *,
        company: Company,
        venue: Venue | None,
        month: date,
        now: datetime,
        targets: Targets,
        language: str,
    ) -> None:
        self.company, self.venue, self.month, self.now = company, venue, month, now
        self.targets, self.language = targets, language
        self.complaints = cohort(company=company, venue=venue, month=month)
        self.using = self.complaints.db
        self.link = {"month": month_param(month)}
        if venue is not None:
            self.link["venue"] = venue.code
        self._by_category: list[tuple[int | None, int]] | None = None
        self._overall: tuple[dict[str, Any], dict[tuple[str, float], Any]] | None = None
        self.categories = {
            c.pk: c for c in Category.objects.using(self.using).filter(company_id=company.pk)
        }

    # names

    def category_name(self, pk: int | None) -> str:
        category = self.categories.get(pk) if pk is not None else None
        if category is None:
            return _("Unclassified")
        return in_language(category.name_zh, category.name_en, self.language)

    def category_code(self, pk: int | None) -> str:
        category = self.categories.get(pk) if pk is not None else None
        return category.code if category is not None else NONE

    def category_order(self, pk: int | None) -> tuple[int, str]:
        category = self.categories.get(pk) if pk is not None else None
        return (category.position, category.code) if category is not None else (9999, "")

    def to(self, **params: Any) -> dict[str, str]:
        return {**self.link, **{k: str(v) for k, v in params.items()}}

    # tables

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
        )

    def _counts_by_category(self) -> list[tuple[int | None, int]]:
        """The month's complaints per category, most first (one query, kept for the causes
        table, the charts and the escalations' base)."""
        if self._by_category is None:
            rows = self.complaints.order_by().values("category_id").annotate(n=Count("pk"))
            found = [(row["category_id"], row["n"]) for row in rows]
            self._by_category = sorted(
                found, key=lambda item: (-item[1], self.category_order(item[0]))
            )
        return self._by_category

    def classification(self) -> Table:
        rows = (
            self.complaints.order_by()
            .values("category_id", "severity", "channel")
            .annotate(n=Count("pk"))
        )
        total = sum(row["n"] for row in rows)
        severities = {value: i for i, value in enumerate([*Severity.values, ""])}
        channels = {value: i for i, value in enumerate(Channel.values)}
        ordered = sorted(
            rows,
            key=lambda r: (
                self.category_order(r["category_id"]),
                severities.get(r["severity"], 99),
                channels.get(r["channel"], 99),
            ),
        )
        body = [
            Row(
                values=(
                    self.category_name(r["category_id"]),
                    _severity(r["severity"]),
                    _channel(r["channel"]),
                    r["n"],
                    pct(r["n"], total),
                ),
                link=self.to(
                    category=self.category_code(r["category_id"]),
                    severity=r["severity"] or NONE,
                    channel=r["channel"],
                ),
            )
            for r in ordered
        ]
        body.append(
            Row(
                values=(_("Total"), "", "", total, pct(total, total)),
                link=self.to(measure="received"),
                total=True,
            )
        )
        return Table(
            key="classification",
            title=_("Complaint classification statistics"),
            columns=(
                Column("category", _("Category"), "text"),
                Column("severity", _("Severity"), "text"),
                Column("channel", _("Channel"), "text"),
                Column("count", _("Complaints"), "count"),
                Column("share", _("Share (%)"), "percent"),
            ),
            rows=tuple(body),
            note=_("Complaints received in the month, merged ones left out."),
        )

    def validity(self) -> Table:
        counts = self.complaints.order_by().aggregate(
            **{value: Count("pk", filter=Q(validity=value)) for value in Validity.values}
        )
        total = sum(counts.values())
        rows = [
            Row(
                values=(str(Validity(value).label), counts[value], pct(counts[value], total)),
                link=self.to(validity=value),
            )
            for value in (Validity.VALID, Validity.INVALID, Validity.UNDECIDED)
        ]
        rows.append(Row(values=(_("Total"), total, pct(total, total)), total=True))
        return Table(
            key="validity",
            title=_("Validity"),
            columns=(
                Column("validity", _("Validity"), "text"),
                Column("count", _("Complaints"), "count"),
                Column("share", _("Share (%)"), "percent"),
            ),
            rows=tuple(rows),
        )

    def times(self, key: str, title: str, group: str) -> Table:
        now, targets = self.now, self.targets
        aggregates = {
            "responded": count_of("responded", now, targets),
            "response_avg": Avg(RESPONSE_SECONDS),
            "resolved": count_of("resolved", now, targets),
            "resolution_avg": Avg(RESOLUTION_SECONDS),
            "response_judged": count_of("response_judged", now, targets),
            "response_late": count_of("response_late", now, targets),
            "resolution_judged": count_of("resolution_judged", now, targets),
            "resolution_late": count_of("resolution_late", now, targets),
        }
        complaints = self.complaints.order_by()
        rows = list(complaints.values(group).annotate(**aggregates))
        quantiles = {
            (measure, q): percentiles_by(complaints, group, expression, q)
            for measure, expression in (
                ("response", RESPONSE_SECONDS),
                ("resolution", RESOLUTION_SECONDS),
            )
            for q in (0.5, 0.9)
        }
        if self._overall is None:  # the "All" row is the same in the three tables
            self._overall = (
                complaints.aggregate(**aggregates),
                {
                    (measure, q): percentile(complaints, expression, q)
                    for measure, expression in (
                        ("response", RESPONSE_SECONDS),
                        ("resolution", RESOLUTION_SECONDS),
                    )
                    for q in (0.5, 0.9)
                },
            )
        overall, overall_q = self._overall
        names, codes, order = self._group_names(group, [r[group] for r in rows])

        def values(
            label: str, r: Mapping[str, Any], q: Mapping[tuple[str, float], Any]
        ) -> tuple[Value, ...]:
            return (
                label,
                r["responded"],
                hours(r["response_avg"]),
                hours(q[("response", 0.5)]),
                hours(q[("response", 0.9)]),
                r["resolved"],
                hours(r["resolution_avg"]),
                hours(q[("resolution", 0.5)]),
                hours(q[("resolution", 0.9)]),
                pct(r["response_judged"] - r["response_late"], r["response_judged"]),
                pct(r["resolution_judged"] - r["resolution_late"], r["resolution_judged"]),
            )

        body = [
            Row(
                values=values(
                    names[r[group]],
                    r,
                    {k: v.get(r[group]) for k, v in quantiles.items()},
                ),
                link=self.to(**{codes[0]: codes[1](r[group]), "measure": "responded"}),
            )
            for r in sorted(rows, key=lambda r: order(r[group]))
        ]
        body.append(
            Row(
                values=values(_("All"), overall, overall_q),
                link=self.to(measure="responded"),
                total=True,
            )
        )
        return Table(
            key=key,
            title=title,
            columns=(
                Column("group", _("Group"), "text"),
                Column("responded", _("Responded"), "count"),
                Column("response_mean", _("First response, mean (h)"), "hours"),
                Column("response_median", _("First response, median (h)"), "hours"),
                Column("response_p90", _("First response, p90 (h)"), "hours"),
                Column("resolved", _("Resolved"), "count"),
                Column("resolution_mean", _("Resolution, mean (h)"), "hours"),
                Column("resolution_median", _("Resolution, median (h)"), "hours"),
                Column("resolution_p90", _("Resolution, p90 (h)"), "hours"),
                Column("response_on_time", _("Responses on time (%)"), "percent"),
                Column("resolution_on_time", _("Resolutions on time (%)"), "percent"),
            ),
            rows=tuple(body),
            note=_(
                "Hours from receipt, wall clock. On time: by the complaint's own deadline, of "
                "those with a verdict (done, or overdue now)."
            ),
        )

    def _group_names(
        self, group: str, keys: Collection[Any]
    ) -> tuple[dict[Any, str], tuple[str, Any], Any]:
        """Labels of a grouping's keys, the link parameter and its value, and a sort key."""
        if group == "category_id":
            return (
                {k: self.category_name(k) for k in keys},
                ("category", self.category_code),
                self.category_order,
            )
        if group == "severity":
            order = {value: i for i, value in enumerate([*Severity.values, ""])}
            return (
                {k: _severity(k) for k in keys},
                ("severity", lambda k: k or NONE),
                lambda k: order.get(k, 99),
            )
        departments = {
            d.pk: d
            for d in Department.objects.using(self.using).filter(pk__in=[k for k in keys if k])
        }

        def name(k: int | None) -> str:
            found = departments.get(k) if k is not None else None
            return found.name_in(self.language) if found is not None else _("No department")

        return (
            {k: name(k) for k in keys},
            ("department", lambda k: departments[k].code if k in departments else NONE),
            lambda k: departments[k].code if k in departments else "~",
        )

    def escalations(self) -> Table:
        rows = (
            self.complaints.order_by()
            .annotate(level=highest_escalation())
            .filter(level__gt=0)
            .values("level")
            .annotate(n=Count("pk"))
            .order_by("level")
        )
        received = sum(n for _pk, n in self._counts_by_category())
        body = []
        for r in rows:
            level = int(r["level"])
            role = ESCALATION_LADDER[level - 1] if 0 < level <= len(ESCALATION_LADDER) else ""
            body.append(
                Row(
                    values=(
                        level,
                        str(Role(role).label) if role else "",
                        r["n"],
                        pct(r["n"], received),
                    ),
                    link=self.to(measure="escalated", level=level),
                )
            )
        total = sum(r["n"] for r in rows)
        body.append(
            Row(
                values=(_("Total"), "", total, pct(total, received)),
                link=self.to(measure="escalated"),
                total=True,
            )
        )
        return Table(
            key="escalations",
            title=_("Escalations by highest level reached"),
            columns=(
                Column("level", _("Level"), "count"),
                Column("role", _("Escalated to"), "text"),
                Column("count", _("Complaints"), "count"),
                Column("share", _("Share of received (%)"), "percent"),
            ),
            rows=tuple(body),
        )

    def reopens(self) -> Table:
        now, targets = self.now, self.targets
        aggregates = {
            "reopened": count_of("reopened", now, targets),
            "base": count_of("reopen_base", now, targets),
        }
        complaints = self.complaints.order_by()
        rows = [r for r in complaints.values("category_id").annotate(**aggregates) if r["reopened"]]
        overall = complaints.aggregate(**aggregates)
        body = [
            Row(
                values=(
                    self.category_name(r["category_id"]),
                    r["reopened"],
                    r["base"],
                    pct(r["reopened"], r["base"]),
                ),
                link=self.to(measure="reopened", category=self.category_code(r["category_id"])),
            )
            for r in sorted(
                rows, key=lambda r: (-r["reopened"], self.category_order(r["category_id"]))
            )
        ]
        body.append(
            Row(
                values=(
                    _("Total"),
                    overall["reopened"],
                    overall["base"],
                    pct(overall["reopened"], overall["base"]),
                ),
                link=self.to(measure="reopened"),
                total=True,
            )
        )
        return Table(
            key="reopens",
            title=_("Reopened complaints"),
            columns=(
                Column("category", _("Category"), "text"),
                Column("reopened", _("Reopened"), "count"),
                Column("resolved", _("Resolved at some time"), "count"),
                Column("rate", _("Reopen rate (%)"), "percent"),
            ),
            rows=tuple(body),
            note=_("Reopened at least once, of the complaints resolved (now or before a reopen)."),
        )

    def compensation(self) -> Table:
        granted = Q(status__in=list(GRANTED))
        paid = Q(status=RemedyProposal.Status.EXECUTED)
        aggregates = {
            "granted_count": Count("pk", filter=granted),
            "granted_amount": Sum("amount", filter=granted),
            "paid_count": Count("pk", filter=paid),
            "paid_amount": Sum("amount", filter=paid),
        }
        remedies = RemedyProposal.objects.using(self.using).filter(
            complaint__in=self.complaints.order_by().values("pk")
        )
        rows = [
            r
            for r in remedies.values("kind").annotate(**aggregates).order_by("kind")
            if r["granted_count"]
        ]
        # The totals row adds up the few rows per kind (each an aggregate already).
        overall: dict[str, Any] = {
            "granted_count": sum(r["granted_count"] for r in rows),
            "granted_amount": sum(
                (r["granted_amount"] or Decimal("0") for r in rows), Decimal("0")
            ),
            "paid_count": sum(r["paid_count"] for r in rows),
            "paid_amount": sum((r["paid_amount"] or Decimal("0") for r in rows), Decimal("0")),
        }
        kinds = list(RemedyProposal.Kind.values)
        body = [
            Row(
                values=(
                    str(RemedyProposal.Kind(r["kind"]).label),
                    r["granted_count"],
                    money(r["granted_amount"]),
                    r["paid_count"],
                    money(r["paid_amount"]),
                ),
                link=self.to(measure="granted", remedy=r["kind"]),
            )
            for r in sorted(rows, key=lambda r: kinds.index(r["kind"]))
        ]
        body.append(
            Row(
                values=(
                    _("Total"),
                    overall["granted_count"],
                    money(overall["granted_amount"]),
                    overall["paid_count"],
                    money(overall["paid_amount"]),
                ),
                link=self.to(measure="granted"),
                total=True,
            )
        )
        return Table(
            key="compensation",
            title=_("Compensation by remedy"),
            columns=(
                Column("remedy", _("Remedy"), "text"),
                Column("granted", _("Granted"), "count"),
                Column("granted_amount", _("Granted (CNY)"), "money"),
                Column("paid", _("Carried out"), "count"),
                Column("paid_amount", _("Paid (CNY)"), "money"),
            ),
            rows=tuple(body),
            note=_("Granted: approved or carried out. Paid: carried out."),
        )

    def satisfaction(self) -> Table:
        aggregates = {
            "answered": Count("pk", filter=ANSWERED),
            "mean": Avg(SATISFACTION, filter=ANSWERED),
            "positive": Count("pk", filter=satisfaction_at_least(4)),
            "nps_answers": Count("pk", filter=NPS_ANSWERED),
            "promoters": Count("pk", filter=PROMOTER),
            "detractors": Count("pk", filter=DETRACTOR),
        }
        complaints = self.complaints.order_by()
        rows = [
            r
            for r in complaints.values("category_id").annotate(**aggregates)
            if r["answered"] or r["nps_answers"]
        ]
        overall = complaints.aggregate(**aggregates)

        def values(label: str, r: Mapping[str, Any]) -> tuple[Value, ...]:
            passives = r["nps_answers"] - r["promoters"] - r["detractors"]
            return (
                label,
                r["answered"],
                score(r["mean"]),
                pct(r["positive"], r["answered"]),
                r["promoters"],
                passives,
                r["detractors"],
                nps_of(r["promoters"], r["detractors"], r["nps_answers"]),
            )

        body = [Row(values=values(_("All"), overall), link=self.to(measure="surveyed"), total=True)]
        body += [
            Row(
                values=values(self.category_name(r["category_id"]), r),
                link=self.to(measure="surveyed", category=self.category_code(r["category_id"])),
            )
            for r in sorted(rows, key=lambda r: self.category_order(r["category_id"]))
        ]
        return Table(
            key="satisfaction",
            title=_("Satisfaction and NPS"),
            columns=(
                Column("group", _("Category"), "text"),
                Column("answered", _("Surveys answered"), "count"),
                Column("mean", _("Satisfaction (1–5)"), "score"),
                Column("positive", _("Positive, 4–5 (%)"), "percent"),
                Column("promoters", _("Promoters (9–10)"), "count"),
                Column("passives", _("Passives (7–8)"), "count"),
                Column("detractors", _("Detractors (0–6)"), "count"),
                Column("nps", _("NPS"), "score"),
            ),
            rows=tuple(body),
            note=_(
                "Surveys answered for the month's complaints. NPS = % promoters − % detractors."
            ),
        )

    def staff(self) -> Table:
        complaints = self.complaints.order_by()
        named = set(
            complaints.filter(subject_staff__isnull=False)
            .values_list("subject_staff_id", flat=True)
            .distinct()
        )
        named |= set(
            complaints.filter(responsible_staff__isnull=False)
            .values_list("responsible_staff_id", flat=True)
            .distinct()
        )
        consequences = (
            Consequence.objects.using(self.using)
            .filter(complaint__in=complaints.values("pk"))
            .values("staff_id", "kind")
            .annotate(n=Count("pk"))
            .order_by()
        )
        by_kind: dict[int, dict[str, int]] = {}
        for r in consequences:
            by_kind.setdefault(r["staff_id"], {})[r["kind"]] = r["n"]
        staff_ids = sorted(named | set(by_kind))
        aggregates: dict[str, Any] = {}
        for pk in staff_ids:
            about = Q(subject_staff_id=pk) | Q(responsible_staff_id=pk)
            aggregates[f"n{pk}"] = Count("pk", filter=about)
            aggregates[f"a{pk}"] = Count("pk", filter=about & ANSWERED)
            aggregates[f"s{pk}"] = Avg(SATISFACTION, filter=about & ANSWERED)
        counts = complaints.aggregate(**aggregates) if aggregates else {}
        people = {u.pk: u for u in User.objects.using(self.using).filter(pk__in=staff_ids)}
        grants = RoleGrant.objects.using(self.using).filter(
            user_id__in=staff_ids, department__isnull=False
        )
        if self.venue is not None:
            grants = grants.filter(Q(venue_id=self.venue.pk) | Q(venue__isnull=True))
        departments: dict[int, str] = {}
        for grant in grants.select_related("department").order_by("pk"):
            assert grant.department is not None
            departments.setdefault(grant.user_id, grant.department.name_in(self.language))
        kinds = list(Consequence.Kind.values)
        body = [
            Row(
                values=(
                    people[pk].name_in(self.language) if pk in people else str(pk),
                    departments.get(pk, ""),
                    counts[f"n{pk}"],
                    counts[f"a{pk}"],
                    score(counts[f"s{pk}"]),
                    *(by_kind.get(pk, {}).get(kind, 0) for kind in kinds),
                ),
                link=self.to(staff=pk),
            )
            for pk in sorted(
                staff_ids,
                key=lambda pk: (
                    -counts[f"n{pk}"],
                    people[pk].name_in(self.language) if pk in people else "",
                ),
            )
        ]
        return Table(
            key="staff",
            title=_("Staff and coaches"),
            columns=(
                Column("staff", _("Staff member"), "text"),
                Column("department", _("Department"), "text"),
                Column("complaints", _("Complaints naming them"), "count"),
                Column("answered", _("Surveys answered"), "count"),
                Column("satisfaction", _("Satisfaction (1–5)"), "score"),
                *(Column(kind, str(Consequence.Kind(kind).label), "count") for kind in kinds),
            ),
            rows=tuple(body),
            note=_(
                "Complaints about them or finding them responsible; consequences recorded on "
                "the month's complaints."
            ),
        )

    def causes(self, by_category: Sequence[tuple[int | None, int]]) -> Table:
        total = sum(n for _pk, n in by_category)
        running = 0
        body = []
        for pk, n in by_category:
            running += n
            body.append(
                Row(
                    values=(self.category_name(pk), n, pct(n, total), pct(running, total)),
                    link=self.to(category=self.category_code(pk)),
                )
            )
        return Table(
            key="causes",
            title=_("Top causes"),
            columns=(
                Column("category", _("Category"), "text"),
                Column("count", _("Complaints"), "count"),
                Column("share", _("Share (%)"), "percent"),
                Column("cumulative", _("Cumulative share (%)"), "percent"),
            ),
            rows=tuple(body),
        )

    def cause_kinds(self) -> Table:
        values = [value for value, _label in Complaint.Cause.choices]
        counts = self.complaints.order_by().aggregate(
            **{value or NONE: Count("pk", filter=Q(cause=value)) for value in values}
        )
        total = sum(counts.values())
        body = [
            Row(
                values=(
                    str(Complaint.Cause(value).label),
                    counts[value or NONE],
                    pct(counts[value or NONE], total),
                ),
                link=self.to(cause=value or NONE),
            )
            for value in (
                Complaint.Cause.SUBJECTIVE,
                Complaint.Cause.OBJECTIVE,
                Complaint.Cause.UNDECIDED,
            )
        ]
        return Table(
            key="cause_kinds",
            title=_("Subjective and objective causes"),
            columns=(
                Column("cause", _("Cause"), "text"),
                Column("count", _("Complaints"), "count"),
                Column("share", _("Share (%)"), "percent"),
            ),
            rows=tuple(body),
        )

    def recurring(self) -> Table:
        rows = list(
            self.complaints.order_by()
            .annotate(subject=subject_key())
            .exclude(subject="")
            .values("venue_id", "category_id", "subject")
            .annotate(n=Count("pk"), customers=Count("customer_id", distinct=True))
            .filter(n__gte=2)
        )
        venues = {
            v.pk: v
            for v in Venue.objects.using(self.using).filter(pk__in={r["venue_id"] for r in rows})
        }
        staff_ids = [int(r["subject"][6:]) for r in rows if r["subject"].startswith("staff:")]
        dept_ids = [int(r["subject"][11:]) for r in rows if r["subject"].startswith("department:")]
        people = {
            u.pk: u.name_in(self.language)
            for u in User.objects.using(self.using).filter(pk__in=staff_ids)
        }
        depts = {
            d.pk: d.name_in(self.language)
            for d in Department.objects.using(self.using).filter(pk__in=dept_ids)
        }

        def about(key: str) -> str:
            kind, _sep, rest = key.partition(":")
            if kind == "staff":
                return people.get(int(rest), rest)
            if kind == "department":
                return depts.get(int(rest), rest)
            return rest

        body = [
            Row(
                values=(
                    venues[r["venue_id"]].name_in(self.language),
                    self.category_name(r["category_id"]),
                    about(r["subject"]),
                    r["n"],
                    r["customers"],
                ),
                link={
                    **self.link,
                    "venue": venues[r["venue_id"]].code,
                    "category": self.category_code(r["category_id"]),
                    "subject": r["subject"],
                },
            )
            for r in sorted(rows, key=lambda r: (-r["n"], venues[r["venue_id"]].code, r["subject"]))
        ]
        return Table(
            key="recurring",
            title=_("Recurring problems"),
            columns=(
                Column("venue", _("Venue"), "text"),
                Column("category", _("Category"), "text"),
                Column("subject", _("About"), "text"),
                Column("count", _("Complaints"), "count"),
                Column("customers", _("Customers"), "count"),
            ),
            rows=tuple(body),
            note=_(
                "Two or more complaints in the month at the same venue, in the same category, "
                "about the same person, department, subject or place."
            ),
        )

    def comparison(self, totals: Mapping[date, Totals]) -> Table:
        this = totals.get(self.month, Totals())
        last = totals.get(add_months(self.month, -1), Totals())
        year = totals.get(add_months(self.month, -12), Totals())
        labels = figure_labels()
        body = []
        for spec in FIGURES:
            if not spec.totals:
                continue
            now_value = getattr(this, spec.totals)
            last_value = getattr(last, spec.totals)
            year_value = getattr(year, spec.totals)
            body.append(
                Row(
                    values=(
                        labels[spec.key],
                        _as_decimal(now_value),
                        _as_decimal(last_value),
                        change(now_value, last_value),
                        _as_decimal(year_value),
                        change(now_value, year_value),
                    ),
                    link=self.to(measure=spec.measure),
                )
            )
        return Table(
            key="comparison",
            title=_("Against last month and last year"),
            columns=(
                Column("figure", _("Figure"), "text"),
                Column("this_month", _("This month"), "score"),
                Column("last_month", _("Last month"), "score"),
                Column("change", _("Change (%)"), "delta"),
                Column("last_year", _("Same month last year"), "score"),
                Column("change_year", _("Change (%)"), "delta"),
            ),
            rows=tuple(body),
            note=_(
                "From the daily rollups: rates are of the complaints responded to, resolved "
                "or surveyed; the resolution rate is of those received."
            ),
        )

    def improvements(self) -> Table:
        columns = (
            Column("title", _("Improvement action"), "text"),
            Column("status", _("Status"), "text"),
            Column("due", _("Due"), "date"),
            Column("done", _("Done at"), "datetime"),
            Column("before", _("Complaints before"), "count"),
            Column("after", _("Complaints after"), "count"),
            Column("window", _("Window (days)"), "count"),
            Column("verdict", _("Effect"), "text"),
        )
        start, end = month_span(
            self.month, self.venue.timezone if self.venue else settings.TIME_ZONE
        )
        actions = actions_in_month(
            company_id=self.company.pk,
            venue_id=self.venue.pk if self.venue is not None else None,
            start=start,
            end=end,
        ).using(self.using)
        body = []
        for action in actions:
            effect = effect_of(action, now=self.now)
            body.append(
                Row(
                    values=(
                        action.title,
                        str(action.get_status_display()),
                        action.due_on,
                        action.done_at,
                        effect.before,
                        effect.after,
                        effect.window_days,
                        str(VERDICT_LABELS[effect.verdict]),
                    ),
                )
            )
        return Table(
            key="improvements",
            title=_("Improvement actions"),
            columns=columns,
            rows=tuple(body),
            note=_(
                "Actions due or done in the month; complaints of their cause at their venue in "
                "equal windows before they were raised and after they were done."
            ),
        )

    # charts

    def charts(
        self, totals: Mapping[date, Totals], trend_months: Sequence[date]
    ) -> tuple[Chart, ...]:
        by_category = self._counts_by_category()
        total = sum(n for _pk, n in by_category)
        cumulative, running = [], 0
        for _pk, n in by_category:
            running += n
            cumulative.append(float(pct(running, total) or 0))
        names = tuple(self.category_name(pk) for pk, _n in by_category)
        counts = tuple(float(n) for _pk, n in by_category)
        trend = [totals.get(m, Totals()) for m in trend_months]

        def floats(values: Sequence[Decimal | None]) -> tuple[float | None, ...]:
            return tuple(None if v is None else float(v) for v in values)

        return (
            Chart(
                key="trend",
                title=_("Monthly trend"),
                labels=tuple(f"{m:%Y-%m}" for m in trend_months),
                series=(
                    Series(_("Complaints received"), tuple(float(t.received) for t in trend)),
                    Series(
                        _("Resolution rate (%)"),
                        floats([t.resolution_rate for t in trend]),
                        "line",
                        "right",
                    ),
                    Series(
                        _("First responses on time (%)"),
                        floats([t.on_time_rate for t in trend]),
                        "line",
                        "right",
                    ),
                ),
                y_label=_("Complaints"),
                y2_label="%",
            ),
            Chart(
                key="categories",
                title=_("Complaints by category"),
                labels=names,
                series=(Series(_("Complaints"), counts),),
                y_label=_("Complaints"),
            ),
            Chart(
                key="pareto",
                title=_("Pareto of causes"),
                labels=names,
                series=(
                    Series(_("Complaints"), counts),
                    Series(_("Cumulative share (%)"), tuple(cumulative), "line", "right"),
                ),
                y_label=_("Complaints"),
                y2_label="%",
            ),
            self.response_times(),
        )

    def response_times(self) -> Chart:
        buckets = (
            (_("< 1 h"), 0, 1),
            (_("1–4 h"), 1, 4),
            (_("4–12 h"), 4, 12),
            (_("12–24 h"), 12, 24),
            (_("24–48 h"), 24, 48),
            (_("> 48 h"), 48, None),
        )
        aggregates = {}
        for i, (_label, low, high) in enumerate(buckets):
            within = Q(wait__gte=low * 3600)
            if high is not None:
                within &= Q(wait__lt=high * 3600)
            aggregates[f"b{i}"] = Count("pk", filter=within)
        counts = (
            self.complaints.order_by()
            .filter(responded_at__isnull=False)
            .annotate(wait=Seconds(F("responded_at"), F("received_at")))
            .aggregate(**aggregates)
        )
        return Chart(
            key="response_times",
            title=_("First response times"),
            labels=tuple(label for label, _low, _high in buckets),
            series=(
                Series(_("Complaints"), tuple(float(counts[f"b{i}"]) for i in range(len(buckets)))),
            ),
            y_label=_("Complaints"),
        )


def _severity(value: str) -> str:
    return str(Severity(value).label) if value in Severity.values else _("Not set")


def _channel(value: str) -> str:
    return str(Channel(value).label) if value in Channel.values else value


def _as_decimal(value: int | Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value)
