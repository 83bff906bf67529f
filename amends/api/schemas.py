"""The API's input types and answers (pydantic), and how a complaint becomes an answer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from django.utils.translation import gettext as _
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from amends.complaints.catalogue import available
from amends.complaints.models import Complaint, Evidence
from amends.complaints.narrative import Line
from amends.complaints.selectors_privacy import STRUCTURED_LINE_KINDS, masked_text
from amends.complaints.services.access import may_see_sensitive
from amends.core.input_guard import LONG_TEXT_CHARS
from amends.core.principals import Principal
from amends.members.selectors import contact_card

EARLIEST, LATEST = 1970, 2200
# What stands for a sensitive complaint's free text the caller may not read.
WITHHELD = "▇▇▇"


def _text(value: str) -> str:
    """Text the database can store: no NUL character, no lone surrogate, and never more than
    `LONG_TEXT_CHARS` characters, even where a field forgot its own `max_length` (every field
    should say its own; this is the floor under them)."""
    if "\x00" in value:
        raise ValueError(_("Text may not contain NUL characters."))
    if len(value) > LONG_TEXT_CHARS:
        raise ValueError(
            _("This text is too long (at most %(n)s characters).") % {"n": LONG_TEXT_CHARS}
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(_("Text must be valid Unicode.")) from None
    return value


def _moment(value: datetime) -> datetime:
    """A moment between 1970 and 2200; one without a UTC offset is read as UTC."""
    if not EARLIEST <= value.year <= LATEST:
        raise ValueError(_("Give a date between 1970 and 2200."))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError(_("Give a date between 1970 and 2200.")) from None
    return value


def _local_moment(value: datetime) -> datetime:
    """A moment between 1970 and 2200; one without a UTC offset is wall time at the venue."""
    return value if value.tzinfo is None and EARLIEST <= value.year <= LATEST else _moment(value)


Text = Annotated[str, AfterValidator(_text)]
Moment = Annotated[datetime, AfterValidator(_moment)]
LocalMoment = Annotated[datetime, AfterValidator(_local_moment)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CustomerOut(BaseModel):
    name: str
    phone: str
    email: str
    masked: bool = Field(description="True when name, phone and email are masked.")


class ActionOut(BaseModel):
    name: str = Field(description="POST /complaints/{reference}/actions/{name}")
    title: str


class ComplaintSummary(BaseModel):
    reference: str
    state: str
    version: int = Field(description="Give it back with every action (optimistic locking).")
    venue: str = Field(description="Venue code.")
    channel: str
    category: str | None = Field(description="Category code.")
    severity: str
    received_at: datetime
    respond_due: datetime | None
    resolve_due: datetime | None
    updated_at: datetime | None = Field(description="When its timeline last grew.")
    customer: CustomerOut
    sensitive: list[str] = Field(
        default_factory=list,
        description="Kinds of sensitive personal data the complaint is flagged with (injury, "
        "health, id_number, minor, …); empty when none. The free text of a flagged complaint "
        "(description, customer_request, timeline details, messages, triage reasons) is "
        "withheld as “▇▇▇” from an API key: only people with that right read it, in the console.",
    )


class GuessOut(BaseModel):
    code: str
    confidence: float = Field(ge=0, le=1)
    reasons: list[str] = Field(description="The words that drove it (personal data masked).")


class TriageOut(BaseModel):
    """What triage read in a complaint's text: suggestions with their confidence and reasons,
    and the kinds of personal data in it — never the data itself."""

    language: str = Field(description="zh, en or mixed")
    category: GuessOut = Field(description="A category code (GET /taxonomy).")
    severity: GuessOut = Field(description="urgent, important or general.")
    psychology: GuessOut
    validity: GuessOut = Field(description="valid, invalid (the customer's own) or undecided.")
    urgent: bool = Field(description="Urgent suggested: alerts at once, whatever its confidence.")
    applied: list[str] = Field(
        description="The complaint's fields taken from the suggestion because nobody chose them "
        "(category, severity, psychology): to be confirmed by its owner."
    )
    personal_data: list[str] = Field(
        description="Kinds of personal data found in the text: id_card, bank_card, phone, "
        "landline, email. Shown masked in every answer."
    )
    model: str = Field(description="The model version that read it.")


class ComplaintOut(ComplaintSummary):
    language: str
    psychology: str
    description: str = Field(
        description="Personal data in the text masked; “▇▇▇” when withheld (see `sensitive`)."
    )
    customer_request: str = Field(
        description="Personal data in the text masked; “▇▇▇” when withheld (see `sensitive`)."
    )
    withheld: bool = Field(
        False,
        description="True when the free text is withheld because the complaint holds sensitive "
        "personal data the caller may not read.",
    )
    occurred_at: datetime | None
    location: str
    responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    paused: bool = Field(description="Clocks paused while waiting on the customer.")
    actions: list[ActionOut] = Field(description="What this API key may do now.")
    triage: TriageOut | None = Field(
        description="What triage suggested at intake; null when the complaint has none."
    )


class ComplaintPage(BaseModel):
    items: list[ComplaintSummary]
    next: str | None = Field(description="Cursor of the next page; null on the last page.")


class ActionResult(BaseModel):
    reference: str
    state: str
    version: int
    new_complaint: str | None = Field(
        None, description="Reference of the complaint an action opened (follow_up)."
    )


class LineOut(BaseModel):
    seq: int
    at: datetime
    who: str
    kind: str
    title: str
    details: list[str]
    withheld: bool = Field(
        False, description="True when the details are withheld (sensitive personal data)."
    )


class MessageOut(BaseModel):
    seq: int
    at: datetime
    author: str = Field(description="customer or handler")
    via: str
    text: str
    withheld: bool = Field(
        False, description="True when the text is withheld (sensitive personal data)."
    )


class EvidenceOut(BaseModel):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    description: str
    uploaded_at: datetime


class EvidenceCreated(EvidenceOut):
    reference: str
    version: int


class CodeName(BaseModel):
    code: str
    name: str


class CategoryOut(CodeName):
    name_zh: str
    name_en: str


class TaxonomyOut(BaseModel):
    categories: list[CategoryOut]
    severities: list[CodeName]
    channels: list[CodeName]
    psychology: list[CodeName]


class VenueOut(BaseModel):
    code: str
    name: str
    name_zh: str
    name_en: str
    kind: str
    timezone: str


class DepartmentOut(BaseModel):
    id: int = Field(description="Give it where an action asks for a department.")
    code: str
    name: str
    name_zh: str
    name_en: str


class InboundOut(BaseModel):
    status: str = Field(description="pending, complaint, reply, ignored or failed")
    reference: str | None


# --- complaints as answers -----------------------------------------------------------------


def customer_of(complaint: Complaint, principal: Principal) -> CustomerOut:
    """Always masked. Even the key that recorded the complaint: intake matches an existing
    customer by phone, email or member number, so the stored details may be more than the key
    sent (unmasking them would let any intake key look customers up). Revealing contact data is
    an audited step people take in the console."""
    card = contact_card(complaint.customer, unmasked=False)
    return CustomerOut(name=card.name, phone=card.phone, email=card.email, masked=card.masked)


def _summary_fields(complaint: Complaint, principal: Principal) -> dict[str, Any]:
    return {
        "reference": complaint.reference,
        "state": complaint.state,
        "version": complaint.version,
        "venue": complaint.venue.code,
        "channel": complaint.channel,
        "category": complaint.category.code if complaint.category else None,
        "severity": complaint.severity,
        "received_at": complaint.received_at,
        "respond_due": complaint.respond_due,
        "resolve_due": complaint.resolve_due,
        "updated_at": getattr(complaint, "updated_at", None),
        "customer": customer_of(complaint, principal),
        "sensitive": [str(k) for k in complaint.sensitive or []],
    }


def reads_sensitive(complaint: Complaint, principal: Principal) -> bool:
    """Whether `principal` reads the complaint's free text as written: always when it is not
    flagged sensitive; else only a person who may (`may_see_sensitive`) — an API key holds no
    role, so it never does."""
    if not complaint.sensitive:
        return True
    user = principal.user if principal.is_staff else None
    return may_see_sensitive(complaint, user)


def summary_of(complaint: Complaint, principal: Principal) -> ComplaintSummary:
    return ComplaintSummary(**_summary_fields(complaint, principal))


def _guess(record: Any, *, readable: bool = True) -> GuessOut:
    record = record if isinstance(record, dict) else {}
    confidence = record.get("confidence")
    return GuessOut(
        code=str(record.get("code") or ""),
        confidence=min(max(float(confidence), 0.0), 1.0)
        if isinstance(confidence, int | float)
        else 0.0,
        reasons=[
            masked_text(str(r)) if readable else WITHHELD for r in record.get("reasons") or []
        ],
    )


def triage_out(
    record: dict[str, Any], *, applied: list[str] | None = None, readable: bool = True
) -> TriageOut | None:
    """A suggestion as recorded (`Suggestion.as_record()`, on a complaint as `triage`) as an
    answer; None for a complaint without one. Its reasons are words of the text: withheld when
    not `readable` (a sensitive complaint)."""
    if not record or not isinstance(record, dict) or "category" not in record:
        return None
    severity = _guess(record.get("severity"), readable=readable)
    return TriageOut(
        language=str(record.get("language") or ""),
        category=_guess(record.get("category"), readable=readable),
        severity=severity,
        psychology=_guess(record.get("psychology"), readable=readable),
        validity=_guess(record.get("validity"), readable=readable),
        urgent=severity.code == "urgent",
        applied=[str(f) for f in (record.get("applied") if applied is None else applied) or []],
        personal_data=[str(k) for k in record.get("pii") or []],
        model=str(record.get("model") or ""),
    )


def complaint_out(complaint: Complaint, principal: Principal) -> ComplaintOut:
    last = complaint.events.order_by("-seq").values_list("at", flat=True).first()
    readable = reads_sensitive(complaint, principal)
    return ComplaintOut(
        **{**_summary_fields(complaint, principal), "updated_at": last},
        language=complaint.language,
        psychology=complaint.psychology,
        # The customer is always masked here, so is the personal data they typed.
        description=_withheld(masked_text(complaint.description), readable),
        customer_request=_withheld(masked_text(complaint.customer_request), readable),
        withheld=not readable,
        occurred_at=complaint.occurred_at,
        location=complaint.location,
        responded_at=complaint.responded_at,
        resolved_at=complaint.resolved_at,
        closed_at=complaint.closed_at,
        paused=complaint.paused_at is not None,
        actions=[
            ActionOut(name=spec.name, title=str(spec.title))
            for spec in available(complaint, principal)
        ],
        triage=triage_out(complaint.triage, readable=readable),
    )


def _withheld(text: str, readable: bool) -> str:
    return text if readable or not text else WITHHELD


def line_out(line: Line, *, readable: bool = True) -> LineOut:
    """A timeline line as an answer; its details withheld when not `readable` and free text."""
    withheld = not readable and bool(line.details) and line.kind not in STRUCTURED_LINE_KINDS
    return LineOut(
        seq=line.seq,
        at=line.at,
        who=line.who,
        kind=line.kind,
        title=line.title,
        details=[WITHHELD] if withheld else line.details,
        withheld=withheld,
    )


def evidence_out(evidence: Evidence, *, readable: bool = True) -> EvidenceOut:
    return EvidenceOut(
        id=evidence.pk,
        name=evidence.original_name,
        content_type=evidence.content_type,
        size=evidence.size,
        sha256=evidence.sha256,
        description=_withheld(evidence.description, readable),
        uploaded_at=evidence.uploaded_at,
    )
