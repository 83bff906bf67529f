"""The demo's improvement actions (整改), raised through the services at moments of the demo's
past, after its complaints have been played: so the list shows every status, the quarterly
review has actions done, and one action's effect has been judged.

1. At each venue, its most frequent cause of complaints (a category) between five and two and
   a half months ago: the manager raises an action from the latest such complaint (linking up
   to three), the owner starts it two days later and completes it twelve days after that — its
   30-day after-window has passed by now, so the effect is judged.
2. At the first venue, a report line of the last month: in progress, due in three weeks.
3. Company-wide, the director's action about locker locks: still open, five days overdue.
4. At the last venue, an action cancelled with a reason.
With no complaints at all, the first kind is raised from a report line instead.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count

from amends.complaints.models import Complaint
from amends.core import clock
from amends.demo.world import Team, World
from amends.improvements import services
from amends.improvements.models import ImprovementAction
from amends.orgs.models import User, Venue
from amends.orgs.roles import Role
from amends.workflow.models import Category

Source = ImprovementAction.Source

# What each venue does about its top cause, by category code (anything else: the default).
PLANS = {
    "facility_equipment": ("器械与设施每周巡检", "维修部每周一巡检全部器械，建立故障台账。"),
    "service_quality": ("服务规范与话术培训", "全员参加服务话术培训，前台每日晨会复盘。"),
    "hygiene_environment": ("清洁频次加倍", "更衣室和淋浴间每两小时清洁一次并签字。"),
    "service_attitude": ("服务态度专项整改", "前台与教练服务礼仪培训，神秘顾客每月抽查。"),
    "class_schedule": ("课表提前公布与变更通知", "课表提前两周公布，变更至少提前24小时短信通知。"),
    "coach_staff_conduct": ("教练行为规范考核", "修订教练行为规范，纳入月度考核。"),
    "noise": ("降低噪音", "调整音响音量上限，器械区加装减震垫。"),
}
DEFAULT_PLAN = ("高频投诉原因整改", "针对本期最常见的投诉原因制定整改措施并跟踪。")


def _at(venue: Venue | None, day: date, hour: int = 10) -> datetime:
    zone = ZoneInfo(venue.timezone if venue is not None else settings.TIME_ZONE)
    return datetime.combine(day, time(hour), tzinfo=zone)


def _first(team: Team, *roles: str) -> User:
    for role in roles:
        if team.by_role.get(role):
            return team.by_role[role][0]
    raise ValueError(f"demo: nobody with {roles} at {team.venue.code}")


def add(world: World) -> list[ImprovementAction]:
    """Raise the demo's improvement actions (see the module's docstring); returns them."""
    today = world.until.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
    made = [_top_cause(world, team, today) for _code, team in sorted(world.teams.items())]
    made.append(_report_line(world, sorted(world.teams.items())[0][1], today))
    made.append(_company_wide(world, today))
    made.append(_cancelled(world, sorted(world.teams.items())[-1][1], today))
    return made


def _top_cause(world: World, team: Team, today: date) -> ImprovementAction:
    venue = team.venue
    raised = _at(venue, today - timedelta(days=75))
    manager = _first(team, Role.MANAGER, Role.GENERAL_MANAGER)
    owner = _first(team, Role.MAINTENANCE, Role.MANAGER)
    complaints = Complaint.objects.filter(
        venue=venue,
        category__isnull=False,
        merged_into__isnull=True,
        received_at__gte=raised - timedelta(days=75),
        received_at__lt=raised,
    )
    top = (
        complaints.values("category_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "category_id")
        .first()
    )
    with clock.travel(raised):
        if top is None:
            category = world.categories["facility_equipment"]
            action = _raise(
                manager, venue, category, owner, raised, source=Source.REPORT,
                source_label=f"{category.name_zh} {raised:%Y-%m}",
            )  # fmt: skip
        else:
            category = Category.objects.get(pk=top["category_id"])
            linked = list(
                complaints.filter(category=category)
                .order_by("-received_at")
                .values_list("pk", flat=True)[:3]
            )
            action = _raise(
                manager, venue, category, owner, raised, source=Source.COMPLAINT,
                complaint_ids=linked,
            )  # fmt: skip
    with clock.travel(raised + timedelta(days=2)):
        action = services.improvement_start(action=action, actor=owner, expected_version=1)
    with clock.travel(raised + timedelta(days=14, hours=6)):
        return services.improvement_complete(
            action=action,
            actor=owner,
            expected_version=action.version,
            outcome="已按计划完成整改，记录见台账。",
        )


def _raise(
    manager: User,
    venue: Venue | None,
    category: Category,
    owner: User,
    raised: datetime,
    **fields: object,
) -> ImprovementAction:
    title, description = PLANS.get(category.code, DEFAULT_PLAN)
    return services.improvement_raise(
        actor=manager,
        venue=venue,
        title=title,
        description=description,
        category=category,
        owner=owner,
        due_on=raised.date() + timedelta(days=21),
        **fields,  # type: ignore[arg-type]
    )


def _report_line(world: World, team: Team, today: date) -> ImprovementAction:
    venue = team.venue
    raised = _at(venue, today - timedelta(days=3))
    category = world.categories["facility_equipment"]
    owner = _first(team, Role.MAINTENANCE, Role.MANAGER)
    with clock.travel(raised):
        action = services.improvement_raise(
            actor=_first(team, Role.MANAGER, Role.GENERAL_MANAGER),
            venue=venue,
            title="跑步机与动感单车更换老化部件",
            description="按故障台账更换皮带和踏板，供应商到场验收。",
            source=Source.REPORT,
            source_label=f"{category.name_zh} · {raised:%Y-%m}",
            category=category,
            subject_text="跑步机",
            owner=owner,
            due_on=today + timedelta(days=21),
        )
    with clock.travel(raised + timedelta(days=1)):
        return services.improvement_start(action=action, actor=owner, expected_version=1)


def _company_wide(world: World, today: date) -> ImprovementAction:
    raised = _at(None, today - timedelta(days=40))
    with clock.travel(raised):
        return services.improvement_raise(
            actor=world.director,
            venue=None,
            title="全部门店更衣柜换用电子锁",
            description="各店更衣柜统一更换电子锁，杜绝丢失与串柜。",
            source=Source.CAUSE,
            category=world.categories["facility_equipment"],
            subject_text="更衣柜",
            owner=world.director,
            due_on=today - timedelta(days=5),
        )


def _cancelled(world: World, team: Team, today: date) -> ImprovementAction:
    venue = team.venue
    raised = _at(venue, today - timedelta(days=30))
    manager = _first(team, Role.MANAGER, Role.GENERAL_MANAGER)
    with clock.travel(raised):
        action = services.improvement_raise(
            actor=manager,
            venue=venue,
            title="大堂增设排队叫号屏",
            description="高峰时段前台排队过长，增设叫号屏。",
            source=Source.CAUSE,
            category=world.categories["service_quality"],
            subject_text="排队",
            owner=manager,
            due_on=today + timedelta(days=10),
        )
    with clock.travel(raised + timedelta(days=5)):
        return services.improvement_cancel(
            action=action,
            actor=manager,
            expected_version=1,
            reason="改为增开高峰时段前台窗口，费用更低。",
        )
