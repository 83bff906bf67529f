"""Privacy writes: the access log, legal holds, retention rules, sensitive flags and consent, the
breach register. (Data-subject requests: `privacy.requests`; the purge: `privacy.purge`.)

Every write is atomic and version-checked where a person edits a row; permissions are checked
here, whatever face calls.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from amends.complaints.events import SensitiveFlags, record
from amends.complaints.models import Complaint
from amends.complaints.permissions import can_see
from amends.complaints.services.gate import lock, save
from amends.core import clock
from amends.core.errors import InvalidInput, NotFound, PermissionDenied, StaleVersion
from amends.members.models import Customer
from amends.orgs.models import User
from amends.orgs.roles import Role
from amends.orgs.selectors import scope_of
from amends.privacy import sensitive as sensitive_rules
from amends.privacy.models import (
    AccessLog,
    Breach,
    DataClass,
    LegalHold,
    PrivacySettings,
    RetentionRule,
    SensitiveConsent,
)
from amends.privacy.retention import ACCESS_LOG_MIN_MONTHS

# Who works the privacy console: requests, holds, rules, breaches.
OFFICER_ROLES = frozenset({Role.PRIVACY_OFFICER})
# Who may place or lift a legal hold.
HOLD_ROLES = frozenset({Role.PRIVACY_OFFICER, Role.DIRECTOR, Role.AUDITOR})
# Who reads the access log, the purge evidence and the breach register.
READER_ROLES = frozenset({Role.PRIVACY_OFFICER, Role.AUDITOR})
BREACH_HOURS = 72


def has_any(actor: User | None, roles: Iterable[str]) -> bool:
    """Whether `actor` holds one of `roles` anywhere in their company."""
    if actor is None or not actor.is_active or actor.company_id is None:
        return False
    return bool(scope_of(actor).all_roles & set(roles))


def company_of(actor: User) -> int:
    """The actor's company (staff without one are refused)."""
    if actor.company_id is None:
        raise PermissionDenied(_("You may not do this."), code="privacy_role_required")
    return actor.company_id


def require(actor: User, roles: Iterable[str]) -> None:
    if not has_any(actor, roles):
        raise PermissionDenied(_("You may not do this."), code="privacy_role_required")


def _check_version(row: object, expected: int | None) -> None:
    if expected is not None and getattr(row, "version", None) != expected:
        raise StaleVersion(
            _("Someone else changed this meanwhile. Reload it and try again."),
            current_version=getattr(row, "version", None),
        )


def _text(value: str, *, limit: int, field: str, required: bool = False) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise InvalidInput(_("This text holds a character that is not allowed."), code="nul")
    if len(value) > limit:
        raise InvalidInput(
            _("At most %(limit)d characters.") % {"limit": limit}, code="too_long", field=field
        )
    if required and not value:
        raise InvalidInput(_("Give a reason."), code="reason_required", field=field)
    return value


# --- the access log ----------------------------------------------------------------------------


def log_access(
    actor: User | None,
    *,
    customer: Customer | int | None = None,
    complaint: Complaint | None = None,
    what: str,
    why: str = "",
    company_id: int | None = None,
) -> AccessLog:
    """Log one unmasked view or export of personal data: who, when, what, why, and whose
    (the customer by id and blind indexes, so the auditor finds it by phone or email even after
    the customer row is erased). Written in the caller's transaction."""
    person: Customer | None = None
    if isinstance(customer, Customer):
        person = customer
    elif customer is not None:
        person = Customer.objects.filter(pk=customer).first()
    elif complaint is not None:
        person = complaint.customer
    company = (
        company_id
        or (complaint.company_id if complaint is not None else None)
        or (person.company_id if person is not None else None)
        or (actor.company_id if actor is not None else None)
    )
    if company is None:
        raise ValueError("an access-log row needs a company")
    name = ""
    if actor is not None:
        name = (getattr(actor, "display_name", "") or actor.get_username())[:150]
    return AccessLog.objects.create(
        company_id=company,
        at=clock.now(),
        actor=actor,
        actor_name=name,
        customer_id=person.pk if person is not None else None,
        phone_index=person.phone_index if person is not None else "",
        email_index=person.email_index if person is not None else "",
        complaint_id=complaint.pk if complaint is not None else None,
        reference=complaint.reference if complaint is not None else "",
        what=what[:200],
        why=why[:300],
    )


# --- legal holds -------------------------------------------------------------------------------


