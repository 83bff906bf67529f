"""The demo's equipment (设备), built through the equipment services at moments of the demo's
past, so the console shows a living register and the reports a month of uptime (about 98 %).

At each gym (venues of kind gym with a maintenance person):

1. the register: 13 machines and installations (treadmills 跑步机, ellipticals, spin bikes
   动感单车, a rowing machine, a cable machine, a Smith machine, the pool pump, air
   conditioning, the sound system), added four months ago;
2. three plans: the treadmill's monthly service, the pool pump's weekly check and the air
   conditioning's service every 500 hours of use — two done in the past, each with one
   preventive work order open now;
3. about a dozen faults over the last two months: unsafe ones taken out of service and
   verified, one reacted to late (warned and escalated), a treadmill with three faults in 30
   days (the repeat-fault flag), a false report cancelled, a repair waiting for sign-off, a
   cable machine waiting for parts (still out of service), and a fresh report nobody has
   reacted to yet;
4. the latest facility_equipment complaint of the venue (if one is old enough) gets its work
   order, repaired and signed off, which tells the complaint's owner.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from amends.complaints.models import Complaint
from amends.core import clock
from amends.equipment import services
from amends.equipment.escalation import escalate_one
from amends.equipment.models import Asset, MaintenancePlan, WorkOrder
from amends.equipment.services_assets import plan_open_work_order
from amends.orgs.models import Company, User, Venue
from amends.orgs.roles import Role
from amends.orgs.selectors import users_with_role

# code, name, category, location, vendor, bought (months ago)
REGISTER = (
    ("TM-01", "跑步机 1号", "cardio", "二楼有氧区", "Life Fitness", 30),
    ("TM-02", "跑步机 2号", "cardio", "二楼有氧区", "Life Fitness", 30),
    ("TM-03", "跑步机 3号", "cardio", "二楼有氧区", "Technogym", 14),
    ("TM-04", "跑步机 4号", "cardio", "二楼有氧区", "Technogym", 14),
    ("EL-01", "椭圆机 1号", "cardio", "二楼有氧区", "Precor", 26),
    ("SB-01", "动感单车 1号", "cardio", "单车房", "Keiser", 20),
    ("SB-02", "动感单车 2号", "cardio", "单车房", "Keiser", 20),
    ("RW-01", "划船机", "cardio", "二楼有氧区", "Concept2", 18),
    ("CB-01", "龙门架", "strength", "一楼力量区", "Hammer Strength", 36),
    ("SM-01", "史密斯机", "strength", "一楼力量区", "Hammer Strength", 36),
    ("PUMP-01", "泳池循环泵", "pool", "地下泵房", "格兰富 Grundfos", 40),
    ("AC-01", "中央空调 1号机组", "hvac", "屋顶设备层", "大金 Daikin", 48),
    ("SP-01", "音响系统", "audio_video", "操房", "JBL", 24),
)


@dataclass(frozen=True)
class Fault:
    """One planned fault: when (days ago, local time), on which machine, and how it went:
    minutes to the first reaction, hours to the repair and to the sign-off (None: not yet)."""

    days_ago: int
    at: time
    code: str
    text: str
    unsafe: bool = False
    react: int | None = 15
    arrive: int | None = None
    repair: float | None = 3
    verify: float | None = 4
    cause: str = ""
    parts: str = ""
    cost: str = "0"
    cancel: str = ""
    escalate: bool = False


FAULTS = (
    Fault(
        27,
        time(10),
        "TM-01",
        "跑步机跑带打滑，差点摔倒",
        True,
        15,
        30,
        3,
        4,
        "跑带松弛",
        "跑带润滑",
        "0",
    ),
    Fault(
        52, time(17), "RW-01", "划船机拉绳磨损起毛", False, 30, 60, 4, 5, "拉绳磨损", "拉绳", "150"
    ),
    Fault(
        45,
        time(19, 30),
        "SB-02",
        "动感单车阻力旋钮失灵",
        False,
        40,
        None,
        15,
        16,
        "阻力调节线断",
        "阻力线",
        "85",
    ),
    Fault(
        38,
        time(21, 50),
        "TM-02",
        "急停按钮松动",
        True,
        580,
        600,
        13,
        14,
        "急停开关老化",
        "急停开关",
        "120",
    ),
    Fault(
        30,
        time(14),
        "AC-01",
        "操房空调不制冷",
        False,
        150,
        180,
        22,
        23,
        "冷媒不足",
        "R410A 冷媒",
        "680",
        escalate=True,
    ),
    Fault(
        24,
        time(9),
        "TM-01",
        "跑步机跑带又打滑",
        True,
        20,
        35,
        5,
        6,
        "电机皮带磨损",
        "电机皮带",
        "260",
    ),
    Fault(
        18,
        time(16),
        "PUMP-01",
        "泳池循环泵异响，水质发浑",
        True,
        10,
        25,
        23,
        24,
        "轴承损坏",
        "轴承",
        "450",
    ),
    Fault(12, time(11), "TM-01", "显示屏黑屏", False, 25, 40, 2, 3, "显示板接口松动", "", "0"),
    Fault(
        9, time(10), "EL-01", "椭圆机有异响", False, 30, 45, None, None, cancel="检查无异常，误报"
    ),
    Fault(5, time(18), "CB-01", "龙门架钢丝绳断股", True, 12, 30, None, None),
    Fault(
        3,
        time(15),
        "SP-01",
        "操房音响有电流声",
        False,
        35,
        60,
        20,
        None,
        "音频线接触不良",
        "音频线",
        "40",
    ),
    Fault(1, time(20), "SB-01", "单车踏板松动", False, 45, None, None, None),
)


@dataclass
class Built:
    """What the demo made, for the command to print."""

    assets: int = 0
    plans: int = 0
    work_orders: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


def _first(venue: Venue, *roles: str) -> User | None:
    return users_with_role(venue=venue, roles=list(roles)).first()


def build(*, company: Company, venues: Iterable[Venue], users: Any = None, now: datetime) -> Built:
    """Build the demo's equipment at each gym of `venues` (see the module); `users` is not
    needed (each venue's people are read from their role grants). Returns what was made."""
    built = Built()
    for venue in venues:
        if venue.company_id != company.pk or venue.kind != Venue.Kind.GYM:
            continue
        tech = _first(venue, Role.MAINTENANCE)
        boss = _first(venue, Role.MANAGER, Role.GENERAL_MANAGER)
        if tech is None or boss is None:
            continue
        _Venue(venue, tech, boss, now, built).build()
    orders = WorkOrder.objects.filter(venue__company=company)
    built.work_orders = orders.count()
    for status in WorkOrder.Status.values:
        built.by_status[status] = orders.filter(status=status).count()
    return built


class _Venue:
    def __init__(self, venue: Venue, tech: User, boss: User, now: datetime, built: Built):
        self.venue, self.tech, self.boss, self.now, self.built = venue, tech, boss, now, built
        self.zone = ZoneInfo(venue.timezone)
        self.today = now.astimezone(self.zone).date()
        self.assets: dict[str, Asset] = {}

    def at(self, days_ago: int, moment: time) -> datetime:
        return datetime.combine(self.today - timedelta(days=days_ago), moment, tzinfo=self.zone)

    def build(self) -> None:
        self.register()
        plans = self.plans()
        steps: list[tuple[datetime, Any]] = []
        for fault in FAULTS:
            steps.append((self.at(fault.days_ago, fault.at), lambda f=fault: self.fault(f)))
        steps += self.preventive(plans)
        complaint = self.complaint()
        if complaint is not None:
            steps.append((complaint[0], complaint[1]))
        steps.append((self.now - timedelta(minutes=50), self.fresh))
        for moment, step in sorted(steps, key=lambda item: item[0]):
            if moment < self.now:
                step()

    # -- the register and plans -------------------------------------------------------------------

    def register(self) -> None:
        with clock.travel(self.at(120, time(9))):
            for code, name, category, location, vendor, months in REGISTER:
                bought = self.today - timedelta(days=30 * months)
                self.assets[code] = services.asset_save(
                    actor=self.tech,
                    venue=self.venue,
                    data={
                        "code": code,
                        "name": name,
                        "category": category,
                        "location": location,
                        "vendor": vendor,
                        "serial": f"{self.venue.code}-{code}-{bought:%Y%m}",
                        "purchased_on": bought,
                        "warranty_ends_on": bought + timedelta(days=365 * 3),
                    },
                )
                self.built.assets += 1

    def plans(self) -> dict[str, MaintenancePlan]:
        made: dict[str, MaintenancePlan] = {}
        with clock.travel(self.at(90, time(9))):
            made["TM-01"] = services.plan_save(
                actor=self.tech,
                asset=self.assets["TM-01"],
                data={
                    "name": "跑步机月度保养",
                    "every_days": 30,
                    "checklist": ["检查跑带松紧与润滑", "清洁电机仓", "测试急停按钮"],
                },
            )
        with clock.travel(self.at(14, time(9))):
            made["PUMP-01"] = services.plan_save(
                actor=self.tech,
                asset=self.assets["PUMP-01"],
                data={
                    "name": "泳池循环泵每周检查",
                    "every_days": 7,
                    "checklist": ["听轴承声音", "检查密封与渗漏", "记录压力表读数"],
                },
            )
        with clock.travel(self.at(60, time(9))):
            made["AC-01"] = services.plan_save(
                actor=self.tech,
                asset=self.assets["AC-01"],
                data={
                    "name": "空调机组 500 小时保养",
                    "every_hours": 500,
                    "checklist": ["清洗滤网", "检查冷媒压力", "紧固电气接线"],
                },
            )
        self.built.plans += len(made)
        return made

    def preventive(self, plans: dict[str, MaintenancePlan]) -> list[tuple[datetime, Any]]:
        """The plans' occasions: opened when due (by the job, in real life), done by the
        technician and signed off by the manager — except the latest, still open."""

        def occasion(code: str, moment: datetime, done: bool, hours: int = 0) -> Any:
            def run() -> None:
                if hours:
                    services.record_hours(asset=self.assets[code], hours=hours)
                wo = plan_open_work_order(plan=plans[code], at=moment)
                if wo is not None and done:
                    self.finish(
                        wo,
                        moment + timedelta(hours=2),
                        moment + timedelta(hours=3),
                        cause="按计划保养完成",
                    )

            return run

        return [
            (self.at(60, time(9)), occasion("TM-01", self.at(60, time(9)), True)),
            (self.at(30, time(9)), occasion("TM-01", self.at(30, time(9)), True)),
            (self.at(0, time(6)), occasion("TM-01", self.at(0, time(6)), False)),
            (self.at(7, time(9)), occasion("PUMP-01", self.at(7, time(9)), True)),
            (self.at(0, time(6, 5)), occasion("PUMP-01", self.at(0, time(6, 5)), False)),
            (self.at(2, time(8)), occasion("AC-01", self.at(2, time(8)), False, hours=520)),
        ]

    # -- faults ---------------------------------------------------------------------------------

    def step(self, name: str, actor: User, wo: WorkOrder, moment: datetime, **kw: Any) -> WorkOrder:
        with clock.travel(moment):
            result: WorkOrder = getattr(services, f"work_order_{name}")(
                actor=actor, work_order=wo, version=wo.version, **kw
            )
        return result

    def finish(
        self, wo: WorkOrder, repaired: datetime, verified: datetime | None, **kw: Any
    ) -> WorkOrder:
        if repaired >= self.now:
            return wo
        kw.setdefault("cause", "")
        wo = self.step("resolve", self.tech, wo, repaired, **kw)
        if verified is not None and verified < self.now:
            wo = self.step("verify", self.boss, wo, verified)
        return wo

    def fault(self, fault: Fault) -> None:
        reported = self.at(fault.days_ago, fault.at)
        with clock.travel(reported):
            wo = services.fault_report(
                asset=self.assets[fault.code],
                source=WorkOrder.Source.MEMBER if fault.unsafe else WorkOrder.Source.STAFF,
                description=fault.text,
                unsafe=fault.unsafe,
                actor=None if fault.unsafe else self.boss,
                reporter_name="会员" if fault.unsafe else "",
            )
        if fault.escalate and wo.response_due_at is not None:
            escalate_one(wo.pk, now=wo.response_due_at)
        wo.refresh_from_db()
        if fault.react is not None:
            moment = reported + timedelta(minutes=fault.react)
            if moment >= self.now:
                return
            wo = self.step("react", self.tech, wo, moment)
        if fault.cancel:
            self.step("cancel", self.boss, wo, reported + timedelta(hours=1), reason=fault.cancel)
            return
        if fault.arrive is not None:
            moment = reported + timedelta(minutes=fault.arrive)
            if moment >= self.now:
                return
            wo = self.step("arrive", self.tech, wo, moment)
        if fault.repair is None:
            return
        self.finish(
            wo,
            reported + timedelta(hours=fault.repair),
            reported + timedelta(hours=fault.verify) if fault.verify is not None else None,
            cause=fault.cause,
            parts=fault.parts,
            cost=Decimal(fault.cost),
        )

    def fresh(self) -> None:
        with clock.travel(self.now - timedelta(minutes=50)):
            services.fault_report(
                asset=self.assets["TM-04"],
                source=WorkOrder.Source.MEMBER,
                description="跑步机运行时有咔哒声",
                reporter_name="李女士",
            )

    def complaint(self) -> tuple[datetime, Any] | None:
        found = (
            Complaint.objects.filter(
                venue=self.venue,
                category__code="facility_equipment",
                received_at__lt=self.now - timedelta(days=2),
                received_at__gt=self.at(119, time(9)),
            )
            .order_by("-received_at")
            .first()
        )
        if found is None:
            return None
        opened = found.received_at + timedelta(minutes=40)

        def run() -> None:
            with clock.travel(opened):
                wo = services.complaint_open_work_order(
                    actor=self.boss,
                    complaint=found,
                    asset=self.assets["TM-03"],
                    description=(found.description or "会员投诉器械故障")[:400],
                    unsafe=True,
                )
            wo = self.step("react", self.tech, wo, opened + timedelta(minutes=20))
            self.finish(
                wo,
                opened + timedelta(hours=4),
                opened + timedelta(hours=5),
                cause="按投诉检修：跑带跑偏",
                parts="跑带调整",
            )

        return opened, run
