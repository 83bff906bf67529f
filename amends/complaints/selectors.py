"""Every read of complaints goes through here: `complaints_for_actor` is the one place that
decides what a person may see (DESIGN invariant 6)."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import (
    Avg,
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from amends.complaints import queue_cache
from amends.complaints import search as keywords
from amends.complaints.models import (
    Complaint,
    ComplaintEvent,
    Evidence,
    RemedyProposal,
    Revisit,
    Survey,
)
from amends.complaints.permissions import actions_available
from amends.complaints.surveys import LOW_NPS, LOW_SATISFACTION
from amends.complaints.transitions import OPEN_STATES, WAITING_ON_CUSTOMER_STATES, Action, State
from amends.core import clock, pii
from amends.core.errors import InvalidInput, NotFound
from amends.members.models import Member
from amends.members.selectors import ContactCard, contact_card
from amends.members.services import email_index, phone_index
from amends.orgs.models import User, Venue
from amends.orgs.roles import APPROVER_ROLES, SUPERVISOR_ROLES
from amends.orgs.selectors import Scope, scope_of
from amends.workflow.models import PersonalAuthorityLimit
from amends.workflow.rules import DEFAULT_TARGETS, Targets


def visibility(actor: User) -> Q:
    """The filter of complaints `actor` may see.

    - Company-wide holders of a venue-wide role (director, auditor … without a venue): all of
      the company's complaints.
    - Venue-wide roles (front desk, specialist, manager …) at a venue: all of that venue's.
    - Everyone: complaints routed to a department they are granted, and complaints they received,
      own, are assigned, have been escalated to, must revisit, or have handled (`handlers`) — so
      nobody loses sight of a complaint because it moved to another department.
    """
    scope = scope_of(actor)
    if scope.company_id is None or not actor.is_active:
        return Q(pk__in=[])
    company = Q(company_id=scope.company_id)
    if scope.spans_company:
        return company
    handled = Complaint.handlers.through
    personal = (
        Q(received_by_id=actor.pk)
        | Q(owner_id=actor.pk)
        | Q(assignee_id=actor.pk)
        | Q(escalated_to_id=actor.pk)
        | Q(pk__in=Revisit.objects.filter(assignee_id=actor.pk).values("complaint_id"))
        | Q(pk__in=handled.objects.filter(user_id=actor.pk).values("complaint_id"))
    )
    reach = personal
    if scope.wide_venue_ids():
        reach |= Q(venue_id__in=scope.wide_venue_ids())
    if scope.department_ids:
        reach |= Q(department_id__in=scope.department_ids)
    return company & reach


def complaints_for_actor(*, actor: User) -> QuerySet[Complaint]:
    return Complaint.objects.filter(visibility(actor))


def complaint_get_for_actor(
    *, actor: User, pk: int | None = None, reference: str | None = None
) -> Complaint:
    """One complaint the actor may see, else NotFound (never reveals that it exists)."""
    # The linked complaints a complaint page names (merged into, follows, repeat of, possible
    # duplicate of) come in the same query, so a page costs the same whatever its links.
    complaints = complaints_for_actor(actor=actor).select_related(
        "venue",
        "customer",
        "category",
        "department",
        "merged_into",
        "follows",
        "repeat_of",
        "possible_duplicate_of",
    )
    found = (
        complaints.filter(pk=pk).first()
        if pk is not None
        else complaints.filter(reference=reference).first()
    )
    if found is None:
        raise NotFound("complaint not found", code="complaint_not_found")
    return found


def complaint_contact_masked(*, actor: User, complaint: Complaint) -> ContactCard:
    """The customer as shown by default: masked. Unmasking is a service (it is audited)."""
    complaint_get_for_actor(actor=actor, pk=complaint.pk)
    return contact_card(complaint.customer, unmasked=False)


def complaints_by_phone(*, actor: User, phone: str) -> QuerySet[Complaint]:
    """Every complaint the actor may see from this phone number, via the blind index."""
    e164 = pii.normalize_phone(phone)
    return complaints_for_actor(actor=actor).filter(customer__phone_index=phone_index(e164))


def possible_duplicates(
    *,
    actor: User,
    phone: str = "",
    email: str = "",
    member_number: str = "",
    venue: Venue | None = None,
    category_id: int | None = None,
) -> QuerySet[Complaint]:
    """The intake's warning: open complaints of the same customer — found by the phone or email
    blind index or the membership, never by clear text — received within their venue's
    duplicate window (72 h by default), of the same category when one is chosen, newest first.
    Raises InvalidInput for a malformed phone or email."""
    scope = scope_of(actor)
    if scope.company_id is None:
        return Complaint.objects.none()
    match = Q(pk__in=[])
    if phone.strip():
        match |= Q(customer__phone_index=phone_index(pii.normalize_phone(phone)))
    if email.strip():
        match |= Q(customer__email_index=email_index(pii.normalize_email(email)))
    if member_number.strip() and venue is not None:
        match |= Q(member__venue=venue, member__number=member_number.strip())
    now = clock.now()
    within = Q(pk__in=[])
    for venue_id, hours in Venue.objects.filter(company_id=scope.company_id).values_list(
        "pk", "duplicate_window_hours"
    ):
        within |= Q(venue_id=venue_id, received_at__gte=now - timedelta(hours=hours))
    found = complaints_for_actor(actor=actor).filter(match, within, state__in=list(OPEN_STATES))
    if category_id is not None:
        found = found.filter(category_id=category_id)
    return found.select_related("venue", "category").order_by("-received_at", "-pk")


def open_duplicates_for_phone(
    *, actor: User, phone: str, days: int | None = None
) -> QuerySet[Complaint]:
    """The intake's warning from the phone alone (see `possible_duplicates`); `days` is no
    longer used: each venue's duplicate window applies."""
    return possible_duplicates(actor=actor, phone=phone)


