"""`amends bench seed`: a realistic data set, written fast, for the benchmarks (docs/benchmarks.md).

What it makes, in the database `DATABASE_URL` names:

- the company BENCH (its own, never the demo's: the demo's complaints are played through the
  services, these are written straight to the tables; and the benchmarks want 20 venues, not
  3), created through the real services on the first run — venues of every type in
  Asia/Shanghai with their default departments, time-limit policies, routing and taxonomy
  (`workflow_install_defaults`) — and reused by later runs, which add complaints to it;
- staff with roles at every venue (front desk, specialists, manager, general manager,
  maintenance, course supervisor, coaches) and a director, an auditor and a privacy officer for
  the company; they sign in with BENCH_PASSWORD (one hash, computed once);
- a pool of customers (at most 20,000) with the real encryption and blind indexes, each with a
  home venue; complaints draw their customer from it, so repeat complainants occur as in life;
- N complaints spread over the months with realistic distributions (see `_Generator`), their
  surveys, remedies and consequences, and the reference counters, so that intake after seeding
  goes on numbering where the seed stopped.

Each complaint's stored columns are filled as `integrity.seal` keeps them on every save: `due_at`
(`Complaint.running_due()`, the queues' index) and `search_tokens` (`search.complaint_tokens`).

On PostgreSQL rows are written with COPY (psycopg's `cursor.copy`), on SQLite with `bulk_create`,
in batches of `BATCH` complaints, one transaction per batch (a batch is whole or absent).

Each complaint's timeline is written too (`seed_timeline.py`): the events the gate would have
recorded on its way to its state, hash-chained, with the row's head and seal, so that
`amends verify-timeline` passes on a seeded data set. Not written: revisits, evidence,
interviews, memberships, outbox rows. Deadlines are
clock hours from the venue's policy (the business-hours and working-days counting is not
replayed). Then the daily rollups are rebuilt and their watermark set, so an incremental refresh
has nothing left to do.
"""

from __future__ import annotations

import json
import math
import random
import secrets
import time as timer
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.db.models import Max

from amends.cli.bench.seed_timeline import Timelines
from amends.complaints import search
from amends.complaints.models import (
    Complaint,
    ComplaintEvent,
    Consequence,
    ReferenceCounter,
    RemedyProposal,
    Survey,
)
from amends.complaints.remedy_kinds import kinds_for
from amends.complaints.services.gate import retention_date
from amends.complaints.transitions import OPEN_STATES, State
from amends.core import clock, crypto
from amends.demo.texts import Texts, load
from amends.members.models import Customer
from amends.orgs.models import Company, Department, RoleGrant, User, Venue
from amends.orgs.roles import Role
from amends.orgs.services import company_create, venue_create
from amends.workflow.models import Category, SlaPolicy
from amends.workflow.rules import DEFAULT_ROUTES
from amends.workflow.services import workflow_install_defaults
from amends.workflow.taxonomy import Channel, Psychology, Severity, Validity

BENCH_CODE = "BENCH"
BENCH_NAME = "压测连锁集团"
# Published in docs/benchmarks.md, like the demo's: the seeder refuses to run in production.
BENCH_PASSWORD = "amends-bench"  # noqa: S105
BATCH = 20_000
# From this many complaints on PostgreSQL, load without secondary indexes (`_fast_load`).
FAST_LOAD_FROM = 50_000
CUSTOMER_POOL = 20_000
MAX_PER_DAY = 9_999  # a reference's NNNN

S = State
K = RemedyProposal.Kind

# --- the shapes of the data ---------------------------------------------------------------------

# Venue types in the order they are handed out to venues (a mix like a chain's): (kind, letter,
# opens, closes, busiest local hour, weekend factor).
VENUE_TYPES: tuple[tuple[str, str, time, time, float, float], ...] = (
    (Venue.Kind.GYM, "G", time(6), time(22), 19.0, 1.3),
    (Venue.Kind.HOTEL, "H", time(7), time(23), 20.0, 1.2),
    (Venue.Kind.RESTAURANT, "R", time(10), time(22), 19.0, 1.4),
    (Venue.Kind.MALL, "M", time(10), time(22), 15.0, 1.5),
    (Venue.Kind.GYM, "G", time(6), time(22), 18.5, 1.3),
    (Venue.Kind.HOTEL, "H", time(7), time(23), 21.0, 1.2),
    (Venue.Kind.PROPERTY, "P", time(8), time(18), 10.0, 0.6),
    (Venue.Kind.TOURISM, "T", time(8), time(18), 13.0, 1.8),
    (Venue.Kind.GYM, "G", time(6), time(22), 19.5, 1.3),
    (Venue.Kind.GYM, "G", time(6), time(22), 18.0, 1.3),
)
VENUE_NAMES: dict[str, tuple[str, str]] = {
    Venue.Kind.GYM: ("健身会所", "Fitness Club"),
    Venue.Kind.HOTEL: ("酒店", "Hotel"),
    Venue.Kind.RESTAURANT: ("餐厅", "Restaurant"),
    Venue.Kind.MALL: ("购物中心", "Mall"),
    Venue.Kind.PROPERTY: ("物业服务中心", "Property Services"),
    Venue.Kind.TOURISM: ("景区", "Scenic Area"),
}
DISTRICTS = (
    ("静安", "Jing'an"),
    ("徐汇", "Xuhui"),
    ("浦东", "Pudong"),
    ("黄浦", "Huangpu"),
    ("长宁", "Changning"),
    ("普陀", "Putuo"),
    ("虹口", "Hongkou"),
    ("杨浦", "Yangpu"),
    ("闵行", "Minhang"),
    ("宝山", "Baoshan"),
)

# Staff per venue: (role, department code, how many) — coaches only where there are classes.
ROSTER: tuple[tuple[str, str | None, int], ...] = (
    (Role.FRONT_DESK, "front_office", 3),
    (Role.SPECIALIST, "customer_service", 3),
    (Role.MANAGER, "customer_service", 1),
    (Role.GENERAL_MANAGER, None, 1),
    (Role.MAINTENANCE, "maintenance", 2),
    (Role.COURSE_SUPERVISOR, "courses", 1),
    (Role.STAFF, "courses", 6),
)
COMPANY_ROLES = (Role.DIRECTOR, Role.AUDITOR, Role.PRIVACY_OFFICER)

