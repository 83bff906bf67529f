"""Response and resolution times by category, severity and department."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Avg
from django.utils.translation import gettext as _

from amends.reports.figures import (
    RESOLUTION_SECONDS,
    RESPONSE_SECONDS,
    count_of,
    percentiles,
    percentiles_by_each,
)
from amends.reports.numbers import (
    hours,
    pct,
)
from amends.reports.structure import (
    Column,
    Row,
    Table,
    Value,
)
from amends.reports.tables_base import ReportBuilderBase


class TimeTables(ReportBuilderBase):
    """Response and resolution times by category, severity and department."""

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
        measures = (("response", RESPONSE_SECONDS), ("resolution", RESOLUTION_SECONDS))
        quantiles = {
            (measure, q): by_group
            for measure, expression in measures
            for q, by_group in percentiles_by_each(
                complaints, group, expression, (0.5, 0.9)
            ).items()
        }
        if self._overall is None:  # the "All" row is the same in the three tables
            self._overall = (
                complaints.aggregate(**aggregates),
                {
                    (measure, q): value
                    for measure, expression in measures
                    for q, value in percentiles(complaints, expression, (0.5, 0.9)).items()
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
