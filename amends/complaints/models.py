from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from amends.complaints.transitions import OPEN_STATES, State
from amends.core.choices import QuickDisplay
from amends.core.principals import PrincipalKind
from amends.members.models import Customer, Member
from amends.orgs.models import Company, Department, Venue
from amends.workflow.models import Category
from amends.workflow.taxonomy import Channel, Psychology, Severity, Validity

USER = settings.AUTH_USER_MODEL


class ReferenceCounter(models.Model):
    """The last sequence number used for a venue's complaints on one local day."""

    venue = models.ForeignKey(Venue, models.CASCADE)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["venue", "day"], name="reference_counter_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.venue_id}:{self.day}:{self.last}"


class Complaint(QuickDisplay, models.Model):
    """One matter raised by a customer, from intake to archive.

    The state only changes through `complaint_transition()`; every other change goes through a
    service that writes a timeline event. Deadlines are stored (and indexed) so the tick finds due
    work with one query; they come from the venue's time-limit policy and business calendar.
    `version` rises with every change, so a form or API write based on an old read is refused.
    """

    class Responsibility(models.TextChoices):
        UNDECIDED = "", _("Undecided")
        DEPARTMENT = "department", _("Department")
        STAFF = "staff", _("Staff member")
        THIRD_PARTY = "third_party", _("Third party")
        CUSTOMER = "customer", _("Customer")

    class Cause(models.TextChoices):
        UNDECIDED = "", _("Undecided")
        SUBJECTIVE = "subjective", _("Subjective (attitude, negligence)")
        OBJECTIVE = "objective", _("Objective (equipment, pricing, outside parties)")

    company = models.ForeignKey(
        Company, models.PROTECT, related_name="complaints", verbose_name=_("company")
    )
    venue = models.ForeignKey(
        Venue, models.PROTECT, related_name="complaints", verbose_name=_("venue")
    )
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.RECEIVED, db_index=True
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    # Intake: who, how, when.
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    # Empty when no staff member received it (web form, email, API): the duty owner then holds
    # first-contact ownership.
    received_by = models.ForeignKey(
        USER,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="received_complaints",
        verbose_name=_("received by"),
    )
    received_at = models.DateTimeField(_("received at"))
    # The integration that recorded it through the API: its feedback goes back by webhook.
    api_key = models.ForeignKey(
        "orgs.ApiKey",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("recorded by API key"),
    )
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    customer = models.ForeignKey(
        Customer, models.PROTECT, related_name="complaints", verbose_name=_("customer")
    )
    member = models.ForeignKey(
        Member, models.SET_NULL, null=True, blank=True, verbose_name=_("member")
    )
    booking_reference = models.CharField(
        _("member / room / booking reference"), max_length=60, blank=True
    )

    # The five elements, and what the customer asks for.
    occurred_at = models.DateTimeField(_("when it happened"), null=True, blank=True)
    location = models.CharField(_("where it happened"), max_length=200, blank=True)
    people_involved = models.CharField(_("people involved"), max_length=300, blank=True)
    description = models.TextField(_("what happened"))
    consequence = models.TextField(_("consequence"), blank=True)
    customer_request = models.TextField(_("what the customer asks for"), blank=True)
    subject_staff = models.ForeignKey(
        USER,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints_about",
        verbose_name=_("staff complained about"),
    )
    subject_department = models.ForeignKey(
        Department,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints_about",
        verbose_name=_("department complained about"),
    )
    subject_text = models.CharField(_("complained about (as told)"), max_length=200, blank=True)

    # Classification and routing.
    category = models.ForeignKey(
        Category, models.PROTECT, null=True, blank=True, verbose_name=_("category")
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    psychology = models.CharField(
        _("complainant psychology"), max_length=30, choices=Psychology.choices, blank=True
    )
    department = models.ForeignKey(
        Department,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("department"),
    )
    route_role = models.CharField(_("handled by role"), max_length=30, blank=True)
    # What triage suggested at intake (`amends.triage`): codes, confidences, the words behind
    # them and the kinds of personal data found in the text — never the data itself. The two
    # codes are columns too, so that reports count agreement in SQL.
    triage = models.JSONField(_("triage suggestion"), default=dict, blank=True)
    suggested_category = models.CharField(_("suggested category"), max_length=40, blank=True)
    suggested_severity = models.CharField(_("suggested severity"), max_length=10, blank=True)

    # Ownership: the receiver owns it until the assignee accepts (first-contact ownership).
    owner = models.ForeignKey(
        USER, models.PROTECT, related_name="owned_complaints", verbose_name=_("owner")
    )
    assignee = models.ForeignKey(
        USER,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_complaints",
        verbose_name=_("assignee"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    handlers = models.ManyToManyField(  # type: ignore[var-annotated]
        USER, related_name="handled_complaints", blank=True, verbose_name=_("handlers")
    )

    # Investigation.
    investigation_report = models.TextField(_("investigation report"), blank=True)
    validity = models.CharField(
        _("validity"), max_length=10, choices=Validity.choices, default=Validity.UNDECIDED
    )
    responsibility = models.CharField(
        _("responsibility"), max_length=20, choices=Responsibility.choices, blank=True
    )
    responsible_department = models.ForeignKey(
        Department,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible department"),
    )
    responsible_staff = models.ForeignKey(
        USER,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible staff"),
    )
    responsible_party = models.CharField(_("responsible third party"), max_length=200, blank=True)
    cause = models.CharField(_("cause"), max_length=20, choices=Cause.choices, blank=True)
    approval_role = models.CharField(_("awaiting approval by"), max_length=30, blank=True)

    # Clocks (UTC). The active deadline is the response one until the first response, then the
    # stage deadline (working-days mode) or the resolution one.
    clock_mode = models.CharField(_("counting"), max_length=20, blank=True)
    respond_due = models.DateTimeField(
        _("first response due"), null=True, blank=True, db_index=True
    )
    resolve_due = models.DateTimeField(_("resolution due"), null=True, blank=True, db_index=True)
    stage = models.CharField(_("stage"), max_length=20, blank=True)
    stage_due = models.DateTimeField(_("stage due"), null=True, blank=True)
    responded_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    paused_at = models.DateTimeField(_("waiting on customer since"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("seconds waiting on customer"), default=0)
    remind_at = models.DateTimeField(_("reminder at"), null=True, blank=True, db_index=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    # The deadline now running, stored so that "overdue" and "due soon" read an index in order:
    # `running_due()` while the complaint is open and its clock runs, else null. Kept by
    # `integrity.seal` on every save (see docs/architecture.md, "Scale").
    due_at = models.DateTimeField(_("deadline now running"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        USER,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="escalated_complaints",
        verbose_name=_("escalated to"),
    )
    next_escalation_at = models.DateTimeField(
        _("next escalation at"), null=True, blank=True, db_index=True
    )
    extension_count = models.PositiveSmallIntegerField(_("extensions"), default=0)
    # What the customer was told (at acknowledgement; with each extension they are told of):
    # kept apart from the deadlines, which a reclassification may move.
    promised_respond_by = models.DateTimeField(_("reply promised by"), null=True, blank=True)
    promised_resolve_by = models.DateTimeField(_("outcome promised by"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    # Merge, related complaints, archive.
    merged_into = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_complaints",
        verbose_name=_("merged into"),
    )
    follows = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("raised from the revisit of"),
    )
    # Repeats (SPEC §2): the latest earlier complaint of the same customer about the same
    # category at this venue within its repeat window, and how many earlier ones there were.
    repeat_of = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="repeats",
        verbose_name=_("repeat of"),
    )
    repeat_count = models.PositiveSmallIntegerField(_("earlier complaints (repeat)"), default=0)
    # A possible duplicate awaiting someone's decision (merge, or "not a duplicate").
    possible_duplicate_of = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("possible duplicate of"),
    )
    # Sensitive personal data the complaint carries (`privacy.sensitive.KINDS`: injury, health,
    # id_number, minor): set at intake from triage and by staff; its free text is then shown only
    # to the roles of `complaints.services.access.SENSITIVE_ROLES`.
    sensitive = models.JSONField(_("sensitive data"), default=list, blank=True)
    retention_until = models.DateField(_("keep until"), null=True, blank=True, db_index=True)
    legal_hold = models.BooleanField(_("legal hold"), default=False)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    # The authenticated head of the timeline (see `complaints/integrity.py`): the last event's
    # seq and hash, and a keyed seal over the protected fields and the head. Written only by
    # `integrity.seal` (before every save) and `integrity.head_advance` (after every event).
    head_seq = models.PositiveIntegerField(default=0, editable=False)
    head_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    seal = models.CharField(max_length=64, blank=True, default="", editable=False)
    # The search tokens of the reference and the free text (CJK bigrams, words, numbers; see
    # `complaints/search.py`), indexed by FTS5 on SQLite and GIN on PostgreSQL.
    search_tokens = models.TextField(blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-pk"]
        # A month of one venue (reports, dashboard) or of the company (lists, newest first) is
        # read through its own index, never through every venue's complaints of that month.
        # With the id last, the index is the lists' whole order (newest first, then the higher
        # id): a page is read off its end and the read stops at the page's last row — without
        # it, every row of the span was read and sorted (200 ms for a common phrase at 1 M).
        indexes = [
            models.Index(fields=["venue", "received_at", "id"], name="complaint_venue_received_id"),
            models.Index(
                fields=["company", "received_at", "id"], name="complaint_company_received_id"
            ),
            models.Index(fields=["venue", "state", "received_at"], name="complaint_venue_state"),
            models.Index(fields=["assignee", "state"], name="complaint_assignee_state"),
            # The queues "overdue" and "due soon" of a venue, in deadline order.
            models.Index(
                fields=["venue", "due_at"],
                name="complaint_venue_due",
                condition=models.Q(due_at__isnull=False),
            ),
            # The same for a company-wide view (no venue chosen).
            models.Index(
                fields=["company", "due_at"],
                name="complaint_company_due",
                condition=models.Q(due_at__isnull=False),
            ),
            # The tick's claims, chunk after chunk in due-time order (`tick._claim`).
            models.Index(
                fields=["remind_at", "id"],
                name="complaint_remind_claim",
                condition=models.Q(remind_at__isnull=False),
            ),
            models.Index(
                fields=["next_escalation_at", "id"],
                name="complaint_escalate_claim",
                condition=models.Q(next_escalation_at__isnull=False),
            ),
            # Intake's load balancing (`routing._by_load`): each candidate's open complaints
            # counted, and their latest assignment, from the index alone. Through (assignee,
            # state) every open row was read from the table for its assignment time: 14,000
            # pages and 14 ms an intake at a million complaints; now under 1,000 and 1 ms.
            models.Index(
                fields=["assignee", "assigned_at"],
                name="complaint_assignee_open",
                condition=models.Q(state__in=sorted(s.value for s in OPEN_STATES)),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def running_due(self) -> datetime | None:
        """The deadline now running: the response one until the first response, then the stage
        one (working-days mode) or the resolution one; none once resolved, closed or while the
        clock waits on the customer. Stored as `due_at` (`integrity.seal`)."""

        if self.state not in OPEN_STATES or self.paused_at is not None:
            return None
        if self.responded_at is None:
            return self.respond_due
        if self.stage_due is not None:
            return self.stage_due
        if self.resolved_at is None:
            return self.resolve_due
        return None

    @property
    def is_open(self) -> bool:

        return self.state in OPEN_STATES


class ComplaintEvent(models.Model):
    """One entry of a complaint's append-only timeline (处理记录).

    Rows are only ever inserted, in order (`seq`), while the complaint row is locked. Each row's
    `hash` is an HMAC over its content and the previous row's hash, so editing or deleting a row
    in the database breaks the chain and `amends verify-timeline` names the complaint.
    """

    complaint = models.ForeignKey(
        Complaint, models.PROTECT, related_name="events", verbose_name=_("complaint")
    )
    seq = models.PositiveIntegerField(_("sequence"))
    kind = models.CharField(_("kind"), max_length=40)
    # Who acted: the principal's kind, its id (user, customer or API key) and its name then.
    # `actor` is the staff member when the kind is staff.
    actor = models.ForeignKey(
        USER, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("actor")
    )
    actor_kind = models.CharField(
        _("acted as"), max_length=10, choices=PrincipalKind.choices, default=PrincipalKind.SYSTEM
    )
    actor_ref = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_name = models.CharField(_("actor name"), max_length=100, blank=True)
    at = models.DateTimeField(_("at"))
    data = models.JSONField(_("data"), default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline")
        ordering = ["complaint", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "seq"], name="event_seq_per_complaint")
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id}#{self.seq} {self.kind}"


class TimelineCheckpoint(models.Model):
    """One entry of the append-only, HMAC-chained log of timeline heads (`integrity.py`).

    Written periodically by `integrity.checkpoint_write`, never changed: it holds the heads of the
    complaints whose timeline moved since the previous checkpoint (`TimelineCheckpointEntry`), so
    a complaint rolled back to an older state, or deleted, after a checkpoint is caught.
    `hash` = HMAC(checkpoint key, prev_hash + every entry + seq, at, count).
    """

    seq = models.PositiveIntegerField(unique=True)
    at = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "timeline checkpoint"
        verbose_name_plural = "timeline checkpoints"
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.at:%Y-%m-%d %H:%M} ({self.count})"


class TimelineCheckpointEntry(models.Model):
    """A complaint's timeline head as it stood at a checkpoint. `complaint_id` is a plain number,
    not a foreign key, so the entry outlives a complaint row deleted behind the services' back."""

    checkpoint = models.ForeignKey(TimelineCheckpoint, models.PROTECT, related_name="entries")
    complaint_id = models.BigIntegerField()
    reference = models.CharField(max_length=40)
    head_seq = models.PositiveIntegerField()
    head_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "timeline checkpoint entry"
        verbose_name_plural = "timeline checkpoint entries"
        ordering = ["checkpoint", "complaint_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["checkpoint", "complaint_id"], name="checkpoint_entry_per_complaint"
            )
        ]
        indexes = [
            models.Index(fields=["complaint_id", "-checkpoint"], name="checkpoint_entry_latest")
        ]

    def __str__(self) -> str:
        return f"{self.reference}@{self.head_seq}"


def evidence_path(instance: Evidence, filename: str) -> str:
    complaint = instance.complaint
    folder = f"evidence/{complaint.venue.code}/{complaint.reference}"
    return f"{folder}/{instance.token}{instance.extension}"


class Evidence(models.Model):
    """A file attached to a complaint: photo, recording, document. Its type is decided from its
    content, never from the name the client sent; it is stored under a random name."""

    complaint = models.ForeignKey(
        Complaint, models.PROTECT, related_name="evidence", verbose_name=_("complaint")
    )
    token = models.CharField(max_length=32, unique=True, editable=False)
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    extension = models.CharField(max_length=10)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("description"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(  # empty when the customer or an integration uploaded it
        USER, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class Interview(models.Model):
    """A record of talking to staff, the customer or a witness during the investigation."""

    class Role(models.TextChoices):
        STAFF = "staff", _("Staff")
        CUSTOMER = "customer", _("Customer")
        WITNESS = "witness", _("Witness / other customer")
        THIRD_PARTY = "third_party", _("Third party")

    complaint = models.ForeignKey(
        Complaint, models.PROTECT, related_name="interviews", verbose_name=_("complaint")
    )
    interviewee = models.CharField(_("interviewee"), max_length=200)
    interviewee_role = models.CharField(_("interviewee is"), max_length=20, choices=Role.choices)
    staff = models.ForeignKey(
        USER, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("staff")
    )
    summary = models.TextField(_("summary"))
    held_at = models.DateTimeField(_("held at"))
    recorded_by = models.ForeignKey(
        USER, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    class Meta:
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")
        ordering = ["held_at", "pk"]

    def __str__(self) -> str:
        return self.interviewee


class RemedyProposal(models.Model):
    """One proposed remedy. Within the proposer's authority it is approved on submission; above
    it, it waits for the lowest role whose limit covers the amount."""

    class Kind(models.TextChoices):
        APOLOGY = "apology", _("Apology")
        REFUND = "refund", _("Refund")
        CLASS_ADJUSTMENT = "class_adjustment", _("Class or course adjustment")
        MEMBERSHIP_EXTENSION = "membership_extension", _("Membership extension")
        VOUCHER = "voucher", _("Voucher or compensation")
        MEDICAL_COSTS = "medical_costs", _("Medical costs paid")
        PROPERTY_COSTS = "property_costs", _("Damaged or lost property paid for")
        REPAIR = "repair", _("Repair or replacement")
        ROOM_CHANGE = "room_change", _("Room change or upgrade")
        LATE_CHECKOUT = "late_checkout", _("Late checkout")
        FREE_SERVICE = "free_service", _("Free service")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXECUTED = "executed", _("Carried out")

    complaint = models.ForeignKey(
        Complaint, models.PROTECT, related_name="remedies", verbose_name=_("complaint")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    description = models.TextField(_("description"))
    amount = models.DecimalField(
        _("cost (CNY)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    proposed_by = models.ForeignKey(
        USER, models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    approval_role = models.CharField(_("needs approval by"), max_length=30, blank=True)
    decided_by = models.ForeignKey(
        USER, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("comment"), blank=True)
    executed_at = models.DateTimeField(_("carried out at"), null=True, blank=True)

    class Meta:
        verbose_name = _("remedy proposal")
        verbose_name_plural = _("remedy proposals")
        ordering = ["proposed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="remedy_amount_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ¥{self.amount}"


class CustomerConsent(models.Model):
    """How and when the customer accepted or refused the approved remedy (客户确认)."""

    class Method(models.TextChoices):
        SIGNATURE = "signature", _("Signature")
        VERBAL = "verbal", _("Verbal, in person")
        PHONE = "phone", _("By phone (recorded)")
        WRITTEN = "written", _("In writing / email")
        ONLINE = "online", _("Online")

    complaint = models.ForeignKey(
        Complaint, models.PROTECT, related_name="consents", verbose_name=_("complaint")
    )
    accepted = models.BooleanField(_("accepted"))
    method = models.CharField(_("given by"), max_length=20, choices=Method.choices)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(  # empty when the customer answered themselves
        USER, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("customer acceptance")
        verbose_name_plural = _("customer acceptances")
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.get_method_display()} {'✓' if self.accepted else '✗'}"


class Consequence(models.Model):
    """A consequence for a staff member found responsible: training, a warning …"""

    class Kind(models.TextChoices):
        TRAINING = "training", _("Training")
        WARNING = "warning", _("Warning")
        COACHING = "coaching", _("Coaching talk")
        OTHER = "other", _("Other")

    complaint = models.ForeignKey(
        Complaint, models.PROTECT, related_name="consequences", verbose_name=_("complaint")
    )
    staff = models.ForeignKey(
        USER, models.PROTECT, related_name="consequences", verbose_name=_("staff")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        USER, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("staff consequence")
        verbose_name_plural = _("staff consequences")

    def __str__(self) -> str:
        return f"{self.staff_id}: {self.get_kind_display()}"


class Revisit(models.Model):
    """The follow-up call or visit after feedback (回访), by someone who neither handled the
    complaint nor is its subject."""

    class Method(models.TextChoices):
        PHONE = "phone", _("Phone")
        VISIT = "visit", _("Visit")
        ONLINE = "online", _("Online")

    complaint = models.ForeignKey(
        Complaint, models.PROTECT, related_name="revisits", verbose_name=_("complaint")
    )
    assignee = models.ForeignKey(
        USER,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="revisits",
        verbose_name=_("assignee"),
    )
    due_at = models.DateTimeField(_("due"), db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices, blank=True)
    reached = models.BooleanField(_("customer reached"), null=True)
    satisfied = models.BooleanField(_("customer satisfied"), null=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("revisit")
        verbose_name_plural = _("revisits")
        ordering = ["due_at", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint} @ {self.due_at:%Y-%m-%d}"


class Survey(models.Model):
    """The satisfaction survey that awaits the customer's answer after closure."""

    complaint = models.OneToOneField(
        Complaint, models.PROTECT, related_name="survey", verbose_name=_("complaint")
    )
    token = models.CharField(max_length=43, unique=True, editable=False)
    invited_at = models.DateTimeField(_("invited at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    nps = models.PositiveSmallIntegerField(
        _("likely to recommend (0–10)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True)
                | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="survey_satisfaction_range",
            ),
            models.CheckConstraint(
                condition=models.Q(nps__isnull=True) | models.Q(nps__lte=10),
                name="survey_nps_range",
            ),
        ]

    def __str__(self) -> str:
        nps = "-" if self.nps is None else self.nps
        return f"{self.complaint_id}: {self.satisfaction or '-'} / {nps}"


# Models of their own topic, in their own module (imported here so that Django finds them).
from amends.complaints.models_triage import TriageOverride as TriageOverride  # noqa: E402


class IntakeSubmission(models.Model):
    """A form sent to record a complaint, by its one-time key: the same form sent again (the
    answer was lost, the desk pressed again) finds the complaint the first one recorded instead
    of recording a second. The key is the form's own (a random token made when it was shown)
    with who sent it: `<principal kind>:<id>:<token>`."""

    key = models.CharField(max_length=120, unique=True)
    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="submissions", editable=False
    )
    created_at = models.DateTimeField(editable=False)

    def __str__(self) -> str:
        return self.key