# A long tail: two categories make a third of everything, privacy is rare.
CATEGORY_WEIGHTS = {
    "service_attitude": 18,
    "facility_equipment": 16,
    "hygiene_environment": 12,
    "service_quality": 11,
    "class_schedule": 8,
    "coach_staff_conduct": 7,
    "billing_price": 7,
    "membership_contract": 5,
    "noise": 4,
    "booking_reservation": 4,
    "product_quality": 3,
    "lost_property": 2,
    "safety_security": 1.5,
    "other": 1,
    "privacy_data": 0.5,
}
SEVERITY_WEIGHTS: dict[str, float] = {
    Severity.URGENT: 10,
    Severity.IMPORTANT: 30,
    Severity.GENERAL: 60,
}
CHANNEL_WEIGHTS: dict[str, float] = {
    Channel.FRONT_DESK: 34,
    Channel.PHONE: 20,
    Channel.APP: 15,
    Channel.WEB: 10,
    Channel.EMAIL: 8,
    Channel.SOCIAL: 7,
    Channel.STAFF: 5,
    Channel.LETTER: 1,
}
IN_PERSON = {Channel.FRONT_DESK, Channel.PHONE, Channel.STAFF, Channel.LETTER}
# The open states, as a backlog looks: most are being investigated.
OPEN_STATE_WEIGHTS: dict[str, float] = {
    S.RECEIVED: 6,
    S.ACKNOWLEDGED: 8,
    S.ASSIGNED: 14,
    S.INVESTIGATING: 30,
    S.INVALID: 2,
    S.EXPLAINED: 4,
    S.REMEDY_PROPOSED: 7,
    S.APPROVAL_PENDING: 6,
    S.APPROVED: 4,
    S.REJECTED: 1,
    S.CUSTOMER_ACCEPTED: 3,
    S.CUSTOMER_DECLINED: 1,
    S.REMEDY_EXECUTED: 4,
    S.FEEDBACK_GIVEN: 7,
    S.REVISIT_DONE: 3,
}
RESPONDED_OPEN = {
    S.INVESTIGATING,
    S.INVALID,
    S.EXPLAINED,
    S.REMEDY_PROPOSED,
    S.APPROVAL_PENDING,
    S.APPROVED,
    S.REJECTED,
    S.CUSTOMER_ACCEPTED,
    S.CUSTOMER_DECLINED,
    S.REMEDY_EXECUTED,
    S.FEEDBACK_GIVEN,
    S.REVISIT_DONE,
}
RESOLVED_OPEN = {S.EXPLAINED, S.FEEDBACK_GIVEN, S.REVISIT_DONE}
REMEDY_OPEN = {
    S.REMEDY_PROPOSED: RemedyProposal.Status.DRAFT,
    S.APPROVAL_PENDING: RemedyProposal.Status.PENDING,
    S.APPROVED: RemedyProposal.Status.APPROVED,
    S.REJECTED: RemedyProposal.Status.REJECTED,
    S.CUSTOMER_ACCEPTED: RemedyProposal.Status.APPROVED,
    S.CUSTOMER_DECLINED: RemedyProposal.Status.APPROVED,
    S.REMEDY_EXECUTED: RemedyProposal.Status.EXECUTED,
    S.FEEDBACK_GIVEN: RemedyProposal.Status.EXECUTED,
    S.REVISIT_DONE: RemedyProposal.Status.EXECUTED,
}
# Of the complaints no longer open: closed, a few declined as abusive, a few merged.
DONE_STATE_WEIGHTS: dict[str, float] = {S.CLOSED: 97, S.DECLINED: 1, S.MERGED: 2}
# Remedy kinds and their amounts in CNY: (weight, low, median, high); 0 costs nothing.
REMEDY_AMOUNTS: dict[str, tuple[float, int, int, int]] = {
    K.APOLOGY: (30, 0, 0, 0),
    K.VOUCHER: (22, 30, 150, 800),
    K.REFUND: (14, 50, 400, 6000),
    K.FREE_SERVICE: (10, 0, 0, 0),
    K.REPAIR: (8, 0, 200, 3000),
    K.CLASS_ADJUSTMENT: (6, 0, 0, 0),
    K.MEMBERSHIP_EXTENSION: (6, 0, 0, 0),
    K.ROOM_CHANGE: (6, 0, 300, 1200),
    K.LATE_CHECKOUT: (4, 0, 0, 0),
    K.MEDICAL_COSTS: (1.5, 200, 800, 8000),
    K.PROPERTY_COSTS: (1.5, 100, 500, 5000),
    K.OTHER: (2, 0, 100, 1000),
}
# Who handles a complaint routed to a role.
HANDLERS: dict[str, tuple[str, str]] = {
    Role.MAINTENANCE: (Role.MAINTENANCE, Role.SPECIALIST),
    Role.COURSE_SUPERVISOR: (Role.COURSE_SUPERVISOR, Role.SPECIALIST),
    Role.MANAGER: (Role.SPECIALIST, Role.MANAGER),
}
SATISFACTION_WEIGHTS: dict[int, float] = {5: 55, 4: 27, 3: 9, 2: 5, 1: 4}
NPS_BY_SATISFACTION = {5: (8, 10), 4: (6, 9), 3: (4, 7), 2: (1, 5), 1: (0, 3)}


class SeedError(Exception):
    """The seed cannot run (or may not run here): the message says why. Nothing was changed."""


@dataclass
class SeedResult:
    """What `seed()` wrote, and how fast."""

    company: str
    complaints: int = 0
    surveys: int = 0
    remedies: int = 0
    consequences: int = 0
    events: int = 0
    customers: int = 0
    staff: int = 0
    venues: int = 0
    counters: int = 0
    rollups: int | None = None  # venue-days rebuilt; None: not built (the module is missing)
    rollups_note: str = ""
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    by_state: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return (
            self.complaints
            + self.surveys
            + self.remedies
            + self.consequences
            + self.events
            + self.customers
            + self.counters
        )

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


# --- the company ----------------------------------------------------------------------------------


@dataclass
class VenueInfo:
    """What generating a complaint needs to know of a venue, as plain values."""

    id: int
    code: str
    kind: str
    zone: ZoneInfo
    opens: float  # local hour
    closes: float
    peak: float
    weekend: float
    departments: dict[str, int]
    sla: dict[str, tuple[str, float, float]]  # severity -> (mode, respond h, resolve h)
    staff: dict[str, list[int]]  # role -> user ids
    customers: list[tuple[int, str]] = field(default_factory=list)  # home customers (id, lang)
    weight: float = 1.0
    remedy_kinds: list[str] = field(default_factory=list)
    remedy_weights: list[float] = field(default_factory=list)


