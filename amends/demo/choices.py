"""The pure choices a story makes with its seeded generator: how much of a remedy to offer and in
which words, and the picture filed as evidence. No database; the same generator state gives the
same choice, so the demo's history is the same on every run."""

from __future__ import annotations

import random
import struct
import zlib
from decimal import Decimal

from amends.complaints.remedy_kinds import fits
from amends.demo.planner import TIER_ODDS, TIERS, Plan
from amends.demo.texts import Texts


def tier(
    rng: random.Random,
    mode: str,
    current: str,
    stakes: str,
    limit: Decimal | None,
    *,
    forced: bool,
) -> str:
    """The remedy tier (zero, small, mid, high) of a proposal.

    mode "first": drawn by the complaint's stakes, or just above the handler's authority `limit`
    when `forced` (so the proposal needs approval); "lower" after a rejection, "higher" after the
    customer refused; "second" after a reopen.
    """
    if mode == "first":
        drawn = rng.choices(TIERS, weights=TIER_ODDS[stakes])[0]
        if forced:
            return (
                "small" if limit == 0 else "mid" if limit is not None and limit < 2000 else "high"
            )
        return drawn
    position = TIERS.index(current)
    if mode == "lower":
        return TIERS[max(0, position - 1)]
    if mode == "higher":
        return TIERS[min(len(TIERS) - 1, position + 1)]
    return rng.choice(("zero", "small"))


def amount(rng: random.Random, tier: str) -> int:
    """A fair amount in yuan for a paid tier."""
    if tier == "small":
        return rng.choice((50, 80, 100, 150, 200))
    if tier == "mid":
        return int(round(rng.uniform(300, 1800), -1))
    return int(round(rng.uniform(2500, 6000), -2))


def proposals(
    rng: random.Random, plan: Plan, words: Texts, tier: str
) -> list[tuple[str, str, int]]:
    """The remedies proposed together: (kind, description in the complaint's language, amount)."""
    if tier == "zero":
        kind, pair = words.handling[plan.text.category].zero
        # A gentle remedy named for a gym (a class re-booked) is "other" where it does not fit.
        return [(kind if fits(kind, plan.kind) else "other", plan.say(pair), 0)]
    value = amount(rng, tier)
    slot_amount = int(plan.slots["amount"])
    if (
        plan.text.category == "billing_price"
        and "{amount}" in plan.text.text
        and tier != "small"
        and (tier == "high") == (slot_amount > 2000)
    ):
        value = slot_amount  # a refund of exactly what was overcharged
    options = (words.hotel_remedies if plan.kind == "hotel" else words.paid_remedies)[tier]
    kind, pair = rng.choice(options)
    offered = [(kind, pair[plan.i].format(amount=value), value)]
    if "apology_too" in plan.flags:
        offered.insert(0, ("apology", plan.say(words.apology), 0))
    return offered


def png(rgb: tuple[int, int, int]) -> bytes:
    """A valid 1×1 PNG of one colour (evidence files need real image bytes)."""

    def chunk(tag: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + tag
            + body
            + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" + bytes(rgb)))
        + chunk(b"IEND", b"")
    )