@transaction.atomic
def legal_hold_place(
    *,
    actor: User,
    reason: str,
    complaint: Complaint | None = None,
    customer: Customer | None = None,
) -> LegalHold:
    """Place a legal hold on one complaint or on everything about a customer: nothing it covers
    is purged or erased on request until it is lifted."""
    require(actor, HOLD_ROLES)
    reason = _text(reason, limit=2000, field="reason", required=True)
    if (complaint is None) == (customer is None):
        raise InvalidInput(_("Choose a complaint or a customer."), code="hold_scope")
    target_company = (complaint or customer).company_id  # type: ignore[union-attr]
    if target_company != actor.company_id:
        raise NotFound(_("Not found."), code="not_found")
    return LegalHold.objects.create(
        company_id=target_company,
        scope=LegalHold.Scope.COMPLAINT if complaint else LegalHold.Scope.CUSTOMER,
        complaint=complaint,
        customer=customer,
        reason=reason,
        placed_by=actor,
        placed_at=clock.now(),
    )


@transaction.atomic
def legal_hold_lift(
    *, actor: User, hold: LegalHold, reason: str, version: int | None = None
) -> LegalHold:
    require(actor, HOLD_ROLES)
    locked = LegalHold.objects.select_for_update().filter(pk=hold.pk).first()
    if locked is None or locked.company_id != actor.company_id:
        raise NotFound(_("Not found."), code="not_found")
    _check_version(locked, version)
    if locked.lifted_at is not None:
        raise InvalidInput(_("This hold is already lifted."), code="hold_lifted")
    locked.lift_reason = _text(reason, limit=2000, field="reason", required=True)
    locked.lifted_by, locked.lifted_at = actor, clock.now()
    locked.version += 1
    locked.save()
    return locked


# --- retention rules and settings ----------------------------------------------------------------


@transaction.atomic
def retention_rule_set(
    *, actor: User, data_class: str, months: int, trigger: str, version: int | None = None
) -> RetentionRule:
    """Set how long the actor's company keeps one class of data."""
    require(actor, OFFICER_ROLES)
    if data_class not in DataClass.values:
        raise InvalidInput(_("No such data class."), code="bad_data_class")
    if not 1 <= months <= 1200:
        raise InvalidInput(_("Between 1 and 1200 months."), code="bad_months")
    if data_class == DataClass.ACCESS_LOG and months < ACCESS_LOG_MIN_MONTHS:
        raise InvalidInput(
            _("The access log is kept at least %(months)d months.")
            % {"months": ACCESS_LOG_MIN_MONTHS},
            code="access_log_too_short",
        )
    rule = (
        RetentionRule.objects.select_for_update()
        .filter(company_id=company_of(actor), data_class=data_class)
        .first()
    )
    if rule is None:
        rule = RetentionRule(company_id=company_of(actor), data_class=data_class, version=0)
    else:
        _check_version(rule, version)
    rule.months, rule.trigger = months, trigger
    rule.updated_by, rule.updated_at = actor, clock.now()
    rule.version += 1
    _save_first(rule)
    return rule


def privacy_settings(company_id: int) -> PrivacySettings:
    found = PrivacySettings.objects.filter(company_id=company_id).first()
    return found or PrivacySettings(company_id=company_id)


@transaction.atomic
def privacy_settings_set(
    *, actor: User, request_days: int, gdpr_mode: bool, version: int | None = None
) -> PrivacySettings:
    require(actor, OFFICER_ROLES)
    if not 1 <= request_days <= 90:
        raise InvalidInput(_("Between 1 and 90 days."), code="bad_days")
    row = PrivacySettings.objects.select_for_update().filter(company_id=company_of(actor)).first()
    if row is None:
        row = PrivacySettings(company_id=company_of(actor), version=0)
    else:
        _check_version(row, version)
    row.request_days, row.gdpr_mode = request_days, gdpr_mode
    row.version += 1
    _save_first(row)
    return row


def _save_first(row: RetentionRule | PrivacySettings) -> None:
    """Save a settings row; when it is new and another officer wrote the first one in the same
    moment (a lock on a row that is not there yet locks nothing), the unique key refuses this
    one: `StaleVersion`, as for any other change made meanwhile."""
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise StaleVersion(
            _("Someone else changed this meanwhile. Reload it and try again."),
            current_version=None,
        ) from None


# --- sensitive data ----------------------------------------------------------------------------


