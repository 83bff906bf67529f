"""Writes for companies, venues, departments and staff. Used by the admin, the demo and tests."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from amends.core.errors import InvalidInput
from amends.orgs.models import Company, Department, RoleGrant, User, Venue
from amends.orgs.roles import Role
from amends.orgs.selectors import forget_scope

# The departments every new venue starts with (codes are referenced by the default routing).
DEFAULT_DEPARTMENTS = (
    ("customer_service", "客服部 Customer service"),
    ("front_office", "前台 Front office"),
    ("maintenance", "工程维修部 Maintenance"),
    ("courses", "课程部 Courses"),
)


@transaction.atomic
def company_create(*, name: str, code: str) -> Company:
    company = Company(name=name, code=code)
    company.full_clean()
    company.save()
    return company


@transaction.atomic
def venue_create(
    *,
    company: Company,
    code: str,
    name: str,
    kind: str = Venue.Kind.GYM,
    timezone: str = "Asia/Shanghai",
    opens_at: time = time(6, 0),
    closes_at: time = time(22, 0),
    open_days: str = Venue.OpenDays.EVERY_DAY,
    revisit_days: int = 7,
    with_default_departments: bool = True,
) -> Venue:
    """Create a venue and, by default, its standard departments."""
    venue = Venue(
        company=company,
        code=code,
        name=name,
        kind=kind,
        timezone=timezone,
        opens_at=opens_at,
        closes_at=closes_at,
        open_days=open_days,
        revisit_days=revisit_days,
    )
    venue.full_clean()
    venue.save()
    if with_default_departments:
        department_install_defaults(venue=venue)
    return venue


@transaction.atomic
def department_install_defaults(*, venue: Venue) -> None:
    """Give `venue` the standard departments the default routing names (idempotent)."""
    for dept_code, dept_name in DEFAULT_DEPARTMENTS:
        Department.objects.get_or_create(venue=venue, code=dept_code, defaults={"name": dept_name})


@transaction.atomic
def staff_create(
    *,
    company: Company,
    username: str,
    password: str | None,
    display_name: str = "",
    email: str = "",
    language: str = User.Language.ZH_HANS,
    is_staff: bool = False,
) -> User:
    """Create a staff user of `company`. `password=None` makes an account that cannot sign in."""
    if User.objects.filter(username=username).exists():
        raise InvalidInput(f"username {username!r} is taken", code="username_taken")
    user = User(
        company=company,
        username=username,
        display_name=display_name,
        email=email,
        language=language,
        is_staff=is_staff,
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    return user


def role_grant_errors(
    *, company_id: int | None, venue: Venue | None, department: Department | None
) -> dict[str, Any]:
    """What is wrong with granting a role at `venue`/`department` to a user of `company_id`
    (field → message); empty when the grant is sound. Used by `role_grant` and the admin."""
    errors: dict[str, Any] = {}
    if venue is not None and venue.company_id != company_id:
        errors["venue"] = _("This venue belongs to another company.")
    if department is not None and (venue is None or department.venue_id != venue.pk):
        errors["department"] = _("Choose a department of the chosen venue.")
    return errors


@transaction.atomic
def role_grant(
    *, user: User, role: str, venue: Venue | None = None, department: Department | None = None
) -> RoleGrant:
    """Give `user` a role at `venue` (None: every venue of their company), idempotently."""
    if role not in Role.values:
        raise InvalidInput(f"unknown role {role!r}", code="unknown_role")
    errors = role_grant_errors(company_id=user.company_id, venue=venue, department=department)
    if "venue" in errors:
        raise InvalidInput(errors["venue"], code="foreign_venue")
    if errors:
        raise InvalidInput(errors["department"], code="foreign_department")
    grant, _ = RoleGrant.objects.get_or_create(
        user=user, role=role, venue=venue, department=department
    )
    forget_scope(user)
    return grant


@transaction.atomic
def staff_set_language(*, user: User, language: str) -> User:
    """Remember the language `user` works in (zh-hans or en)."""
    if language not in User.Language.values:
        raise InvalidInput(_("Unknown language."), code="invalid_language")
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user