@dataclass
class Setup:
    company: Company
    venues: list[VenueInfo]
    company_staff: dict[str, list[int]]
    categories: dict[str, int]
    customers: list[tuple[int, str]]
    staff_count: int
    created_customers: int


def check_allowed() -> None:
    if settings.AMENDS_ENV == "production":
        raise SeedError(
            "amends bench seed refuses to run with AMENDS_ENV=production: it would add a made-up "
            "company with a published password and invented complaints to a real database. "
            "Nothing was changed."
        )


def _company(rng: random.Random, venue_count: int, pool: int, words: Texts) -> Setup:
    company = Company.objects.filter(code=BENCH_CODE).first()
    staff_count = 0
    if company is None:
        with transaction.atomic():
            company = company_create(name=BENCH_NAME, code=BENCH_CODE)
            for i in range(venue_count):
                kind, letter, opens, closes, _peak, _weekend = VENUE_TYPES[i % len(VENUE_TYPES)]
                district, district_en = DISTRICTS[i % len(DISTRICTS)]
                name, name_en = VENUE_NAMES[kind]
                venue_create(
                    company=company,
                    code=f"B{letter}{i + 1:02d}",
                    name=f"{district}{name}{i + 1}",
                    name_en=f"{district_en} {name_en} {i + 1}",
                    kind=kind,
                    opens_at=opens,
                    closes_at=closes,
                    open_days=(
                        Venue.OpenDays.WORKING_DAYS
                        if kind == Venue.Kind.PROPERTY
                        else Venue.OpenDays.EVERY_DAY
                    ),
                )
            workflow_install_defaults(company=company)
            staff_count = _staff(company, rng, words)
    venues = _venues(company, rng)
    if not venues:
        raise SeedError(f"the company {BENCH_CODE} has no venues")
    company_staff: dict[str, list[int]] = {}
    for user_id, role in RoleGrant.objects.filter(
        user__company=company, venue__isnull=True
    ).values_list("user_id", "role"):
        company_staff.setdefault(role, []).append(user_id)
    categories = dict(
        Category.objects.filter(company=company, is_active=True).values_list("code", "pk")
    )
    customers, created = _customers(company, venues, rng, pool, words)
    return Setup(
        company=company,
        venues=venues,
        company_staff=company_staff,
        categories=categories,
        customers=customers,
        staff_count=staff_count or User.objects.filter(company=company).count(),
        created_customers=created,
    )


def _person(rng: random.Random, words: Texts) -> tuple[str, str]:
    surname, surname_en = rng.choice(words.zh_surnames)
    given, given_en = rng.choice(words.zh_given)
    return surname + given, f"{given_en.title()} {surname_en.title()}"


def _staff(company: Company, rng: random.Random, words: Texts) -> int:
    """Every venue's roster and the company-wide roles, written in bulk with one password hash."""
    password = make_password(BENCH_PASSWORD)
    users: list[User] = []
    grants: list[tuple[int, str, int | None, str | None]] = []  # (user index, role, venue, dept)

    def add(username: str, role: str, venue_id: int | None, dept: str | None) -> None:
        name, name_en = _person(rng, words)
        users.append(
            User(
                company=company,
                username=username,
                password=password,
                display_name=name,
                display_name_en=name_en,
                email=f"{username}@bench.example.com",
            )
        )
        grants.append((len(users) - 1, role, venue_id, dept))

    for company_role in COMPANY_ROLES:
        add(f"bench-{company_role.replace('_', '-')}", company_role, None, None)
    for venue in Venue.objects.filter(company=company).order_by("code"):
        for role, dept, count in ROSTER:
            if role in (Role.COURSE_SUPERVISOR, Role.STAFF) and venue.kind != Venue.Kind.GYM:
                if role == Role.COURSE_SUPERVISOR:
                    continue
                dept, count = "front_office", 4  # staff on the floor where there are no classes
            for n in range(count):
                add(
                    f"bench-{venue.code.lower()}-{role.replace('_', '-')}-{n + 1}",
                    role,
                    venue.pk,
                    dept,
                )
    User.objects.bulk_create(users, batch_size=500)
    departments = {
        (venue_id, code): pk
        for pk, venue_id, code in Department.objects.filter(venue__company=company).values_list(
            "pk", "venue_id", "code"
        )
    }
    RoleGrant.objects.bulk_create(
        [
            RoleGrant(
                user=users[index],
                role=role,
                venue_id=venue_id,
                department_id=(
                    departments.get((venue_id, dept)) if dept and venue_id is not None else None
                ),
            )
            for index, role, venue_id, dept in grants
        ],
        batch_size=500,
    )
    return len(users)


def _venues(company: Company, rng: random.Random) -> list[VenueInfo]:
    shapes = {letter: (peak, weekend) for _k, letter, _o, _c, peak, weekend in VENUE_TYPES}
    letters = {kind: letter for kind, letter, *_rest in VENUE_TYPES}
    result: list[VenueInfo] = []
    for venue in Venue.objects.filter(company=company).order_by("code"):
        peak, weekend = shapes[letters[venue.kind]]
        info = VenueInfo(
            id=venue.pk,
            code=venue.code,
            kind=venue.kind,
            zone=ZoneInfo(venue.timezone),
            opens=venue.opens_at.hour + venue.opens_at.minute / 60,
            closes=venue.closes_at.hour + venue.closes_at.minute / 60,
            peak=peak,
            weekend=weekend,
            departments=dict(venue.departments.values_list("code", "pk")),
            sla={
                p.severity: (p.mode, float(p.respond_hours), float(p.resolve_hours))
                for p in SlaPolicy.objects.filter(venue=venue)
            },
            staff={},
            # Some venues are busier than others (a few flagships, many small ones).
            weight=rng.lognormvariate(0, 0.5),
        )
        for user_id, role in RoleGrant.objects.filter(venue=venue).values_list("user_id", "role"):
            info.staff.setdefault(role, []).append(user_id)
        kinds = kinds_for(venue.kind)
        info.remedy_kinds = kinds
        info.remedy_weights = list(accumulate(REMEDY_AMOUNTS[k][0] for k in kinds))
        result.append(info)
    return result


