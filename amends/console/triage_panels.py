"""What the console shows of a triage suggestion: one row per field (the suggested value in
words, its confidence, the words that drove it, what a form select takes to accept it, whether
it is chosen already), the urgent banner, the kinds of personal data found, and the reply
script filled for the customer as the viewer may see them. Reads a suggestion's record
(`Suggestion.as_record()`, as `Complaint.triage` keeps it), so the intake panel and the
complaint page say the same thing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from amends.complaints.models import Complaint
from amends.members.selectors import ContactCard
from amends.triage import pii
from amends.triage.scripts import fill
from amends.workflow.models import Category
from amends.workflow.selectors_scripts import Script, reply_script_for, script_language
from amends.workflow.taxonomy import Psychology, Severity, Validity

FIELD_LABELS = {
    "category": _("Category"),
    "severity": _("Severity"),
    "psychology": _("Complainant psychology"),
    "validity": _("Validity hint"),
    "language": _("Language"),
}
LANGUAGE_LABELS = {
    "zh": _("Chinese"),
    "en": _("English"),
    "mixed": _("Chinese and English mixed"),
}
# The intake form's "customer's language" for a detected language (mixed: the person decides).
LANGUAGE_FILL = {"zh": "zh-hans", "en": "en"}
PII_LABELS = {
    "id_card": _("an ID-card number"),
    "bank_card": _("a bank-card number"),
    "phone": _("a mobile number"),
    "landline": _("a landline number"),
    "email": _("an email address"),
}
HIGH, MEDIUM = 0.75, 0.5


@dataclass(frozen=True)
class Row:
    """One suggested field as the receiver reads it."""

    field: str
    code: str
    value: str
    confidence: float | None
    reasons: tuple[str, ...] = ()
    fill: str = ""  # what the form's select takes to accept it ("": nothing to accept)
    current: str = ""  # what the form or the complaint has now
    applied: bool = False  # taken from triage at intake, not chosen by a person

    @property
    def label(self) -> str:
        return str(FIELD_LABELS[self.field])

    @property
    def percent(self) -> int | None:
        return None if self.confidence is None else round(self.confidence * 100)

    @property
    def level(self) -> str:
        if self.confidence is None:
            return ""
        return (
            "high" if self.confidence >= HIGH else "medium" if self.confidence >= MEDIUM else "low"
        )

    @property
    def level_label(self) -> str:
        return {
            "high": gettext("high"),
            "medium": gettext("medium"),
            "low": gettext("low"),
            "": "",
        }[self.level]

    @property
    def chosen(self) -> bool:
        return bool(self.fill) and self.current == self.fill


@dataclass(frozen=True)
class Panel:
    rows: tuple[Row, ...]
    urgent: bool
    urgent_confidence: int
    urgent_words: tuple[str, ...]
    pii: tuple[str, ...]
    language: str
    acceptable: tuple[Row, ...] = field(default=())

    @property
    def urgent_percent(self) -> str:
        return f"{self.urgent_confidence}%"

    @property
    def pii_text(self) -> str:
        return ("、" if (get_language() or "").startswith("zh") else ", ").join(self.pii)

    @property
    def all_chosen(self) -> bool:
        return all(row.chosen for row in self.acceptable)


def _label(choices: Any, code: str) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code


def panel(
    record: dict[str, Any],
    *,
    company_id: int,
    current: dict[str, str],
    fillable: tuple[str, ...],
    applied: tuple[str, ...] = (),
) -> Panel:
    """The panel of a suggestion `record` for a company. `current` holds the values the form or
    the complaint has now, as its selects take them; `fillable` names the fields a one-click
    accept may fill."""
    guesses = {name: record.get(name) or {} for name in FIELD_LABELS if name != "language"}
    category_code = str(guesses["category"].get("code") or "")
    category = (
        Category.objects.filter(company_id=company_id, code=category_code, is_active=True).first()
        if category_code
        else None
    )
    values = {
        "category": (
            str(category) if category else category_code,
            str(category.pk) if category else "",
        ),
        "severity": (
            _label(Severity, guesses["severity"].get("code", "")),
            guesses["severity"].get("code", ""),
        ),
        "psychology": (
            _label(Psychology, guesses["psychology"].get("code", "")),
            guesses["psychology"].get("code", ""),
        ),
        "validity": (_label(Validity, guesses["validity"].get("code", "")), ""),
    }
    rows = []
    for name, guess in guesses.items():
        if not guess.get("code"):
            continue
        value, fill_value = values[name]
        rows.append(
            Row(
                field=name,
                code=str(guess["code"]),
                value=value,
                confidence=float(guess.get("confidence") or 0.0),
                # The words behind a guess, never a piece of personal data among them.
                reasons=tuple(str(r) for r in guess.get("reasons") or () if not pii.find(str(r))),
                fill=fill_value if name in fillable else "",
                current=str(current.get(name) or ""),
                applied=name in applied,
            )
        )
    language = str(record.get("language") or "")
    if language:
        rows.append(
            Row(
                field="language",
                code=language,
                value=str(LANGUAGE_LABELS.get(language, language)),
                confidence=None,
                fill=LANGUAGE_FILL.get(language, "") if "language" in fillable else "",
                current=str(current.get("language") or ""),
            )
        )
    severity = guesses["severity"]
    urgent = severity.get("code") == Severity.URGENT
    return Panel(
        rows=tuple(rows),
        urgent=urgent,
        urgent_confidence=round(float(severity.get("confidence") or 0.0) * 100),
        # An urgent severity's reasons start with the safety words that made it so.
        urgent_words=tuple(pii.mask(str(r)) for r in severity.get("reasons") or ())
        if urgent
        else (),
        pii=tuple(str(PII_LABELS[k]) for k in record.get("pii") or () if k in PII_LABELS),
        language=language,
        acceptable=tuple(r for r in rows if r.fill),
    )


# --- the reply script -------------------------------------------------------------------------


def address(contact: ContactCard | None, language: str) -> str:
    """How the script addresses the customer, revealing no more than the viewer sees: the full
    name once the contact is shown; masked, the surname with a courtesy title (a Chinese
    name's first character, a Latin name's last initial); without a name, a polite general
    form."""
    zh = script_language(language) == "zh-hans"
    name = (contact.name if contact else "").strip()
    if not name or name == "*":
        return "尊敬的顾客" if zh else "there"
    if not contact or not contact.masked:
        return name
    if "*" in name.split()[-1] and not name[0].isascii():  # "王*": a Chinese surname
        return f"{name[0]}先生/女士" if zh else f"Mr/Ms {name[0]}"
    initial = name.split()[-1][0]
    return f"{initial}先生/女士" if zh else f"Mr/Ms {initial}."


@dataclass(frozen=True)
class ScriptShown:
    script: Script
    text: str  # filled
    category: str
    psychology: str


def script_for_complaint(complaint: Complaint, contact: ContactCard | None) -> ScriptShown:
    """The reply script for the complaint (its classification, else triage's suggestion), in
    the complaint's language, filled with the customer as the viewer sees them."""
    suggested = complaint.triage or {}
    category_code = (
        complaint.category.code
        if complaint.category
        else str((suggested.get("category") or {}).get("code") or "")
    )
    psychology = complaint.psychology or str((suggested.get("psychology") or {}).get("code") or "")
    script = reply_script_for(
        company_id=complaint.company_id,
        category_code=category_code,
        psychology=psychology,
        language=complaint.language,
    )
    text = fill(
        script.text,
        name=address(contact, complaint.language),
        venue=complaint.venue.name_in(script.language),
        reference=complaint.reference,
    )
    category = (
        str(complaint.category)
        if complaint.category
        else str(
            Category.objects.filter(company_id=complaint.company_id, code=category_code).first()
            or category_code
        )
    )
    return ScriptShown(
        script=script,
        text=text,
        category=category,
        psychology=_label(Psychology, psychology) if psychology else "",
    )