def possible_duplicate_of_for_actor(*, actor: User, complaint: Complaint) -> Complaint | None:
    """The complaint `complaint` may duplicate, while nobody has decided — if the actor may see
    it (the complaint page's warning)."""
    if complaint.possible_duplicate_of_id is None or not complaint.is_open:
        return None
    return (
        complaints_for_actor(actor=actor)
        .filter(pk=complaint.possible_duplicate_of_id)
        .select_related("venue")
        .first()
    )


def timeline_for_actor(*, actor: User, complaint: Complaint) -> QuerySet[ComplaintEvent]:
    complaint_get_for_actor(actor=actor, pk=complaint.pk)
    return (
        ComplaintEvent.objects.filter(complaint=complaint).select_related("actor").order_by("seq")
    )


def actions_for_actor(*, actor: User, complaint: Complaint) -> list[Action]:
    """The actions this viewer may take now (what the console offers)."""
    return actions_available(complaint, actor)


# --- work queues and figures (the console) --------------------------------------------------

DUE_SOON = timedelta(hours=4)
QUEUES = (
    "all",
    "mine",
    "team",
    "unassigned",
    "due_soon",
    "overdue",
    "approvals",
    "waiting_customer",
    "revisits",
    "low_scores",
)


def with_due(complaints: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """Annotate `due`: the deadline now running (response, else stage, else resolution)."""
    return complaints.annotate(
        due=Case(
            When(responded_at__isnull=True, then=F("respond_due")),
            When(stage_due__isnull=False, then=F("stage_due")),
            When(resolved_at__isnull=True, then=F("resolve_due")),
            default=None,
            output_field=DateTimeField(),
        )
    )


def _approvals(actor: User, scope: Scope) -> Q:
    """Awaiting the approval of a role the actor holds — or, for someone with a personal
    authority limit, any pending proposal within it at a venue where they may approve."""
    by_role = Q(state=State.APPROVAL_PENDING, approval_role__in=list(scope.all_roles))
    own = PersonalAuthorityLimit.objects.filter(user_id=actor.pk).first()
    if own is None:
        return by_role
    venues = Venue.objects.filter(company_id=scope.company_id or 0)
    if not scope.company_roles & APPROVER_ROLES:
        venues = venues.filter(
            pk__in=[v for v, roles in scope.venue_roles.items() if roles & APPROVER_ROLES]
        )
    pending = RemedyProposal.objects.filter(status=RemedyProposal.Status.PENDING)
    if own.limit is not None:
        pending = pending.filter(amount__lte=own.limit)
    return by_role | Q(
        state=State.APPROVAL_PENDING,
        venue_id__in=venues.values("pk"),
        pk__in=pending.values("complaint_id"),
    )


def _queue_filter(actor: User, name: str, now: datetime) -> Q:
    scope = scope_of(actor)
    if name == "all":  # every complaint in the actor's scope, open and closed
        return Q()
    if name == "mine":
        return Q(state__in=list(OPEN_STATES)) & (
            Q(owner_id=actor.pk) | Q(assignee_id=actor.pk) | Q(escalated_to_id=actor.pk)
        )
    if name == "team":
        return Q(state__in=list(OPEN_STATES), department_id__in=scope.department_ids)
    if name == "unassigned":
        return Q(state__in=list(OPEN_STATES), assignee__isnull=True)
    # "Due soon" and "overdue" read the stored running deadline, null unless the complaint is
    # open and its clock runs: the partial index `complaint_venue_due` serves them in order.
    if name == "due_soon":
        return Q(due_at__gt=now, due_at__lte=now + DUE_SOON)
    if name == "overdue":
        return Q(due_at__lte=now)
    if name == "approvals":
        return _approvals(actor, scope)
    if name == "waiting_customer":
        return Q(state__in=list(WAITING_ON_CUSTOMER_STATES))
    if name == "revisits":
        # Awaiting the revisit after feedback, or after closure where the venue revisits then.
        return Q(
            state__in=[State.FEEDBACK_GIVEN, State.CLOSED],
            pk__in=Revisit.objects.filter(revisits_to_make(actor), done_at__isnull=True).values(
                "complaint_id"
            ),
        )
    if name == "low_scores":
        return _low_scores(scope, now)
    raise ValueError(f"unknown queue {name!r}")


def _low_scores(scope: Scope, now: datetime) -> Q:
    """Closed complaints whose survey came back 1–2 of 5 (or an NPS of 0–6), still within their
    venue's reopen window: in front of the managers, who may reopen them in one click."""
    if not scope.all_roles & SUPERVISOR_ROLES or scope.company_id is None:
        return Q(pk__in=[])
    low = Q(survey__satisfaction__lte=LOW_SATISFACTION) | Q(survey__nps__lte=LOW_NPS)
    within = Q(pk__in=[])
    for venue_id, days in Venue.objects.filter(company_id=scope.company_id).values_list(
        "pk", "reopen_window_days"
    ):
        within |= Q(venue_id=venue_id, closed_at__gte=now - timedelta(days=days))
    return Q(state=State.CLOSED, survey__answered_at__isnull=False) & low & within


# The order of "due soon" and "overdue" (and of any list sorted by deadline): the stored running
# deadline, the index's order; complaints with no clock running come last.
BY_DEADLINE = F("due_at").asc(nulls_last=True)


def queue_for_actor(*, actor: User, name: str, venue_id: int | None = None) -> QuerySet[Complaint]:
    """One work queue of `actor`, scoped by `complaints_for_actor`, with `due` annotated (what a
    list row shows) and the related rows a list shows fetched in the same query."""
    complaints = with_due(complaints_for_actor(actor=actor))
    if venue_id is not None:
        complaints = complaints.filter(venue_id=venue_id)
    return complaints.filter(_queue_filter(actor, name, clock.now())).select_related(
        "venue", "category", "assignee", "owner", "department"
    )


# What a list of complaints shows (console/_complaint_list.html): the row's own columns, those
# the deadline outcomes read (`clocks.outcomes`) and those the sensitive-text check reads
# (`services.access.may_see_sensitive`), and the venue, category and assignee it names. A
# page of 25 rows read with every column of five related rows cost 7.5 ms of CPU; these 3 ms.
LIST_COLUMNS = (
    "reference", "received_at", "channel", "description", "sensitive", "severity",
    "repeat_count", "state", "stage", "respond_due", "responded_at", "stage_due",
    "resolve_due", "resolved_at", "closed_at", "paused_at", "company_id", "venue_id",
    "received_by_id", "owner_id", "assignee_id", "category_id",
    "venue__code", "venue__timezone",
    "category__name_zh", "category__name_en",
    "assignee__username", "assignee__first_name", "assignee__last_name",
    "assignee__display_name", "assignee__display_name_en",
)  # fmt: skip


def as_list_rows(complaints: QuerySet[Complaint], reader: User) -> QuerySet[Complaint]:
    """`complaints` read for `reader`'s list: `LIST_COLUMNS` only, with the three related rows it
    names, and whether `reader` makes each one's revisit (what `may_see_sensitive` would ask of
    a sensitive row, a query a row). A column the list starts to show must be added here, or
    each row reads it in a query of its own (a test counts the queries of a page whose rows
    show everything)."""
    revisits = Revisit.objects.filter(complaint=OuterRef("pk"), assignee_id=reader.pk)
    return (
        complaints.select_related(None)
        .select_related("venue", "category", "assignee")
        .only(*LIST_COLUMNS)
        .annotate(revisit_read_for=Value(reader.pk), revisit_by_reader=Exists(revisits))
    )


# "All complaints" is counted up to here: beyond it the console shows "1,000+".
COUNT_CAP = 1000
# The queues that hold open complaints only, counted in one pass over them.
OPEN_QUEUES = ("mine", "team", "unassigned", "due_soon", "overdue", "approvals", "waiting_customer")
# The queues that time alone fills (a deadline comes near, or passes): their cached counts may
# be behind the clock, so a page of one counts afresh, and they are listed in deadline order.
TIMED_QUEUES = ("due_soon", "overdue")


def queue_counts(*, actor: User, venue_id: int | None = None) -> dict[str, int]:
    """How many complaints each queue holds for `actor` (at `venue_id`, or every venue): counted
    at most once per `queue_cache.SECONDS` per person and venue, and afresh after any write that
    may change a queue (`queue_cache`). "all" is capped at `COUNT_CAP + 1` (shown "1,000+")."""
    scope = scope_of(actor)
    if scope.company_id is None or not actor.is_active:
        return dict.fromkeys(QUEUES, 0)
    return queue_cache.counts(
        company_id=scope.company_id,
        user_id=actor.pk,
        venue_id=venue_id,
        count=lambda: _count_queues(actor, venue_id, clock.now()),
    )


def _count_queues(actor: User, venue_id: int | None, now: datetime) -> dict[str, int]:
    """The counts, in three queries whatever the number of complaints:

    1. one pass over the open complaints in scope, a conditional count per open queue;
    2. "all" (open and closed) up to `COUNT_CAP + 1` rows, never every match;
    3. "revisits" and "low_scores", which reach into closed complaints, each from its own small
       set (none at all for low scores when the actor supervises nothing)."""
    seen = complaints_for_actor(actor=actor).order_by()
    if venue_id is not None:
        seen = seen.filter(venue_id=venue_id)
    found = seen.filter(state__in=list(OPEN_STATES)).aggregate(
        **{name: Count("pk", filter=_queue_filter(actor, name, now)) for name in OPEN_QUEUES}
    )
    counts = {name: int(found[name] or 0) for name in OPEN_QUEUES}
    counts["all"] = seen[: COUNT_CAP + 1].count()
    for name in ("revisits", "low_scores"):
        counts[name] = seen.filter(_queue_filter(actor, name, now)).count()
    return {name: counts[name] for name in QUEUES}


REFERENCE = re.compile(r"^[A-Za-z0-9-]+-\d{8}-\d{4,}$")
PHONE_LIKE = re.compile(r"^[+\d][\d\s()-]{6,}$")
EMAIL_LIKE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A member number is one word with a digit in it (VIP-0088, 20230456): other words are not
# looked up among the members.
MEMBER_LIKE = re.compile(r"^(?=\S*\d)\S{1,40}$")


def _members(text: str) -> Q:
    """The complaints of the member numbered `text` (any case): the member named on the
    complaint, or any membership of its customer. Looked up first, so the keyword match below
    stays one index scan OR'ed with two foreign-key lists."""
    if not MEMBER_LIKE.match(text):
        return Q(pk__in=[])
    rows = list(Member.objects.filter(number__iexact=text).values_list("pk", "customer_id")[:100])
    if not rows:
        return Q(pk__in=[])
    return Q(member_id__in=[m for m, _ in rows]) | Q(customer_id__in=[c for _, c in rows])


def _text_readable(actor: User) -> Q:
    """The complaints whose free text `actor` reads as written (`access.may_see_sensitive` as a
    filter): a sensitive complaint is found by its words only by those who may read them."""
    from amends.complaints.services.access import SENSITIVE_ROLES

    scope = scope_of(actor)
    if scope.company_roles & SENSITIVE_ROLES:
        return Q()
    venues = [v for v, roles in scope.venue_roles.items() if roles & SENSITIVE_ROLES]
    return (
        Q(sensitive=[])
        | Q(received_by_id=actor.pk)
        | Q(owner_id=actor.pk)
        | Q(assignee_id=actor.pk)
        | Q(venue_id__in=venues)
        | Q(pk__in=Revisit.objects.filter(assignee_id=actor.pk).values("complaint_id"))
    )


def search(
    complaints: QuerySet[Complaint],
    text: str,
    *,
    now: datetime | None = None,
    actor: User | None = None,
    venues: Collection[int] | None = None,
) -> QuerySet[Complaint]:
    """The one search box: what a person types, matched the way they mean it. `venues`: the
    venues `complaints` is limited to, when it is (the keyword index then leaves out the rest).

    1. A whole reference (GYM1-20261122-0007): that complaint, exactly.
    2. One to four digits (12, 0012): today's complaint of that number (the number said over
       the phone), today as the references count it, in each venue's time zone.
    3. A phone number in any usual writing, or an email address: the customer's, through the
       blind index (exact) — or a member number written the same way.
    4. Anything else: a member number (exact), or keywords through the token index
       (`complaints/search.py`): every word must be there — a Chinese character, a pair of
       characters, all the pairs of a longer Chinese word, an English word (a prefix from three
       letters) or a number. Open and closed complaints alike; personal data in the text is not
       a keyword (see 3). With `actor`, a sensitive complaint is found by its words only when
       the actor may read them.
    """
    text = " ".join(text.split())[:200]
    if not text:
        return complaints
    if REFERENCE.match(text):
        return complaints.filter(reference__iexact=text)
    if text.isdigit() and len(text) <= 4:
        # Today as each venue's references count it: in that venue's time zone.
        moment = now or clock.now()
        today = Q(pk__in=[])
        for zone in Venue.objects.values_list("timezone", flat=True).distinct():
            day = moment.astimezone(ZoneInfo(zone))
            today |= Q(venue__timezone=zone, reference__endswith=f"-{day:%Y%m%d}-{int(text):04d}")
        return complaints.filter(today)
    member = _members(text)
    if PHONE_LIKE.match(text):
        try:
            e164 = pii.normalize_phone(text)
        except InvalidInput:
            pass
        else:
            return complaints.filter(Q(customer__phone_index=phone_index(e164)) | member)
    if EMAIL_LIKE.match(text):
        try:
            mail = pii.normalize_email(text)
        except InvalidInput:
            pass
        else:
            return complaints.filter(Q(customer__email_index=email_index(mail)) | member)
    found = keywords.matches(keywords.query_tokens(text), venues)
    if actor is not None:
        found &= _text_readable(actor)
    return complaints.filter(found | member)


def search_for_actor(*, actor: User, text: str, venue_id: int | None = None) -> QuerySet[Complaint]:
    """The header's search (console and API): open and closed complaints within the actor's
    scope, newest first, with the running deadline and what a result line shows fetched in the
    same query. Never counted whole: a caller counts at most a cap (`qs[:cap + 1].count()`)."""
    # At one venue, the keyword index leaves out the others; across venues the actor's scope
    # also holds complaints they took, own or handle anywhere (`visibility`), which no venue
    # names.
    found = search(
        queue_for_actor(actor=actor, name="all", venue_id=venue_id),
        text,
        actor=actor,
        venues=None if venue_id is None else [venue_id],
    )
    return found.order_by("-received_at", "-pk")


# --- the dashboard --------------------------------------------------------------------------

# Each dashboard tile is a set of complaints; its figure is an aggregate over that set and its
# link opens the all-complaints view filtered to exactly that set (`?tile=<name>`).
TILES = (
    "new_today",
    "open",
    "due_soon",
    "overdue",
    "received_month",
    "resolvable_month",
    "response_missed_month",
    "resolution_missed_month",
    "responded_month",
    "late_month",
    "surveyed_month",
)


@dataclass(frozen=True)
class Windows:
    """Today and this month as bounded [start, end) windows in one time zone."""

    day: tuple[datetime, datetime]
    month: tuple[datetime, datetime]


def windows(*, tz: ZoneInfo | tzinfo, now: datetime | None = None) -> Windows:
    # Aware arithmetic in one zone is wall-clock arithmetic: each bound is a local midnight.
    local_now = (now or clock.now()).astimezone(tz)
    day = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    month = day.replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    return Windows(day=(day, day + timedelta(days=1)), month=(month, next_month))


def _zone(venue: Venue | None) -> ZoneInfo | tzinfo:
    return ZoneInfo(venue.timezone) if venue is not None else timezone.get_default_timezone()


def _tile_filter(name: str, *, actor: User, span: Windows, moment: datetime, targets: Targets) -> Q:
    """Which complaints (of those the actor sees) make dashboard tile `name`: the one definition
    both the tile's figure (`figures_for_actor`) and its list (`tile_complaints`) read."""
    if name == "new_today":
        return Q(received_at__gte=span.day[0], received_at__lt=span.day[1])
    if name == "open":
        return Q(state__in=list(OPEN_STATES))
    if name in TIMED_QUEUES:
        return _queue_filter(actor, name, moment)
    if name == "surveyed_month":
        answered = Survey.objects.filter(
            answered_at__gte=span.month[0], answered_at__lt=span.month[1]
        )
        return Q(pk__in=answered.values("complaint_id"))
    month = Q(received_at__gte=span.month[0], received_at__lt=span.month[1]) & ~Q(
        state=State.MERGED
    )
    if name == "received_month":
        return month
    if name == "response_missed_month":
        return month & missed_response(moment)
    if name == "resolution_missed_month":
        return month & missed_resolution(moment)
    if name == "resolvable_month":  # resolved, or should have been by now
        return month & (Q(resolved_at__isnull=False) | Q(resolve_due__lte=moment))
    if name == "responded_month":
        return month & Q(responded_at__isnull=False)
    if name == "late_month":
        limit = timedelta(hours=float(targets.respond_within_hours))
        return month & (
            Q(responded_at__gt=F("received_at") + limit)
            | Q(responded_at__isnull=True, received_at__lt=moment - limit)
        )
    raise ValueError(f"unknown tile {name!r}")


def tile_complaints(
    *, actor: User, name: str, venue: Venue | None, now: datetime | None = None
) -> QuerySet[Complaint]:
    """The complaints behind one dashboard tile, within the actor's scope (and `venue`), with
    `due` annotated and a list's related rows fetched — what the tile counts is what its link
    lists. Today and this month are windows in the venue's time zone (the default zone for
    every venue at once)."""
    moment = now or clock.now()
    if name not in TILES:
        raise ValueError(f"unknown tile {name!r}")
    seen = queue_for_actor(actor=actor, name="all", venue_id=venue.pk if venue else None)
    span = windows(tz=_zone(venue), now=moment)
    targets = _targets(actor) if name == "late_month" else DEFAULT_TARGETS
    return seen.filter(_tile_filter(name, actor=actor, span=span, moment=moment, targets=targets))


def _targets(actor: User) -> Targets:
    from amends.workflow.selectors import service_targets

    if actor.company_id is None:
        return DEFAULT_TARGETS
    return service_targets(company_id=actor.company_id)


@dataclass(frozen=True)
class VenueFigures:
    """A dashboard: today's work and this month's figures against the company's targets
    (SPEC §10). Each count is the size of a tile's set (`tile_complaints`)."""

    targets: Targets
    new_today: int
    open: int
    due_soon: int
    overdue: int
    resolvable_month: int
    responded_month: int
    late_month: int
    resolved_month: int
    surveyed_month: int
    positive_month: int
    avg_first_response_hours: float | None
    satisfaction: float | None
    # Against each complaint's own deadlines (`deadline_verdicts`): a late first response or
    # resolution, or one overdue now, is missed — never on time.
    responses_judged_month: int = 0
    responses_missed_month: int = 0
    resolutions_judged_month: int = 0
    resolutions_missed_month: int = 0

    @property
    def on_time_response_rate(self) -> float | None:
        """The share of this month's first responses made by their deadline (%)."""
        if not self.responses_judged_month:
            return None
        met = self.responses_judged_month - self.responses_missed_month
        return round(100 * met / self.responses_judged_month, 1)

    @property
    def on_time_resolution_rate(self) -> float | None:
        """The share of this month's resolutions made by their deadline (%)."""
        if not self.resolutions_judged_month:
            return None
        met = self.resolutions_judged_month - self.resolutions_missed_month
        return round(100 * met / self.resolutions_judged_month, 1)

    @property
    def resolution_rate(self) -> float | None:
        if not self.resolvable_month:
            return None
        return round(100 * self.resolved_month / self.resolvable_month, 1)

    @property
    def positive_rate(self) -> float | None:
        if not self.surveyed_month:
            return None
        return round(100 * self.positive_month / self.surveyed_month, 1)

    @property
    def off_target(self) -> dict[str, bool]:
        """Which figures miss their target (no figure yet is not a miss)."""
        t, avg = self.targets, self.avg_first_response_hours
        rate, positive = self.resolution_rate, self.positive_rate
        return {
            "late_month": self.late_month > 0,
            "avg_first_response": avg is not None and avg > t.average_response_hours,
            "resolution_rate": rate is not None and rate < t.resolution_rate,
            "positive_rate": positive is not None and positive < t.positive_rate,
        }


def figures_for_actor(
    *, actor: User, venue: Venue | None, now: datetime | None = None
) -> VenueFigures:
    """The dashboard of `venue` (or of every venue the actor sees): today and the current month
    in the venue's time zone. Every figure is an aggregate in the database, in three queries
    whatever the number of complaints (each count is the size of a tile's set, `_tile_filter`):

    1. today's work: one pass over the open complaints and those received today;
    2. this month's complaints: one pass over those received this month;
    3. this month's surveys: one pass over the surveys answered this month."""
    moment = now or clock.now()
    seen = complaints_for_actor(actor=actor).order_by()
    if venue is not None:
        seen = seen.filter(venue_id=venue.pk)
    span = windows(tz=_zone(venue), now=moment)
    targets = _targets(actor)

    def tile(name: str) -> Q:
        return _tile_filter(name, actor=actor, span=span, moment=moment, targets=targets)

    today = seen.filter(tile("open") | tile("new_today")).aggregate(
        **{name: Count("pk", filter=tile(name)) for name in ("new_today", "open")},
        **{name: Count("pk", filter=tile(name)) for name in TIMED_QUEUES},
    )
    month = seen.filter(tile("received_month")).aggregate(
        **{
            name: Count("pk", filter=tile(name))
            for name in ("resolvable_month", "responded_month", "late_month")
        },
        resolved_month=Count("pk", filter=tile("resolvable_month") & Q(resolved_at__isnull=False)),
        wait=Avg(F("responded_at") - F("received_at"), filter=Q(responded_at__isnull=False)),
        **_verdict_counts(moment),
    )
    surveys = Survey.objects.filter(
        complaint__in=seen.values("pk"),
        answered_at__gte=span.month[0],
        answered_at__lt=span.month[1],
    ).aggregate(
        surveyed_month=Count("pk"),
        positive_month=Count("pk", filter=Q(satisfaction__gte=4)),
        score=Avg("satisfaction"),
    )
    wait, score = month.pop("wait"), surveys.pop("score")
    return VenueFigures(
        targets=targets,
        **{name: int(value or 0) for name, value in (today | month | surveys).items()},
        avg_first_response_hours=(
            round(_hours(wait), 1) if wait is not None else None  # a timedelta on every backend
        ),
        satisfaction=round(float(score), 2) if score is not None else None,
    )


def missed_response(now: datetime) -> Q:
    """A first response made after its deadline, or overdue now while the clock runs."""
    running = Q(state__in=list(OPEN_STATES), paused_at__isnull=True)
    return Q(responded_at__gt=F("respond_due")) | (
        Q(responded_at__isnull=True, respond_due__lte=now) & running
    )


def missed_resolution(now: datetime) -> Q:
    """A resolution made after its deadline, or overdue now while the clock runs."""
    running = Q(state__in=list(OPEN_STATES), paused_at__isnull=True)
    return Q(resolved_at__gt=F("resolve_due")) | (
        Q(resolved_at__isnull=True, resolve_due__lte=now) & running
    )


def _verdict_counts(now: datetime) -> dict[str, Count]:
    """The conditional counts of `deadline_verdicts`, to be aggregated with others."""
    respond_late = missed_response(now)
    respond_judged = Q(responded_at__isnull=False, respond_due__isnull=False) | respond_late
    resolve_late = missed_resolution(now)
    resolve_judged = Q(resolved_at__isnull=False, resolve_due__isnull=False) | resolve_late
    return {
        "responses_judged_month": Count("pk", filter=respond_judged),
        "responses_missed_month": Count("pk", filter=respond_late),
        "resolutions_judged_month": Count("pk", filter=resolve_judged),
        "resolutions_missed_month": Count("pk", filter=resolve_late),
    }


def deadline_verdicts(complaints: QuerySet[Complaint], *, now: datetime) -> dict[str, int]:
    """How many of `complaints` have a verdict on their first-response and resolution
    deadlines, and how many of those missed it — in one aggregate query.

    Judged: done (met or missed), or not done with the deadline passed while the clock runs
    (overdue: missed). Missed: done after the deadline, or overdue. A deadline still running,
    or stopped while the customer decides, has no verdict yet. (`clocks.outcomes` tells the
    same per complaint.)"""
    counts = complaints.order_by().aggregate(**_verdict_counts(now))
    return {name: int(value or 0) for name, value in counts.items()}


def _hours(wait: timedelta | float) -> float:
    if isinstance(wait, timedelta):
        return wait.total_seconds() / 3600
    return float(wait) / 3_600_000_000  # microseconds, where a backend returns a number


def revisits_to_make(actor: User) -> Q:
    """The revisits that are `actor`'s to make or arrange: those assigned to them, and — for a
    supervisor (manager, general manager, director) — those of their venues that nobody
    independent of the case could be given (no assignee), which wait in their list."""
    scope = scope_of(actor)
    mine = Q(assignee_id=actor.pk)
    if scope.company_id is None:
        return mine
    unassigned = Q(assignee__isnull=True, complaint__company_id=scope.company_id)
    if scope.company_roles & SUPERVISOR_ROLES:
        return mine | unassigned
    venues = [v for v, roles in scope.venue_roles.items() if roles & SUPERVISOR_ROLES]
    return mine | (unassigned & Q(complaint__venue_id__in=venues)) if venues else mine


def revisits_for_actor(*, actor: User) -> QuerySet[Revisit]:
    """Open revisits the actor must make (or, unassigned, arrange), soonest first — after
    feedback, or after closure where the venue revisits then."""
    return (
        Revisit.objects.filter(
            revisits_to_make(actor),
            done_at__isnull=True,
            complaint__in=complaints_for_actor(actor=actor),
        )
        .select_related("complaint", "complaint__venue", "assignee")
        .order_by("due_at")
    )


def remedies_of(*, actor: User, complaint: Complaint) -> QuerySet[RemedyProposal]:
    complaint_get_for_actor(actor=actor, pk=complaint.pk)
    return RemedyProposal.objects.filter(complaint=complaint).select_related(
        "proposed_by", "decided_by"
    )


def evidence_of(*, actor: User, complaint: Complaint) -> QuerySet[Evidence]:
    complaint_get_for_actor(actor=actor, pk=complaint.pk)
    return Evidence.objects.filter(complaint=complaint).select_related("uploaded_by")


def evidence_get_for_actor(*, actor: User, pk: int) -> Evidence:
    """One evidence file, only if the actor may see its complaint."""
    evidence = (
        Evidence.objects.filter(pk=pk, complaint__in=complaints_for_actor(actor=actor))
        .select_related("complaint")
        .first()
    )
    if evidence is None:
        raise NotFound("evidence not found", code="evidence_not_found")
    return evidence


def _authority(actor: User) -> Callable[[int], Decimal | None]:
    """The most `actor` may approve at a venue (None: no limit), as `workflow.selectors.
    authority_for` tells it, with its two reads (the company's limits, the personal one) done
    once for every venue asked."""
    from amends.workflow.models import PersonalAuthorityLimit
    from amends.workflow.rules import PersonalLimit, authority_of
    from amends.workflow.selectors import authority_limits

    limits = authority_limits(company=actor.company_id or 0)
    own = PersonalAuthorityLimit.objects.filter(user_id=actor.pk).first()
    personal = PersonalLimit(own.limit) if own is not None else None
    scope = scope_of(actor)
    return lambda venue_id: authority_of(scope.roles_at(venue_id), limits, personal)


def decidable_proposals(
    *,
    actor: User,
    complaints: list[Complaint],
    authority: Callable[[int], Decimal | None] | None = None,
) -> dict[int, list[RemedyProposal]]:
    """The pending proposals of `complaints` that `actor` may approve or reject, by complaint:
    the approve action is theirs there and their authority at its venue covers the amount
    (what the console offers as buttons). At most four queries whatever the number of
    complaints: the actor's open revisits among them (a relation `may` weighs), their authority
    (`_authority`, unless given) and the pending proposals."""
    from amends.complaints.permissions import actor_tokens, may
    from amends.complaints.transitions import ACTIONS
    from amends.workflow.rules import covers

    pending_here = [c for c in complaints if c.state == State.APPROVAL_PENDING]
    if not pending_here:
        return {}
    revisiting = set(
        Revisit.objects.filter(
            complaint__in=[c.pk for c in pending_here], assignee_id=actor.pk, done_at__isnull=True
        ).values_list("complaint_id", flat=True)
    )
    approve = ACTIONS["approve"]
    allowed = {
        c.pk: c.venue_id
        for c in pending_here
        if may(c, actor, approve, tokens=actor_tokens(c, actor, revisiting=c.pk in revisiting))
    }
    if not allowed:
        return {}
    limit_at = authority or _authority(actor)
    limits = {venue_id: limit_at(venue_id) for venue_id in set(allowed.values())}
    found: dict[int, list[RemedyProposal]] = {}
    for proposal in RemedyProposal.objects.filter(
        complaint__in=list(allowed), status=RemedyProposal.Status.PENDING
    ).select_related("proposed_by", "decided_by"):
        if covers(limits[allowed[proposal.complaint_id]], proposal.amount):
            found.setdefault(proposal.complaint_id, []).append(proposal)
    return found


def decidable_proposal_ids(*, actor: User, complaint: Complaint) -> set[int]:
    """Pending proposals of `complaint` that `actor` may approve or reject (see
    `decidable_proposals`)."""
    found = decidable_proposals(actor=actor, complaints=[complaint])
    return {p.pk for p in found.get(complaint.pk, [])}


@dataclass(frozen=True)
class ApprovalRow:
    """One complaint of the approvals inbox: the proposals the actor may decide and their limit
    at its venue (None: no limit)."""

    complaint: Complaint
    pending: list[RemedyProposal]
    limit: Decimal | None


def approvals_inbox(*, actor: User, size: int = 100) -> list[ApprovalRow]:
    """The approvals inbox: the oldest `size` complaints awaiting `actor`'s decision, each with
    the proposals they may decide — in a fixed number of queries whatever the number of rows
    (the list, then `decidable_proposals` for all of them at once)."""
    complaints = list(
        queue_for_actor(actor=actor, name="approvals")
        .select_related("responsible_department", "responsible_staff")
        .order_by("received_at", "pk")[:size]
    )
    authority = _authority(actor)
    decidable = decidable_proposals(actor=actor, complaints=complaints, authority=authority)
    return [
        ApprovalRow(complaint=c, pending=decidable[c.pk], limit=authority(c.venue_id))
        for c in complaints
        if c.pk in decidable
    ]


def revisits_of(*, actor: User, complaint: Complaint) -> QuerySet[Revisit]:
    complaint_get_for_actor(actor=actor, pk=complaint.pk)
    return Revisit.objects.filter(complaint=complaint).select_related("assignee")
