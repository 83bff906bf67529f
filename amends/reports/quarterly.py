"""The quarterly review of the process itself (SPEC §8, "quarterly evaluation of the process"):
how the time limits were kept and how satisfied customers were, month by month over this quarter
and the one before, and what the improvement actions did.

Every monthly figure is read from the daily rollups (`rollups.month_totals`: the complaints
received in each month, what became of them so far), so the review costs six grouped sums
whatever the history. The quarter's satisfaction is judged against SPEC §10's "satisfaction
up 5 points a quarter": the share of positive answers (4–5 of 5) this quarter against last,
in percentage points.

The review is one `Report` (amends.reports.structure), like the monthly report: the console
renders its tables, and any export can.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from amends.core import clock
from amends.core.errors import InvalidInput, NotFound
from amends.improvements.effect import VERDICT_LABELS, effect_of
from amends.improvements.models import ImprovementAction
from amends.improvements.selectors import OPEN_STATUSES
from amends.orgs.models import Company, User, Venue
from amends.reports import db, rollups
from amends.reports.access import check_report_access
from amends.reports.rollups import Totals
from amends.reports.structure import (
    Chart,
    Column,
    Figure,
    Rag,
    Report,
    Row,
    Series,
    Table,
    Value,
)
from amends.workflow.selectors import service_targets

# SPEC §10: satisfaction up 5 points a quarter (percentage points of positive answers).
SATISFACTION_GAIN_POINTS = Decimal("5")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int  # 1–4

    @classmethod
    def parse(cls, text: str) -> Quarter:
        found = _QUARTER.match((text or "").strip().upper())
        if found is None or not 2000 <= int(found.group(1)) <= 2999:
            raise InvalidInput(
                _("Give the quarter as YYYY-Qn, e.g. 2026-Q4."), code="quarter_invalid"
            )
        return cls(int(found.group(1)), int(found.group(2)))

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def months(self) -> tuple[date, date, date]:
        first = 3 * (self.number - 1) + 1
        return (
            date(self.year, first, 1),
            date(self.year, first + 1, 1),
            date(self.year, first + 2, 1),
        )

    @property
    def start(self) -> date:
        return self.months[0]

    @property
    def end(self) -> date:
        """The first day after the quarter."""
        return self.next.start

    @property
    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    @property
    def next(self) -> Quarter:
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )


def _sum(totals: list[Totals]) -> Totals:
    return Totals(**{name: sum(getattr(t, name) for t in totals) for name in rollups.MEASURES})


def _points(now: Decimal | None, base: Decimal | None) -> Decimal | None:
    if now is None or base is None:
        return None
    return (now - base).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _gain_rag(gain: Decimal | None, share: Decimal | None, target: Decimal) -> Rag:
    """Green: up by the 5 points, or already at the positive-share target (where 5 more points
    cannot be had); amber: up, but by less; red: down."""
    if gain is None:
        return ""
    if gain >= SATISFACTION_GAIN_POINTS or (share is not None and share >= target):
        return "green"
    return "amber" if gain >= 0 else "red"


def _month_label(month: date) -> str:
    return date_format(month, "YEAR_MONTH_FORMAT")


def _quarter_label(quarter: Quarter) -> str:
    return _("Q%(n)s %(year)s") % {"n": quarter.number, "year": quarter.year}


def quarter_review(
    *,
    actor: User | None,
    company: Company,
    venue: Venue | None,
    quarter: str,
    language: str,
    now: datetime | None = None,
) -> Report:
    """The process review of `venue` (None: the whole company) for `quarter` ("2026-Q4"), in
    `language`. `actor` None is amends itself (no access check); otherwise the actor must hold a
    report role there. Unless reading from a replica, the scope's rollups are brought up to date
    first. Raises InvalidInput for a malformed quarter."""
    this = Quarter.parse(quarter)
    if venue is not None and venue.company_id != company.pk:
        raise NotFound(_("No such venue."), code="venue_not_found")
    if actor is not None:
        check_report_access(actor=actor, venue=venue)
    moment = now or clock.now()
    venue_ids = (
        [venue.pk]
        if venue is not None
        else list(Venue.objects.filter(company_id=company.pk).values_list("pk", flat=True))
    )
    if not db.on_replica():
        rollups.refresh(now=moment, venue_ids=venue_ids)
        current: datetime | None = moment
    else:
        current = rollups.current_to()
    zone = ZoneInfo(venue.timezone if venue is not None else settings.TIME_ZONE)
    months = (*this.previous.months, *this.months)
    totals = rollups.month_totals(venue_ids=venue_ids, months=months)
    with translation.override(language):
        review = _Review(
            company=company, venue=venue, quarter=this, totals=totals, now=moment, zone=zone
        )
        scope_label = venue.name_in(language) if venue is not None else company.name
        title = _("%(scope)s — process review, %(quarter)s") % {
            "scope": scope_label,
            "quarter": _quarter_label(this),
        }
        figures, tables, charts = review.figures(), review.tables(), review.charts()
    return Report(
        title=title,
        scope_label=scope_label,
        venue_code=venue.code if venue is not None else "",
        month=this.start,
        period_start=datetime(this.start.year, this.start.month, 1, tzinfo=zone),
        period_end=datetime(this.end.year, this.end.month, 1, tzinfo=zone),
        time_zone=str(zone),
        language=language,
        generated_at=moment,
        current_to=current,
        figures=figures,
        tables=tables,
        charts=charts,
    )


class _Review:
    """The figures, tables and charts of one review (labels in the active language)."""

    def __init__(
        self,
        *,
        company: Company,
        venue: Venue | None,
        quarter: Quarter,
        totals: dict[date, Totals],
        now: datetime,
        zone: ZoneInfo,
    ) -> None:
        self.company, self.venue, self.quarter, self.now, self.zone = (
            company,
            venue,
            quarter,
            now,
            zone,
        )
        self.totals = totals
        self.this = _sum([totals[m] for m in quarter.months])
        self.last = _sum([totals[m] for m in quarter.previous.months])
        self.targets = service_targets(company_id=company.pk)
        actions = ImprovementAction.objects.filter(company_id=company.pk)
        if venue is not None:
            actions = actions.filter(venue_id=venue.pk)
        self.actions = actions.select_related("venue", "owner", "category")
        self.since = datetime(quarter.start.year, quarter.start.month, 1, tzinfo=zone)
        self.until = datetime(quarter.end.year, quarter.end.month, 1, tzinfo=zone)

    # --- figures ---------------------------------------------------------------------------

    def satisfaction_gain(self) -> Decimal | None:
        return _points(self.this.positive_share, self.last.positive_share)

    def done(self) -> list[ImprovementAction]:
        return list(
            self.actions.filter(
                status=ImprovementAction.Status.DONE,
                done_at__gte=self.since,
                done_at__lt=self.until,
            ).order_by("done_at", "pk")
        )

    def overdue(self) -> list[ImprovementAction]:
        """Actions still open whose due date passed by the end of the quarter (or today, for the
        quarter under way)."""
        today = self.now.astimezone(self.zone).date()
        return list(
            self.actions.filter(
                status__in=OPEN_STATUSES, due_on__lt=min(today, self.quarter.end)
            ).order_by("due_on", "pk")
        )

    def figures(self) -> tuple[Figure, ...]:
        this, last, targets = self.this, self.last, self.targets
        gain = self.satisfaction_gain()
        rows = [
            ("response_on_time_rate", _("First responses on time"), "percent", this.on_time_rate,
             last.on_time_rate),
            ("resolution_on_time_rate", _("Resolutions on time"), "percent",
             this.resolution_on_time_rate, last.resolution_on_time_rate),
            ("resolution_rate", _("Resolution rate"), "percent", this.resolution_rate,
             last.resolution_rate),
            ("avg_first_response_hours", _("Average first response (hours)"), "hours",
             this.avg_response_hours, last.avg_response_hours),
            ("satisfaction", _("Satisfaction (1–5)"), "score", this.mean_satisfaction,
             last.mean_satisfaction),
            ("positive_rate", _("Positive (4–5)"), "percent", this.positive_share,
             last.positive_share),
            ("nps", _("NPS"), "score", this.nps, last.nps),
        ]  # fmt: skip
        found = [
            Figure(key=key, label=label, value=value, kind=kind, change=_points(value, base))  # type: ignore[arg-type]
            for key, label, kind, value, base in rows
        ]
        found.append(
            Figure(
                key="satisfaction_gain",
                label=_("Satisfaction change against last quarter (points)"),
                value=gain,
                kind="delta",
                target=SATISFACTION_GAIN_POINTS,
                rag=_gain_rag(gain, this.positive_share, targets.positive_rate),
            )
        )
        found.append(
            Figure(key="actions_done", label=_("Improvement actions done"), value=len(self.done()))
        )
        found.append(
            Figure(
                key="actions_overdue",
                label=_("Improvement actions overdue"),
                value=len(self.overdue()),
            )
        )
        return tuple(found)

    # --- tables ----------------------------------------------------------------------------

    def _month_rows(self, values: Callable[[Totals], tuple[Value, ...]]) -> tuple[Row, ...]:
        rows = [Row(values=(_month_label(m), *values(self.totals[m]))) for m in self.months]
        for quarter, totals in ((self.quarter.previous, self.last), (self.quarter, self.this)):
            rows.append(Row(values=(_quarter_label(quarter), *values(totals)), total=True))
        return tuple(rows)

    @property
    def months(self) -> tuple[date, ...]:
        return (*self.quarter.previous.months, *self.quarter.months)

    def sla(self) -> Table:
        return Table(
            key="sla",
            title=_("Time limits kept, month by month"),
            columns=(
                Column("month", _("Month"), "text"),
                Column("received", _("Received"), "count"),
                Column("response_on_time", _("First responses on time"), "percent"),
                Column("resolution_on_time", _("Resolutions on time"), "percent"),
                Column("resolution_rate", _("Resolution rate"), "percent"),
                Column("avg_response_hours", _("Average first response (hours)"), "hours"),
            ),
            rows=self._month_rows(
                lambda t: (
                    t.received,
                    t.on_time_rate,
                    t.resolution_on_time_rate,
                    t.resolution_rate,
                    t.avg_response_hours,
                )
            ),
            note=_(
                "Complaints received in each month and what became of them so far; on time: "
                "made by the deadline, of those made."
            ),
        )

    def satisfaction(self) -> Table:
        return Table(
            key="satisfaction",
            title=_("Satisfaction, month by month"),
            columns=(
                Column("month", _("Month"), "text"),
                Column("surveyed", _("Surveys answered"), "count"),
                Column("mean", _("Satisfaction (1–5)"), "score"),
                Column("positive", _("Positive (4–5)"), "percent"),
                Column("nps", _("NPS"), "score"),
            ),
            rows=self._month_rows(
                lambda t: (t.surveyed, t.mean_satisfaction, t.positive_share, t.nps)
            ),
            note=_("Surveys answered for the complaints received in each month."),
        )

    def actions_done(self) -> Table:
        rows = []
        for action in self.done():
            effect = effect_of(action, now=self.now)
            rows.append(
                Row(
                    values=(
                        action.title,
                        action.venue.code if action.venue else _("Company-wide"),
                        str(action.category) if action.category else "—",
                        action.owner.name_in()
                        if hasattr(action.owner, "name_in")
                        else str(action.owner),
                        action.done_at.astimezone(self.zone).date() if action.done_at else None,
                        effect.before,
                        effect.after,
                        str(VERDICT_LABELS[effect.verdict]),
                    ),
                    link={"improvement": str(action.pk)},
                )
            )
        return Table(
            key="actions_done",
            title=_("Improvement actions done this quarter, and their effect"),
            columns=(
                Column("title", _("Improvement action"), "text"),
                Column("venue", _("Venue"), "text"),
                Column("cause", _("Cause"), "text"),
                Column("owner", _("Action owner"), "text"),
                Column("done", _("Done"), "date"),
                Column("before", _("Complaints before"), "count"),
                Column("after", _("Complaints after"), "count"),
                Column("verdict", _("Effect"), "text"),
            ),
            rows=tuple(rows),
            note=_(
                "Complaints of the action's cause in the 30 days before it was raised and the "
                "30 days after it was done."
            ),
        )

    def actions_overdue(self) -> Table:
        today = self.now.astimezone(self.zone).date()
        rows = tuple(
            Row(
                values=(
                    action.title,
                    action.venue.code if action.venue else _("Company-wide"),
                    action.owner.name_in()
                    if hasattr(action.owner, "name_in")
                    else str(action.owner),
                    action.due_on,
                    action.get_status_display(),
                    (today - action.due_on).days,
                ),
                link={"improvement": str(action.pk)},
            )
            for action in self.overdue()
        )
        return Table(
            key="actions_overdue",
            title=_("Improvement actions overdue"),
            columns=(
                Column("title", _("Improvement action"), "text"),
                Column("venue", _("Venue"), "text"),
                Column("owner", _("Action owner"), "text"),
                Column("due", _("Due"), "date"),
                Column("status", _("Status"), "text"),
                Column("days_late", _("Days late"), "count"),
            ),
            rows=rows,
        )

    def tables(self) -> tuple[Table, ...]:
        return (self.sla(), self.satisfaction(), self.actions_done(), self.actions_overdue())

    # --- charts ----------------------------------------------------------------------------

    def charts(self) -> tuple[Chart, ...]:
        labels = tuple(_month_label(m) for m in self.months)

        def series(name: str, attribute: str, kind: str = "line") -> Series:
            values = tuple(
                float(v) if (v := getattr(self.totals[m], attribute)) is not None else None
                for m in self.months
            )
            return Series(name=name, values=values, kind=kind)  # type: ignore[arg-type]

        return (
            Chart(
                key="sla_trend",
                title=_("Time limits kept"),
                labels=labels,
                series=(
                    series(_("First responses on time"), "on_time_rate"),
                    series(_("Resolutions on time"), "resolution_on_time_rate"),
                    series(_("Resolution rate"), "resolution_rate"),
                ),
                y_label="%",
            ),
            Chart(
                key="satisfaction_trend",
                title=_("Satisfaction"),
                labels=labels,
                series=(series(_("Positive (4–5)"), "positive_share"),),
                y_label="%",
            ),
        )


def current_quarter(*, now: datetime | None = None, zone: str | None = None) -> str:
    moment = (now or clock.now()).astimezone(ZoneInfo(zone or settings.TIME_ZONE))
    return str(Quarter.of(moment.date()))
