"""Writes for members: the membership record, the specialist who looks after them, contact,
visits and sessions, points and coach feedback. Reached through `amends.care.services`."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from amends.care.access import (
    FEEDBACK_ROLES,
    FIRST_CONTACT_DAYS,
    MANAGE_ROLES,
    a_date,
    a_time,
    an_int,
    label,
    require_care,
    text,
)
from amends.care.models import CareRule, CoachFeedback, PointsMovement, RevisitCampaign
from amends.core import clock, pii
from amends.core.errors import InvalidInput, NotFound, PermissionDenied, StaleVersion
from amends.members.models import Customer, Member
from amends.members.selectors import ContactCard, contact_card
from amends.members.services import (
    contact_revealed,
    customer_find_or_create,
    email_index,
    phone_index,
)
from amends.orgs.models import User, Venue
from amends.orgs.roles import UNMASK_ROLES, Role
from amends.orgs.selectors import scope_of, users_with_role

Reason = PointsMovement.Reason
EARN_REASONS = frozenset({Reason.CLASS_ATTENDED, Reason.PURCHASE, Reason.REFERRAL})
REDEEM_REASONS = frozenset({Reason.REDEEM_CLASS, Reason.REDEEM_GOODS})
MAX_POINTS_MOVE = 1_000_000
# The member fields member_save writes (never points, specialist or visits: their own services
# change those, and a form open meanwhile must not write back what it saw).
MEMBER_FIELDS = [
    "level",
    "plan",
    "starts_on",
    "expires_on",
    "status",
    "birthday",
    "sessions_left",
    "quiet_from",
    "quiet_to",
    "opt_outs",
]


def lock_member(member: Member, *, version: int | None = None) -> Member:
    """The member's row, locked (select_for_update), at `version` when one is given."""
    locked = (
        Member.objects.select_for_update(of=("self",))
        .select_related("customer", "venue")
        .filter(pk=member.pk)
        .first()
    )
    if locked is None:
        raise NotFound(_("This member does not exist."), code="member_not_found")
    if version is not None and locked.version != version:
        raise StaleVersion(
            _("Someone else changed this member meanwhile. Reload and try again."),
            current_version=locked.version,
        )
    return locked


def _member_values(data: dict[str, Any], *, today: date) -> dict[str, Any]:
    """The member's own fields from `data`, checked (InvalidInput on the first bad one)."""
    values: dict[str, Any] = {
        "level": text(data, "level", limit=40, label=label(Member, "level")),
        "plan": text(data, "plan", limit=80, label=label(Member, "plan")),
        "starts_on": a_date(
            data.get("starts_on"), field="starts_on", label=label(Member, "starts_on")
        ),
        "expires_on": a_date(
            data.get("expires_on"), field="expires_on", label=label(Member, "expires_on")
        ),
        "quiet_from": a_time(
            data.get("quiet_from"), field="quiet_from", label=label(Member, "quiet_from")
        ),
        "quiet_to": a_time(data.get("quiet_to"), field="quiet_to", label=label(Member, "quiet_to")),
        "sessions_left": an_int(
            data.get("sessions_left"),
            field="sessions_left",
            low=0,
            high=10_000,
            label=label(Member, "sessions_left"),
        ),
    }
    status = str(data.get("status") or Member.Status.ACTIVE)
    if status not in Member.Status.values:
        raise InvalidInput(_("Unknown membership status."), code="status_invalid")
    values["status"] = status
    if values["starts_on"] and values["expires_on"] and values["expires_on"] < values["starts_on"]:
        raise InvalidInput(
            _("The membership cannot end before it starts."), code="expires_before_start"
        )
    if (values["quiet_from"] is None) != (values["quiet_to"] is None):
        raise InvalidInput(
            _("Give both ends of the quiet hours, or neither."), code="quiet_hours_incomplete"
        )
    birthday = a_date(data.get("birthday"), field="birthday", label=label(Member, "birthday"))
    if birthday is not None and not date(1900, 1, 1) <= birthday <= today:
        raise InvalidInput(_("This birthday cannot be right."), code="birthday_invalid")
    values["birthday"] = birthday.isoformat() if birthday else ""
    opt_outs = data.get("opt_outs") or []
    if isinstance(opt_outs, str):
        opt_outs = [opt_outs]
    opt_outs = sorted({str(channel) for channel in opt_outs})
    if not set(opt_outs) <= set(CareRule.Channel.values):
        raise InvalidInput(_("Unknown channel to opt out of."), code="opt_out_invalid")
    values["opt_outs"] = opt_outs
    return values