def _customers(
    company: Company, venues: list[VenueInfo], rng: random.Random, pool: int, words: Texts
) -> tuple[list[tuple[int, str]], int]:
    """The pool of customers (the company's, topped up to `pool`), each given a home venue."""
    existing = list(Customer.objects.filter(company=company).values_list("pk", "language"))
    missing = max(0, pool - len(existing))
    now = clock.now()
    made: list[Customer] = []
    phones: set[str] = set()
    for _ in range(missing):
        english = rng.random() < 0.1
        if english:
            name = f"{rng.choice(words.en_first)} {rng.choice(words.en_last)}"
        else:
            name = _person(rng, words)[0]
        while True:
            phone = f"+86{rng.choice(words.mobile_prefixes)}{rng.randrange(10**8):08d}"
            if phone not in phones:
                phones.add(phone)
                break
        email = (
            f"bench{rng.randrange(10**9):09d}@{rng.choice(words.mail_domains)}"
            if rng.random() < 0.3
            else ""
        )
        made.append(
            Customer(
                company=company,
                name=name,
                phone=phone,
                email=email,
                phone_index=crypto.blind_index(phone, purpose="phone"),
                email_index=crypto.blind_index(email, purpose="email") if email else "",
                language="en" if english else "zh-hans",
                created_at=now - timedelta(days=rng.uniform(0, 1200)),
            )
        )
    with transaction.atomic():
        for start in range(0, len(made), 2000):
            Customer.objects.bulk_create(made[start : start + 2000])
    if made and made[0].pk is None:  # a backend that returns no ids
        existing = list(Customer.objects.filter(company=company).values_list("pk", "language"))
    else:
        existing += [(c.pk, c.language) for c in made]
    for index, customer in enumerate(existing):
        venues[index % len(venues)].customers.append(customer)
    return existing, len(made)


# --- the complaints -------------------------------------------------------------------------------


def _cells(
    venues: list[VenueInfo], count: int, first: date, last: date, rng: random.Random
) -> list[tuple[date, VenueInfo, int]]:
    """`count` complaints spread over (day, venue) cells: busier venues, weekends where people
    come at weekends, slow growth over the years and a dip at the Spring Festival."""
    days = (last - first).days + 1
    weights: list[float] = []
    keys: list[tuple[date, VenueInfo]] = []
    for d in range(days):
        day = first + timedelta(days=d)
        trend = 0.8 + 0.4 * d / max(1, days - 1)
        season = 1 + 0.15 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 100) / 365)
        dip = 0.5 if (day.month == 2 and day.day < 15) else 1.0
        for venue in venues:
            weekend = venue.weekend if day.weekday() >= 5 else 1.0
            weights.append(venue.weight * trend * season * dip * weekend)
            keys.append((day, venue))
    # Systematic sampling: exactly `count` complaints, each cell near its expected share.
    total = sum(weights)
    step = total / count if count else 0.0
    offset = rng.random() * step
    cells: list[tuple[date, VenueInfo, int]] = []
    upper, taken = 0.0, 0
    for (day, venue), weight in zip(keys, weights, strict=True):
        upper += weight
        n = 0
        while taken < count and offset + taken * step < upper:
            n += 1
            taken += 1
        if n:
            cells.append((day, venue, n))
    if taken < count and cells:  # rounding at the very end
        day, venue, n = cells[-1]
        cells[-1] = (day, venue, n + count - taken)
    for day, venue, n in cells:
        if n > MAX_PER_DAY:
            raise SeedError(
                f"{n} complaints on {day} at {venue.code}: more than a reference can number; "
                "use more venues or months"
            )
    return cells


def _open_probability(cells: list[tuple[date, VenueInfo, int]], share: float, today: date) -> Any:
    """p(age) = min(1, a·e^(−age/τ)): open complaints are the recent ones; `a` is found so that
    the expected open share is `share`."""
    tau = 21.0
    by_age: dict[int, int] = {}
    total = 0
    for day, _venue, n in cells:
        age = (today - day).days
        by_age[age] = by_age.get(age, 0) + n
        total += n
    if share <= 0 or not total:
        return lambda age: 0.0
    if share >= 1:
        return lambda age: 1.0

    def expected(a: float) -> float:
        return sum(n * min(1.0, a * math.exp(-age / tau)) for age, n in by_age.items()) / total

    low, high = 0.0, 1.0
    while expected(high) < share and high < 1e12:
        high *= 2
    for _ in range(60):
        mid = (low + high) / 2
        if expected(mid) < share:
            low = mid
        else:
            high = mid
    a = high
    return lambda age: min(1.0, a * math.exp(-age / tau))


class _Picker:
    """A weighted choice by bisection over cumulative weights (fast for repeated draws)."""

    def __init__(self, weights: Mapping[Any, float]) -> None:
        self.values = list(weights)
        self.cumulative = list(accumulate(weights.values()))
        self.total = self.cumulative[-1]

    def __call__(self, rng: random.Random) -> Any:
        return self.values[bisect_left(self.cumulative, rng.random() * self.total)]


def _texts(words: Texts, rng: random.Random, per_template: int = 40) -> dict[str, dict[str, list]]:
    """Descriptions by language and category: each of the demo's texts with its {slots} filled
    in many ways (thousands of distinct texts, not a few templates)."""
    pools: dict[str, dict[str, list[tuple[str, str, str]]]] = {}
    for lang, texts in words.complaints.items():
        slots = words.slots[lang]
        by_category: dict[str, list[tuple[str, str, str]]] = {}
        for text in texts:
            for _ in range(per_template):
                values = {key: rng.choice(options) for key, options in slots.items()}
                values.update(
                    locker=str(rng.randint(1, 320)),
                    room=f"{rng.randint(3, 22)}{rng.randint(1, 36):02d}",
                    n=str(rng.randint(2, 5)),
                    amount=str(rng.choice((28, 68, 168, 288, 399, 688, 1288, 2680))),
                    coach=rng.choice(("Coach Li", "Coach Wang", "李教练", "王教练")),
                    staff=rng.choice(("Xiao Zhang", "Ms Chen", "小张", "陈女士")),
                )
                values.update(surname=rng.choice(words.zh_surnames)[0])
                try:
                    description = text.text.format(**values)
                    request = text.request.format(**values) if text.request else ""
                except (KeyError, IndexError):
                    continue
                by_category.setdefault(text.category, []).append(
                    (description, request, text.location)
                )
        pools["en" if lang == "en" else "zh-hans"] = by_category
    return pools


class _Row(dict):
    """A generated row read as a complaint (`row.state`, `row.reference`; a column not set
    reads None), for the model's and the search's functions that take one."""

    def __getattr__(self, name: str) -> Any:
        return self.get(name)


@dataclass
class _Batch:
    complaints: list[dict[str, Any]] = field(default_factory=list)
    surveys: list[dict[str, Any]] = field(default_factory=list)
    remedies: list[dict[str, Any]] = field(default_factory=list)
    consequences: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


