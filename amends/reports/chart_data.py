"""The data of the report's charts: trend, categories, Pareto, response times."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Q
from django.utils.translation import gettext as _

from amends.reports.figures import (
    Seconds,
)
from amends.reports.numbers import (
    pct,
)
from amends.reports.rollups import Totals
from amends.reports.structure import (
    Chart,
    Series,
)
from amends.reports.tables_base import ReportBuilderBase


class ChartData(ReportBuilderBase):
    """The data of the report's charts: trend, categories, Pareto, response times."""

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
