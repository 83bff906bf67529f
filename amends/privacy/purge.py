"""The daily retention purge (registered as the complaints tick's purge; run by the job
`complaints.anonymise_expired`).

1. For each company, its rules (`retention.rules_for`).
2. Finished complaints not yet anonymised whose closure (or receipt) lies before the shortest
   complaint-class period: one indexed query; each is then handled in its own transaction with
   its row locked, and re-checked there (a second runner finds nothing left to do).
3. A complaint under legal hold is skipped, and the block logged once per hold.
4. Otherwise the classes whose period has passed and that were not erased before are erased
   (`erasure.complaint_erase`) and a `PurgeRecord` is written: classes, rules, counts.
5. Kept free text is masked `MASK_AFTER_DAYS` after closure (once per closure, with its own
   record).
6. Access-log rows past their period are deleted; finished requests past the audit-log period
   lose their free text.
7. Other apps' own personal data past its rule is erased by the purgers they register
   (`registry.register_purger`: a work order's reporter name).
8. The sign-in records of django-axes (attempts, failures, the log of sign-ins: usernames, IP
   addresses, browsers) are deleted after the access log's period — the longest any company
   keeps it, as they are not any one company's rows.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from amends.complaints.models import Complaint
from amends.complaints.services.gate import lock
from amends.complaints.transitions import TERMINAL_STATES
from amends.core import clock
from amends.orgs.models import Company
from amends.privacy import erasure, registry, retention
from amends.privacy.models import (
    AccessLog,
    DataClass,
    DataSubjectRequest,
    LegalHold,
    PurgeRecord,
)

C = DataClass
MASK_AFTER_DAYS = 30
# An email that opened no complaint keeps its raw message this long (for a second look).
INBOUND_KEEP_DAYS = 90
R = PurgeRecord.Outcome


def _start_of(day: object) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))  # type: ignore[arg-type]


def active_hold(complaint: Complaint) -> LegalHold | None:
    """The legal hold in force on this complaint (on it, or on its customer), if any."""
    return (
        LegalHold.objects.filter(lifted_at__isnull=True)
        .filter(Q(complaint_id=complaint.pk) | Q(customer_id=complaint.customer_id))
        .order_by("placed_at", "pk")
        .first()
    )


def active_customer_hold(customer_id: int) -> LegalHold | None:
    """The legal hold in force on everything about this customer, if any."""
    return (
        LegalHold.objects.filter(lifted_at__isnull=True, customer_id=customer_id)
        .order_by("placed_at", "pk")
        .first()
    )


def is_held(complaint: Complaint) -> tuple[bool, LegalHold | None]:
    hold = active_hold(complaint)
    return (complaint.legal_hold or hold is not None), hold


def erased_classes(complaint_id: int) -> set[str]:
    done: set[str] = set()
    for classes in PurgeRecord.objects.filter(
        complaint_id=complaint_id, outcome__in=[R.ERASED, R.DELETED]
    ).values_list("classes", flat=True):
        done.update(classes or [])
    return done


def purge(*, now: datetime) -> dict[str, int]:
    """Run the purge at `now` (see the module): the counts."""
    counts = {"anonymised": 0, "purged": 0, "blocked": 0, "masked": 0, "access_log_deleted": 0}
    counts["inbound_blanked"] = 0
    with clock.travel(now):
        today = timezone.localdate(now)
        sign_in_months = retention.DEFAULTS[C.ACCESS_LOG].months
        for company_id in Company.objects.values_list("pk", flat=True):
            rules = retention.rules_for(company_id)
            shortest = min(rules[c.value].months for c in retention.COMPLAINT_CLASSES)
            # A loose bound (the server's day may differ from a venue's by one): each candidate
            # is checked against its venue's own day in `_purge_one`.
            cut = _start_of(retention.add_months(today, -shortest)) + timedelta(days=2)
            candidates = Complaint.objects.filter(
                company_id=company_id,
                state__in=list(TERMINAL_STATES),
                anonymised_at__isnull=True,
                closed_at__isnull=False,
            ).filter(Q(closed_at__lt=cut) | Q(received_at__lt=cut))
            for pk in candidates.order_by("pk").values_list("pk", flat=True):
                outcome = _purge_one(pk, rules, now)
                if outcome:
                    counts[outcome] += 1
            mask_cut = now - timedelta(days=MASK_AFTER_DAYS)
            # Masked once per closure: a complaint reopened and closed again is masked again.
            masked = PurgeRecord.objects.filter(
                outcome=R.MASKED, complaint_id=OuterRef("pk"), at__gte=OuterRef("closed_at")
            )
            for pk in (
                Complaint.objects.filter(
                    company_id=company_id,
                    state__in=list(TERMINAL_STATES),
                    anonymised_at__isnull=True,
                    closed_at__lt=mask_cut,
                )
                .exclude(Exists(masked))
                .order_by("pk")
                .values_list("pk", flat=True)
            ):
                counts["masked"] += _mask_one(pk, now)
            counts["access_log_deleted"] += _purge_logs(company_id, rules, today)
            sign_in_months = max(sign_in_months, rules[C.ACCESS_LOG].months)
            for name, purger in registry.purgers():
                with transaction.atomic():
                    for key, value in purger(company_id, rules, now).items():
                        counts[f"{name}.{key}"] = counts.get(f"{name}.{key}", 0) + value
        counts["inbound_blanked"] = _purge_inbound(now)
        counts["sign_in_records_deleted"] = _purge_sign_ins(today, sign_in_months)
    return counts


def _purge_sign_ins(today: object, months: int) -> int:
    """Delete django-axes' records of sign-ins and attempts (AccessAttempt, AccessFailureLog,
    AccessLog) older than `months`, the access log's period. They belong to no company (a
    username and an address), so the longest period any company keeps its access log applies
    (at least the default). An attempt still locking an account out is recent by definition
    (axes counts its cool-off from the last failure: minutes to hours), far inside any period."""
    from axes.models import AccessAttempt, AccessFailureLog
    from axes.models import AccessLog as SignInLog

    cut = _start_of(retention.add_months(today, -months))  # type: ignore[arg-type]
    deleted = 0
    for model in (AccessAttempt, AccessFailureLog, SignInLog):
        _total, by_model = model.objects.filter(attempt_time__lt=cut).delete()
        deleted += by_model.get(model._meta.label, 0)  # not the expiries deleted with them
    return deleted


def _purge_inbound(now: datetime) -> int:
    """Emails that opened no complaint (ignored, failed) lose their raw message
    `INBOUND_KEEP_DAYS` after they arrived."""
    from amends.notifications.models import InboundMessage

    done = (InboundMessage.Status.IGNORED, InboundMessage.Status.FAILED)
    return (
        InboundMessage.objects.filter(
            complaint_id__isnull=True,
            status__in=done,
            received_at__lt=now - timedelta(days=INBOUND_KEEP_DAYS),
        )
        .exclude(raw=b"")
        .update(raw=b"")
    )


@transaction.atomic
def _purge_one(pk: int, rules: dict[str, retention.Rule], now: datetime) -> str:
    complaint = lock(Complaint(pk=pk))
    if complaint.anonymised_at is not None or complaint.state not in TERMINAL_STATES:
        return ""
    done = erased_classes(pk)
    due = [
        c
        for c in retention.due_classes(complaint, rules, retention.local_today(complaint, now))
        if c not in done
    ]
    if not due:
        return ""
    held, hold = is_held(complaint)
    if held:
        _log_block(complaint, hold, due, now)
        return "blocked"
    counts = erasure.complaint_erase(complaint, classes=due, now=now, already=done)
    PurgeRecord.objects.create(
        company_id=complaint.company_id,
        at=now,
        outcome=R.ERASED,
        complaint_id=pk,
        reference=complaint.reference,
        customer_id=complaint.customer_id,
        classes=sorted(due),
        rule={c: rules[c].describe() for c in due},
        counts=counts,
    )
    return "anonymised" if complaint.anonymised_at is not None else "purged"


def _log_block(complaint: Complaint, hold: LegalHold | None, due: list[str], now: datetime) -> None:
    """Log that a hold blocked the purge: once per hold (the flag counts as one hold)."""
    logged = PurgeRecord.objects.filter(
        complaint_id=complaint.pk, outcome=R.BLOCKED, hold=hold
    ).exists()
    if logged:
        return
    PurgeRecord.objects.create(
        company_id=complaint.company_id,
        at=now,
        outcome=R.BLOCKED,
        complaint_id=complaint.pk,
        reference=complaint.reference,
        customer_id=complaint.customer_id,
        classes=sorted(due),
        hold=hold,
        note="legal hold" if hold is not None else "legal hold (complaint flag)",
    )


@transaction.atomic
def _mask_one(pk: int, now: datetime) -> int:
    complaint = lock(Complaint(pk=pk))
    if complaint.anonymised_at is not None or is_held(complaint)[0]:
        return 0
    if PurgeRecord.objects.filter(
        complaint_id=pk, outcome=R.MASKED, at__gte=complaint.closed_at
    ).exists():
        return 0
    counts = erasure.complaint_mask(complaint, now=now)
    PurgeRecord.objects.create(
        company_id=complaint.company_id,
        at=now,
        outcome=R.MASKED,
        complaint_id=pk,
        reference=complaint.reference,
        customer_id=complaint.customer_id,
        classes=[C.FREE_TEXT.value],
        rule={C.FREE_TEXT.value: f"masked {MASK_AFTER_DAYS} days after closed"},
        counts=counts,
    )
    return 1


def _purge_logs(company_id: int, rules: dict[str, retention.Rule], today: object) -> int:
    access_cut = _start_of(retention.log_cutoff(rules[C.ACCESS_LOG], today))  # type: ignore[arg-type]
    deleted, _ = AccessLog.objects.filter(company_id=company_id, at__lt=access_cut).delete()
    audit_cut = _start_of(retention.log_cutoff(rules[C.AUDIT_LOG], today))  # type: ignore[arg-type]
    texts = (
        *("details", "outcome", "contact_masked"),
        *("identity_note", "refusal_reason", "extension_notice"),
    )
    DataSubjectRequest.objects.filter(company_id=company_id, finished_at__lt=audit_cut).exclude(
        **{name: "" for name in texts}
    ).update(**{name: "" for name in texts})
    return deleted