class _Generator:
    """One complaint at a time, with its children, as dicts of column values.

    The distributions: categories with a long tail (CATEGORY_WEIGHTS), severities 10 % urgent and
    30 % important, channels (CHANNEL_WEIGHTS), receipt inside the venue's local opening hours
    around its busiest hour; open complaints mostly recent (`_open_probability`); the rest closed,
    with a few declined as abusive and a few merged into the venue's previous complaint. First
    responses by `respond_due` for about 94 %, resolutions by `resolve_due` for about 92 %; late
    ones escalated. Validity: most valid, about 12 % invalid (explained, then closed); a cause for
    the valid ones; a staff member complained about for about 15 %. Remedies for about 20 %
    (amounts in CNY as Decimal, approved then carried out), consequences for a few; every closed
    complaint has a survey, about 40 % answered (mostly 4–5, NPS to match).
    """

    def __init__(
        self,
        setup: Setup,
        rng: random.Random,
        now: datetime,
        words: Texts,
        defaults: Mapping[str, Any],
    ) -> None:
        self.setup, self.rng, self.now = setup, rng, now
        self.timelines = Timelines(now=now, defaults=defaults)
        self.texts = _texts(words, rng)
        weights = {
            setup.categories[code]: w
            for code, w in CATEGORY_WEIGHTS.items()
            if code in setup.categories
        }
        for pk in setup.categories.values():
            weights.setdefault(pk, 1.0)  # a category the company added
        self.category = _Picker(weights)
        self.category_code = {pk: code for code, pk in setup.categories.items()}
        self.severity = _Picker(SEVERITY_WEIGHTS)
        self.channel = _Picker(CHANNEL_WEIGHTS)
        self.open_state = _Picker(OPEN_STATE_WEIGHTS)
        self.done_state = _Picker(DONE_STATE_WEIGHTS)
        self.satisfaction = _Picker(SATISFACTION_WEIGHTS)
        self.psychology = list(Psychology.values)
        routes = {code: route for code, route in DEFAULT_ROUTES}
        self.route = {pk: routes.get(code) or routes[None] for code, pk in setup.categories.items()}
        self.last_by_customer: dict[tuple[int, int, int], tuple[int, datetime, int]] = {}
        self._token_cache: dict[tuple[str, ...], str] = {}
        directors = setup.company_staff.get(Role.DIRECTOR) or []
        self.director: int | None = directors[0] if directors else None

    # -- helpers

    def _pick_staff(self, venue: VenueInfo, *roles: str) -> int | None:
        for role in roles:
            people = venue.staff.get(role)
            if people:
                return self.rng.choice(people)
        return self.director

    def _text(self, lang: str, category: str) -> tuple[str, str, str]:
        pool = self.texts.get(lang) or self.texts["zh-hans"]
        options = pool.get(category)
        if not options:
            options = pool[self.rng.choice(list(pool))]
        return self.rng.choice(options)

    def _amount(self, kind: str) -> Decimal:
        _w, low, median, high = REMEDY_AMOUNTS[kind]
        if high == 0:
            return Decimal("0.00")
        if low == 0 and self.rng.random() < 0.4:
            return Decimal("0.00")
        value = self.rng.lognormvariate(math.log(median), 0.8)
        value = min(high, max(low or 1, value))
        cents = 0 if value > 100 else self.rng.choice((0, 0, 50))
        return Decimal(f"{int(value)}.{cents:02d}")

    # -- one complaint

    def complaint(
        self,
        pk: int,
        venue: VenueInfo,
        day: date,
        number: int,
        received: datetime,
        is_open: bool,
        previous: int | None,
        batch: _Batch,
    ) -> str:
        rng, now = self.rng, self.now
        category = self.category(rng)
        code = self.category_code[category]
        severity = self.severity(rng)
        channel = self.channel(rng)
        if rng.random() < 0.85 and venue.customers:
            customer, lang = rng.choice(venue.customers)
        else:
            customer, lang = rng.choice(self.setup.customers)
        # Repeats (SPEC §2): the same customer, category and venue within 30 days.
        key = (customer, venue.id, category)
        earlier = self.last_by_customer.get(key)
        repeat_of, repeat_count = None, 0
        if earlier is not None and received - earlier[1] <= timedelta(days=30):
            repeat_of, repeat_count = earlier[0], min(earlier[2] + 1, 32000)
            if severity == Severity.GENERAL:
                severity = Severity.IMPORTANT
        self.last_by_customer[key] = (pk, received, repeat_count)
        mode, respond_h, resolve_h = venue.sla.get(severity) or ("clock", 24.0, 72.0)
        respond_due = received + timedelta(hours=respond_h)
        resolve_due = received + timedelta(hours=resolve_h)
        route = self.route[category]
        department = venue.departments.get(route.department_code)
        receiver = self._pick_staff(venue, Role.FRONT_DESK) if channel in IN_PERSON else None
        description, request, location = self._text(lang, code)

        state = self.open_state(rng) if is_open else self.done_state(rng)
        if state == S.MERGED and previous is None:
            state = S.CLOSED
        c: dict[str, Any] = {
            "id": pk,
            "company_id": self.setup.company.pk,
            "venue_id": venue.id,
            "reference": f"{venue.code}-{day:%Y%m%d}-{number:04d}",
            "state": state,
            "channel": channel,
            "received_by_id": receiver,
            "received_at": received,
            "language": lang,
            "customer_id": customer,
            "occurred_at": received - timedelta(minutes=rng.randint(5, 600)),
            "location": location,
            "description": description,
            "customer_request": request,
            "category_id": category,
            "severity": severity,
            "psychology": rng.choice(self.psychology) if rng.random() < 0.6 else "",
            "department_id": department,
            "route_role": route.role,
            "clock_mode": mode,
            "respond_due": respond_due,
            "resolve_due": resolve_due,
            "promised_respond_by": respond_due,
            "promised_resolve_by": resolve_due,
            "repeat_of_id": repeat_of,
            "repeat_count": repeat_count,
        }
        owner = receiver or self._pick_staff(venue, Role.SPECIALIST, Role.MANAGER)
        handler_role = HANDLERS.get(route.role, (Role.SPECIALIST, Role.MANAGER))
        assignee = self._pick_staff(venue, *handler_role)
        c["owner_id"] = owner
        if rng.random() < 0.15:
            c["subject_staff_id"] = self._pick_staff(venue, Role.STAFF, Role.FRONT_DESK)
            c["subject_department_id"] = department

        late_response = rng.random() < 0.06
        late_resolution = rng.random() < 0.08
        if late_response:
            response = respond_h * (1 + rng.expovariate(1.5))
        else:
            response = respond_h * min(
                0.98, rng.random() ** 1.8 + 0.01
            )  # median ≈ 0.3 of the limit
        responded = received + timedelta(hours=response)
        if late_resolution:
            resolved = received + timedelta(hours=resolve_h * (1 + rng.expovariate(2)))
        else:
            left = max(0.2, resolve_h * 0.98 - response)
            resolved = responded + timedelta(hours=left * rng.random() ** 1.3)
        resolved = max(resolved, responded + timedelta(minutes=10))
        closed = resolved + timedelta(days=rng.uniform(0.2, 7))

        def before_now(moment: datetime, since: datetime) -> datetime:
            if moment < now:
                return moment
            return since + (now - since) * rng.uniform(0.3, 0.95)

        validity = Validity.UNDECIDED
        if state in (S.CLOSED, S.EXPLAINED, S.INVALID, S.FEEDBACK_GIVEN, S.REVISIT_DONE) or (
            state in REMEDY_OPEN
        ):
            roll = rng.random()
            validity = (
                Validity.INVALID
                if state in (S.INVALID, S.EXPLAINED) or (state == S.CLOSED and roll < 0.12)
                else Validity.VALID
                if roll < 0.97 or state != S.CLOSED
                else Validity.UNDECIDED
            )
        elif state == S.INVESTIGATING and rng.random() < 0.3:
            validity = Validity.VALID
        c["validity"] = validity
        if validity == Validity.VALID:
            c["cause"] = "subjective" if rng.random() < 0.5 else "objective"
            c["responsibility"] = (
                "staff"
                if c.get("subject_staff_id") and rng.random() < 0.7
                else rng.choice(("department", "department", "third_party", "customer"))
            )
            if c["responsibility"] == "staff":
                c["responsible_staff_id"] = c["subject_staff_id"]
            elif c["responsibility"] == "department":
                c["responsible_department_id"] = department

        if state in (S.RECEIVED, S.ACKNOWLEDGED):
            c["version"] = 1 if state == S.RECEIVED else 2
        else:
            assigned = received + timedelta(hours=response * rng.uniform(0.1, 0.6))
            c["assignee_id"] = assignee
            c["owner_id"] = assignee
            c["assigned_at"] = before_now(assigned, received)
            c["version"] = 3
        if state in RESPONDED_OPEN or not is_open:
            if is_open:
                responded = before_now(responded, received)
            c["responded_at"] = responded
            c["version"] = 4
        if state in RESOLVED_OPEN or not is_open:
            if is_open:
                resolved = before_now(max(resolved, responded), responded)
            c["resolved_at"] = resolved
            c["version"] = 7
        if not is_open:
            if state == S.CLOSED:
                if closed >= now:  # received lately but done: squeeze its life before now
                    span = now - received
                    responded = received + span * 0.2
                    resolved = received + span * 0.5
                    closed = received + span * 0.8
                    c["responded_at"], c["resolved_at"] = responded, resolved
                c["closed_at"] = closed
                c["retention_until"] = retention_date(closed)
                c["version"] = 9
            elif state == S.MERGED:
                c["merged_into_id"] = previous
                c["resolved_at"] = c["responded_at"]
                c["closed_at"] = c["responded_at"]
                c["validity"] = Validity.UNDECIDED
                c.pop("cause", None)
            else:  # declined as abusive
                c["resolved_at"] = c["responded_at"]
                c["closed_at"] = c["responded_at"]
        if c.get("closed_at") and c["closed_at"] > now:
            c["closed_at"] = now - timedelta(minutes=1)
        # Deadlines still running, for the tick.
        if state in OPEN_STATES and not c.get("responded_at"):
            c["remind_at"] = received + timedelta(hours=respond_h * 0.75)
            c["next_escalation_at"] = respond_due
        # Escalations: late ones climb the ladder; an open one past its deadline too.
        late = late_response or (is_open and "responded_at" not in c and respond_due < now)
        if late or rng.random() < 0.02:
            level = 1 + (rng.random() < 0.3) + (rng.random() < 0.07)
            c["escalation_level"] = level
            c["escalated_to"] = None
            c["escalated_to_id"] = (
                self._pick_staff(venue, Role.MANAGER)
                if level == 1
                else self._pick_staff(venue, Role.GENERAL_MANAGER)
                if level == 2
                else self.director
            )
            c.pop("escalated_to")
        if c.get("resolved_at") and state not in (S.MERGED, S.DECLINED):
            roll = rng.random()
            c["reopen_count"] = 2 if roll < 0.006 else 1 if roll < 0.045 else 0

        # Remedies: every complaint in a remedy state, about a quarter of the valid closed ones.
        remedy_status = REMEDY_OPEN.get(state)
        if (
            remedy_status is None
            and state == S.CLOSED
            and validity == Validity.VALID
            and rng.random() < 0.24
        ):
            remedy_status = RemedyProposal.Status.EXECUTED
        if remedy_status is not None:
            self._remedy(c, venue, remedy_status, responded, resolved, batch)
        if state == S.CLOSED:
            self._survey(c, lang, batch)
            if (
                c.get("responsible_staff_id")
                and c.get("cause") == "subjective"
                and rng.random() < 0.3
            ):
                batch.consequences.append(
                    {
                        "complaint_id": pk,
                        "staff_id": c["responsible_staff_id"],
                        "kind": rng.choice(Consequence.Kind.values),
                        "note": "",
                        "recorded_by_id": self._pick_staff(venue, Role.MANAGER),
                        "recorded_at": c["resolved_at"],
                    }
                )
        # The stored columns the queues and the search read, as the model keeps them on save.
        c["due_at"] = Complaint.running_due(_Row(c))  # type: ignore[arg-type]
        c["search_tokens"] = self._tokens(c)
        managers: list[int | None] = [*venue.staff.get(Role.MANAGER, []), self.director]
        batch.events += self.timelines.build(
            c,
            manager=managers[0],
            category_code=code,
            department_code=route.department_code if department else "",
        )
        batch.complaints.append(c)
        return state

    def _tokens(self, c: dict[str, Any]) -> str:
        """`search.complaint_tokens` of the row. The texts come from a pool, so their tokens are
        computed once per distinct text and the reference's put in front: the same string, as
        tokenizing is per run of characters and never crosses the line between fields (the
        tests compare the two)."""
        key = tuple(c.get(name) or "" for name in search.TEXT_FIELDS)
        text = self._token_cache.get(key)
        if text is None:
            text = search.complaint_tokens(_Row(dict(zip(search.TEXT_FIELDS, key, strict=True))))
            self._token_cache[key] = text
        tokens = search.text_tokens(c["reference"])
        return " ".join(dict.fromkeys([*tokens, *text.split()])) if text else " ".join(tokens)

    def _remedy(
        self,
        c: dict[str, Any],
        venue: VenueInfo,
        status: str,
        responded: datetime,
        resolved: datetime,
        batch: _Batch,
    ) -> None:
        rng = self.rng
        kinds = venue.remedy_kinds
        kind = kinds[bisect_left(venue.remedy_weights, rng.random() * venue.remedy_weights[-1])]
        proposed = c.get("responded_at") or responded
        decided = proposed + (resolved - proposed) * rng.uniform(0.1, 0.4)
        manager = self._pick_staff(venue, Role.MANAGER)
        row: dict[str, Any] = {
            "complaint_id": c["id"],
            "kind": kind,
            "description": str(RemedyProposal.Kind(kind).label),
            "amount": self._amount(kind),
            "status": status,
            "proposed_by_id": c.get("assignee_id") or c["owner_id"],
            "proposed_at": proposed,
            "approval_role": "",
            "decision_comment": "",
        }
        if status not in (RemedyProposal.Status.DRAFT, RemedyProposal.Status.PENDING):
            row["decided_by_id"] = manager
            row["decided_at"] = min(decided, self.now)
        else:
            row["approval_role"] = Role.MANAGER if status == RemedyProposal.Status.PENDING else ""
        if status == RemedyProposal.Status.EXECUTED:
            executed = row["decided_at"] + (resolved - row["decided_at"]) * rng.uniform(0.2, 0.9)
            row["executed_at"] = min(executed, self.now)
        batch.remedies.append(row)

    def _survey(self, c: dict[str, Any], lang: str, batch: _Batch) -> None:
        rng = self.rng
        invited = c["closed_at"]
        row: dict[str, Any] = {
            "complaint_id": c["id"],
            "token": secrets.token_urlsafe(32),
            "invited_at": invited,
            "comment": "",
        }
        if rng.random() < 0.4:
            answered = invited + timedelta(hours=rng.expovariate(1 / 20))
            if answered < self.now:
                satisfaction = self.satisfaction(rng)
                row["answered_at"] = answered
                row["satisfaction"] = satisfaction
                if rng.random() < 0.9:
                    row["nps"] = rng.randint(*NPS_BY_SATISFACTION[satisfaction])
        batch.surveys.append(row)


