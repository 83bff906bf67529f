"""The cast of every story test: one company with two gyms and a hotel, everybody SPEC.md names,
an outsider at the other gym and a stranger from another company. Built through the real
services, as a venue would be set up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from amends.complaints import services
from amends.complaints.models import Complaint
from amends.core import clock
from amends.orgs.models import Company, Department, User, Venue
from amends.orgs.roles import Role
from amends.orgs.services import company_create, role_grant, staff_create, venue_create
from amends.workflow.models import Category
from amends.workflow.services import workflow_install_defaults

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware datetime in Beijing time: local(2026, 11, 20, 10, 0)."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@dataclass
class Cast:
    company: Company
    gym: Venue
    gym2: Venue
    hotel: Venue
    desk: User
    specialist: User
    specialist2: User
    manager: User
    maintenance: User
    courses: User
    coach: User
    director: User
    auditor: User
    outsider: User
    stranger: User

    def dept(self, code: str, venue: Venue | None = None) -> Department:
        return Department.objects.get(venue=venue or self.gym, code=code)

    def category(self, code: str) -> Category:
        return Category.objects.get(company=self.company, code=code)

    def receive(
        self, *, actor: User | None = None, venue: Venue | None = None, **fields: Any
    ) -> Complaint:
        """A complaint as the front desk records it (overridable field by field)."""
        category = fields.pop("category", None)
        intake: dict[str, Any] = {
            "channel": "front_desk",
            "description": "跑步机皮带突然打滑，我摔倒了膝盖流血。",
            "customer_name": "王芳",
            "phone": "13800138000",
            "email": "wang.fang@example.com",
            "category": self.category(category) if isinstance(category, str) else category,
        }
        intake.update(fields)
        return services.complaint_receive(
            actor=actor or self.desk, venue=venue or self.gym, intake=services.Intake(**intake)
        )


def _staff(company: Company, username: str, *grants: tuple[str, Venue | None, str | None]) -> User:
    user = staff_create(
        company=company,
        username=username,
        password="amends-test",  # noqa: S106
        display_name=username.title(),
    )
    for role, venue, dept_code in grants:
        department = Department.objects.get(venue=venue, code=dept_code) if dept_code else None
        role_grant(user=user, role=role, venue=venue, department=department)
    return user


def build_cast() -> Cast:
    company = company_create(name="Lifeforce Fitness", code="LIFE")
    gym = venue_create(company=company, code="GYM1", name="静安健身会所")
    gym2 = venue_create(company=company, code="GYM2", name="浦东健身会所")
    hotel = venue_create(company=company, code="HTL1", name="外滩酒店", kind=Venue.Kind.HOTEL)
    workflow_install_defaults(company=company)
    other = company_create(name="Other Co", code="OTHER")
    other_gym = venue_create(company=other, code="OGYM", name="Other gym")
    workflow_install_defaults(company=other)
    return Cast(
        company=company,
        gym=gym,
        gym2=gym2,
        hotel=hotel,
        desk=_staff(company, "desk", (Role.FRONT_DESK, gym, "front_office")),
        specialist=_staff(company, "specialist", (Role.SPECIALIST, gym, "customer_service")),
        specialist2=_staff(company, "specialist2", (Role.SPECIALIST, gym, "customer_service")),
        manager=_staff(company, "manager", (Role.MANAGER, gym, "customer_service")),
        maintenance=_staff(company, "maintenance", (Role.MAINTENANCE, gym, "maintenance")),
        courses=_staff(company, "courses", (Role.COURSE_SUPERVISOR, gym, "courses")),
        coach=_staff(company, "coach", (Role.STAFF, gym, "courses")),
        director=_staff(company, "director", (Role.DIRECTOR, None, None)),
        auditor=_staff(company, "auditor", (Role.AUDITOR, None, None)),
        outsider=_staff(
            company,
            "outsider",
            (Role.FRONT_DESK, gym2, "front_office"),
            (Role.SPECIALIST, gym2, "customer_service"),
            (Role.MANAGER, gym2, "customer_service"),
        ),
        stranger=_staff(
            other,
            "stranger",
            (Role.MANAGER, other_gym, "customer_service"),
            (Role.DIRECTOR, None, None),
        ),
    )


@pytest.fixture(autouse=True)
def _fresh_configuration() -> None:
    # The per-process configuration cache (routing, time limits, webhook subscriptions) must
    # not carry one test's rolled-back rows into the next, which may reuse their ids (SQLite).
    from amends.core import config_cache

    config_cache.clear()


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # PBKDF2 costs ~0.3 s a user; the cast has a dozen. Tests don't need slow hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(db: Any) -> Cast:
    with clock.travel(local(2026, 11, 20, 9, 0)):
        return build_cast()
