"""Helpers for the care stories: members, campaigns and rules made through the services."""

from __future__ import annotations

from datetime import date
from itertools import count
from typing import Any

from amends.care import services
from amends.care.models import CareRule, RevisitCampaign
from amends.conftest import Cast, local
from amends.core import clock
from amends.members.models import Member
from amends.orgs.models import Venue

_phones = count(1000)


def member(cast: Cast, number: str, *, venue: Venue | None = None, **fields: Any) -> Member:
    """A member as the specialist enters them (a phone of their own unless given)."""
    data: dict[str, Any] = {
        "number": number,
        "name": f"会员{number}",
        "phone": f"1390000{next(_phones):04d}",
        "plan": "年卡",
        "starts_on": date(2026, 1, 1),
        "expires_on": date(2027, 1, 1),
    }
    data.update(fields)
    venue = venue or cast.gym
    actor = cast.specialist if venue == cast.gym else cast.outsider
    with clock.travel(local(2026, 11, 20, 9, 0)):
        return services.member_save(actor=actor, venue=venue, data=data)


def campaign(
    cast: Cast, trigger: str = RevisitCampaign.Trigger.JOINING, **fields: Any
) -> RevisitCampaign:
    data: dict[str, Any] = {
        "name": "新会员三日回访",
        "trigger": trigger,
        "starts_on": date(2026, 11, 1),
        "greeting": "您好，我是静安健身会所的客服专员。",
        "satisfied_script": "感谢您的认可！",
        "unsatisfied_script": "非常抱歉，请您具体说说。",
        "closing": "祝您健身愉快，再见。",
    }
    data.update(fields)
    with clock.travel(local(2026, 11, 20, 9, 0)):
        return services.campaign_save(actor=cast.manager, venue=cast.gym, data=data)


def rule(cast: Cast, kind: str, **fields: Any) -> CareRule:
    data: dict[str, Any] = {
        "kind": kind,
        "send_at": "10:00",
        "channel": "sms",
        "message_zh": "{name}您好：{venue}提醒您。",
        "message_en": "Dear {name}, a word from {venue}.",
    }
    data.update(fields)
    return services.care_rule_save(actor=cast.manager, venue=cast.gym, data=data)
