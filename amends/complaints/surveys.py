"""What the satisfaction survey's answers mean (pure rules)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from amends.complaints.models import Survey

SURVEY_DAYS = 30  # a survey is open this many days after the invitation
LOW_SATISFACTION = 2  # 1–2 of 5: dissatisfied
LOW_NPS = 6  # 0–6 of 10: a detractor


def is_low_score(satisfaction: int | None, nps: int | None) -> bool:
    """A low score puts the complaint in front of the venue's manager."""
    return (satisfaction is not None and satisfaction <= LOW_SATISFACTION) or (
        nps is not None and nps <= LOW_NPS
    )


def low_score_reason(survey: Survey) -> str:
    """The reason a reopen after a low score gives: the customer's comment, else the scores."""
    return survey.comment.strip() or _("Survey: satisfaction %(s)s/5, recommend %(n)s/10.") % {
        "s": survey.satisfaction,
        "n": survey.nps,
    }


def survey_closes_at(survey: Survey) -> datetime:
    """When the survey stops taking an answer."""
    return survey.invited_at + timedelta(days=SURVEY_DAYS)


def survey_is_open(survey: Survey, *, now: datetime) -> bool:
    return survey.answered_at is None and now <= survey_closes_at(survey)
