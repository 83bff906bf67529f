"""How report figures are rounded and compared: percentages, hours, scores, money, NPS,
the change against a base and the red/amber/green verdict against a target."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from amends.reports.structure import (
    Rag,
    Value,
)

ONE = Decimal("0.1")
TWO = Decimal("0.01")
CENTS = Decimal("0.01")
NONE = "none"  # a link's value for "not set" (no category, no severity …)

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
