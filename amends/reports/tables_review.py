"""Against last month and last year (from the rollups), and the month's improvement actions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.conf import settings
from django.utils.translation import gettext as _

from amends.improvements.effect import VERDICT_LABELS, effect_of
from amends.improvements.selectors import actions_in_month
from amends.reports.figure_specs import FIGURES, figure_labels
from amends.reports.figures import (
    add_months,
    month_span,
)
from amends.reports.numbers import (
    change,
)
from amends.reports.rollups import Totals
from amends.reports.structure import (
    Column,
    Row,
    Table,
)
from amends.reports.tables_base import ReportBuilderBase, _as_decimal


class ReviewTables(ReportBuilderBase):
    """Against last month and last year (from the rollups), and the month's improvement actions."""

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
