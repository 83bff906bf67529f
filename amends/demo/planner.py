"""Planning the demo's history: every complaint is planned before any is played — when it came
in (more lately than long ago), where, in which language and through which channel, who
complains, about whom, and its fate: the state it ends in.

Recent complaints end in the open states, from "received" to "revisit done", at an age that fits
how far along they are; the older ones are closed (after a remedy, or found invalid and
explained), declined as abusive, or merged into the one they duplicate. Pure planning: it reads
the world (staff, categories) but writes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from amends.complaints.transitions import State
from amends.demo.texts import Pair, Text
from amends.demo.world import Team, World
from amends.orgs.models import User, Venue
from amends.orgs.roles import Role
from amends.workflow.taxonomy import Channel

if TYPE_CHECKING:
    from amends.demo.stories import Story

SEED = 20261122

SHANGHAI = ZoneInfo("Asia/Shanghai")
HISTORY_DAYS = 183
S = State

# The open states the youngest complaints end in, in the order a complaint passes them, with
# how many of 300 complaints end there and roughly how many hours it takes to get there.
OPEN_FATES: tuple[tuple[str, int, float], ...] = (
    (S.RECEIVED, 2, 0),
    (S.ACKNOWLEDGED, 2, 1),
    (S.ASSIGNED, 4, 1),
    (S.INVESTIGATING, 6, 8),
    (S.INVALID, 1, 24),
    (S.REMEDY_PROPOSED, 3, 24),
    (S.APPROVAL_PENDING, 4, 30),
    (S.REJECTED, 2, 48),
    (S.APPROVED, 4, 48),
    (S.CUSTOMER_DECLINED, 2, 60),
    (S.EXPLAINED, 2, 36),
    (S.CUSTOMER_ACCEPTED, 3, 60),
    (S.REMEDY_EXECUTED, 3, 80),
    (S.FEEDBACK_GIVEN, 6, 90),
    (S.REVISIT_DONE, 4, 150),
)
NOMINAL_HOURS = {state: hours for state, _share, hours in OPEN_FATES}
# Fates that end closed; not state values, because the story goes on after "closed" (the survey,
# perhaps a reopen).
CLOSED, CLOSED_INVALID = "closed_valid", "closed_invalid"
# When complaints come in through each channel (local hours; online ones 07:30-22:00, when
# someone is there to record them).
CHANNEL_HOURS = {"front_desk": (7, 21.5), "staff": (7, 21.5), "phone": (9, 21), "letter": (10, 17)}
# Staff act between 07:00 and 22:00 (the clubs open 06:00-22:00); the tick runs around the clock.
WORK_HOURS = (7.0, 22.0)
INVALID_FATES = {CLOSED_INVALID, S.INVALID, S.EXPLAINED}
# Where the venue closes on feedback and revisits after closure (the hotel), no complaint stands
# at "revisit done": the one that would stands closed, its revisit still to make.
CLOSED_REVISIT_DUE = "closed_revisit_due"

CHANNEL_WEIGHTS = {
    "zh": {
        "front_desk": 30,
        "phone": 22,
        "app": 14,
        "web": 8,
        "email": 5,
        "social": 9,
        "letter": 4,
        "staff": 8,
    },
    "en": {
        "front_desk": 22,
        "phone": 10,
        "app": 12,
        "web": 18,
        "email": 22,
        "social": 6,
        "letter": 3,
        "staff": 7,
    },
}
VENUE_WEIGHTS = {"GYM1": 45, "GYM2": 33, "HTL1": 22}
EN_SHARE = {"gym": 0.25, "hotel": 0.45}
TIERS = ("zero", "small", "mid", "high")
TIER_ODDS = {"low": (60, 40, 0, 0), "mid": (30, 30, 40, 0), "high": (10, 20, 40, 30)}
LANGUAGE = {"zh": "zh-hans", "en": "en"}


def at_work(moment: datetime, rng: random.Random) -> datetime:
    """`moment`, or early the next morning when it falls outside working hours."""
    local = moment.astimezone(SHANGHAI)
    start, end = WORK_HOURS
    if start <= local.hour + local.minute / 60 < end:
        return moment
    day = local.date() + timedelta(days=1) if local.hour >= end else local.date()
    minutes = int((start + rng.uniform(0, 2)) * 60)
    return datetime.combine(day, time(minutes // 60, minutes % 60), SHANGHAI)


# --- planning ---------------------------------------------------------------------------------


@dataclass
class Customer:
    lang: str
    name: str
    phone: str
    email: str
    shares_email: bool
    members: dict[str, str] = field(default_factory=dict)


@dataclass
class Plan:
    received_at: datetime
    venue: str
    lang: str
    text: Text
    fate: str
    channel: str = ""
    customer: Customer | None = None
    subject: User | None = None
    slots: dict[str, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    pace: float = 1.0
    seed: int = 0
    member: str = ""
    original_plan: Plan | None = None  # merged fate: the complaint this one duplicates
    original: Story | None = None

    @property
    def kind(self) -> str:
        return "hotel" if self.venue.startswith("HTL") else "gym"

    @property
    def i(self) -> int:
        """Index of the complaint's language in the (中文, English) pairs."""
        return 0 if self.lang == "zh" else 1

    def say(self, pair: Pair) -> str:
        """The complaint's language of `pair`, its {slots} filled in."""
        words = pair[self.i]
        return words.format(**self.slots) if "{" in words else words