# --- writing ----------------------------------------------------------------------------------


class _Writer:
    """Rows as dicts of column values → the table: COPY on PostgreSQL, bulk_create elsewhere."""

    def __init__(self, model: type[models.Model], *, with_id: bool) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if with_id or not f.primary_key]
        self.defaults = {}
        for f in self.fields:
            default = f.get_default() if f.has_default() else (None if f.null else "")
            if f.primary_key:
                default = None
            elif not f.has_default() and not f.null and isinstance(f, models.IntegerField):
                default = 0
            self.defaults[f.attname] = default
        self.postgres = connection.vendor == "postgresql"
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        self.copy_sql = (
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
        )
        self.names = [f.attname for f in self.fields]
        # COPY takes JSON as its text (bulk_create adapts it itself).
        self.json = [isinstance(f, models.JSONField) for f in self.fields]

    def write(self, rows: list[dict[str, Any]]) -> int:
        if not rows:
            return 0
        defaults, names = self.defaults, self.names
        if self.postgres:
            with connection.cursor() as cursor:
                raw = cursor.cursor
                with raw.copy(self.copy_sql) as copy:
                    for row in rows:
                        values = [row.get(name, defaults[name]) for name in names]
                        copy.write_row(
                            [
                                json.dumps(v, ensure_ascii=False) if is_json else v
                                for v, is_json in zip(values, self.json, strict=True)
                            ]
                        )
        else:
            objects = [self.model(**{**defaults, **row}) for row in rows]
            self.model._default_manager.bulk_create(objects, batch_size=500)
        return len(rows)


