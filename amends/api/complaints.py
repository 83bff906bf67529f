"""Complaints: record one (idempotently), list them (cursor pages), read one, its timeline, its
conversation and evidence, and every catalogued action on it."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, TypeAlias
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Header, Query, Router, Schema, Status, UploadedFile
from pydantic import BaseModel, Field

from amends.api import actions
from amends.api.auth import company_of, principal_of
from amends.api.errors import ApiError, ErrorOut
from amends.api.idempotency import idempotent, request_hash
from amends.api.schemas import (
    WITHHELD,
    ActionResult,
    ComplaintOut,
    ComplaintPage,
    EvidenceCreated,
    EvidenceOut,
    LineOut,
    LocalMoment,
    MessageOut,
    Moment,
    Strict,
    Text,
    complaint_out,
    evidence_out,
    line_out,
    reads_sensitive,
    summary_of,
)
from amends.api.selectors import complaint_for_key, complaints_for_key, with_updated_at
from amends.complaints import services
from amends.complaints.catalogue import ActionSpec, perform
from amends.complaints.events import CONVERSATION
from amends.complaints.models import Complaint, ComplaintEvent, Evidence
from amends.complaints.narrative import Audience, tell
from amends.complaints.selectors_privacy import masked_lines, masked_text
from amends.complaints.transitions import State
from amends.core import uploads
from amends.core.errors import InvalidInput
from amends.core.principals import ApiScope, Principal
from amends.orgs.models import Venue
from amends.workflow.models import Category
from amends.workflow.taxonomy import Channel, Psychology, Severity

router = Router(tags=["complaints"])

ERRORS = frozenset({400, 401, 403, 404, 409, 422, 429})

if TYPE_CHECKING:
    ChannelCode: TypeAlias = str
    SeverityCode: TypeAlias = str
    SeverityOrBlank: TypeAlias = str
    PsychologyOrBlank: TypeAlias = str
    StateCode: TypeAlias = str
else:  # the codes of the taxonomy, as enums in OpenAPI
    ChannelCode = Literal[tuple(Channel.values)]
    SeverityCode = Literal[tuple(Severity.values)]
    SeverityOrBlank = Literal[(*Severity.values, "")]
    PsychologyOrBlank = Literal[(*Psychology.values, "")]
    StateCode = Literal[tuple(State.values)]


def _limit(field: str) -> int:
    return int(Complaint._meta.get_field(field).max_length or 200)  # type: ignore[union-attr]


# --- record a complaint ---------------------------------------------------------------------


class ComplaintIn(Strict):
    """SPEC §1: what happened, and a way to know the customer (name, phone or email)."""

    venue: Text = Field(max_length=12, description="Venue code (GET /venues).")
    channel: ChannelCode = Field("app", description="How it came in.")
    description: Text = Field(min_length=1, max_length=10_000, description="What happened.")
    customer_name: Text = Field("", max_length=100)
    phone: Text = Field("", max_length=40)
    email: Text = Field("", max_length=254)
    language: Literal["zh-hans", "en"] = Field("zh-hans", description="The customer's language.")
    member_number: Text = Field("", max_length=40)
    booking_reference: Text = Field("", max_length=_limit("booking_reference"))
    occurred_at: LocalMoment | None = Field(
        None, description="When it happened; without an offset, wall time at the venue."
    )
    location: Text = Field("", max_length=_limit("location"))
    people_involved: Text = Field("", max_length=_limit("people_involved"))
    consequence: Text = Field("", max_length=10_000)
    customer_request: Text = Field("", max_length=10_000)
    subject_text: Text = Field("", max_length=_limit("subject_text"))
    category: Text | None = Field(None, max_length=40, description="Category code (GET /taxonomy).")
    severity: SeverityOrBlank = ""
    psychology: PsychologyOrBlank = ""


def _venue_for_intake(principal: Principal, code: str) -> Venue:
    venue = Venue.objects.filter(company_id=company_of(principal), code=code).first()
    if venue is None or principal.venue_id not in (None, venue.pk):
        message = _("This venue does not exist.")
        raise InvalidInput(message, code="unknown_venue", fields={"venue": [message]})
    return venue


def _category(principal: Principal, code: str | None) -> Category | None:
    if not code:
        return None
    category = Category.objects.filter(
        company_id=company_of(principal), code=code, is_active=True
    ).first()
    if category is None:
        message = _("This category is not in use here.")
        raise InvalidInput(message, code="unknown_category", fields={"category": [message]})
    return category


def _intake(principal: Principal, payload: ComplaintIn, venue: Venue) -> services.Intake:
    occurred = payload.occurred_at
    if occurred is not None and occurred.tzinfo is None:
        occurred = occurred.replace(tzinfo=ZoneInfo(venue.timezone))
    fields = payload.model_dump(exclude={"venue", "category", "occurred_at"})
    return services.Intake(
        **fields, occurred_at=occurred, category=_category(principal, payload.category)
    )


@router.post(
    "/complaints",
    response={201: ComplaintOut, ERRORS: ErrorOut},
    operation_id="complaint_create",
    summary="Record a complaint",
)
def complaint_create(
    request: HttpRequest,
    payload: ComplaintIn,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        max_length=200,
        description="Send the same request again with the same key: one complaint, same answer.",
    ),
) -> Status[dict[str, Any]]:
    """Needs complaints:write (for the venue, with a venue key). Answers the complaint as
    recorded: its reference, version, clocks and what the key may do next."""
    principal = principal_of(request)

    def work() -> tuple[int, dict[str, Any]]:
        venue = _venue_for_intake(principal, payload.venue)
        complaint = services.complaint_receive(
            actor=principal, venue=venue, intake=_intake(principal, payload, venue)
        )
        fresh = complaint_for_key(principal=principal, reference=complaint.reference)
        return 201, complaint_out(fresh, principal).model_dump(mode="json")

    fingerprint = request_hash("POST", "/complaints", payload.model_dump(mode="json"))
    status, content = idempotent(
        principal=principal, key=idempotency_key, fingerprint=fingerprint, work=work
    )
    return Status(status, content)


# --- list and read ----------------------------------------------------------------------------


class ComplaintFilters(Schema):
    state: StateCode | None = None
    venue: Text | None = Field(None, max_length=12, description="Venue code.")
    channel: ChannelCode | None = None
    category: Text | None = Field(None, max_length=40, description="Category code.")
    severity: SeverityCode | None = None
    received_after: Moment | None = Field(None, description="Inclusive; ISO 8601 with offset.")
    received_before: Moment | None = Field(None, description="Exclusive.")
    updated_after: Moment | None = Field(None, description="Timeline grew after this moment.")
    cursor: Text | None = Field(None, max_length=200, description="`next` of the previous page.")
    limit: int = Field(25, ge=1, le=100)


def encode_cursor(complaint: Complaint) -> str:
    raw = json.dumps([complaint.received_at.isoformat(), complaint.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (received_at, id) a page ends at; 400 invalid_cursor for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, pk = json.loads(raw)
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None or not isinstance(pk, int) or not 0 < pk < actions.MAX_ID:
            raise ValueError(cursor)
        if not 1970 <= moment.year <= 2200:  # out of range once in UTC (SQLite overflows)
            raise ValueError(cursor)
        return moment, pk
    except (
        ValueError,
        TypeError,
        OverflowError,
        RecursionError,
        binascii.Error,
        UnicodeDecodeError,
        json.JSONDecodeError,
    ):
        raise ApiError(400, "invalid_cursor") from None


@router.get(
    "/complaints",
    response={200: ComplaintPage, ERRORS: ErrorOut},
    operation_id="complaint_list",
    summary="List complaints (cursor pages)",
)
def complaint_list(request: HttpRequest, filters: Query[ComplaintFilters]) -> ComplaintPage:
    """Oldest first by (received_at, id), a stable order: follow `next` until it is null.
    Customers are masked."""
    principal = principal_of(request)
    complaints = with_updated_at(complaints_for_key(principal=principal)).select_related(
        "venue", "customer", "category"
    )
    f = filters
    exact = {
        "state": f.state,
        "venue__code": f.venue,
        "channel": f.channel,
        "category__code": f.category,
        "severity": f.severity,
    }
    complaints = complaints.filter(**{k: v for k, v in exact.items() if v is not None})
    if f.received_after is not None:
        complaints = complaints.filter(received_at__gte=f.received_after)
    if f.received_before is not None:
        complaints = complaints.filter(received_at__lt=f.received_before)
    if f.updated_after is not None:
        complaints = complaints.filter(updated_at__gt=f.updated_after)  # type: ignore[misc]
    if f.cursor:
        at, pk = decode_cursor(f.cursor)
        complaints = complaints.filter(Q(received_at__gt=at) | Q(received_at=at, pk__gt=pk))
    rows = list(complaints.order_by("received_at", "pk")[: f.limit + 1])
    page, more = rows[: f.limit], len(rows) > f.limit
    return ComplaintPage(
        items=[summary_of(c, principal) for c in page],
        next=encode_cursor(page[-1]) if more else None,
    )


@router.get(
    "/complaints/{reference}",
    response={200: ComplaintOut, ERRORS: ErrorOut},
    operation_id="complaint_get",
    summary="One complaint",
)
def complaint_get(request: HttpRequest, reference: str) -> ComplaintOut:
    principal = principal_of(request)
    return complaint_out(complaint_for_key(principal=principal, reference=reference), principal)


@router.get(
    "/complaints/{reference}/timeline",
    response={200: list[LineOut], ERRORS: ErrorOut},
    operation_id="complaint_timeline",
    summary="The timeline in words",
)
def complaint_timeline(request: HttpRequest, reference: str) -> list[LineOut]:
    """As the customer reads it; as staff read it for a key with complaints:handle."""
    principal = principal_of(request)
    complaint = complaint_for_key(principal=principal, reference=reference)
    events = list(
        ComplaintEvent.objects.filter(complaint=complaint).select_related("actor").order_by("seq")
    )
    audience: Audience = "staff" if ApiScope.HANDLE in principal.scopes else "customer"
    # The customer is masked in every answer: so is what they wrote. A sensitive complaint's
    # free text is withheld from a caller who may not read it (an API key never may).
    readable = reads_sensitive(complaint, principal)
    return [
        line_out(n, readable=readable)
        for n in masked_lines(tell(complaint, events, audience=audience))
    ]


# --- the conversation -------------------------------------------------------------------------


@router.get(
    "/complaints/{reference}/messages",
    response={200: list[MessageOut], ERRORS: ErrorOut},
    operation_id="message_list",
    summary="The conversation between the customer and the handler",
)
def message_list(request: HttpRequest, reference: str) -> list[MessageOut]:
    principal = principal_of(request)
    complaint = complaint_for_key(principal=principal, reference=reference)
    events = ComplaintEvent.objects.filter(complaint=complaint, kind__in=CONVERSATION).order_by(
        "seq"
    )
    readable = reads_sensitive(complaint, principal)
    return [
        MessageOut(
            seq=e.seq,
            at=e.at,
            author=CONVERSATION[e.kind],
            via=str(e.data.get("via", "")),
            text=masked_text(str(e.data.get("text", "")), masked=CONVERSATION[e.kind] == "customer")
            if readable
            else WITHHELD,
            withheld=not readable,
        )
        for e in events
    ]


class MessageIn(Strict):
    version: int = Field(ge=1, le=actions.MAX_INT, description="The complaint's current version.")
    text: Text = Field(min_length=1, max_length=10_000)


@router.post(
    "/complaints/{reference}/messages",
    response={201: ActionResult, ERRORS: ErrorOut},
    operation_id="message_post",
    summary="The customer writes to the handler (through the app)",
)
def message_post(request: HttpRequest, reference: str, payload: MessageIn) -> Status[ActionResult]:
    """Needs complaints:customer: the catalogue's `message` action, written through the app."""
    principal = principal_of(request)
    complaint = complaint_for_key(principal=principal, reference=reference)
    data = {"version": payload.version, "text": payload.text, "via": "app"}
    perform("message", complaint=complaint, actor=principal, data=data)
    return Status(201, _result(complaint, None))