@transaction.atomic
def complaint_set_sensitive(
    *,
    actor: User,
    complaint: Complaint,
    kinds: Iterable[str],
    version: int | None = None,
    reason: str = "",
) -> Complaint:
    """Set the kinds of sensitive data a complaint carries. Anyone who may see it may add a
    kind; only a role that reads sensitive text (or the privacy officer) may take one away.

    A change goes through the complaint's gate like any other: the row locked and checked
    against `version` (`StaleVersion` when someone changed the complaint meanwhile), the
    version bumped and resealed, and a `sensitive_flags` event (who, what was added or taken
    away, `reason`) on its timeline. Setting the kinds it already has changes nothing."""
    from amends.complaints.services.access import SENSITIVE_ROLES

    wanted = sorted(set(kinds))
    if any(kind not in sensitive_rules.KINDS for kind in wanted):
        raise InvalidInput(_("No such kind of sensitive data."), code="bad_sensitive_kind")
    reason = _text(reason, limit=500, field="reason")
    locked = lock(complaint, expected_version=version)
    if not can_see(locked, actor):
        raise NotFound(_("This complaint does not exist."), code="complaint_not_found")
    before = set(locked.sensitive or [])
    added, removed = sorted(set(wanted) - before), sorted(before - set(wanted))
    if removed and not scope_of(actor).has_role(locked.venue_id, *SENSITIVE_ROLES):
        raise PermissionDenied(
            _("Only a manager or the privacy officer may take a sensitive flag away."),
            code="sensitive_unflag_denied",
        )
    if not added and not removed:
        return locked
    locked.sensitive = wanted
    save(locked)
    record(locked, actor, SensitiveFlags(added=added, removed=removed, reason=reason))
    return locked


@transaction.atomic
def sensitive_consent_record(
    *,
    actor: User,
    complaint: Complaint,
    given: bool,
    method: str,
    note: str = "",
) -> SensitiveConsent:
    """Record the customer's separate consent (or refusal) to the sensitive data kept."""
    if not can_see(complaint, actor):
        raise NotFound(_("This complaint does not exist."), code="complaint_not_found")
    if method not in SensitiveConsent.Method.values:
        raise InvalidInput(_("Say how the consent was given."), code="bad_method")
    return SensitiveConsent.objects.create(
        complaint=complaint,
        kinds=list(complaint.sensitive or []),
        given=given,
        method=method,
        note=_text(note, limit=500, field="note"),
        recorded_by=actor,
        recorded_at=clock.now(),
    )


# --- breaches ----------------------------------------------------------------------------------


@transaction.atomic
def breach_record(
    *,
    actor: User,
    discovered_at: datetime,
    description: str,
    data_classes: Iterable[str],
    people_affected: int,
) -> Breach:
    """Record a breach; the regulator is to be told within 72 hours of its discovery."""
    require(actor, OFFICER_ROLES)
    classes = sorted(set(data_classes))
    if any(c not in DataClass.values for c in classes):
        raise InvalidInput(_("No such data class."), code="bad_data_class")
    if people_affected < 0 or people_affected > 10**9:
        raise InvalidInput(_("A number of people, 0 or more."), code="bad_count")
    if discovered_at > clock.now() + timedelta(minutes=5):
        raise InvalidInput(_("A breach cannot be discovered in the future."), code="future")
    return Breach.objects.create(
        company_id=company_of(actor),
        discovered_at=discovered_at,
        description=_text(description, limit=4000, field="description", required=True),
        data_classes=classes,
        people_affected=people_affected,
        notify_by=discovered_at + timedelta(hours=BREACH_HOURS),
        recorded_by=actor,
    )


@transaction.atomic
def breach_update(
    *,
    actor: User,
    breach: Breach,
    status: str,
    notified_at: datetime | None,
    version: int | None = None,
) -> Breach:
    require(actor, OFFICER_ROLES)
    locked = Breach.objects.select_for_update().filter(pk=breach.pk).first()
    if locked is None or locked.company_id != actor.company_id:
        raise NotFound(_("Not found."), code="not_found")
    _check_version(locked, version)
    if status not in Breach.Status.values:
        raise InvalidInput(_("No such status."), code="bad_status")
    if status == Breach.Status.NOTIFIED and notified_at is None:
        notified_at = clock.now()
    locked.status, locked.notified_at = status, notified_at
    locked.version += 1
    locked.save()
    return locked
