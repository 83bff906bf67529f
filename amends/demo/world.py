"""The demo's world: the company, its venues and staff with their roles (from data/world.toml),
built through the orgs and workflow services as a real company would be set up."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from amends.core import clock
from amends.demo.texts import Texts
from amends.orgs.models import Company, Department, User, Venue
from amends.orgs.roles import Role
from amends.orgs.services import company_create, role_grant, staff_create, venue_create
from amends.workflow.models import Category
from amends.workflow.services import workflow_install_defaults

# Documented in the README; every demo login uses it.
DEMO_PASSWORD = "amends-demo"


class DemoError(Exception):
    """The demo cannot be built (or may not be): the message says why. Nothing was changed."""


@dataclass
class Team:
    """The staff of one venue by role (company-wide roles not included)."""

    venue: Venue
    by_role: dict[str, list[User]] = field(default_factory=dict)
    by_department: dict[str, list[User]] = field(default_factory=dict)

    def pick(self, rng: random.Random, role: str, exclude: tuple[User | None, ...] = ()) -> User:
        banned = {user.pk for user in exclude if user is not None}
        candidates = [user for user in self.by_role.get(role, []) if user.pk not in banned]
        if not candidates:
            raise DemoError(f"demo: nobody with role {role} at {self.venue.code}")
        return rng.choice(candidates)


@dataclass
class World:
    company: Company
    teams: dict[str, Team]
    director: User
    categories: dict[str, Category]
    until: datetime
    words: Texts


def build_company(words: Texts) -> World:
    """The company, its venues (with the default workflow) and every member of staff."""
    name, code = words.company
    company = company_create(name=name, code=code)
    venues = {
        vcode: venue_create(company=company, code=vcode, name=vname, name_en=vname_en, kind=kind)
        for vcode, vname, vname_en, kind in words.venues
    }
    workflow_install_defaults(company=company)
    teams = {vcode: Team(venue) for vcode, venue in venues.items()}
    director: User | None = None
    for person in words.staff:
        user = staff_create(
            company=company,
            username=person.username,
            password=DEMO_PASSWORD if person.login else None,
            display_name=person.name,
            display_name_en=person.name_en,
            email=person.email,
            language=person.language,
            is_staff=person.role == Role.ADMIN,
        )
        venue = venues[person.venue] if person.venue else None
        department = (
            Department.objects.get(venue=venue, code=person.department)
            if person.department
            else None
        )
        role_grant(user=user, role=person.role, venue=venue, department=department)
        if person.role == Role.ADMIN:
            # The one direct write of the demo: Django's own admin needs a superuser.
            User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
        if person.role == Role.DIRECTOR:
            director = user
        if person.venue:
            team = teams[person.venue]
            team.by_role.setdefault(person.role, []).append(user)
            if person.department:
                team.by_department.setdefault(person.department, []).append(user)
    if director is None:
        raise DemoError("demo: the roster (data/world.toml) has no director")
    categories = {c.code: c for c in Category.objects.filter(company=company)}
    return World(
        company=company,
        teams=teams,
        director=director,
        categories=categories,
        until=clock.now(),
        words=words,
    )