# --- evidence ---------------------------------------------------------------------------------


@router.get(
    "/complaints/{reference}/evidence",
    response={200: list[EvidenceOut], ERRORS: ErrorOut},
    operation_id="evidence_list",
    summary="Evidence files (metadata)",
)
def evidence_list(request: HttpRequest, reference: str) -> list[EvidenceOut]:
    principal = principal_of(request)
    complaint = complaint_for_key(principal=principal, reference=reference)
    files = Evidence.objects.filter(complaint=complaint).order_by("uploaded_at", "pk")
    readable = reads_sensitive(complaint, principal)
    return [evidence_out(e, readable=readable) for e in files]


@router.post(
    "/complaints/{reference}/evidence",
    response={201: EvidenceCreated, ERRORS: ErrorOut},
    operation_id="evidence_add",
    summary="Upload evidence (multipart)",
)
def evidence_add(
    request: HttpRequest,
    reference: str,
    file: UploadedFile = File(...),  # noqa: B008
    version: int = Form(..., ge=1, le=actions.MAX_INT),
    description: str = Form("", max_length=300),
) -> Status[EvidenceCreated]:
    """The catalogue's `evidence` action: a photo, recording, PDF or text (its type is read
    from its first bytes). Needs complaints:write or complaints:customer."""
    principal = principal_of(request)
    complaint = complaint_for_key(principal=principal, reference=reference)
    # The declared Content-Type is only known here: a type that contradicts the bytes is
    # refused (422 file_type_mismatch) before the action runs (which checks the rest again).
    uploads.check_file(
        file.name or "file", file, file.size or 0, declared_type=file.content_type or ""
    )
    data = {"version": version, "description": description}
    evidence = perform(
        "evidence", complaint=complaint, actor=principal, data=data, files={"file": file}
    )
    fresh = Complaint.objects.only("reference", "version").get(pk=complaint.pk)
    out = evidence_out(evidence).model_dump()
    return Status(201, EvidenceCreated(**out, reference=fresh.reference, version=fresh.version))


