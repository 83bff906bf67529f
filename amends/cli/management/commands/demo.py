"""`amends demo`: the demo company — three venues, their staff, and about 300 complaints of the
last six months, built through the real services as if it had happened.

How the history is made:
1. Plan every complaint first: when it came in (more lately than long ago), where, in which
   language and through which channel, who complains, and its fate — the state it ends in.
   Recent complaints end in the open states, from "received" to "revisit done", at an age
   that fits how far along they are; the older ones are closed (after a remedy, or found
   invalid and explained), declined as abusive, or merged into the one they duplicate.
2. Each complaint is a story: a generator that calls one service, then yields how long until
   its next step. A scheduler runs all stories in the order of their simulated time, each step
   under `clock.travel(...)`, so workloads, routing and deadlines see the world as it was then.
3. Between steps the scheduler runs `tick(now=...)` exactly when some reminder or escalation
   falls due, so late complaints are reminded and escalated as the real runner would do it.
Nothing is ever scheduled after the moment the command started.

Idempotent: when the company DEMO exists, it prints the logins and changes nothing.
"""

from __future__ import annotations

import heapq
import io
import random
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Min, Q

from amends.cli import demo_data as data
from amends.complaints import clocks, routing, services
from amends.complaints.models import Complaint, Interview, RemedyProposal, Revisit, Survey
from amends.complaints.tick import tick
from amends.complaints.transitions import OPEN_STATES, State
from amends.core import clock
from amends.core.errors import DomainError
from amends.notifications.models import Outbox
from amends.notifications.services import outbox_cancel
from amends.orgs.models import Company, Department, User, Venue
from amends.orgs.roles import ESCALATION_LADDER, Role
from amends.orgs.selectors import scope_of
from amends.orgs.services import company_create, role_grant, staff_create, venue_create
from amends.workflow.models import Category
from amends.workflow.rules import authority_of
from amends.workflow.selectors import authority_limits, route_for
from amends.workflow.services import workflow_install_defaults
from amends.workflow.taxonomy import Channel

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


def _png(rgb: tuple[int, int, int]) -> bytes:
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


