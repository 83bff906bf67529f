"""`amends bench seed` writes a data set that holds together the way real complaints do, and
`amends bench report` times the reports on it without changing it."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime, time
from decimal import Decimal
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Max, Sum

from amends.cli.bench.seed import BENCH_CODE, BENCH_PASSWORD, SeedResult, seed
from amends.complaints import integrity, narrative
from amends.complaints.models import (
    Complaint,
    ComplaintEvent,
    Consequence,
    ReferenceCounter,
    RemedyProposal,
    Survey,
)
from amends.complaints.search import complaint_tokens
from amends.complaints.transitions import OPEN_STATES, State
from amends.conftest import local
from amends.core import clock, crypto
from amends.members.models import Customer
from amends.orgs.models import User, Venue
from amends.reports.models import DailyRollup, RollupState
from amends.workflow.taxonomy import Severity, Validity

NOW = local(2026, 11, 20, 15, 0)
REFERENCE = re.compile(r"^(?P<code>[A-Z0-9-]+)-(?P<day>\d{8})-(?P<n>\d{4})$")


def seeded(complaints: int = 2000, **options: Any) -> SeedResult:
    """A small chain: four venues, six months, the clock on 20 November 2026, 15:00 Beijing."""
    with clock.travel(NOW):
        return seed(complaints=complaints, venues=4, months=6, **options)


@pytest.fixture
def chain(db: Any) -> SeedResult:
    return seeded()


def test_the_chain_has_every_complaint_asked_for_at_its_venues_in_its_months(chain) -> None:
    assert chain.complaints == Complaint.objects.count() == 2000
    assert sum(chain.by_state.values()) == 2000
    venues = Venue.objects.filter(company__code=BENCH_CODE)
    assert venues.count() == 4
    assert {v.timezone for v in venues} == {"Asia/Shanghai"}
    assert len({v.kind for v in venues}) == 4  # a gym, a hotel, a restaurant, a mall
    first = Complaint.objects.order_by("received_at").first().received_at
    assert local(2026, 6, 1) <= first < local(2026, 6, 10)  # six months back, from the 1st
    assert Complaint.objects.filter(received_at__gt=NOW).count() == 0
    # Received in the venue's local opening hours.
    for venue in venues:
        zone = ZoneInfo(venue.timezone)
        for received in Complaint.objects.filter(venue=venue).values_list("received_at", flat=True):
            assert venue.opens_at <= received.astimezone(zone).time() < venue.closes_at


def test_a_tenth_is_open_and_those_are_the_recent_ones(chain) -> None:
    open_ = Complaint.objects.filter(state__in=OPEN_STATES)
    assert 0.08 <= open_.count() / 2000 <= 0.12
    done = Complaint.objects.exclude(state__in=OPEN_STATES)
    assert set(done.values_list("state", flat=True)) == {
        State.CLOSED,
        State.DECLINED,
        State.MERGED,
    }
    newest_done = done.order_by("-received_at").first().received_at
    oldest_open = open_.order_by("received_at").first().received_at
    recent_open = open_.filter(received_at__gte=local(2026, 10, 20)).count()
    assert recent_open / open_.count() > 0.7  # the backlog is the last month's
    assert oldest_open < newest_done  # but not a hard cut


def test_its_clocks_run_forward_and_mostly_on_time(chain) -> None:
    rows = Complaint.objects.values(
        "state",
        "received_at",
        "assigned_at",
        "responded_at",
        "resolved_at",
        "closed_at",
        "respond_due",
        "resolve_due",
    )
    now = NOW
    responded = late = 0
    for c in rows:
        assert c["respond_due"] > c["received_at"] and c["resolve_due"] >= c["respond_due"]
        if c["assigned_at"]:
            assert c["received_at"] <= c["assigned_at"] <= now
        if c["responded_at"]:
            responded += 1
            late += c["responded_at"] > c["respond_due"]
            assert c["received_at"] <= c["responded_at"] <= now
        if c["resolved_at"]:
            assert c["responded_at"] is not None
            assert c["responded_at"] <= c["resolved_at"] <= now
        if c["state"] == State.CLOSED:
            assert c["resolved_at"] <= c["closed_at"] <= now
        else:
            assert c["state"] in (State.DECLINED, State.MERGED) or c["closed_at"] is None
    assert 0.02 <= late / responded <= 0.12  # about 6 % answered late


def test_the_stored_deadline_and_search_tokens_are_what_the_model_and_the_search_make(
    chain,
) -> None:
    running = 0
    for complaint in Complaint.objects.all():
        assert complaint.due_at == complaint.running_due()
        assert complaint.search_tokens == complaint_tokens(complaint)
        running += complaint.due_at is not None
    # The open complaints whose clock runs (every open one but those resolved and waiting).
    open_ = Complaint.objects.filter(state__in=OPEN_STATES)
    assert running == open_.filter(resolved_at__isnull=True).count() > 0


def test_every_seeded_timeline_verifies_and_tells_how_the_complaint_got_where_it_is(
    chain,
) -> None:
    checked, breaks = integrity.verify_all()
    assert (checked, breaks) == (2000, [])
    assert chain.events == ComplaintEvent.objects.count() > 2000 * 3
    by_complaint: dict[int, list[ComplaintEvent]] = {}
    for event in ComplaintEvent.objects.order_by("complaint_id", "seq"):
        by_complaint.setdefault(event.complaint_id, []).append(event)
    told_states: set[str] = set()
    for complaint in Complaint.objects.all():
        events = by_complaint[complaint.pk]
        assert events[0].kind == "received"
        assert events[0].data["reference"] == complaint.reference
        assert events[0].at == complaint.received_at
        moves = [e for e in events if e.kind == "transition"]
        # The last pass through the gate left it in its state, from "received" on, step by step.
        assert (moves[-1].data["to"] if moves else State.RECEIVED) == complaint.state
        assert [e.data["from"] for e in moves] == [State.RECEIVED, *(e.data["to"] for e in moves)][
            : len(moves)
        ]
        times = [e.at for e in events]
        assert times == sorted(times) and times[-1] <= NOW
        if complaint.closed_at:
            assert moves[-1].at == complaint.closed_at
        if complaint.state not in told_states:  # the console's words for one of each state
            told_states.add(complaint.state)
            lines = narrative.tell(complaint, events)
            assert len(lines) == len(events)
    assert len(told_states) >= 12
    # An edited event is caught: the seed's hashes are the real chain's.
    event = ComplaintEvent.objects.filter(kind="transition").first()
    ComplaintEvent.objects.filter(pk=event.pk).update(at=event.at.replace(microsecond=1))
    assert [b.kind for b in integrity.verify_all()[1]] == ["event_altered"]


def test_references_are_unique_and_numbered_per_venue_and_local_day(chain) -> None:
    references = list(Complaint.objects.values_list("reference", "venue__code", "received_at"))
    assert len({r for r, _, _ in references}) == len(references)
    numbers: dict[tuple[str, str], list[int]] = {}
    for reference, code, received in references:
        match = REFERENCE.match(reference)
        assert match and match["code"] == code
        assert match["day"] == received.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y%m%d")
        numbers.setdefault((code, match["day"]), []).append(int(match["n"]))
    for found in numbers.values():
        assert sorted(found) == list(range(1, len(found) + 1))
    # Intake after the seed goes on from the last number of the day.
    counters = {
        (c.venue.code, f"{c.day:%Y%m%d}"): c.last
        for c in ReferenceCounter.objects.select_related("venue")
    }
    assert counters == {key: max(found) for key, found in numbers.items()}


def test_a_second_seed_adds_to_the_same_chain_and_numbers_on(chain) -> None:
    again = seeded(500, seed=2)
    assert again.venues == 4 and again.customers == 0  # the pool is reused
    assert Complaint.objects.count() == 2500
    assert Complaint.objects.values("reference").distinct().count() == 2500


def test_distributions_look_like_a_chain_of_clubs_and_hotels(chain) -> None:
    severities = Counter(Complaint.objects.values_list("severity", flat=True))
    assert 0.06 <= severities[Severity.URGENT] / 2000 <= 0.14
    assert 0.25 <= severities[Severity.IMPORTANT] / 2000 <= 0.45  # repeats are raised to it
    categories = Counter(Complaint.objects.values_list("category__code", flat=True))
    assert categories.most_common(1)[0][0] in ("service_attitude", "facility_equipment")
    assert categories["privacy_data"] < categories["service_attitude"] / 10  # the long tail
    assert len(Counter(Complaint.objects.values_list("channel", flat=True))) == 8
    about_staff = Complaint.objects.filter(subject_staff__isnull=False).count()
    assert 0.11 <= about_staff / 2000 <= 0.19
    closed = Complaint.objects.filter(state=State.CLOSED)
    invalid = closed.filter(validity=Validity.INVALID).count()
    assert 0.07 <= invalid / closed.count() <= 0.17
    assert Complaint.objects.filter(escalation_level__gt=0).exists()
    assert Complaint.objects.filter(reopen_count__gt=0).exists()
    assert Complaint.objects.exclude(repeat_of=None).exists()
    for merged in Complaint.objects.filter(state=State.MERGED).select_related("merged_into"):
        assert merged.merged_into.venue_id == merged.venue_id
        assert merged.merged_into.received_at <= merged.received_at
        assert merged.merged_into.state != State.MERGED


def test_surveys_only_after_closure_and_mostly_happy(chain) -> None:
    surveys = Survey.objects.select_related("complaint")
    assert {s.complaint.state for s in surveys} == {State.CLOSED}
    assert surveys.count() == Complaint.objects.filter(state=State.CLOSED).count()
    answered = surveys.exclude(answered_at=None)
    assert 0.32 <= answered.count() / surveys.count() <= 0.48
    scores = Counter(answered.values_list("satisfaction", flat=True))
    assert set(scores) <= {1, 2, 3, 4, 5}
    assert (scores[4] + scores[5]) / answered.count() >= 0.7
    for survey in answered:
        assert survey.complaint.closed_at <= survey.answered_at <= NOW
        assert survey.nps is None or 0 <= survey.nps <= 10


def test_remedies_are_money_in_decimal_and_follow_the_state(chain) -> None:
    remedies = RemedyProposal.objects.select_related("complaint")
    with_remedy = remedies.values("complaint").distinct().count()
    assert 0.14 <= with_remedy / 2000 <= 0.26
    for remedy in remedies:
        assert isinstance(remedy.amount, Decimal) and remedy.amount >= 0
        assert remedy.amount == remedy.amount.quantize(Decimal("0.01"))
        if remedy.complaint.state == State.CLOSED:
            assert remedy.status == RemedyProposal.Status.EXECUTED
            assert remedy.proposed_at <= remedy.decided_at <= remedy.executed_at <= NOW
    paid = remedies.filter(status=RemedyProposal.Status.EXECUTED).aggregate(total=Sum("amount"))
    assert isinstance(paid["total"], Decimal) and paid["total"] > 0
    for consequence in Consequence.objects.select_related("complaint"):
        assert consequence.staff_id == consequence.complaint.responsible_staff_id


def test_customers_are_encrypted_and_found_through_their_blind_index(chain) -> None:
    customer = Customer.objects.order_by("pk").first()
    assert customer.phone.startswith("+861")
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM members_customer WHERE id = %s", [customer.pk])
        stored = cursor.fetchone()[0]
    assert customer.phone not in stored  # ciphertext at rest
    index = crypto.blind_index(customer.phone, purpose="phone")
    assert Customer.objects.get(phone_index=index) == customer
    assert Customer.objects.count() == 400  # a pool, reused by many complaints


def test_staff_hold_their_roles_and_sign_in(chain) -> None:
    director = User.objects.get(username="bench-director")
    assert director.check_password(BENCH_PASSWORD)
    assert director.grants.get().role == "director"
    coaches = User.objects.filter(grants__role="staff", grants__venue__kind=Venue.Kind.GYM)
    assert coaches.count() == 6


def test_rollups_are_built_and_current(chain) -> None:
    assert chain.rollups and chain.rollups > 0
    counted = DailyRollup.objects.aggregate(n=Sum("received"))["n"]
    assert counted == Complaint.objects.exclude(state=State.MERGED).count()
    state = RollupState.objects.get(key="complaints")
    assert state.last_event_id == (ComplaintEvent.objects.aggregate(m=Max("pk"))["m"] or 0)
    assert state.current_to == NOW


def test_the_seed_refuses_to_run_in_production(db, settings) -> None:
    settings.AMENDS_ENV = "production"
    with pytest.raises(CommandError, match="production"):
        call_command("bench", "seed", "--complaints", "10", stdout=StringIO())
    assert not Complaint.objects.exists()


def test_the_command_prints_what_it_wrote_and_how_fast(db) -> None:
    out = StringIO()
    with clock.travel(NOW):
        call_command(
            "bench", "seed", "--complaints", "300", "--venues", "2", "--months", "2", stdout=out
        )
    text = out.getvalue()
    assert "complaints 300," in text
    assert re.search(r"Rows written [\d,]+ in [\d.]+ s: [\d,]+ rows/s", text)


def test_the_report_bench_prints_its_figures_as_json_and_changes_nothing(chain) -> None:
    before = (ComplaintEvent.objects.count(), DailyRollup.objects.aggregate(n=Sum("received")))
    out = StringIO()
    with clock.travel(NOW):
        call_command("bench", "report", "--json", "--repeat", "2", "--month", "2026-10", stdout=out)
    figures = json.loads(out.getvalue())
    for key in (
        "venue_report_ms_p50",
        "venue_report_ms_p95",
        "company_report_ms_p50",
        "kpi_board_ms_p50",
        "xlsx_ms_p50",
        "pdf_ms_p50",
        "refresh_ms",
    ):
        assert isinstance(figures[key], float) and figures[key] > 0, key
    assert figures["complaints"] == 2000
    assert figures["month"] == "2026-10"
    assert figures["queries"] == figures["venue_report_queries"] > 0
    assert figures["refresh_events"] == 1000 and figures["refresh_days_rebuilt"] > 0
    assert figures["missing"] == []
    october = datetime(2026, 10, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert (
        figures["venue_month_complaints"]
        == Complaint.objects.filter(
            venue__code=figures["venue"],
            received_at__gte=october,
            received_at__lt=datetime.combine(
                october.date().replace(month=11), time(0), tzinfo=october.tzinfo
            ),
        ).count()
    )
    after = (ComplaintEvent.objects.count(), DailyRollup.objects.aggregate(n=Sum("received")))
    assert after == before  # the 1,000 events were rolled back


def test_the_report_bench_needs_a_seeded_chain(db) -> None:
    with pytest.raises(CommandError, match="bench seed"):
        call_command("bench", "report", stdout=StringIO())


def test_the_tick_bench_reminds_and_escalates_the_due_ones_and_changes_nothing(chain) -> None:
    """Twenty open complaints made due on the next working morning: each reminded once, the
    escalations climb the ladder, and afterwards the data is as the seed left it."""

    def state() -> tuple[Any, ...]:
        return (
            ComplaintEvent.objects.count(),
            sorted(
                Complaint.objects.values_list(
                    "pk", "version", "remind_at", "next_escalation_at", "escalation_level"
                )
            ),
        )

    before = state()
    out = StringIO()
    with clock.travel(NOW):
        call_command("bench", "tick", "--due", "20", "--json", stdout=out)
    figures = json.loads(out.getvalue())
    assert figures["at"] == "2026-11-23T10:00:00+08:00"  # Friday's bench: Monday morning
    assert (figures["due"], figures["reminded"], figures["complaints"]) == (20, 20, 2000)
    assert 0 < figures["escalated"] <= 20
    assert figures["events_written"] >= figures["reminded"] + figures["escalated"]
    assert figures["messages_written"] >= figures["reminded"]
    for key in ("reminders_s", "escalations_s", "reminder_ms_each", "reminder_queries_each"):
        assert isinstance(figures[key], int | float) and figures[key] > 0, key
    assert state() == before  # rolled back


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="processes at once need PostgreSQL's SKIP LOCKED"
)
@pytest.mark.django_db(transaction=True)
def test_two_tick_processes_share_the_due_work_and_the_bench_undoes_it() -> None:
    """`--workers 2`: two processes remind and escalate at once, each complaint once between
    them; then the committed run is undone — rows, events, messages and handlers as before."""
    from amends.notifications.models import Outbox

    seeded(complaints=600)

    def state() -> tuple[Any, ...]:
        return (
            ComplaintEvent.objects.count(),
            Outbox.objects.count(),
            Complaint.handlers.through.objects.count(),
            sorted(
                Complaint.objects.values_list(
                    "pk",
                    "version",
                    "remind_at",
                    "next_escalation_at",
                    "escalation_level",
                    "escalated_to_id",
                    "head_seq",
                    "head_hash",
                    "seal",
                    "due_at",
                )
            ),
        )

    before = state()
    out = StringIO()
    with clock.travel(NOW):
        call_command("bench", "tick", "--due", "20", "--workers", "2", "--json", stdout=out)
    figures = json.loads(out.getvalue())
    assert (figures["workers"], figures["due"], figures["reminded"]) == (2, 20, 20)
    assert 0 < figures["escalated"] <= 20
    assert figures["events_written"] == figures["reminded"] + figures["escalated"]
    assert state() == before
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_tick_rows')")
        assert cursor.fetchone() == (None,)  # its copy of the rows is gone too


def test_the_tick_bench_wants_postgresql_for_several_processes(chain) -> None:
    if connection.vendor == "postgresql":
        pytest.skip("SQLite's answer")
    with clock.travel(NOW), pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("bench", "tick", "--due", "5", "--workers", "2", stdout=StringIO())


def test_the_tick_bench_says_when_there_are_too_few_open_complaints(chain) -> None:
    with clock.travel(NOW), pytest.raises(CommandError, match="open assigned complaints"):
        call_command("bench", "tick", "--due", "100000", stdout=StringIO())
