"""Did it work? The effect check of an improvement action: complaints of its cause in equal
windows before it was raised and after it was done.

The cause's complaints are those received at the action's venue (every venue of the company
for a company-wide action), of its category, and — when the action names what it is about —
whose subject contains those words (case-insensitive): "跑步机" matches "3号跑步机". An action
with neither a category nor a subject compares all of the venue's complaints. Merged complaints
are left out (their survivor counts), as in the reports.

1. before: received in [raised − window, raised).
2. after: received in [done, done + window).
3. The verdict: "pending" until the action is done and its after-window has passed; then
   "fewer", "same" or "more" complaints after than before.
Both counts are one aggregate query; no rows are loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from amends.complaints import subjects
from amends.complaints.models import Complaint
from amends.improvements.models import ImprovementAction

Verdict = Literal["fewer", "same", "more", "pending"]
WINDOW_DAYS = 30
VERDICT_LABELS = {
    "fewer": _("Fewer complaints"),
    "same": _("No change"),
    "more": _("More complaints"),
    "pending": _("Waiting for the after-window to pass"),
}


@dataclass(frozen=True)
class Effect:
    before: int
    after: int
    window_days: int
    verdict: Verdict
    before_start: datetime
    before_end: datetime
    after_start: datetime | None  # None until the action is done
    after_end: datetime | None

    @property
    def pending(self) -> bool:
        return self.verdict == "pending"

    @property
    def change(self) -> int:
        """After minus before (negative: fewer complaints)."""
        return self.after - self.before


def cause_complaints(action: ImprovementAction) -> QuerySet[Complaint]:
    """The complaints of the action's cause, whenever received (see the module's docstring)."""
    complaints = Complaint.objects.filter(company_id=action.company_id, merged_into__isnull=True)
    if action.venue_id is not None:
        complaints = complaints.filter(venue_id=action.venue_id)
    if action.category_id is not None:
        complaints = complaints.filter(category_id=action.category_id)
    if action.subject_key:  # raised from a recurring problem: the report's own grouping
        return subjects.about(complaints, action.subject_key)
    if action.subject_text:
        complaints = complaints.filter(subject_text__icontains=action.subject_text)
    return complaints


def effect_of(
    action: ImprovementAction, *, now: datetime, window_days: int = WINDOW_DAYS
) -> Effect:
    """The effect of `action` as known at `now` (see the module's docstring)."""
    window = timedelta(days=window_days)
    before_start, before_end = action.created_at - window, action.created_at
    done = action.done_at if action.status == ImprovementAction.Status.DONE else None
    after_start = done
    after_end = done + window if done is not None else None
    in_before = Q(received_at__gte=before_start, received_at__lt=before_end)
    counts = {"before": Count("pk", filter=in_before)}
    if after_start is not None and after_end is not None:
        counts["after"] = Count(
            "pk", filter=Q(received_at__gte=after_start, received_at__lt=after_end)
        )
    found = cause_complaints(action).aggregate(**counts)
    before, after = found["before"], found.get("after") or 0
    verdict: Verdict
    if after_end is None or now < after_end:
        verdict = "pending"
    elif after < before:
        verdict = "fewer"
    elif after > before:
        verdict = "more"
    else:
        verdict = "same"
    return Effect(
        before=before,
        after=after,
        window_days=window_days,
        verdict=verdict,
        before_start=before_start,
        before_end=before_end,
        after_start=after_start,
        after_end=after_end,
    )
