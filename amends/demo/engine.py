"""The demo's engine: the one place where a story acts on a complaint (`act`), and the scheduler
that plays every story in the order of simulated time.

How the history is played:
1. Each complaint is a story (stories.py): a generator that takes one step, then yields how long
   until its next step. The scheduler runs the steps of all stories in time order, each under
   `clock.travel(...)`, so workloads, routing and deadlines see the world as it was then.
2. Between steps the scheduler runs `tick(now=...)` exactly when some reminder or escalation
   falls due, so late complaints are reminded and escalated as the real runner would do it.
Nothing is ever scheduled after the moment the build started.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Min

from amends.complaints import services
from amends.complaints.catalogue import perform
from amends.complaints.models import Complaint
from amends.complaints.tick import tick
from amends.complaints.transitions import OPEN_STATES
from amends.core import clock
from amends.core.errors import DomainError
from amends.demo.planner import at_work
from amends.demo.world import DemoError, World
from amends.orgs.models import User

if TYPE_CHECKING:
    from amends.demo.stories import Story

# --- acting on a complaint ----------------------------------------------------------------------


def act(
    name: str, *, complaint: Complaint, actor: User | None, data: dict[str, Any] | None = None
) -> Complaint:
    """The one place where the demo acts on a complaint after intake: `actor` takes the
    catalogued action `name` on `complaint` with `data`, with the complaint's current version,
    as a person would in the console. Returns the complaint as it is afterwards.

    The one step that is not a catalogued action is the customer's survey answer
    ("answer_survey"): it is addressed by the survey's token, not by a complaint and a version.
    Like the services, it either does everything or raises a DomainError and changes nothing.
    """
    data = dict(data or {})
    if name == "answer_survey":
        services.survey_answer(**data)
        return Complaint.objects.get(pk=complaint.pk)
    if actor is None:
        raise DemoError(f"demo: {name} on {complaint.reference} needs someone to take it")
    current = Complaint.objects.get(pk=complaint.pk)
    files = None
    if name == "evidence":
        stream = data.pop("stream")
        files = {"file": SimpleUploadedFile(data.pop("name"), stream.read())}
        data.pop("size", None)
    result = perform(
        name,
        complaint=current,
        actor=actor,
        data={**data, "version": current.version},
        files=files,
    )
    return result if isinstance(result, Complaint) else Complaint.objects.get(pk=complaint.pk)


# --- the scheduler ------------------------------------------------------------------------------


class Scheduler:
    """Runs every story's steps in the order of simulated time, never after `until`, and runs
    the tick at each moment a reminder or escalation falls due in between.

    `progress(done, total)` is called each time a story has ended."""

    def __init__(
        self,
        world: World,
        *,
        history_ticks: bool,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.world = world
        self.history_ticks = history_ticks
        self.progress = progress
        self.queue: list[tuple[datetime, int, Story, Iterator[timedelta]]] = []
        self.seq = 0
        self.stories = 0
        self.ended = 0
        self.ticks = 0
        self.compressed = 0

    def start(self, story: Story) -> None:
        """Add a story; its first step is its complaint's intake."""
        self.stories += 1
        self._add(story.plan.received_at, story, story.run())

    def _add(self, at: datetime, story: Story, steps: Iterator[timedelta]) -> None:
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
                raise DemoError(f"demo: the tick at {at} did not clear what was due at {due}")
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
                    self.ended += 1
                    if self.progress is not None:
                        self.progress(self.ended, self.stories)
                    continue
                except DomainError as exc:
                    raise DemoError(
                        f"demo: a service refused a step of {story} "
                        f"at {at:%Y-%m-%d %H:%M} ({exc.code}): {exc}"
                    ) from exc
            following = at_work(at + max(delay, timedelta(minutes=1)), story.rng)
            if following > until:
                # Never in the future: squeeze the rest of this story into the time left.
                self.compressed += 1
                following = at + (until - at) / 2
            self._add(following, story, steps)
        if self.history_ticks:
            self.tick_until(until)
        else:
            tick(now=until)  # what the runner does next anyway; never a moment in the past
            self.ticks += 1
