"""The headline figures of a monthly report and the KPI board: what each is, which drill-down
measure lists the complaints behind it, which rollup total it is compared on, which target it
meets."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from amends.reports.structure import (
    ColumnKind,
)
from amends.workflow.rules import Targets

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
