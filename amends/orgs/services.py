"""Writes for companies, venues, departments and staff. Used by the admin, the demo and tests."""

from __future__ import annotations

import hashlib
import secrets
from datetime import time, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from amends.core import clock
from amends.core.errors import InvalidInput, PermissionDenied
from amends.core.principals import ApiScope, Principal, PrincipalKind
from amends.orgs.models import ApiKey, Company, Department, RoleGrant, User, Venue
from amends.orgs.roles import Role
from amends.orgs.selectors import forget_scope, scope_of

# The departments every new venue starts with (codes are referenced by the default routing).
# (code, Chinese name, English name)
DEFAULT_DEPARTMENTS = (
    ("customer_service", "客服部", "Customer service"),
    ("front_office", "前台", "Front office"),
    ("maintenance", "工程维修部", "Maintenance"),
    ("courses", "课程部", "Courses"),
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
    name_en: str = "",
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
        name_en=name_en,
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
    for dept_code, name, name_en in DEFAULT_DEPARTMENTS:
        Department.objects.get_or_create(
            venue=venue, code=dept_code, defaults={"name": name, "name_en": name_en}
        )


@transaction.atomic
def staff_create(
    *,
    company: Company,
    username: str,
    password: str | None,
    display_name: str = "",
    display_name_en: str = "",
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
        display_name_en=display_name_en,
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


# --- API keys -------------------------------------------------------------------------------

API_KEY_PREFIX = "amk_"


def _key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_key_create(
    *,
    actor: User | None,
    company: Company,
    name: str,
    scopes: list[str],
    venue: Venue | None = None,
) -> tuple[ApiKey, str]:
    """Make an API key for `company` (or one `venue` of it) with `scopes`. Returns the key row
    and the key itself, which is shown this once and never stored (only its SHA-256 is).

    `actor` must be an administrator or a company-wide director of the company; None is the
    operator at the command line (`amends apikey`)."""
    if actor is not None:
        scope = scope_of(actor)
        if scope.company_id != company.pk or not (
            actor.is_superuser or scope.company_roles & {Role.ADMIN, Role.DIRECTOR}
        ):
            raise PermissionDenied(_("You may not make API keys."), code="api_key_not_allowed")
    name = name.strip()
    unknown = sorted(set(scopes) - set(ApiScope.values))
    if not name:
        raise InvalidInput(_("Name the key after what uses it."), code="api_key_name_required")
    if not scopes or unknown:
        raise InvalidInput(
            _("Choose scopes among: %(scopes)s.") % {"scopes": ", ".join(ApiScope.values)},
            code="invalid_scope",
            unknown=unknown,
        )
    if venue is not None and venue.company_id != company.pk:
        raise InvalidInput(_("This venue belongs to another company."), code="foreign_venue")
    if ApiKey.objects.filter(company=company, name=name).exists():
        raise InvalidInput(_("A key with this name exists."), code="api_key_name_taken")
    raw = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        company=company,
        venue=venue,
        name=name,
        prefix=raw[:12],
        key_hash=_key_hash(raw),
        scopes=sorted(set(scopes)),
    )
    return key, raw


@transaction.atomic
def api_key_revoke(*, key: ApiKey) -> ApiKey:
    """Revoke a key at once; requests with it are refused from now on."""
    if key.revoked_at is None:
        key.revoked_at = clock.now()
        key.save(update_fields=["revoked_at"])
    return key


def api_key_authenticate(*, raw: str) -> Principal:
    """The principal of an API key presented by an integration; PermissionDenied for an
    unknown or revoked key. Records when the key was last used (at most once a minute)."""
    key = (
        ApiKey.objects.filter(key_hash=_key_hash(raw.strip()), revoked_at__isnull=True).first()
        if raw.strip().startswith(API_KEY_PREFIX)
        else None
    )
    if key is None:
        raise PermissionDenied(_("This API key is not valid."), code="api_key_invalid")
    now = clock.now()
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return Principal(
        kind=PrincipalKind.API_KEY,
        ref=key.pk,
        company_id=key.company_id,
        name=key.name,
        venue_id=key.venue_id,
        scopes=frozenset(key.scopes),
    )