def _contact(data: dict[str, Any]) -> dict[str, str]:
    language = str(data.get("language") or "zh-hans")
    if language not in ("zh-hans", "en"):
        raise InvalidInput(_("Unknown language."), code="language_invalid")
    return {
        "name": text(data, "name", limit=100, label=label(Customer, "name")),
        "phone": text(data, "phone", limit=40, label=label(Customer, "phone")),
        "email": text(data, "email", limit=254, label=label(Customer, "email")),
        "language": language,
    }


def _update_customer(customer: Customer, contact: dict[str, str]) -> None:
    """Write the contact details typed on the member's form onto their customer (a phone or
    email that another customer of the company has is refused: two people never share one)."""
    others = Customer.objects.filter(company_id=customer.company_id).exclude(pk=customer.pk)
    changed: list[str] = []
    if contact["phone"]:
        e164 = pii.normalize_phone(contact["phone"])
        if e164 != customer.phone:
            if others.filter(phone_index=phone_index(e164)).exists():
                raise InvalidInput(_("Another customer has this phone number."), code="phone_taken")
            customer.phone, customer.phone_index = e164, phone_index(e164)
            changed += ["phone", "phone_index"]
    if contact["email"]:
        mail = pii.normalize_email(contact["email"])
        if mail != customer.email:
            if others.filter(email_index=email_index(mail)).exists():
                raise InvalidInput(_("Another customer has this email."), code="email_taken")
            customer.email, customer.email_index = mail, email_index(mail)
            changed += ["email", "email_index"]
    if contact["name"] and contact["name"] != customer.name:
        customer.name = contact["name"]
        changed.append("name")
    if contact["language"] != customer.language:
        customer.language = contact["language"]
        changed.append("language")
    if changed:
        customer.save(update_fields=changed)


