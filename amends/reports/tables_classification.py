"""The month's complaints by classification and validity, their escalations and reopens."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from amends.orgs.roles import ESCALATION_LADDER, Role
from amends.reports.figures import (
    count_of,
    highest_escalation,
)
from amends.reports.numbers import (
    NONE,
    pct,
)
from amends.reports.structure import (
    Column,
    Row,
    Table,
)
from amends.reports.tables_base import ReportBuilderBase, _channel, _severity
from amends.workflow.taxonomy import Channel, Severity, Validity


class ClassificationTables(ReportBuilderBase):
    """The month's complaints by classification and validity, their escalations and reopens."""

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
