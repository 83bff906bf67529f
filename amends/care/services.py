"""Writes for member care (会员关怀): members and their specialists, revisit campaigns and their
calls, points, coach feedback and care rules.

Each service is one transaction. Who may: the venue's specialists, managers, general managers
and directors (`amends.care.access`). An update takes the version the person saw and refuses a
stale one with StaleVersion (409) under the row lock, before it changes anything. The services
live by topic in `services_members`, `services_campaigns` and `services_rules`; this module is
the one the faces import.
"""

from __future__ import annotations

from amends.care.services_campaigns import (
    call_record,
    campaign_finish,
    campaign_save,
    campaign_trigger,
)
from amends.care.services_members import (
    coach_feedback_record,
    member_reveal_contact,
    member_save,
    points_move,
    record_contact,
    record_visit,
    specialist_assign,
    use_session,
)
from amends.care.services_rules import care_rule_save, care_run

__all__ = [
    "call_record",
    "campaign_finish",
    "campaign_save",
    "campaign_trigger",
    "care_rule_save",
    "care_run",
    "coach_feedback_record",
    "member_reveal_contact",
    "member_save",
    "points_move",
    "record_contact",
    "record_visit",
    "specialist_assign",
    "use_session",
]