@transaction.atomic
def member_save(
    *,
    actor: User,
    venue: Venue,
    data: dict[str, Any],
    member: Member | None = None,
    version: int | None = None,
) -> Member:
    """Create a member (with `member=None`) or update one at `version`.

    `data`: number (required), name, phone, email, language (of the customer: found by phone,
    else email, else created — encrypted, through `customer_find_or_create`), level, plan,
    starts_on, expires_on, status, birthday (ISO date; kept encrypted), sessions_left,
    quiet_from, quiet_to (times; the quiet hours may cross midnight), opt_outs (channels).
    Moving an existing member's end date later is a renewal: every running renewal campaign of
    the venue gets a call for it (idempotent per new end date).
    """
    require_care(actor, venue)
    now = clock.now()
    today = now.astimezone(_tz(venue)).date()
    values = _member_values(data, today=today)
    contact = _contact(data)
    number = text(data, "number", limit=40, required=True, label=label(Member, "number"))
    if member is None:
        if Member.objects.filter(venue=venue, number=number).exists():
            raise InvalidInput(
                _("This membership number is already in use here."), code="member_taken"
            )
        if not (contact["name"] or contact["phone"] or contact["email"]):
            raise InvalidInput(
                _("Give the member's name, phone or email."), code="customer_required"
            )
        customer, _created = customer_find_or_create(
            company=venue.company,
            name=contact["name"],
            phone=contact["phone"],
            email=contact["email"],
            language=contact["language"],
        )
        if customer.anonymised_at is not None:
            raise InvalidInput(_("This customer's data was erased."), code="customer_erased")
        if customer.company_id != venue.company_id:
            raise InvalidInput(_("This customer belongs to another company."), code="foreign_venue")
        created = Member(venue=venue, number=number, customer=customer, **values)
        # Two people adding the same number at once: the second meets the unique constraint.
        try:
            with transaction.atomic():
                created.save(force_insert=True)
        except IntegrityError as clash:
            raise InvalidInput(
                _("This membership number is already in use here."), code="member_taken"
            ) from clash
        _joined(created, venue=venue, now=now, today=today)
        return created
    if version is None:
        raise InvalidInput(_("The version is missing."), code="version_required")
    locked = lock_member(member, version=version)
    if locked.venue_id != venue.pk:
        raise NotFound(_("This member does not exist."), code="member_not_found")
    if number != locked.number:
        if Member.objects.filter(venue=venue, number=number).exclude(pk=locked.pk).exists():
            raise InvalidInput(
                _("This membership number is already in use here."), code="member_taken"
            )
        locked.number = number
    renewed = (
        locked.expires_on is not None
        and values["expires_on"] is not None
        and values["expires_on"] > locked.expires_on
    )
    _update_customer(locked.customer, contact)
    for field, value in values.items():
        setattr(locked, field, value)
    locked.version += 1
    try:
        with transaction.atomic():
            locked.save(update_fields=[*MEMBER_FIELDS, "number", "version"])
    except IntegrityError as clash:
        raise InvalidInput(
            _("This membership number is already in use here."), code="member_taken"
        ) from clash
    if renewed and locked.expires_on is not None:
        from amends.care.services_campaigns import campaign_trigger

        campaign_trigger(
            venue=venue,
            trigger=RevisitCampaign.Trigger.RENEWAL,
            member=locked,
            at=now,
            key=f"renewal:{locked.expires_on.isoformat()}",
        )
    return locked


def _joined(member: Member, *, venue: Venue, now: datetime, today: date) -> None:
    """A member entered who started lately (within FIRST_CONTACT_DAYS, not in the future):
    the venue's running joining campaigns get a call for them now — the triggers job only
    sees members who started today or yesterday. Same key as the job ("joining:<starts_on>"),
    so the two never give the member two calls."""
    starts = member.starts_on
    if member.status != Member.Status.ACTIVE or starts is None:
        return
    if not (today - timedelta(days=FIRST_CONTACT_DAYS) <= starts <= today):
        return
    from amends.care.services_campaigns import campaign_trigger

    campaign_trigger(
        venue=venue,
        trigger=RevisitCampaign.Trigger.JOINING,
        member=member,
        at=now,
        key=f"joining:{starts.isoformat()}",
    )


def _tz(venue: Venue) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(venue.timezone)


def book_sizes(venue: Venue) -> dict[int, int]:
    """Active members per specialist of the venue (the size of each one's member book)."""
    rows = (
        Member.objects.filter(venue=venue, status=Member.Status.ACTIVE, specialist__isnull=False)
        .values("specialist_id")
        .annotate(n=Count("pk"))
    )
    return {row["specialist_id"]: row["n"] for row in rows}


def specialists_of(venue: Venue) -> list[User]:
    return list(users_with_role(venue=venue, roles=[Role.SPECIALIST]))