def _reserve_ids(model: type[models.Model], count: int) -> int:
    """The first of `count` consecutive ids nobody else will take (the rows are written with
    them, so children can point at their complaint without reading anything back)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                f"SELECT GREATEST(COALESCE((SELECT MAX(id) FROM {quoted}), 0), "  # noqa: S608
                "(SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END "
                f"FROM {sequence}))"
            )
            start = int(cursor.fetchone()[0]) + 1
            cursor.execute("SELECT setval(%s, %s)", [sequence, start + count - 1])
            return start
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return int(cursor.fetchone()[0]) + 1


@contextmanager
def _fast_load(enabled: bool, notes: list[str]) -> Iterator[None]:
    """On PostgreSQL, for a large seed: drop the secondary indexes of the tables written (not
    those behind a constraint) and build them again at the end, from their own definitions, and
    — when amends connects as a superuser — skip the foreign-key triggers
    (`session_replication_role = replica`): the generator only writes ids it has just read or
    reserved. Both are the usual bulk-load practice; the indexes come back even on failure."""
    if not enabled or connection.vendor != "postgresql":
        yield
        return
    tables = [
        model._meta.db_table for model in (Complaint, RemedyProposal, Consequence, ComplaintEvent)
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = bool(cursor.fetchone()[0])
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        if superuser:
            cursor.execute("SET session_replication_role = replica")
    notes.append(f"{len(indexes)} indexes dropped during the load and rebuilt after it")
    if superuser:
        notes.append("foreign-key triggers skipped during the load (superuser)")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if superuser:
                cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for _name, definition in indexes:
                cursor.execute(definition)
            cursor.execute("RESET maintenance_work_mem")


def _local_day_times(venue: VenueInfo, day: date, n: int, rng: random.Random) -> Iterator[datetime]:
    """`n` receipt moments in the venue's opening hours that day, around its busiest hour, in
    order (so the day's numbers follow the clock), as UTC."""
    hours = sorted(rng.triangular(venue.opens, venue.closes, venue.peak) for _ in range(n))
    midnight = datetime.combine(day, time(0), tzinfo=venue.zone)
    for hour in hours:
        yield (midnight + timedelta(hours=hour, seconds=rng.random())).astimezone(UTC)


def seed(
    *,
    complaints: int,
    open_share: float = 0.1,
    venues: int = 20,
    months: int = 36,
    seed: int = 1,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SeedResult:
    """Write `complaints` complaints (and everything around them) for the company BENCH.

    Raises SeedError, having changed nothing, when refused here or asked nonsense."""
    check_allowed()
    if complaints < 0:
        raise SeedError("--complaints must be 0 or more")
    if not 0 <= open_share <= 1:
        raise SeedError("--open-share must be between 0 and 1")
    if not 1 <= venues <= 99:
        raise SeedError("--venues must be between 1 and 99")
    if months < 1:
        raise SeedError("--months must be 1 or more")
    rng = random.Random(seed)  # noqa: S311 - made-up data, reproducible by its seed
    now = (now or clock.now()).astimezone(UTC)
    words = load()
    seconds: dict[str, float] = {}

    started = timer.perf_counter()
    pool = min(CUSTOMER_POOL, max(50, complaints // 5))
    setup = _company(rng, venues, pool, words)
    result = SeedResult(
        company=setup.company.name,
        venues=len(setup.venues),
        staff=setup.staff_count,
        customers=setup.created_customers,
    )
    seconds["company, staff, customers"] = timer.perf_counter() - started

    started = timer.perf_counter()
    today = now.astimezone(setup.venues[0].zone).date()
    back = today.year * 12 + today.month - 1 - (months - 1)
    first = date(back // 12, back % 12 + 1, 1)  # the 1st of the month `months` - 1 before
    cells = _cells(setup.venues, complaints, first, today, rng)
    open_p = _open_probability(cells, open_share, today)
    complaint_writer = _Writer(Complaint, with_id=True)
    generator = _Generator(setup, rng, now, words, complaint_writer.defaults)
    counters = dict(
        ((venue_id, day), last)
        for venue_id, day, last in ReferenceCounter.objects.filter(
            venue__company=setup.company
        ).values_list("venue_id", "day", "last")
    )
    touched: set[tuple[int, date]] = set()
    next_id = _reserve_ids(Complaint, complaints) if complaints else 0
    writers = {
        "complaints": complaint_writer,
        "events": _Writer(ComplaintEvent, with_id=False),
        "surveys": _Writer(Survey, with_id=False),
        "remedies": _Writer(RemedyProposal, with_id=False),
        "consequences": _Writer(Consequence, with_id=False),
    }
    batch = _Batch()
    done = 0
    by_state: dict[str, int] = {}
    latest: dict[int, int] = {}  # venue -> its latest complaint (what a duplicate merges into)

    def flush() -> None:
        nonlocal batch
        with transaction.atomic():
            result.complaints += writers["complaints"].write(batch.complaints)
            result.surveys += writers["surveys"].write(batch.surveys)
            result.remedies += writers["remedies"].write(batch.remedies)
            result.consequences += writers["consequences"].write(batch.consequences)
            result.events += writers["events"].write(batch.events)
        batch = _Batch()
        if progress is not None:
            progress(done, complaints)

    notes: list[str] = []
    with _fast_load(complaints >= FAST_LOAD_FROM, notes):
        for day, venue, n in cells:
            is_recent = open_p((today - day).days)
            key = (venue.id, day)
            number = counters.get(key, 0)
            previous = latest.get(venue.id)
            times = list(_local_day_times(venue, day, n, rng))
            if times and times[-1] > now:  # today: only what has happened yet
                span = now - times[0] if times[0] < now else timedelta(minutes=n)
                base = min(times[0], now - span)
                times = [base + span * (i / max(1, n)) for i in range(n)]
            for received in times:
                number += 1
                if number > MAX_PER_DAY:
                    raise SeedError(f"more than {MAX_PER_DAY} complaints on {day} at {venue.code}")
                state = generator.complaint(
                    next_id, venue, day, number, received, rng.random() < is_recent, previous, batch
                )
                by_state[state] = by_state.get(state, 0) + 1
                if state != S.MERGED:
                    previous = next_id
                next_id += 1
                done += 1
                if len(batch.complaints) >= BATCH:
                    flush()
            counters[key] = number
            touched.add(key)
            if previous is not None:
                latest[venue.id] = previous
        flush()
    result.by_state = dict(sorted(by_state.items(), key=lambda kv: -kv[1]))
    rows = [
        ReferenceCounter(venue_id=venue_id, day=day, last=counters[(venue_id, day)])
        for venue_id, day in sorted(touched)
    ]
    with transaction.atomic():
        for start in range(0, len(rows), 2000):
            ReferenceCounter.objects.bulk_create(
                rows[start : start + 2000],
                update_conflicts=True,
                unique_fields=["venue", "day"],
                update_fields=["last"],
            )
    result.counters = len(rows)
    result.notes = notes
    seconds["complaints and children"] = timer.perf_counter() - started

    started = timer.perf_counter()
    if connection.vendor == "postgresql":
        # After a large load, VACUUM as well: the first reader of a freshly copied row writes
        # its hint bits (a write of every page), and without the visibility map no index-only
        # scan is possible — both would otherwise land on the rollups and the first reports.
        # VACUUM cannot run inside a transaction (a test's), ANALYZE can.
        vacuum = complaints >= FAST_LOAD_FROM and not connection.in_atomic_block
        command = "VACUUM (ANALYZE)" if vacuum else "ANALYZE"
        with connection.cursor() as cursor:
            for model in (Complaint, Survey, RemedyProposal, Consequence, ComplaintEvent, Customer):
                cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
            # And every other table (staff, venues, grants, categories: small, but without
            # statistics the planner takes 307 users for 30 and joins them in a loop — a
            # 150 ms approvals inbox instead of 8 ms at 1 M, until autovacuum comes by).
            cursor.execute("ANALYZE")
    seconds["vacuum, analyze"] = timer.perf_counter() - started

    started = timer.perf_counter()
    result.rollups, result.rollups_note = _rollups(setup, now)
    seconds["rollups"] = timer.perf_counter() - started
    result.seconds = seconds
    return result


def _rollups(setup: Setup, now: datetime) -> tuple[int | None, str]:
    """Rebuild the daily rollups of the seeded venues, then set the watermark to the last event,
    so an incremental refresh finds nothing to do, and give the planner the rollups' statistics
    (without them it expects a handful of rows where there are tens of thousands)."""
    from amends.reports import rollups
    from amends.reports.models import DailyRollup, RollupState

    written = rollups.rebuild(venue_ids=[venue.id for venue in setup.venues])
    last = ComplaintEvent.objects.aggregate(last=Max("pk"))["last"] or 0
    RollupState.objects.update_or_create(
        key="complaints", defaults={"last_event_id": last, "current_to": now}
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(DailyRollup._meta.db_table)}")
    return int(written or 0), ""
