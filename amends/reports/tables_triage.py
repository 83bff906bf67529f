"""How often people disagree with triage: the month's complaints by the category triage
suggested, with how many a person reclassified, and how the urgent suggestions fared.

Definitions (the month's cohort, `figures.cohort`; a complaint counts once in each column):

- *with a suggestion*: triage read the complaint at intake (`Complaint.suggested_category`);
- *category / severity overridden*: a person chose other than the suggestion, at intake or
  later — a `TriageOverride` row of that field (`complaints.services.triage`);
- *urgent suggested*: triage suggested urgent (the managers were alerted at once);
- *urgent confirmed*: of those, the complaint is urgent now.

Every figure is one aggregate query grouped by the suggested category; the overrides are found
through their `complaint_id` index (`EXISTS`), never loaded. The definitions are the drill-down's
(`figures.triage_filters`): a row links to the complaints it counts."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _

from amends.orgs.models import in_language
from amends.reports.figures import triage_filters
from amends.reports.numbers import pct
from amends.reports.structure import Column, Row, Table
from amends.reports.tables_base import ReportBuilderBase

COUNTS = (
    "triaged",
    "category_overridden",
    "severity_overridden",
    "urgent_suggested",
    "urgent_confirmed",
)


class TriageTables(ReportBuilderBase):
    """How often people disagree with triage's suggestions (the issue's "overrides counted per
    category in the reports")."""

    def triage_agreement(self) -> Table:
        filters = triage_filters()
        aggregates: dict[str, Any] = {
            name: Count("pk", filter=filters[name]) for name in COUNTS if name != "triaged"
        }
        rows = list(
            self.complaints.order_by()
            .filter(filters["triaged"])
            .values("suggested_category")
            .annotate(triaged=Count("pk"), **aggregates)
        )
        by_code = {c.code: c for c in self.categories.values()}

        def name(code: str) -> str:
            category = by_code.get(code)
            if category is None:
                return code
            return in_language(category.name_zh, category.name_en, self.language)

        def order(code: str) -> tuple[int, str]:
            category = by_code.get(code)
            return (category.position, code) if category is not None else (9999, code)

        def values(label: str, counts: dict[str, int]) -> tuple[Any, ...]:
            n = counts["triaged"]
            return (
                label,
                n,
                counts["category_overridden"],
                pct(counts["category_overridden"], n),
                counts["severity_overridden"],
                pct(counts["severity_overridden"], n),
                counts["urgent_suggested"],
                counts["urgent_confirmed"],
            )

        body = [
            Row(
                values=values(name(r["suggested_category"]), r),
                link=self.to(measure="triaged", suggested=r["suggested_category"]),
            )
            for r in sorted(rows, key=lambda r: order(r["suggested_category"]))
        ]
        # The groups are disjoint: the total is the sum of the database's counts.
        total = {key: sum(r[key] for r in rows) for key in COUNTS}
        body.append(
            Row(values=values(_("Total"), total), link=self.to(measure="triaged"), total=True)
        )
        return Table(
            key="triage",
            title=_("Triage agreement"),
            columns=(
                Column("category", _("Suggested category"), "text"),
                Column("triaged", _("With a suggestion"), "count"),
                Column("category_overridden", _("Category overridden"), "count"),
                Column("category_override_rate", _("Category overridden (%)"), "percent"),
                Column("severity_overridden", _("Severity overridden"), "count"),
                Column("severity_override_rate", _("Severity overridden (%)"), "percent"),
                Column("urgent_suggested", _("Urgent suggested"), "count"),
                Column("urgent_confirmed", _("Urgent confirmed"), "count"),
            ),
            rows=tuple(body),
            note=_(
                "Complaints received in the month that triage read, by the category it "
                "suggested. Overridden: a person chose another category or severity, at intake "
                "or later. Urgent confirmed: suggested urgent and urgent now."
            ),
        )