@transaction.atomic
def specialist_assign(
    *,
    actor: User | None = None,
    member: Member,
    specialist: User | None = None,
    now: datetime,
    version: int | None = None,
) -> Member:
    """Give the member a specialist: `specialist`, or (None) the venue's specialist with the
    smallest book of active members (ties: the longest-serving) other than the member's
    current one; by amends itself (`actor` None) a member who has an active specialist keeps
    them (the books job is idempotent). `assigned_at` is `now`; the
    first contact is due within 7 days of it (a new specialist contacts them again). `actor`:
    a manager, general manager or director of the venue; None: amends itself (the books job).
    `version`: the member's version the person saw (checked under the row lock; a stale one
    raises StaleVersion); every change of specialist bumps the member's version."""
    locked = lock_member(member, version=version)
    if actor is not None:
        require_care(actor, locked.venue_id, MANAGE_ROLES)
    current = locked.specialist
    if actor is None and specialist is None and current is not None and current.is_active:
        return locked  # already looked after (two runs of the books job at once)
    if specialist is None:
        candidates = specialists_of(locked.venue)
        if current is not None and len(candidates) > 1:
            # Asked for another specialist: the smallest book among the others.
            candidates = [user for user in candidates if user.pk != current.pk]
        if not candidates:
            raise InvalidInput(
                _("No customer-service specialist works at this venue."), code="no_specialist"
            )
        sizes = book_sizes(locked.venue)
        specialist = min(candidates, key=lambda user: (sizes.get(user.pk, 0), user.pk))
    elif not (
        specialist.is_active
        and specialist.company_id == locked.venue.company_id
        and scope_of(specialist).has_role(locked.venue_id, Role.SPECIALIST, Role.MANAGER)
    ):
        raise InvalidInput(
            _("Only a specialist or manager of this venue can look after its members."),
            code="specialist_not_allowed",
        )
    if locked.specialist_id != specialist.pk:
        locked.specialist = specialist
        locked.assigned_at = now
        locked.first_contact_at = None
        locked.first_contact_note = ""
        locked.version += 1
        locked.save(
            update_fields=[
                "specialist",
                "assigned_at",
                "first_contact_at",
                "first_contact_note",
                "version",
            ]
        )
        # Calls not made yet go to the new specialist.
        locked.campaign_calls.filter(status="due").update(assignee=specialist)
    return locked


@transaction.atomic
def record_contact(*, actor: User, member: Member, version: int, note: str = "") -> Member:
    """Record that the member was contacted (the first contact after assignment is what the
    7-day promise measures; later ones keep the first) with its `note` (kept on the member as
    `first_contact_note`; a new specialist's first contact replaces it)."""
    locked = lock_member(member, version=version)
    require_care(actor, locked.venue_id)
    note = text({"note": note}, "note", limit=500, label=label(Member, "first_contact_note"))
    if locked.first_contact_at is None:
        locked.first_contact_at = clock.now()
        locked.first_contact_note = note
    locked.version += 1
    locked.save(update_fields=["first_contact_at", "first_contact_note", "version"])
    return locked


@transaction.atomic
def record_visit(*, member: Member, on: date) -> Member:
    """The member visited on `on` (the latest visit is kept; an older one changes nothing)."""
    locked = lock_member(member)
    if locked.last_visit_on is None or on > locked.last_visit_on:
        locked.last_visit_on = on
        locked.save(update_fields=["last_visit_on"])
    return locked


@transaction.atomic
def use_session(*, member: Member) -> Member:
    """One session of the member's pack used. At one left the daily care run sends the
    "one session left" reminder (when the venue has that rule)."""
    locked = lock_member(member)
    if not locked.sessions_left:
        raise InvalidInput(_("The member has no sessions left."), code="no_sessions_left")
    locked.sessions_left -= 1
    locked.save(update_fields=["sessions_left"])
    return locked