# --- every catalogued action -----------------------------------------------------------------


def _result(complaint: Complaint, result: Any) -> ActionResult:
    fresh = Complaint.objects.only("reference", "state", "version").get(pk=complaint.pk)
    return ActionResult(
        reference=fresh.reference,
        state=fresh.state,
        version=fresh.version,
        new_complaint=actions.new_complaint_of(result, complaint),
    )


def _register(spec: ActionSpec, model: type[BaseModel]) -> None:
    name = spec.name

    def act(request: HttpRequest, reference: str, payload: Any) -> ActionResult:
        principal = principal_of(request)
        complaint = complaint_for_key(principal=principal, reference=reference)
        data = actions.data_of(spec, payload, complaint)
        return _result(complaint, perform(name, complaint=complaint, actor=principal, data=data))

    act.__annotations__ = {
        "request": HttpRequest,
        "reference": str,
        "payload": model,
        "return": ActionResult,
    }
    act.__name__ = act.__qualname__ = f"action_{name}"
    with_title = actions.english(spec.title)
    act.__doc__ = (
        f"The catalogue's `{name}` action (who may: the transition table's "
        f"`{spec.form.permission}`). Give the complaint's current `version`: a stale one "
        "answers 409 stale_version."
    )
    router.post(
        f"/complaints/{{reference}}/actions/{name}",
        response={200: ActionResult, ERRORS: ErrorOut},
        operation_id=f"action_{name}",
        summary=with_title,
        tags=["actions"],
    )(act)


actions.register_all(_register)
