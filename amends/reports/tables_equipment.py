"""Equipment in the monthly report (SPEC §9, §10): uptime per category and venue against the
venue's target, MTBF, the fault ledger, the repeat-fault machines and the share of faults
reacted to within the response time.

Each venue's month is its own local month. Uptime and MTBF follow `amends.equipment.uptime`
(opening hours only, downtimes merged and clipped, two places rounded half-up at the end);
faults are fault work orders reported in the month (cancelled reports left out, except in the
ledger, which lists them with their status). Venues without equipment are left out."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, Q
from django.utils.translation import gettext as _

from amends.equipment.clock import settings_for
from amends.equipment.models import Asset, WorkOrder
from amends.equipment.uptime import (
    availability_by_asset,
    combine,
    fault_ledger,
    repeat_faults,
    uptime_rows,
)
from amends.orgs.models import Venue
from amends.reports.figures import month_span
from amends.reports.numbers import pct
from amends.reports.structure import Column, Row, Table
from amends.reports.tables_base import ReportBuilderBase

ONE = Decimal("0.1")
TWO = Decimal("0.01")


def _one(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(ONE, ROUND_HALF_UP)


def _yes(value: bool | None) -> str:
    if value is None:
        return "—"
    return _("yes") if value else _("no")


class EquipmentTables(ReportBuilderBase):
    """The equipment tables of a venue's (or the company's) month."""

    def equipment_venues(self) -> list[Venue]:
        if getattr(self, "_equipment_venues", None) is None:
            venues = (
                [self.venue]
                if self.venue is not None
                else list(Venue.objects.using(self.using).filter(company_id=self.company.pk))
            )
            with_assets = set(
                Asset.objects.using(self.using)
                .filter(venue__in=venues)
                .values_list("venue_id", flat=True)
                .distinct()
            )
            self._equipment_venues = sorted(
                (v for v in venues if v.pk in with_assets), key=lambda v: v.code
            )
        return self._equipment_venues

    def equipment_span(self, venue: Venue) -> tuple[datetime, datetime]:
        """The venue's local month, cut at `now`: the current month counts up to now only
        (an open downtime does not run into the future); a month starting after now is empty
        (no figure)."""
        start, end = month_span(self.month, venue.timezone)
        if self.now is not None:
            end = max(start, min(end, self.now))
        return start, end

    def equipment_tables(self) -> tuple[Table, ...]:
        return (
            self.equipment_uptime(),
            self.equipment_mtbf(),
            self.equipment_response(),
            self.equipment_repeat_faults(),
            self.equipment_fault_ledger(),
        )

    # --- uptime ---------------------------------------------------------------------------------

    def equipment_uptime(self) -> Table:
        rows: list[Row] = []
        for venue in self.equipment_venues():
            for found in uptime_rows([venue], *self.equipment_span(venue)):
                rows.append(
                    Row(
                        values=(
                            venue.name_in(self.language),
                            found.category_label or _("All equipment"),
                            found.assets,
                            _one(found.open_hours),
                            _one(found.down_hours),
                            found.uptime,
                            found.target,
                            _yes(found.met),
                        ),
                        total=not found.category,
                    )
                )
        return Table(
            key="equipment_uptime",
            title=_("Equipment uptime"),
            columns=(
                Column("venue", _("Venue"), "text"),
                Column("category", _("Equipment category"), "text"),
                Column("assets", _("Assets")),
                Column("open_hours", _("Opening hours"), "hours"),
                Column("down_hours", _("Hours out of service"), "hours"),
                Column("uptime", _("Uptime (%)"), "score"),
                Column("target", _("Target (%)"), "score"),
                Column("met", _("Target met"), "text"),
            ),
            rows=tuple(rows),
            note=_(
                "Over opening hours; overlapping periods out of service counted once; "
                "rounded half-up to two places."
            ),
        )

    # --- MTBF -----------------------------------------------------------------------------------

    def equipment_mtbf(self) -> Table:
        rows: list[Row] = []
        for venue in self.equipment_venues():
            start, end = self.equipment_span(venue)
            assets = list(
                Asset.objects.using(self.using)
                .filter(venue=venue)
                .exclude(status=Asset.Status.RETIRED)
                .select_related("venue")
            )
            by_asset = availability_by_asset(assets, start, end)
            faults = dict(
                _faults(self.using, venue, start, end)
                .values("asset__category")
                .annotate(n=Count("pk"))
                .values_list("asset__category", "n")
            )
            categories = [c for c in Asset.Category.values if any(a.category == c for a in assets)]
            for category in [*categories, ""]:
                chosen = [a for a in assets if not category or a.category == category]
                part = combine(by_asset[a.pk] for a in chosen)
                count = sum(faults.values()) if not category else faults.get(category, 0)
                operating = Decimal(part.operating.total_seconds()) / Decimal(3600)
                rows.append(
                    Row(
                        values=(
                            venue.name_in(self.language),
                            str(Asset.Category(category).label) if category else _("All equipment"),
                            count,
                            _one(operating),
                            _one(operating / count) if count else None,
                        ),
                        total=not category,
                    )
                )
        return Table(
            key="equipment_mtbf",
            title=_("Mean time between failures"),
            columns=(
                Column("venue", _("Venue"), "text"),
                Column("category", _("Equipment category"), "text"),
                Column("faults", _("Faults")),
                Column("operating_hours", _("Operating hours"), "hours"),
                Column("mtbf", _("MTBF (hours)"), "hours"),
            ),
            rows=tuple(rows),
            note=_("Operating hours (opening hours less time out of service) per fault."),
        )

    # --- response -------------------------------------------------------------------------------

    def equipment_response(self) -> Table:
        rows: list[Row] = []
        for venue in self.equipment_venues():
            start, end = self.equipment_span(venue)
            target = settings_for(venue).response_minutes
            counts = _faults(self.using, venue, start, end).aggregate(
                reported=Count("pk"),
                reacted=Count("pk", filter=Q(reacted_at__isnull=False)),
                within=Count("pk", filter=Q(response_minutes__lte=target)),
                average=Avg("response_minutes"),
            )
            average = counts["average"]
            rows.append(
                Row(
                    values=(
                        venue.name_in(self.language),
                        counts["reported"],
                        counts["reacted"],
                        counts["within"],
                        pct(counts["within"], counts["reported"]),
                        target,
                        None if average is None else Decimal(str(average)).quantize(ONE),
                    )
                )
            )
        return Table(
            key="equipment_response",
            title=_("First reaction to faults"),
            columns=(
                Column("venue", _("Venue"), "text"),
                Column("reported", _("Faults reported")),
                Column("reacted", _("Reacted to")),
                Column("within", _("Within the response time")),
                Column("rate", _("Within the response time (%)"), "percent"),
                Column("target_minutes", _("Response time (minutes)")),
                Column("average", _("Average minutes to first reaction"), "score"),
            ),
            rows=tuple(rows),
            note=_(
                "Minutes of the venue's response clock (opening hours or 24×7); a fault not "
                "yet reacted to counts as not within the time."
            ),
        )

    # --- repeat faults --------------------------------------------------------------------------

    def equipment_repeat_faults(self) -> Table:
        rows: list[Row] = []
        for venue in self.equipment_venues():
            _start, end = self.equipment_span(venue)
            moment = min(end, self.now)
            for found in repeat_faults(venue, moment):
                rows.append(
                    Row(
                        values=(
                            venue.name_in(self.language),
                            found.asset.code,
                            found.asset.name,
                            str(found.asset.get_category_display()),
                            found.faults,
                            ", ".join(found.numbers),
                        )
                    )
                )
        return Table(
            key="equipment_repeat_faults",
            title=_("Repeat faults"),
            columns=(
                Column("venue", _("Venue"), "text"),
                Column("code", _("Asset code"), "text"),
                Column("name", _("Asset name"), "text"),
                Column("category", _("Equipment category"), "text"),
                Column("faults", _("Faults")),
                Column("work_orders", _("Work orders"), "text"),
            ),
            rows=tuple(rows),
            note=_(
                "Machines with at least the venue's number of faults (3 by default) within its "
                "window (30 days by default) up to the end of the month."
            ),
        )

    # --- the ledger -----------------------------------------------------------------------------

    def equipment_fault_ledger(self) -> Table:
        rows: list[Row] = []
        statuses = dict(WorkOrder.Status.choices)
        for venue in self.equipment_venues():
            for line in fault_ledger(venue, *self.equipment_span(venue)):
                rows.append(
                    Row(
                        values=(
                            line.number,
                            venue.name_in(self.language),
                            f"{line.asset_code} {line.asset_name}",
                            str(Asset.Category(line.category).label),
                            str(statuses.get(line.status, line.status)),
                            _yes(line.unsafe),
                            line.reported_at,
                            line.response_minutes,
                            _yes(line.within_target),
                            line.verified_at,
                            _one(line.down_hours),
                            line.cause,
                            line.cost,
                            line.complaint,
                        )
                    )
                )
        return Table(
            key="equipment_fault_ledger",
            title=_("Fault ledger"),
            columns=(
                Column("number", _("Work order"), "text"),
                Column("venue", _("Venue"), "text"),
                Column("asset", _("Asset"), "text"),
                Column("category", _("Equipment category"), "text"),
                Column("status", _("Status"), "text"),
                Column("unsafe", _("Unsafe"), "text"),
                Column("reported_at", _("Reported at"), "datetime"),
                Column("response_minutes", _("Minutes to first reaction")),
                Column("within", _("Within the response time"), "text"),
                Column("verified_at", _("Verified at"), "datetime"),
                Column("down_hours", _("Hours out of service"), "hours"),
                Column("cause", _("Cause"), "text"),
                Column("cost", _("Cost"), "money"),
                Column("complaint", _("Complaint"), "text"),
            ),
            rows=tuple(rows),
        )


def _faults(using: str, venue: Venue, start: datetime, end: datetime) -> Any:
    return (
        WorkOrder.objects.using(using)
        .filter(
            venue=venue,
            kind=WorkOrder.Kind.FAULT,
            reported_at__gte=start,
            reported_at__lt=end,
        )
        .exclude(status=WorkOrder.Status.CANCELLED)
    )


def equipment_table_keys() -> Iterable[str]:
    return (
        "equipment_uptime",
        "equipment_mtbf",
        "equipment_response",
        "equipment_repeat_faults",
        "equipment_fault_ledger",
    )
