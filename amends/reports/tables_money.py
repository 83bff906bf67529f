"""Compensation by remedy, satisfaction and NPS."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Q, Sum
from django.utils.translation import gettext as _

from amends.complaints.models import RemedyProposal
from amends.reports.figures import (
    ANSWERED,
    DETRACTOR,
    GRANTED,
    NPS_ANSWERED,
    PROMOTER,
    from_survey,
    satisfaction_at_least,
    surveys_of,
)
from amends.reports.numbers import (
    money,
    nps_of,
    pct,
    score,
)
from amends.reports.structure import (
    Column,
    Row,
    Table,
    Value,
)
from amends.reports.tables_base import ReportBuilderBase


class MoneyTables(ReportBuilderBase):
    """Compensation by remedy, satisfaction and NPS."""

    def compensation(self) -> Table:
        granted = Q(status__in=list(GRANTED))
        paid = Q(status=RemedyProposal.Status.EXECUTED)
        aggregates = {
            "granted_count": Count("pk", filter=granted),
            "granted_amount": Sum("amount", filter=granted),
            "paid_count": Count("pk", filter=paid),
            "paid_amount": Sum("amount", filter=paid),
        }
        remedies = self.of_month(RemedyProposal.objects.all())
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
        # Read from the surveys of the month's complaints (one per complaint: the same counts
        # as over the complaints joined to their survey), grouped by their complaint's category.
        answered = from_survey(ANSWERED)
        aggregates = {
            "answered": Count("pk", filter=answered),
            "mean": Avg("satisfaction", filter=answered),
            "positive": Count("pk", filter=from_survey(satisfaction_at_least(4))),
            "nps_answers": Count("pk", filter=from_survey(NPS_ANSWERED)),
            "promoters": Count("pk", filter=from_survey(PROMOTER)),
            "detractors": Count("pk", filter=from_survey(DETRACTOR)),
            "total": Sum("satisfaction", filter=answered),
        }
        groups = [
            {**r, "category_id": r["complaint__category_id"]}
            for r in surveys_of(self.complaints)
            .values("complaint__category_id")
            .annotate(**aggregates)
            .order_by()
        ]
        rows = [r for r in groups if r["answered"] or r["nps_answers"]]
        # The "All" row adds up the categories (counts and the sum of scores: the mean is the
        # sum over the count, as AVG computes it) instead of joining the surveys again.
        overall: dict[str, Any] = {
            key: sum(r[key] or 0 for r in groups)
            for key in ("answered", "positive", "nps_answers", "promoters", "detractors", "total")
        }
        overall["mean"] = (
            Decimal(overall["total"]) / Decimal(overall["answered"])
            if overall["answered"]
            else None
        )

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
