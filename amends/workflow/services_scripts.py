"""Writes of a company's reply scripts (话术, SPEC §6): its own wording for a category and a
complainant psychology in one language, and back to triage's default.

Who: a script is said at every venue of the company, so it is changed by people who answer for
the whole company — a customer-service manager, general manager or director whose role is held
company-wide, or an administrator (`SCRIPT_EDITOR_ROLES` in `Scope.company_roles`). Those roles
held at one venue may read the scripts (they use them) but not change them.

Versions: a company row carries `version`; no row (the default shows) is version 0. Every write
names the version it was based on and is refused (`StaleVersion`) when the row moved on — also
when someone else created or reset it meanwhile."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from amends.core.errors import InvalidInput, PermissionDenied, StaleVersion
from amends.orgs.models import User
from amends.orgs.roles import Role
from amends.orgs.selectors import scope_of
from amends.workflow.models import Category, ReplyScript
from amends.workflow.selectors_scripts import LANGUAGES
from amends.workflow.taxonomy import Psychology

SCRIPT_EDITOR_ROLES = frozenset({Role.MANAGER, Role.GENERAL_MANAGER, Role.DIRECTOR, Role.ADMIN})
MAX_SCRIPT_LENGTH = 2000


def may_read_scripts(actor: User) -> bool:
    """Whether `actor` may open the company's reply scripts (an editor role anywhere)."""
    scope = scope_of(actor)
    return (
        actor.is_active
        and scope.company_id is not None
        and bool(scope.all_roles & SCRIPT_EDITOR_ROLES)
    )


def may_edit_scripts(actor: User) -> bool:
    """Whether `actor` may change the company's reply scripts (an editor role company-wide)."""
    scope = scope_of(actor)
    return (
        actor.is_active
        and scope.company_id is not None
        and bool(scope.company_roles & SCRIPT_EDITOR_ROLES)
    )


def _check(actor: User, category_code: str, psychology: str, language: str) -> int:
    """Refuse who may not edit and a row that cannot exist; the company's id."""
    if not may_edit_scripts(actor):
        raise PermissionDenied(
            _("Reply scripts are changed by managers and directors who work company-wide."),
            code="scripts_not_allowed",
        )
    company_id = scope_of(actor).company_id
    assert company_id is not None  # may_edit_scripts
    if language not in LANGUAGES:
        raise InvalidInput(_("Unknown language."), code="invalid_language")
    if psychology and psychology not in Psychology.values:
        raise InvalidInput(_("Unknown value."), code="invalid_psychology")
    if (
        category_code
        and not Category.objects.filter(company_id=company_id, code=category_code).exists()
    ):
        raise InvalidInput(_("This category is not in use here."), code="invalid_category")
    return company_id


def _locked(
    company_id: int, category_code: str, psychology: str, language: str
) -> ReplyScript | None:
    return (
        ReplyScript.objects.select_for_update()
        .filter(
            company_id=company_id,
            category_code=category_code,
            psychology=psychology,
            language=language,
        )
        .first()
    )


def _stale(current: int) -> StaleVersion:
    return StaleVersion(
        _("Someone else changed this script meanwhile. Read it again and make your change."),
        current_version=current,
    )


@transaction.atomic
def reply_script_save(
    *,
    actor: User,
    category_code: str,
    psychology: str,
    language: str,
    text: str,
    expected_version: int,
) -> ReplyScript:
    """Set the company's wording for (category, psychology, language); blank: any. Creates the
    row when the default showed (`expected_version` 0), else bumps its version."""
    company_id = _check(actor, category_code, psychology, language)
    text = text.strip()
    if not text:
        raise InvalidInput(_("Write the script."), code="script_required")
    if len(text) > MAX_SCRIPT_LENGTH:
        raise InvalidInput(
            _("A script is at most %(n)s characters.") % {"n": MAX_SCRIPT_LENGTH},
            code="script_too_long",
        )
    row = _locked(company_id, category_code, psychology, language)
    current = row.version if row else 0
    if expected_version != current:
        raise _stale(current)
    if row is None:
        try:
            with transaction.atomic():  # someone may create the same row at the same moment
                return ReplyScript.objects.create(
                    company_id=company_id,
                    category_code=category_code,
                    psychology=psychology,
                    language=language,
                    text=text,
                    version=1,
                    updated_by=actor,
                )
        except IntegrityError:
            raise _stale(0) from None
    if row.text != text:
        row.text = text
        row.version += 1
        row.updated_by = actor
        row.save(update_fields=["text", "version", "updated_by", "updated_at"])
    return row


@transaction.atomic
def reply_script_reset(
    *, actor: User, category_code: str, psychology: str, language: str, expected_version: int
) -> None:
    """Back to triage's default: the company's row is deleted (nothing to do without one)."""
    company_id = _check(actor, category_code, psychology, language)
    row = _locked(company_id, category_code, psychology, language)
    current = row.version if row else 0
    if expected_version != current:
        raise _stale(current)
    if row is not None:
        row.delete()