class Planner:
    def __init__(self, world: World, rng: random.Random) -> None:
        self.world, self.rng = world, rng
        self.words = world.words
        self.customers: dict[str, list[Customer]] = {"zh": [], "en": []}
        self.members = 0
        self.decks: dict[tuple[str, str, str], list[Text]] = {}

    # 1. When: more complaints lately than six months ago, at hours that fit the channel.
    def _received(self, channel: str) -> datetime:
        rng, until = self.rng, self.world.until
        while True:
            age = rng.uniform(0.02, HISTORY_DAYS)
            if rng.random() < (2 - age / HISTORY_DAYS) / 2:
                break
        local = (until - timedelta(days=age)).astimezone(SHANGHAI)
        low, high = CHANNEL_HOURS.get(channel, (7.5, 22))
        minutes = int(rng.uniform(low, high) * 60)
        moment = datetime.combine(local.date(), time(minutes // 60, minutes % 60), SHANGHAI)
        return moment if moment < until - timedelta(minutes=20) else moment - timedelta(days=1)

    def _open_received(self, fate: str, channel: str) -> datetime:
        rng = self.rng
        hours = NOMINAL_HOURS[fate]
        age = hours * rng.uniform(1.2, 2.2) + rng.uniform(0.3, 3)
        return self._business_hours(self.world.until - timedelta(hours=age), channel)

    def _business_hours(self, moment: datetime, channel: str) -> datetime:
        """Move `moment` to a time of its day when its channel is staffed (desk, phone, post)."""
        low, high = CHANNEL_HOURS.get(channel, (7.5, 22))
        local = moment.astimezone(SHANGHAI)
        if low <= local.hour + local.minute / 60 < high:
            return moment
        minutes = int(self.rng.uniform(low, high) * 60)
        moved = datetime.combine(local.date(), time(minutes // 60, minutes % 60), SHANGHAI)
        return moved if moved < self.world.until else moved - timedelta(days=1)

    def _fates(self, count: int) -> list[str]:
        """The open fates (youngest first), for a run of `count` complaints."""
        fates = [
            state
            for state, share, _hours in OPEN_FATES
            for _ in range(max(1, round(share * count / 300)))
        ]
        limit = count // 2
        if len(fates) > limit:
            step = len(fates) / max(limit, 1)
            fates = [fates[int(k * step)] for k in range(limit)]
        return fates

    def _text(self, lang: str, kind: str, fate: str) -> Text:
        if fate == S.DECLINED:
            pool = [t for t in self.words.abusive[lang] if t.venue == kind] or list(
                self.words.abusive[lang]
            )
            return self.rng.choice(pool)
        source = self.words.complaints[lang]
        invalid = fate in INVALID_FATES
        key = (lang, kind, "invalid" if invalid else "any")
        deck = self.decks.setdefault(key, [])
        if not deck:
            deck.extend(
                t for t in source if t.venue == kind and (t.unfounded is not None or not invalid)
            )
            self.rng.shuffle(deck)
        return deck.pop()

    def _customer(self, lang: str) -> Customer:
        rng = self.rng
        known = self.customers[lang]
        if known and rng.random() < 0.12:
            return rng.choice(known)
        if lang == "zh":
            (sur, sur_py), (given, given_py) = (
                rng.choice(self.words.zh_surnames),
                rng.choice(self.words.zh_given),
            )
            name, handle = sur + given, f"{given_py}.{sur_py}{rng.randint(1, 99)}"
            has_phone, shares = True, rng.random() < 0.4
        else:
            first, last = rng.choice(self.words.en_first), rng.choice(self.words.en_last)
            name = f"{first} {last}"
            handle = f"{first}.{last}".lower().replace("'", "").replace("ü", "ue")
            has_phone, shares = rng.random() < 0.65, True
        phone = rng.choice(self.words.mobile_prefixes) + "".join(
            str(rng.randint(0, 9)) for _ in range(8)
        )
        customer = Customer(
            lang=lang,
            name=name,
            phone=phone if has_phone else "",
            email=f"{handle}@{rng.choice(self.words.mail_domains)}",
            shares_email=shares,
        )
        known.append(customer)
        return customer

    def _slots(self, plan: Plan) -> dict[str, str]:
        rng = self.rng
        values = {key: rng.choice(options) for key, options in self.words.slots[plan.lang].items()}
        amounts = {"low": (28, 68, 168), "mid": (288, 399, 688, 1288), "high": (2680, 3980, 4980)}[
            plan.text.stakes
        ]
        values.update(
            locker=str(rng.randint(1, 320)),
            room=f"{rng.randint(3, 22)}{rng.randint(1, 36):02d}",
            n=str(rng.randint(2, 5)),
            amount=str(rng.choice(amounts)),
        )
        team = self.world.teams[plan.venue]
        # A text may name a coach who is not complained about ("{coach} was with someone else").
        named = plan.subject or rng.choice(self._coaches(team))
        values["coach"] = values["staff"] = named.name_in("zh-hans" if plan.lang == "zh" else "en")
        return values

    @staticmethod
    def _coaches(team: Team) -> list[User]:
        return [u for u in team.by_department["courses"] if u in team.by_role.get(Role.STAFF, [])]

    def _subject(self, plan: Plan) -> User | None:
        team = self.world.teams[plan.venue]
        if plan.text.subject == "coach":
            return self.rng.choice(self._coaches(team))
        if plan.text.subject == "desk":
            return self.rng.choice(team.by_role["front_desk"])
        if plan.text.subject == "staff":
            return self.rng.choice(
                [
                    u
                    for u in team.by_department["front_office"]
                    if u in team.by_role.get("staff", [])
                ]
            )
        return None

    def _flags(self, plan: Plan) -> set[str]:
        rng, fate, flags = self.rng, plan.fate, set()
        odds = {
            "unclassified": 0.2,
            "evidence": 0.15,
            "revisit_retry": 0.12,
            "apology_too": 0.35,
            "psychology": 0.4,
            "manual_assign": 0.08,
        }
        if fate in (CLOSED, CLOSED_INVALID, S.DECLINED):
            odds.update(slow=0.05, extend=0.06)
        if fate == CLOSED:
            odds.update(
                reject=0.3,
                consent_refused=0.06,
                reopen_revisit=0.03,
                reopen_survey=0.03,
            )
        flags = {flag for flag, p in odds.items() if rng.random() < p}
        if plan.channel in ("letter", "email", "social", "web") and rng.random() < 0.5:
            flags.add("late_ack")
        if (
            plan.text.psychology in ("hostile", "vent") and rng.random() < 0.3
        ) or fate == S.DECLINED:
            flags.add("escalate_manual")
        if fate == S.RECEIVED:
            flags.add("late_ack")
        if fate in (S.APPROVAL_PENDING, S.REJECTED):
            flags.add("force_above")
        if fate == S.REJECTED:
            # One proposal only: with an apology approved beside it, a rejection still approves.
            flags.add("reject")
            flags.discard("apology_too")
        if fate == S.CUSTOMER_DECLINED:
            flags.add("consent_refused")
        if fate in (S.RECEIVED, S.ACKNOWLEDGED, S.ASSIGNED, S.INVESTIGATING):
            flags -= {"manual_assign"}
        return flags

    def plans(self, count: int) -> list[Plan]:
        rng = self.rng
        duplicates = max(1, round(count * 0.03)) if count >= 10 else 0
        base = count - duplicates
        venues = list(VENUE_WEIGHTS)
        plans: list[Plan] = []
        for _ in range(base):
            venue = rng.choices(venues, weights=list(VENUE_WEIGHTS.values()))[0]
            kind = "hotel" if venue.startswith("HTL") else "gym"
            lang = "en" if rng.random() < EN_SHARE[kind] else "zh"
            channel = rng.choices(
                list(CHANNEL_WEIGHTS[lang]), weights=list(CHANNEL_WEIGHTS[lang].values())
            )[0]
            plans.append(
                Plan(
                    received_at=self._received(channel),
                    venue=venue,
                    lang=lang,
                    text=self.words.complaints["zh"][0],
                    fate=CLOSED,
                    channel=channel,
                )
            )
        if len(plans) >= 2:  # both languages, however few complaints
            first, second = rng.sample(plans, 2)
            first.lang, second.lang = "zh", "en"
        plans.sort(key=lambda p: p.received_at, reverse=True)
        # The open fates go to recent complaints, re-timed to an age that fits how far along they
        # are (a complaint open for weeks would be overdue; a few still are).
        open_fates = self._fates(base)
        chosen = rng.sample(range(min(base, 2 * len(open_fates))), len(open_fates))
        for index, fate in zip(chosen, open_fates, strict=True):
            plan = plans[index]
            plan.fate = fate
            if fate == S.RECEIVED:  # not yet looked at: came in online, out of hours
                plan.channel = rng.choice(("web", "email", "app"))
            plan.received_at = self._open_received(fate, plan.channel)
        taken = set(chosen)
        older = [index for index in range(base) if index not in taken]
        rng.shuffle(older)
        # Every channel, however few complaints.
        for index, channel in zip(older, Channel.values, strict=False):
            plan = plans[index]
            plan.channel = channel
            plan.received_at = self._business_hours(plan.received_at, channel)
        declined = max(1, round(count * 0.02)) if count >= 10 else 0
        invalid = max(2, round(count * 0.07)) if count >= 10 else 0
        for position, index in enumerate(older):
            plans[index].fate = (
                S.DECLINED
                if position < declined
                else (CLOSED_INVALID if position < declined + invalid else CLOSED)
            )
        for plan in plans:
            self._complete(plan)
        originals = [
            p
            for p in plans
            if p.fate == CLOSED and self.world.until - p.received_at > timedelta(days=20)
        ]
        for original in rng.sample(originals, min(duplicates, len(originals))):
            plans.append(self._duplicate(original))
        plans.sort(key=lambda p: p.received_at)
        return plans

    def _complete(self, plan: Plan) -> None:
        rng = self.rng
        venue = self.world.teams[plan.venue].venue
        if (
            plan.fate == S.REVISIT_DONE
            and venue.revisit_policy_in_force == Venue.RevisitPolicy.AFTER_CLOSURE
        ):
            plan.fate = CLOSED_REVISIT_DUE
        plan.text = self._text(plan.lang, plan.kind, plan.fate)
        if plan.channel == "staff" and plan.kind == "hotel" and plan.text.subject == "staff":
            plan.channel = "front_desk"
        plan.customer = self._customer(plan.lang)
        plan.subject = self._subject(plan)
        plan.slots = self._slots(plan)
        plan.flags = self._flags(plan)
        if plan.kind == "gym" and rng.random() < 0.7:
            customer = plan.customer
            if plan.venue not in customer.members:
                self.members += 1
                customer.members[plan.venue] = f"{plan.venue}-{10000 + self.members * 37}"
            plan.member = customer.members[plan.venue]
        plan.seed = rng.getrandbits(64)
        age_hours = (self.world.until - plan.received_at).total_seconds() / 3600
        if plan.fate == CLOSED_REVISIT_DUE:
            nominal = NOMINAL_HOURS[S.REVISIT_DONE]
        else:
            nominal = NOMINAL_HOURS.get(plan.fate, 240.0)
        plan.pace = 1.0 if nominal == 0 else min(1.0, 0.8 * age_hours / nominal)

    def _duplicate(self, original: Plan) -> Plan:
        rng = self.rng
        channels = [c for c in ("phone", "app", "web", "social") if c != original.channel]
        duplicate = Plan(
            received_at=at_work(original.received_at + timedelta(hours=rng.uniform(2, 20)), rng),
            venue=original.venue,
            lang=original.lang,
            text=original.text,
            fate=S.MERGED,
            channel=rng.choice(channels),
            customer=original.customer,
            subject=original.subject,
            slots=original.slots,
            member=original.member,
            seed=rng.getrandbits(64),
        )
        duplicate.original_plan = original
        return duplicate