@transaction.atomic
def points_move(
    *,
    actor: User | None,
    member: Member,
    delta: int,
    reason: str,
    note: str = "",
    version: int | None = None,
) -> PointsMovement:
    """Move the member's points by `delta` for `reason`, under the member's row lock (two
    redemptions at once are serialised, and the second sees the first's balance). Earning
    reasons take a positive delta, redemptions a negative one, an adjustment either; the
    balance never goes below zero (InvalidInput `points_insufficient`). `version`: the member's
    version the person saw, checked under the lock (a form posted twice is refused as stale);
    every move bumps the member's version."""
    locked = lock_member(member, version=version)
    if actor is not None:
        require_care(actor, locked.venue_id)
    if reason not in Reason.values:
        raise InvalidInput(_("Give a reason for the points."), code="points_reason_invalid")
    if not isinstance(delta, int) or delta == 0 or abs(delta) > MAX_POINTS_MOVE:
        raise InvalidInput(
            _("Points move by a whole number other than zero."), code="points_delta_invalid"
        )
    if reason in REDEEM_REASONS and delta > 0:
        raise InvalidInput(_("A redemption takes points away."), code="points_redeem_positive")
    if reason in EARN_REASONS and delta < 0:
        raise InvalidInput(_("Points earned are added."), code="points_earn_negative")
    note = text({"note": note}, "note", limit=200, label=label(PointsMovement, "note"))
    balance = locked.points + delta
    if balance < 0:
        raise InvalidInput(
            _("Not enough points: the member has %(points)s.") % {"points": locked.points},
            code="points_insufficient",
            balance=locked.points,
        )
    locked.points = balance
    locked.version += 1
    locked.save(update_fields=["points", "version"])
    return PointsMovement.objects.create(
        member=locked,
        at=clock.now(),
        delta=delta,
        reason=reason,
        note=note,
        balance_after=balance,
        by=actor,
    )


@transaction.atomic
def coach_feedback_record(
    *,
    actor: User,
    venue: Venue,
    coach: User,
    score: int,
    comment: str = "",
    member: Member | None = None,
) -> CoachFeedback:
    """Record a member's word on a coach (a coach/staff role at the venue) — a 1–5 score. By
    customer service or the front desk."""
    require_care(actor, venue, FEEDBACK_ROLES)
    if not (
        coach.is_active
        and coach.company_id == venue.company_id
        and scope_of(coach).has_role(venue.pk, Role.STAFF)
    ):
        raise InvalidInput(_("This person is not a coach here."), code="coach_not_here")
    value = an_int(score, field="score", low=1, high=5, label=label(CoachFeedback, "score"))
    if value is None:
        raise InvalidInput(_("Give a score from 1 to 5."), code="score_required")
    if member is not None and member.venue_id != venue.pk:
        raise InvalidInput(_("This member belongs to another venue."), code="member_elsewhere")
    comment = text(
        {"comment": comment}, "comment", limit=2000, label=label(CoachFeedback, "comment")
    )
    return CoachFeedback.objects.create(
        venue=venue,
        coach=coach,
        member=member,
        score=value,
        comment=comment,
        at=clock.now(),
        recorded_by=actor,
    )


__all__ = [
    "book_sizes",
    "coach_feedback_record",
    "lock_member",
    "member_reveal_contact",
    "member_save",
    "points_move",
    "record_contact",
    "record_visit",
    "specialist_assign",
    "use_session",
]


@transaction.atomic
def member_reveal_contact(*, actor: User, member: Member) -> ContactCard:
    """The member's name, phone and email unmasked, for a role that may see personal data at
    the member's venue (UNMASK_ROLES) and reads its care. Every reveal is recorded: the signal
    `members.services.contact_revealed` (the privacy app's access log listens)."""
    from amends.care.access import MEMBER_READ_ROLES, may_read

    found = Member.objects.select_related("customer", "venue").filter(pk=member.pk).first()
    if found is None or not may_read(actor, found.venue_id, MEMBER_READ_ROLES):
        raise NotFound(_("This member does not exist."), code="member_not_found")
    if not scope_of(actor).has_role(found.venue_id, *UNMASK_ROLES):
        raise PermissionDenied(
            _("You may not see this customer's personal data."), code="unmask_not_allowed"
        )
    contact_revealed.send(
        sender=Member,
        actor=actor,
        member=found,
        why=f"looking after member {found.venue.code}:{found.number}",
    )
    return contact_card(found.customer, unmasked=True)