def at_work(moment: datetime, rng: random.Random) -> datetime:
    """`moment`, or early the next morning when it falls outside working hours."""
    local = moment.astimezone(SHANGHAI)
    start, end = WORK_HOURS
    if start <= local.hour + local.minute / 60 < end:
        return moment
    day = local.date() + timedelta(days=1) if local.hour >= end else local.date()
    minutes = int((start + rng.uniform(0, 2)) * 60)
    return datetime.combine(day, time(minutes // 60, minutes % 60), SHANGHAI)


# --- the cast -------------------------------------------------------------------------------


@dataclass
class Team:
    """The staff of one venue by role (company-wide roles not included)."""

    venue: Venue
    by_role: dict[str, list[User]] = field(default_factory=dict)
    by_department: dict[str, list[User]] = field(default_factory=dict)

    def pick(self, rng: random.Random, role: str, exclude: tuple[User | None, ...] = ()) -> User:
        banned = {user.pk for user in exclude if user is not None}
        candidates = [user for user in self.by_role.get(role, []) if user.pk not in banned]
        if not candidates:
            raise CommandError(f"demo: nobody with role {role} at {self.venue.code}")
        return rng.choice(candidates)


@dataclass
class World:
    company: Company
    teams: dict[str, Team]
    director: User
    categories: dict[str, Category]
    until: datetime


def build_company() -> World:
    name, code = data.DEMO_COMPANY
    company = company_create(name=name, code=code)
    venues = {
        vcode: venue_create(company=company, code=vcode, name=vname, kind=kind)
        for vcode, vname, kind in data.DEMO_VENUES
    }
    workflow_install_defaults(company=company)
    teams = {vcode: Team(venue) for vcode, venue in venues.items()}
    director: User | None = None
    for person in data.STAFF:
        user = staff_create(
            company=company,
            username=person.username,
            password=data.DEMO_PASSWORD if person.login else None,
            display_name=person.name,
            email=person.email,
            language=person.language,
            is_staff=person.role == Role.ADMIN,
        )
        venue = venues[person.venue] if person.venue else None
        department = (
            Department.objects.get(venue=venue, code=person.department)
            if person.department
            else None
        )
        role_grant(user=user, role=person.role, venue=venue, department=department)
        if person.role == Role.ADMIN:
            # The one direct write of the demo: Django's own admin needs a superuser.
            User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
        if person.role == Role.DIRECTOR:
            director = user
        if person.venue:
            team = teams[person.venue]
            team.by_role.setdefault(person.role, []).append(user)
            if person.department:
                team.by_department.setdefault(person.department, []).append(user)
    if director is None:  # pragma: no cover - the roster names one
        raise CommandError("demo: the roster has no director")
    categories = {c.code: c for c in Category.objects.filter(company=company)}
    return World(
        company=company,
        teams=teams,
        director=director,
        categories=categories,
        until=clock.now(),
    )


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
    text: data.Text
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


class Planner:
    def __init__(self, world: World, rng: random.Random) -> None:
        self.world, self.rng = world, rng
        self.customers: dict[str, list[Customer]] = {"zh": [], "en": []}
        self.members = 0
        self.decks: dict[tuple[str, str, str], list[data.Text]] = {}

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

    def _text(self, lang: str, kind: str, fate: str) -> data.Text:
        if fate == S.DECLINED:
            pool = [t for t in data.ABUSIVE_TEXTS[lang] if t.venue == kind] or list(
                data.ABUSIVE_TEXTS[lang]
            )
            return self.rng.choice(pool)
        source = data.ZH_TEXTS if lang == "zh" else data.EN_TEXTS
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
                rng.choice(data.ZH_SURNAMES),
                rng.choice(data.ZH_GIVEN),
            )
            name, handle = sur + given, f"{given_py}.{sur_py}{rng.randint(1, 99)}"
            has_phone, shares = True, rng.random() < 0.4
        else:
            first, last = rng.choice(data.EN_FIRST), rng.choice(data.EN_LAST)
            name = f"{first} {last}"
            handle = f"{first}.{last}".lower().replace("'", "").replace("ü", "ue")
            has_phone, shares = rng.random() < 0.65, True
        phone = rng.choice(data.MOBILE_PREFIXES) + "".join(str(rng.randint(0, 9)) for _ in range(8))
        customer = Customer(
            lang=lang,
            name=name,
            phone=phone if has_phone else "",
            email=f"{handle}@{rng.choice(data.MAIL_DOMAINS)}",
            shares_email=shares,
        )
        known.append(customer)
        return customer

    def _slots(self, plan: Plan) -> dict[str, str]:
        rng = self.rng
        values = {key: rng.choice(options) for key, options in data.SLOTS[plan.lang].items()}
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
        zh, _sep, en = named.display_name.partition(" ")
        values["coach"] = values["staff"] = zh if plan.lang == "zh" else en
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
                    text=data.ZH_TEXTS[0],
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


# --- the stories ------------------------------------------------------------------------------


class Reached(Exception):
    """The story's complaint has reached the state it ends in."""


class Story:
    """The life of one complaint. `run()` yields the time until its next step."""

    def __init__(self, world: World, plan: Plan) -> None:
        self.world, self.plan = world, plan
        self.rng = random.Random(plan.seed)
        self.team = world.teams[plan.venue]
        self.venue = self.team.venue
        self.complaint: Complaint | None = None
        self.handler: User | None = None
        self.tier = "zero"
        self.rejected_once = False

    # helpers
    def _h(self, low: float, high: float) -> timedelta:
        return timedelta(hours=self.rng.uniform(low, high) * self.plan.pace)

    def _t(self, pair: data.Pair) -> str:
        return (
            pair[self.plan.i].format(**self.plan.slots)
            if "{" in pair[self.plan.i]
            else pair[self.plan.i]
        )

    @property
    def c(self) -> Complaint:
        assert self.complaint is not None
        return self.complaint

    @property
    def me(self) -> User:
        assert self.handler is not None
        return self.handler

    def _at(self, complaint: Complaint) -> None:
        """Keep the latest complaint; stop the story when it reached its fate."""
        self.complaint = complaint
        if complaint.state == self.plan.fate:
            raise Reached

    def _refresh(self) -> None:
        self._at(Complaint.objects.get(pk=self.c.pk))

    def _manager(self) -> User:
        managers = [u for u in self.team.by_role["manager"] if u != self.plan.subject]
        return managers[0] if managers else self.world.director

    def __str__(self) -> str:
        where = self.complaint.reference if self.complaint else self.plan.venue
        flags = ", ".join(sorted(self.plan.flags))
        return f"{where} ({self.plan.fate}, {self.plan.text.category}; {flags})"

    def run(self) -> Iterator[timedelta]:
        try:
            yield from self._life()
        except Reached:
            return
        if self.plan.fate in NOMINAL_HOURS:
            raise CommandError(f"demo: {self} ended without reaching {self.plan.fate}")

    def _life(self) -> Iterator[timedelta]:
        plan = self.plan
        yield from self._intake()
        if plan.fate == S.MERGED:
            yield self._h(0.5, 4)
            original = plan.original
            assert original is not None and original.complaint is not None
            merger = self.team.pick(self.rng, Role.SPECIALIST)
            services.complaint_merge(
                duplicate=self.c,
                into=original.complaint,
                actor=merger,
                reason=self._t(data.MERGE_REASON),
            )
            return
        yield from self._accept()
        yield from self._investigate()
        if plan.fate == S.DECLINED:
            yield self._h(2, 24)
            reason = self._t(self.rng.choice(data.DECLINE_REASONS))
            self._at(
                services.complaint_decline(complaint=self.c, actor=self._manager(), reason=reason)
            )
            return
        if plan.fate in INVALID_FATES:
            yield from self._explain()
            return
        yield from self._remedy()
        yield from self._follow_up()

    # 1. intake, acknowledgement, assignment
    def _receiver(self) -> User:
        rng, channel, team = self.rng, self.plan.channel, self.team
        subject = self.plan.subject
        if channel == "front_desk" or (channel == "phone" and rng.random() < 0.5):
            return team.pick(rng, Role.FRONT_DESK, (subject,))
        if channel == "staff":
            role = Role.STAFF if rng.random() < 0.7 else Role.MAINTENANCE
            return team.pick(rng, role, (subject,))
        if channel in ("social", "letter") and rng.random() < 0.3:
            return team.pick(rng, Role.MANAGER, (subject,))
        return team.pick(rng, Role.SPECIALIST, (subject,))

    def _intake(self) -> Iterator[timedelta]:
        plan, rng, flags = self.plan, self.rng, self.plan.flags
        customer = plan.customer
        assert customer is not None
        text = plan.text
        description = text.text.format(**plan.slots)
        if plan.fate == S.MERGED:
            description = data.DUPLICATE[plan.i].replace("{text}", description)
        if plan.channel == "phone" and not customer.phone:
            customer.phone = "139" + "".join(str(rng.randint(0, 9)) for _ in range(8))
        with_email = (
            plan.channel in ("email", "web", "app") or customer.shares_email or not customer.phone
        )
        classified = "unclassified" not in flags
        member = plan.member
        booking = (
            f"{plan.slots['room']} / HB{plan.received_at:%Y%m%d}{rng.randint(10, 99)}"
            if plan.kind == "hotel"
            else ""
        )
        subject = plan.subject
        receiver = self._receiver()
        lead = (1, 96) if plan.channel in ("letter", "email") else (0.1, 4)
        intake = services.Intake(
            channel=plan.channel,
            description=description,
            customer_name=customer.name,
            phone=customer.phone,
            email=customer.email if with_email else "",
            language=LANGUAGE[plan.lang],
            member_number=member,
            booking_reference=booking,
            occurred_at=plan.received_at - timedelta(hours=rng.uniform(*lead)),
            location=text.location,
            people_involved=subject.display_name if subject else "",
            customer_request=text.request,
            subject_staff=subject,
            subject_text=subject.display_name if subject else "",
            subject_department=self._department(subject) if subject else None,
            category=self.world.categories[text.category] if classified else None,
            severity=text.severity if classified else "",
        )
        late = "late_ack" in flags
        auto = not late and "manual_assign" not in flags and plan.fate != S.ACKNOWLEDGED
        complaint = services.complaint_receive(
            actor=receiver, venue=self.venue, intake=intake, acknowledge=not late, auto_assign=auto
        )
        self.complaint = complaint
        if (
            plan.fate != S.MERGED
            and "evidence" in flags
            and plan.channel in ("front_desk", "app", "web", "email")
        ):
            self._evidence(receiver)
        self._at(complaint)
        if late:
            yield self._h(0.2, 1) if plan.text.severity == "urgent" else self._h(0.5, 5)
            acker = self.team.pick(rng, Role.SPECIALIST, (subject,))
            self._at(
                services.complaint_transition(complaint=self.c, to=S.ACKNOWLEDGED, actor=acker)
            )
        if self.c.state == S.ACKNOWLEDGED:
            yield self._h(0.3, 3)
            assigner = (
                self._manager()
                if rng.random() < 0.5
                else self.team.pick(rng, Role.SPECIALIST, (subject,))
            )
            assignee = routing.pick_assignee(
                venue=self.venue,
                role=self.c.route_role,
                department=self.c.department,
                exclude=[subject.pk] if subject else [],
            )
            if assignee is None:
                raise CommandError(f"demo: nobody to assign {self.c.reference} to")
            self._at(
                services.complaint_assign(
                    complaint=self.c,
                    actor=assigner,
                    assignee=assignee,
                    reason=(
                        "按分派规则指派" if plan.lang == "zh" else "Assigned by the routing rules"
                    ),
                )
            )

    def _department(self, user: User) -> Department | None:
        for code, members in self.team.by_department.items():
            if user in members:
                return Department.objects.get(venue=self.venue, code=code)
        return None

    def _evidence(self, actor: User) -> None:
        png = _png((self.rng.randint(0, 255), self.rng.randint(0, 255), self.rng.randint(0, 255)))
        label = self._t(self.rng.choice(data.EVIDENCE))
        services.evidence_add(
            complaint=self.c,
            actor=actor,
            name=f"{label}.png",
            stream=io.BytesIO(png),
            size=len(png),
            description=label,
        )

    # 2. the handler takes it up (first response)
    def _accept(self) -> Iterator[timedelta]:
        plan, rng, flags = self.plan, self.rng, self.plan.flags
        handler = self.c.assignee
        assert handler is not None
        severity = plan.text.severity
        if "slow" in flags and self.c.respond_due is not None:
            late = max(self.c.respond_due - clock.now(), timedelta(0))
            yield late + self._h(1, 10)
        else:
            yield self._h(*{"urgent": (0.2, 1), "important": (0.3, 5)}.get(severity, (0.5, 10)))
        unclassified = not self.c.category_id
        category = self.world.categories[plan.text.category]
        complaint = services.complaint_accept(
            complaint=self.c,
            actor=handler,
            category=category if unclassified else None,
            severity=severity if unclassified else "",
        )
        self.handler = handler
        department, role = route_for(
            venue=self.venue, category_code=category.code, severity=severity
        )
        if unclassified and role != complaint.route_role and rng.random() < 0.7:
            self.complaint = complaint
            yield self._h(0.2, 2)
            target = routing.pick_assignee(
                venue=self.venue,
                role=role,
                department=department,
                exclude=[plan.subject.pk] if plan.subject else [],
            )
            if target is not None and target != handler:
                reason = (
                    "按问题类别转交相关部门处理"
                    if plan.lang == "zh"
                    else "Passed to the team that handles this"
                )
                services.complaint_assign(
                    complaint=self.c, actor=handler, assignee=target, reason=reason
                )
                yield self._h(0.5, 4)
                complaint = services.complaint_accept(complaint=self.c, actor=target)
                self.handler = target
        self._at(complaint)

    # 3. investigation
    def _investigate(self) -> Iterator[timedelta]:
        plan, rng, flags = self.plan, self.rng, self.plan.flags
        me = self.me
        handling = data.HANDLING[plan.text.category]
        if rng.random() < 0.6:
            yield self._h(0.3, 3)
            services.complaint_add_note(
                complaint=self.c, actor=me, text=self._t(rng.choice(data.CALL_NOTES)), call=True
            )
        if "escalate_manual" in flags:
            yield self._h(0.2, 2)
            # A late complaint may already stand at the top of the ladder (the tick put it there).
            level = Complaint.objects.get(pk=self.c.pk).escalation_level
            if level < len(ESCALATION_LADDER):
                reason = self._t(rng.choice(data.ESCALATE_REASONS))
                services.complaint_escalate(complaint=self.c, actor=me, reason=reason)
        if "extend" in flags:
            yield self._h(2, 10)
            fresh = Complaint.objects.get(pk=self.c.pk)
            due = clocks.active_due(fresh)
            if due is not None:
                until = max(due, clock.now()) + timedelta(hours=rng.uniform(48, 96))
                services.complaint_extend_deadline(
                    complaint=self.c,
                    actor=me,
                    until=until,
                    reason=self._t(rng.choice(data.EXTEND_REASONS)),
                )
        if rng.random() < 0.75:
            yield self._h(1, 6)
            staff = plan.subject or self._colleague(handling.department)
            services.interview_record(
                complaint=self.c,
                actor=me,
                interviewee=staff.display_name,
                interviewee_role=Interview.Role.STAFF,
                staff=staff,
                summary=self._t(handling.interview),
            )
        if (
            plan.text.category
            in ("safety_security", "noise", "lost_property", "hygiene_environment")
            and rng.random() < 0.5
        ):
            yield self._h(0.3, 3)
            surname = rng.choice(data.ZH_SURNAMES)[0]
            who = (f"目击会员{surname}先生", f"Witness, member Mr {rng.choice(data.EN_LAST)}")[
                plan.i
            ]
            services.interview_record(
                complaint=self.c,
                actor=me,
                interviewee=who,
                interviewee_role=Interview.Role.WITNESS,
                summary=(
                    "目击者证实了客户所述经过。",
                    "The witness confirmed the customer's account.",
                )[plan.i],
            )
        if "evidence" in flags and rng.random() < 0.5:
            yield self._h(0.2, 2)
            self._evidence(me)
        yield self._h(1, 10)
        invalid = plan.fate in INVALID_FATES
        fields: dict[str, Any] = {"cause": handling.cause}
        if invalid:
            assert plan.text.unfounded is not None
            report = plan.text.unfounded[0]
            fields.update(validity="invalid", responsibility="customer", cause="objective")
        elif plan.fate == S.DECLINED:
            report = self._t(data.DECLINE_REASONS[0])
            fields.update(validity="invalid", responsibility="customer")
        else:
            report = self._t(handling.report)
            fields.update(validity="valid", **self._responsibility(handling))
        services.complaint_record_investigation(complaint=self.c, actor=me, report=report, **fields)
        if "psychology" in flags and plan.text.psychology:
            services.complaint_classify(complaint=self.c, actor=me, psychology=plan.text.psychology)

    def _colleague(self, department: str) -> User:
        members = self.team.by_department.get(department) or self.team.by_role[Role.SPECIALIST]
        return self.rng.choice(members)

    def _responsibility(self, handling: data.Handling) -> dict[str, Any]:
        department = Department.objects.get(venue=self.venue, code=handling.department)
        if handling.responsibility == "staff" and self.plan.subject is not None:
            return {
                "responsibility": "staff",
                "responsible_staff": self.plan.subject,
                "responsible_department": self._department(self.plan.subject),
            }
        if handling.responsibility == "third_party" and (
            self.plan.text.category == "product_quality" or self.plan.kind == "hotel"
        ):
            party = (
                ("供应商", "The supplier")
                if self.plan.text.category == "product_quality"
                else ("同楼层其他客人", "Other guests on the floor")
            )
            return {"responsibility": "third_party", "responsible_party": self._t(party)}
        return {"responsibility": "department", "responsible_department": department}

    # 4a. not founded: explained, then closed
    def _explain(self) -> Iterator[timedelta]:
        plan = self.plan
        assert plan.text.unfounded is not None
        self._at(
            services.complaint_mark_invalid(
                complaint=self.c, actor=self.me, reason=plan.text.unfounded[0]
            )
        )
        yield self._h(0.5, 8)
        self._at(
            services.complaint_explain(
                complaint=self.c, actor=self.me, message=plan.text.unfounded[1]
            )
        )
        yield self._h(12, 72)
        self._at(services.complaint_close(complaint=self.c, actor=self.me))
        yield from self._survey()

    # 4b. remedy: propose, submit, approval, the customer's answer, execution
    def _authority(self) -> Decimal | None:
        return authority_of(
            scope_of(self.me).roles_at(self.venue.pk), authority_limits(company=self.world.company)
        )

    def _tier(self, mode: str) -> str:
        rng, flags = self.rng, self.plan.flags
        if mode == "first":
            tier = rng.choices(TIERS, weights=TIER_ODDS[self.plan.text.stakes])[0]
            if "force_above" in flags:
                limit = self._authority()
                tier = (
                    "small"
                    if limit == 0
                    else "mid"
                    if limit is not None and limit < 2000
                    else "high"
                )
            return tier
        position = TIERS.index(self.tier)
        if mode == "lower":
            return TIERS[max(0, position - 1)]
        if mode == "higher":
            return TIERS[min(len(TIERS) - 1, position + 1)]
        return rng.choice(("zero", "small"))

    def _amount(self, tier: str) -> int:
        rng = self.rng
        if tier == "small":
            return rng.choice((50, 80, 100, 150, 200))
        if tier == "mid":
            return int(round(rng.uniform(300, 1800), -1))
        return int(round(rng.uniform(2500, 6000), -2))

    def _proposals(self, tier: str) -> list[tuple[str, str, int]]:
        plan, rng = self.plan, self.rng
        if tier == "zero":
            kind, words = data.HANDLING[plan.text.category].zero
            return [(kind, self._t(words), 0)]
        amount = self._amount(tier)
        slot_amount = int(plan.slots["amount"])
        if (
            plan.text.category == "billing_price"
            and "{amount}" in plan.text.text
            and tier != "small"
            and (tier == "high") == (slot_amount > 2000)
        ):
            amount = slot_amount
        options = (data.HOTEL_REMEDIES if plan.kind == "hotel" else data.PAID_REMEDIES)[tier]
        kind, words = rng.choice(options)
        proposals = [(kind, words[plan.i].format(amount=amount), amount)]
        if "apology_too" in plan.flags:
            proposals.insert(0, ("apology", self._t(data.APOLOGY), 0))
        return proposals

    def _remedy(self, mode: str = "first") -> Iterator[timedelta]:
        plan, rng, flags = self.plan, self.rng, self.plan.flags
        self.tier = self._tier(mode)
        proposals = self._proposals(self.tier)
        yield self._h(0.5, 6)
        for kind, description, amount in proposals:
            services.remedy_propose(
                complaint=self.c, actor=self.me, kind=kind, description=description, amount=amount
            )
        self._refresh()
        yield self._h(0.1, 2)
        self._at(services.remedy_submit(complaint=self.c, actor=self.me))
        if self.c.state == S.APPROVAL_PENDING:
            role = self.c.approval_role
            approver = (
                self.world.director
                if role == Role.DIRECTOR
                else self.team.pick(rng, role, (self.me, plan.subject))
            )
            yield self._h(2, 20) if role == Role.DIRECTOR else self._h(1, 12)
            reject = "reject" in flags and not self.rejected_once
            pending = RemedyProposal.objects.filter(
                complaint=self.c, status=RemedyProposal.Status.PENDING
            )
            for proposal in list(pending):
                if reject:
                    services.remedy_reject(
                        proposal=proposal, actor=approver, comment=rng.choice(data.REJECT_COMMENTS)
                    )
                else:
                    services.remedy_approve(
                        proposal=proposal, actor=approver, comment=rng.choice(data.APPROVE_COMMENTS)
                    )
            self.rejected_once = self.rejected_once or reject
            self._refresh()
            if self.c.state == S.REJECTED:
                yield self._h(1, 12)
                yield from self._remedy("lower")
                return
        # Approved: the clock waits for the customer's answer.
        yield self._h(1, 36)
        refused = "consent_refused" in flags
        flags.discard("consent_refused")
        consenter = (
            self.me if rng.random() < 0.6 else self.team.pick(rng, Role.FRONT_DESK, (plan.subject,))
        )
        method = {
            "front_desk": "signature",
            "phone": "phone",
            "staff": "verbal",
            "social": "written",
            "letter": "written",
        }.get(plan.channel, "online")
        self._at(
            services.remedy_record_consent(
                complaint=self.c,
                actor=consenter,
                accepted=not refused,
                method=method,
                note=self._t(data.CONSENT_REFUSALS[self.tier == "small"]) if refused else "",
            )
        )
        if refused:
            yield self._h(2, 24)
            yield from self._remedy("higher")
            return
        kinds = list(
            RemedyProposal.objects.filter(
                complaint=self.c, status=RemedyProposal.Status.APPROVED
            ).values_list("kind", flat=True)
        )
        main = next((k for k in kinds if k != "apology"), kinds[0] if kinds else "other")
        executor = self.me
        if (
            main == "repair"
            and self.team.by_role.get(Role.MAINTENANCE)
            and plan.text.category == "facility_equipment"
        ):
            executor = self.team.pick(rng, Role.MAINTENANCE)
        yield self._h(1, 16) if main == "repair" else self._h(0.5, 10)
        self._at(
            services.remedy_execute(
                complaint=self.c, actor=executor, note=self._t(data.EXECUTED[main])
            )
        )
        subject = plan.subject
        if subject is not None and self.c.responsibility == "staff" and rng.random() < 0.8:
            kind, note = rng.choice(data.CONSEQUENCES)
            services.consequence_record(
                complaint=self.c, actor=self._manager(), staff=subject, kind=kind, note=note
            )

    # 5. feedback, revisit, closure, survey
    def _follow_up(self) -> Iterator[timedelta]:
        plan, rng, flags = self.plan, self.rng, self.plan.flags
        yield self._h(0.2, 4)
        message = self._t(data.HANDLING[plan.text.category].feedback)
        self._at(services.complaint_give_feedback(complaint=self.c, actor=self.me, message=message))
        revisit = (
            Revisit.objects.filter(complaint=self.c, done_at__isnull=True)
            .select_related("assignee")
            .first()
        )
        if revisit is None:
            raise CommandError(f"demo: no revisit was scheduled for {self.c.reference}")
        revisitor = revisit.assignee or self.team.pick(rng, Role.SPECIALIST, (plan.subject,))
        method = rng.choices(("phone", "online", "visit"), weights=(70, 20, 10))[0]
        if "revisit_retry" in flags:
            yield self._h(20, 60)
            services.revisit_record(
                revisit=revisit,
                actor=revisitor,
                reached=False,
                method="phone",
                notes=self._t(data.REVISIT_MISSED),
            )
        yield self._h(24, 130)
        unhappy = "reopen_revisit" in flags
        flags.discard("reopen_revisit")
        notes = self._t(rng.choice(data.REVISIT_BAD if unhappy else data.REVISIT_GOOD))
        services.revisit_record(
            revisit=revisit,
            actor=revisitor,
            reached=True,
            method=method,
            satisfied=not unhappy,
            notes=notes,
        )
        self._refresh()
        if unhappy:
            yield self._h(1, 24)
            self._at(
                services.complaint_reopen(
                    complaint=self.c, actor=revisitor, reason=self._t(data.REOPEN_AFTER_REVISIT)
                )
            )
            yield from self._second_look()
            return
        yield self._h(1, 30)
        self._at(services.complaint_close(complaint=self.c, actor=revisitor))
        yield from self._survey()

    def _second_look(self) -> Iterator[timedelta]:
        yield self._h(1, 12)
        services.complaint_add_note(
            complaint=self.c, actor=self.me, text=self._t(data.CALL_NOTES[0]), call=True
        )
        report = self.c.investigation_report + "\n" + self._t(data.SECOND_LOOK)
        services.complaint_record_investigation(complaint=self.c, actor=self.me, report=report)
        yield from self._remedy("second")
        yield from self._follow_up()

    def _survey(self) -> Iterator[timedelta]:
        rng, flags = self.rng, self.plan.flags
        unhappy = "reopen_survey" in flags
        if not unhappy and rng.random() >= 0.6:
            return
        if Survey.objects.filter(complaint=self.c, answered_at__isnull=False).exists():
            return  # closed again after a reopen: the one survey was answered the first time
        wait = self._h(4, 96)
        if clock.now() + wait > self.world.until:
            return  # the customer has not answered yet
        yield wait
        if unhappy:
            satisfaction = rng.choice((1, 2))
        else:
            satisfaction = rng.choices((5, 4, 3, 2, 1), weights=(46, 30, 12, 8, 4))[0]
        nps = max(0, min(10, satisfaction * 2 + rng.choice((-1, 0, 0, 1))))
        comment = self._t(rng.choice(data.SURVEY_COMMENTS[satisfaction]))
        survey = Survey.objects.get(complaint=self.c)
        services.survey_answer(
            token=survey.token, satisfaction=satisfaction, nps=nps, comment=comment
        )
        if unhappy:
            flags.discard("reopen_survey")
            yield self._h(2, 30)
            self._at(
                services.complaint_reopen(
                    complaint=self.c,
                    actor=self._manager(),
                    reason=self._t(data.REOPEN_AFTER_SURVEY),
                )
            )
            yield from self._second_look()


# --- the scheduler ------------------------------------------------------------------------------


class Scheduler:
    """Runs every story's steps in the order of simulated time, never after `until`, and runs
    the tick at each moment a reminder or escalation falls due in between."""

    def __init__(self, world: World, *, history_ticks: bool) -> None:
        self.world = world
        self.history_ticks = history_ticks
        self.queue: list[tuple[datetime, int, Story, Iterator[timedelta]]] = []
        self.seq = 0
        self.ticks = 0
        self.compressed = 0

    def add(self, at: datetime, story: Story, steps: Iterator[timedelta]) -> None:
        self.seq += 1
        heapq.heappush(self.queue, (at, self.seq, story, steps))

    def _due(self) -> datetime | None:
        found = Complaint.objects.filter(
            company=self.world.company, state__in=list(OPEN_STATES), paused_at__isnull=True
        ).aggregate(remind=Min("remind_at"), escalate=Min("next_escalation_at"))
        moments = [m for m in found.values() if m is not None]
        return min(moments) if moments else None

    def tick_until(self, moment: datetime) -> None:
        """Run the tick at every due moment up to `moment` (a minute after it fell due, like the
        runner that ticks every minute)."""
        last: datetime | None = None
        while (due := self._due()) is not None and due <= moment:
            at = min(due + timedelta(minutes=1), moment)
            if last is not None and at <= last:
                raise CommandError(f"demo: the tick at {at} did not clear what was due at {due}")
            tick(now=at)
            self.ticks += 1
            last = at

    def run(self) -> None:
        until = self.world.until
        while self.queue:
            at, _seq, story, steps = heapq.heappop(self.queue)
            if self.history_ticks:
                self.tick_until(at)
            with clock.travel(at):
                try:
                    delay = next(steps)
                except StopIteration:
                    continue
                except DomainError as exc:
                    raise CommandError(
                        f"demo: a service refused a step of {story} "
                        f"at {at:%Y-%m-%d %H:%M} ({exc.code}): {exc}"
                    ) from exc
            following = at_work(at + max(delay, timedelta(minutes=1)), story.rng)
            if following > until:
                # Never in the future: squeeze the rest of this story into the time left.
                self.compressed += 1
                following = at + (until - at) / 2
            self.add(following, story, steps)
        if self.history_ticks:
            self.tick_until(until)
        else:
            tick(now=until)  # what the runner does next anyway; never a moment in the past
            self.ticks += 1


# --- the command ------------------------------------------------------------------------------


class Command(BaseCommand):
    help = "Create the demo company (DEMO) with staff and six months of complaints. Idempotent."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--complaints", type=int, default=300, help="How many complaints (default 300)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["complaints"]
        if count < 0:
            raise CommandError("--complaints must be 0 or more")
        company = Company.objects.filter(code=data.DEMO_COMPANY[1]).first()
        if company is not None:
            self.stdout.write("The demo company already exists; nothing was changed.")
            self._logins()
            return
        try:
            with transaction.atomic():
                scheduler = self._build(count)
        except DomainError as exc:
            raise CommandError(f"demo: a service refused a step ({exc.code}): {exc}") from exc
        self._summary(scheduler, verbose=options["verbosity"] > 1)
        self._logins()

    def _build(self, count: int) -> Scheduler:
        world = build_company()
        plans = Planner(world, random.Random(SEED)).plans(count)
        # The tick handles every company: run it at past moments only when the demo is alone.
        alone = not Complaint.objects.exclude(company=world.company).exists()
        scheduler = Scheduler(world, history_ticks=alone)
        stories: dict[int, Story] = {}
        for plan in plans:
            story = Story(world, plan)
            stories[id(plan)] = story
            if plan.original_plan is not None:
                plan.original = stories[id(plan.original_plan)]
            scheduler.add(plan.received_at, story, story.run())
        scheduler.run()
        # The demo's customers and most of its staff are made up: none of its messages may ever
        # be delivered (their phone numbers look real).
        demo_messages = Outbox.objects.filter(
            Q(complaint_id__in=Complaint.objects.filter(company=world.company).values("pk"))
            | Q(recipient_user__company=world.company)
        )
        outbox_cancel(ids=demo_messages.values_list("pk", flat=True), reason="demo data")
        return scheduler

    def _summary(self, scheduler: Scheduler, *, verbose: bool) -> None:
        world = scheduler.world
        complaints = Complaint.objects.filter(company=world.company)
        counts = dict(
            complaints.values_list("state").annotate(n=Count("pk")).values_list("state", "n")
        )
        self.stdout.write(f"Created {complaints.count()} complaints for {world.company.name}:")
        for state in State:
            self.stdout.write(f"  {state.value:<18} {counts.get(state.value, 0):>4}")
        escalated = complaints.filter(escalation_level__gt=0).count()
        answered = Survey.objects.filter(
            complaint__company=world.company, answered_at__isnull=False
        ).count()
        self.stdout.write(
            f"  escalated {escalated}, reopened {complaints.filter(reopen_count__gt=0).count()}, "
            f"extended {complaints.filter(extension_count__gt=0).count()}, "
            f"surveys answered {answered}"
        )
        if not scheduler.history_ticks:
            self.stdout.write(
                "  (other companies exist: the history was built without running the tick)"
            )
        if verbose:
            self.stdout.write(
                f"  {scheduler.ticks} ticks run; {scheduler.compressed} steps squeezed before now"
            )

    def _logins(self) -> None:
        self.stdout.write("\nDemo logins (http://127.0.0.1:8000/ — the admin is at /admin/):")
        self.stdout.write(f"  {'username':<12} {'role':<18} {'venue':<6} password")
        for person in data.STAFF:
            if person.login:
                self.stdout.write(
                    f"  {person.username:<12} {person.role:<18} {person.venue or 'all':<6} "
                    f"{data.DEMO_PASSWORD}"
                )
