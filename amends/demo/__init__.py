"""The demo company — three venues, their staff, and about 300 complaints of the last six months,
built through the real services as if it had happened.

- world.py: the company, venues, staff and roles (data/world.toml);
- planner.py: every complaint planned first (when, where, who, its fate);
- stories.py: each complaint's life as a story of steps;
- engine.py: `act`, the one place where a story acts on a complaint, and the scheduler that
  plays all stories in the order of simulated time;
- texts.py: the words and people, read from the TOML files in data/.

`build()` is idempotent: when the company DEMO exists it changes nothing and returns None. The demo
refuses to run with AMENDS_ENV=production: its logins share a published password.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q

from amends.complaints.models import Complaint, Survey
from amends.complaints.transitions import State
from amends.core.errors import DomainError
from amends.demo import care, equipment, improvements
from amends.demo.engine import Scheduler
from amends.demo.planner import SEED, Planner
from amends.demo.stories import Story
from amends.demo.texts import DataError, Person, load
from amends.demo.world import DEMO_PASSWORD, DemoError, World, build_company
from amends.notifications.models import Outbox
from amends.notifications.services import outbox_cancel
from amends.orgs.models import Company

__all__ = [
    "DEMO_PASSWORD",
    "DemoError",
    "Result",
    "build",
    "check_allowed",
    "exists",
    "logins",
]


@dataclass
class Result:
    """What `build()` made: complaints by state and a few totals, for the command to print."""

    company: str
    complaints: int
    by_state: dict[str, int] = field(default_factory=dict)
    escalated: int = 0
    reopened: int = 0
    extended: int = 0
    surveys_answered: int = 0
    history_ticks: bool = True
    ticks: int = 0
    compressed: int = 0


def check_allowed() -> None:
    """Raise DemoError when the demo may not run here: never in production."""
    if settings.AMENDS_ENV == "production":
        raise DemoError(
            "amends demo refuses to run with AMENDS_ENV=production: it would add a made-up "
            "company, staff whose password is published, and hundreds of invented complaints "
            "to a real database. Nothing was changed."
        )


def exists() -> bool:
    """Whether the demo company is already there."""
    _name, code = load().company
    return Company.objects.filter(code=code).exists()


def logins() -> list[Person]:
    """The staff who sign in with DEMO_PASSWORD, in roster order."""
    return [person for person in load().staff if person.login]


def build(
    *, complaints: int = 300, progress: Callable[[int, int], None] | None = None
) -> Result | None:
    """Build the demo company with `complaints` complaints in one transaction; None (and nothing
    changed) when it exists. `progress(done, total)` is called as each complaint's story ends.

    Raises DemoError (nothing changed) when refused here, when a data file is wrong, or when a
    service refuses a step.
    """
    check_allowed()
    if complaints < 0:
        raise DemoError("demo: the number of complaints must be 0 or more")
    try:
        words = load()
    except DataError as exc:
        raise DemoError(str(exc)) from exc
    if exists():
        return None
    try:
        with transaction.atomic():
            scheduler = _play(build_company(words), complaints, progress)
    except DomainError as exc:
        raise DemoError(f"demo: a service refused a step ({exc.code}): {exc}") from exc
    return _result(scheduler)


def _play(world: World, count: int, progress: Callable[[int, int], None] | None) -> Scheduler:
    plans = Planner(world, random.Random(SEED)).plans(count)
    # The tick handles every company: run it at past moments only when the demo is alone.
    alone = not Complaint.objects.exclude(company=world.company).exists()
    scheduler = Scheduler(world, history_ticks=alone, progress=progress)
    stories: dict[int, Story] = {}
    for plan in plans:
        story = Story(world, plan)
        stories[id(plan)] = story
        if plan.original_plan is not None:
            plan.original = stories[id(plan.original_plan)]
        scheduler.start(story)
    scheduler.run()
    improvements.add(world)  # after the complaints: actions raised from what happened
    venues = [team.venue for team in world.teams.values()]
    equipment.build(company=world.company, venues=venues, users=None, now=world.until)
    care.build(company=world.company, venues=venues, now=world.until)
    # The demo's customers and most of its staff are made up: none of its messages may ever be
    # delivered (their phone numbers look real).
    demo_messages = Outbox.objects.filter(
        Q(complaint_id__in=Complaint.objects.filter(company=world.company).values("pk"))
        | Q(recipient_user__company=world.company)
    )
    outbox_cancel(ids=demo_messages.values_list("pk", flat=True), reason="demo data")
    return scheduler


def _result(scheduler: Scheduler) -> Result:
    company = scheduler.world.company
    complaints = Complaint.objects.filter(company=company)
    counts = dict(complaints.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    return Result(
        company=company.name,
        complaints=complaints.count(),
        by_state={state.value: counts.get(state.value, 0) for state in State},
        escalated=complaints.filter(escalation_level__gt=0).count(),
        reopened=complaints.filter(reopen_count__gt=0).count(),
        extended=complaints.filter(extension_count__gt=0).count(),
        surveys_answered=Survey.objects.filter(
            complaint__company=company, answered_at__isnull=False
        ).count(),
        history_ticks=scheduler.history_ticks,
        ticks=scheduler.ticks,
        compressed=scheduler.compressed,
    )
