"""The demo's member care (会员关怀), built through the care services at moments of the demo's
past, so the console shows specialists with their member books and calls due today, and the
reports a month of care.

At each gym (venues of kind gym with a customer-service specialist):

1. about twenty members (about forty over two gyms) joined over the last two months, with
   plans (年卡, 季卡, 私教课包), terms, a few birthdays today and in the coming days, a few
   with quiet hours, opted out of SMS or reading English;
2. each given a specialist as they joined (books balanced by size); most contacted within a
   few days, two not yet though assigned more than 7 days ago (first contact overdue);
3. a running "new members" campaign (joining, due within 3 days): calls for the members who
   joined in the last ten days — satisfied ones done, one not reached, one unhappy answer that
   opened a complaint, and calls due today in the specialists' lists;
4. a care rule of each kind (renewal 30/10/1, one session left, birthday, inactivity 10 days,
   holiday) and the daily care run of the last week, so care messages exist;
5. points earned and redeemed; feedback on each coach of the venue.

The care messages to the made-up members are cancelled in the outbox (never sent).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from amends.care import services
from amends.care.models import CampaignCall, CareMessage, RevisitCampaign
from amends.core import clock
from amends.core.errors import DomainError
from amends.members.models import Member
from amends.notifications.services import outbox_cancel
from amends.orgs.models import Company, User, Venue
from amends.orgs.roles import Role
from amends.orgs.selectors import users_with_role

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超")
PLANS = (("年卡", 365, None), ("季卡", 91, None), ("私教课包", 180, 12))
MEMBERS_PER_GYM = 20

RULES: tuple[dict[str, Any], ...] = (
    {
        "kind": "renewal",
        "days": [30, 10, 1],
        "message_zh": "{name}您好，您在{venue}的会籍将于{expires_on}到期，"
        "续费请联系前台或您的专属客服。",
        "message_en": "Dear {name}, your membership at {venue} ends on {expires_on}. "
        "To renew, ask at the front desk or your specialist.",
    },
    {
        "kind": "last_session",
        "message_zh": "{name}您好，您的私教课包只剩最后1节，欢迎续课。",
        "message_en": "Dear {name}, one session is left in your pack. We would be glad to "
        "book more.",
    },
    {
        "kind": "birthday",
        "message_zh": "{name}，祝您生日快乐！{venue}为您准备了一份小礼物，到店即可领取。",
        "message_en": "Happy birthday, {name}! A small gift waits for you at {venue}.",
    },
    {
        "kind": "inactivity",
        "days": [10],
        "message_zh": "{name}您好，已经有{days}天没见到您了，{venue}的教练们想念您！",
        "message_en": "Dear {name}, we have not seen you for {days} days. Your coaches at "
        "{venue} miss you!",
    },
    {
        "kind": "holiday",
        "message_zh": "{name}您好，{venue}祝您节日快乐！节日期间正常营业。",
        "message_en": "Dear {name}, happy holidays from {venue}! We are open as usual.",
    },
)

CAMPAIGN = {
    "name": "新会员三日回访",
    "trigger": RevisitCampaign.Trigger.JOINING,
    "due_days": 3,
    "greeting": "您好，我是{venue}的客服专员，欢迎您加入！想了解一下您这几天的训练体验。",
    "satisfied_script": "感谢您的认可！有任何需要随时联系我，我是您的专属客服。",
    "unsatisfied_script": "非常抱歉给您带来不好的体验，请您具体说说，我们马上记录并跟进处理。",
    "closing": "祝您健身愉快，再见！",
}

UNHAPPY = "更衣室柜子太少，晚上七点以后经常没有空柜子，希望尽快解决。"
COACH_COMMENTS = ("动作讲解很细致", "很有耐心", "课程强度合适", "有时迟到几分钟", "")


@dataclass
class Built:
    members: int = 0
    calls: dict[str, int] = field(default_factory=dict)
    care_messages: int = 0
    complaints: int = 0
    points_movements: int = 0
    coach_feedback: int = 0


def build(*, company: Company, venues: Iterable[Venue], users: Any = None, now: datetime) -> Built:
    """Build the demo's member care at each gym of `venues` (see the module); `users` is not
    needed (each venue's people are read from their role grants). Returns what was made."""
    built = Built()
    rng = random.Random(11)
    for venue in venues:
        if venue.company_id != company.pk or venue.kind != Venue.Kind.GYM:
            continue
        specialists = list(users_with_role(venue=venue, roles=[Role.SPECIALIST]))
        bosses = list(users_with_role(venue=venue, roles=[Role.MANAGER, Role.GENERAL_MANAGER]))
        if not specialists or not bosses:
            continue
        _Venue(venue, specialists, bosses[0], now, rng, built).build()
    # The members are made up: their care messages are never to be sent (the complaints the
    # calls opened are the demo's, cancelled with the others by the caller).
    care_outbox = CareMessage.objects.filter(
        rule__venue__company=company, outbox_id__isnull=False
    ).values_list("outbox_id", flat=True)
    outbox_cancel(ids=[pk for pk in care_outbox if pk is not None], reason="demo data")
    calls = CampaignCall.objects.filter(campaign__venue__company=company)
    for status in CampaignCall.Status.values:
        built.calls[status] = calls.filter(status=status).count()
    built.care_messages = CareMessage.objects.filter(rule__venue__company=company).count()
    return built


class _Venue:
    def __init__(
        self,
        venue: Venue,
        specialists: list[User],
        boss: User,
        now: datetime,
        rng: random.Random,
        built: Built,
    ) -> None:
        self.venue, self.specialists, self.boss = venue, specialists, boss
        self.now, self.rng, self.built = now, rng, built
        self.zone = ZoneInfo(venue.timezone)
        self.today = now.astimezone(self.zone).date()
        self.members: list[tuple[Member, int]] = []  # (member, joined days ago)

    def at(self, days_ago: int, moment: time) -> datetime:
        return datetime.combine(self.today - timedelta(days=days_ago), moment, tzinfo=self.zone)

    def build(self) -> None:
        with clock.travel(self.at(40, time(9, 0))):
            campaign = services.campaign_save(
                actor=self.boss,
                venue=self.venue,
                data={
                    **CAMPAIGN,
                    "greeting": str(CAMPAIGN["greeting"]).format(venue=self.venue.name),
                    "starts_on": self.today - timedelta(days=40),
                },
            )
            for rule in RULES:
                services.care_rule_save(
                    actor=self.boss,
                    venue=self.venue,
                    data={**rule, "send_at": "10:00", "channel": "sms"},
                )
        for i in range(MEMBERS_PER_GYM):
            self.member(i)
        self.calls(campaign)
        for days_ago in range(7, -1, -1):
            moment = self.at(days_ago, time(10, 30))
            if moment <= self.now:
                with clock.travel(moment):
                    services.care_run(venue=self.venue, now=moment)
        self.points()
        self.coaches()

    def member(self, i: int) -> None:
        rng = self.rng
        # The last eight joined in the last ten days (the campaign's calls), the rest earlier.
        joined = (10, 9, 8, 6, 5, 4, 3, 3)[i - 12] if i >= 12 else 15 + i * 3
        plan, days, sessions = PLANS[i % len(PLANS)]
        starts = self.today - timedelta(days=joined)
        expires = starts + timedelta(days=days)
        if i == 0:  # a renewal reminder 10 days before the end, today
            expires = self.today + timedelta(days=10)
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if i % 3 else "")
        birthday = ""
        if i in (1, 5):
            # Leap years of birth, so that any day of the year (29 February too) is one.
            birthday = date(1988 + i * 4, self.today.month, self.today.day).isoformat()
        elif i in (2, 7, 13):
            soon = self.today + timedelta(days=i % 4 + 1)
            birthday = date(1990 + i, soon.month, min(soon.day, 28)).isoformat()
        data: dict[str, Any] = {
            "number": f"{self.venue.code}-{2026000 + i:07d}",
            "name": name,
            "phone": f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}",
            "email": f"member{i}.{self.venue.code.lower()}@example.com" if i % 4 == 0 else "",
            "language": "en" if i in (3, 14) else "zh-hans",
            "plan": plan,
            "level": "金卡" if i % 5 == 0 else "",
            "starts_on": starts,
            "expires_on": expires,
            "birthday": birthday,
            "sessions_left": (1 if i == 2 else sessions) if sessions else None,
            "quiet_from": "21:00" if i % 6 == 1 else "",
            "quiet_to": "09:00" if i % 6 == 1 else "",
            "opt_outs": ["sms"] if i in (5, 16) else [],
        }
        specialist = self.specialists[i % len(self.specialists)]
        moment = self.at(joined, time(rng.randint(10, 19), rng.choice((0, 15, 30, 45))))
        with clock.travel(moment):
            try:
                member = services.member_save(actor=specialist, venue=self.venue, data=data)
            except DomainError:  # a phone drawn twice: leave that one out
                return
            member = services.specialist_assign(member=member, now=moment)
        visit = 10 if i in (6, 9) else min(joined, rng.randint(0, 6))
        services.record_visit(member=member, on=self.today - timedelta(days=visit))
        # Most are contacted within days; two old members never (first contact overdue).
        if i not in (8, 10) and joined > 2:
            contact = self.at(joined - 2, time(15, 0))
            with clock.travel(contact):
                member = services.record_contact(
                    actor=member.specialist or specialist, member=member, version=member.version
                )
        self.members.append((member, joined))
        self.built.members += 1

    def calls(self, campaign: RevisitCampaign) -> None:
        outcomes = iter(("satisfied", "not_satisfied", "unreached", "satisfied", "satisfied"))
        for member, joined in self.members:
            if joined > 10:
                continue
            at = self.at(joined, time(11, 0))
            key = f"joining:{member.starts_on}"
            call = services.campaign_trigger(
                campaign=campaign,
                venue=self.venue,
                trigger=campaign.trigger,
                member=member,
                at=at,
                key=key,
            )
            # Entering a new member already gave the call (member_save triggers joining).
            call = call or campaign.calls.filter(member=member, trigger_key=key).first()
            if call is None or call.due_at > self.now or joined <= 3:
                continue  # still to call (due today or later)
            outcome = next(outcomes, "")
            if not outcome:
                continue
            caller = member.specialist or self.specialists[0]
            with clock.travel(self.at(joined - 2, time(16, 0))):
                if outcome == "unreached":
                    services.call_record(
                        actor=caller, call=call, version=call.version, reached=False
                    )
                    continue
                done = services.call_record(
                    actor=caller,
                    call=call,
                    version=call.version,
                    reached=True,
                    outcome=outcome,
                    score=self.rng.choice((4, 5)) if outcome == "satisfied" else 2,
                    notes=UNHAPPY if outcome == "not_satisfied" else "训练体验不错，教练很专业。",
                )
                self.built.complaints += done.complaint_id is not None

    def points(self) -> None:
        for member, joined in self.members[:14]:
            specialist = member.specialist or self.specialists[0]
            with clock.travel(self.at(max(joined - 1, 0), time(18, 0))):
                services.points_move(
                    actor=specialist, member=member, delta=500, reason="purchase", note="入会礼"
                )
                self.built.points_movements += 1
                if joined > 20:
                    services.points_move(
                        actor=specialist,
                        member=member,
                        delta=-self.rng.choice((100, 200, 300)),
                        reason=self.rng.choice(("redeem_class", "redeem_goods")),
                        note="兑换",
                    )
                    self.built.points_movements += 1

    def coaches(self) -> None:
        coaches = list(users_with_role(venue=self.venue, roles=[Role.STAFF]))
        members = [member for member, _joined in self.members]
        for coach in coaches:
            for k in range(6):
                moment = self.at(self.rng.randint(1, 28), time(20, 0))
                with clock.travel(moment):
                    services.coach_feedback_record(
                        actor=self.specialists[k % len(self.specialists)],
                        venue=self.venue,
                        coach=coach,
                        score=self.rng.choice((5, 5, 4, 4, 3, 2)),
                        comment=self.rng.choice(COACH_COMMENTS),
                        member=self.rng.choice(members) if members else None,
                    )
                self.built.coach_feedback += 1
