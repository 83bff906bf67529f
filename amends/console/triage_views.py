"""Triage in the staff console: the suggestion panel while a complaint is typed at intake, the
one-click accept of a complaint's suggestion, and the company's reply scripts (话术).

Parse, access, call one service, respond. The complaint's text reaches the panel only in a POST
body (never an address); the panel answers people who record complaints at the venue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amends.complaints import selectors, services
from amends.complaints.models import Complaint
from amends.complaints.services import triage as triage_service
from amends.console.triage_forms import (
    TRIAGE_CHOICE_FIELDS,
    TRIAGE_TEXT_FIELDS,
    ScriptForm,
    TriageIntakeForm,
)
from amends.console.triage_panels import panel
from amends.console.views import _complaint_page, raise_forbidden
from amends.core.errors import DomainError, InvalidInput, StaleVersion
from amends.orgs.models import User
from amends.triage.scripts import default_script
from amends.workflow.models import Category
from amends.workflow.selectors import categories_for
from amends.workflow.selectors_scripts import LANGUAGES, reply_scripts_table
from amends.workflow.services_scripts import (
    may_edit_scripts,
    may_read_scripts,
    reply_script_reset,
    reply_script_save,
)
from amends.workflow.taxonomy import Psychology

# Triage reads the start of a long text; the rest adds nothing to a suggestion.
MAX_TEXT = 5000
MIN_TEXT = 4
ANY = "-"  # "any category" / "any psychology" in a script's address


# --- intake ---------------------------------------------------------------------------------


@login_required
@require_POST
def intake_triage(request: HttpRequest) -> HttpResponse:
    """HTMX: the suggestion for what has been typed so far, for a person who records
    complaints at the chosen venue (no venue chosen yet: at one of theirs)."""
    actor: User = request.user  # type: ignore[assignment]
    venues = TriageIntakeForm(actor=actor).fields["venue"].queryset  # type: ignore[attr-defined]
    raw = request.POST.get("venue", "")
    allowed = (
        venues.filter(pk=int(raw))
        if raw.isascii() and raw.isdigit()
        else venues
        if not raw
        else None
    )
    if allowed is None or not allowed.exists():
        return render(request, "console/triage/_refused.html", status=403)
    parts = (request.POST.get(name, "").strip() for name in TRIAGE_TEXT_FIELDS)
    text = "\n".join(p for p in parts if p)[:MAX_TEXT]
    suggestion = triage_service.read(text) if len(text) >= MIN_TEXT else None
    context: dict[str, object] = {"suggestion": suggestion}
    if suggestion is not None:
        context["panel"] = panel(
            suggestion.as_record(),
            company_id=actor.company_id or 0,
            current={name: request.POST.get(name, "") for name in TRIAGE_CHOICE_FIELDS},
            fillable=TRIAGE_CHOICE_FIELDS,
        )
    return render(request, "console/triage/_intake_panel.html", context)


# --- one complaint --------------------------------------------------------------------------


def accepted_classification(complaint: Complaint) -> dict[str, object]:
    """What accepting the complaint's suggestion classifies: its category (when the company has
    it in use), severity and psychology."""
    record = complaint.triage or {}
    codes = {
        name: str((record.get(name) or {}).get("code") or "")
        for name in ("category", "severity", "psychology")
    }
    if not any(codes.values()):
        raise InvalidInput(_("There is no suggestion to accept."), code="no_suggestion")
    category = (
        Category.objects.filter(
            company_id=complaint.company_id, code=codes["category"], is_active=True
        ).first()
        if codes["category"]
        else None
    )
    return {
        "category": category,
        "severity": codes["severity"],
        "psychology": codes["psychology"] or None,
    }


@login_required
@require_POST
def triage_accept(request: HttpRequest, reference: str) -> HttpResponse:
    """Classify the complaint as triage suggested. A stale version or a refused step re-shows
    the page with the message; nothing is written."""
    actor: User = request.user  # type: ignore[assignment]
    complaint = selectors.complaint_get_for_actor(actor=actor, reference=reference)
    version = request.POST.get("version", "")
    try:
        if not (version.isascii() and version.isdigit()):
            raise InvalidInput(_("Reload the page and try again."), code="version_required")
        services.complaint_classify(
            complaint=complaint,
            actor=actor,
            expected_version=int(version),
            **accepted_classification(complaint),  # type: ignore[arg-type]
        )
    except DomainError as refused:
        messages.error(request, str(refused.message))
        fresh = selectors.complaint_get_for_actor(actor=actor, pk=complaint.pk)
        return _complaint_page(request, fresh, status=refused.http_status)
    messages.success(request, _("The suggestion is accepted: the complaint is classified."))
    return redirect("console:complaint", reference=complaint.reference)


# --- reply scripts --------------------------------------------------------------------------


def _psychologies() -> list[tuple[str, str]]:
    return [("", _("Any psychology")), *((c, str(label)) for c, label in Psychology.choices)]


@login_required
@require_GET
def reply_scripts(request: HttpRequest) -> HttpResponse:
    """Every category × psychology with the script in force, in Chinese and English."""
    actor: User = request.user  # type: ignore[assignment]
    if not may_read_scripts(actor):
        raise_forbidden(_("Reply scripts are for managers and directors."))
    categories = [("", _("Any category"))] + [
        (c.code, str(c))
        for c in categories_for(company=actor.company)  # type: ignore[arg-type]
    ]
    psychologies = _psychologies()
    table = reply_scripts_table(
        company_id=actor.company_id or 0,
        category_codes=[code for code, _label in categories],
        psychologies=[code for code, _label in psychologies],
    )
    groups = [
        {
            "code": code or ANY,
            "label": label,
            "rows": [
                {
                    "psychology": psy or ANY,
                    "label": psy_label,
                    "scripts": [table[(code, psy, lang)] for lang in LANGUAGES],
                }
                for psy, psy_label in psychologies
            ],
        }
        for code, label in categories
    ]
    context = {"groups": groups, "can_edit": may_edit_scripts(actor), "languages": LANGUAGES}
    return render(request, "console/triage/scripts.html", context)


def _script_key(actor: User, category: str, psychology: str, language: str) -> tuple[str, str]:
    """The (category, psychology) an address names; an unknown one is not found."""
    cat = "" if category == ANY else category
    psy = "" if psychology == ANY else psychology
    known = {c.code for c in categories_for(company=actor.company)}  # type: ignore[arg-type]
    if (cat and cat not in known) or (psy and psy not in Psychology.values):
        raise Http404
    if language not in LANGUAGES:
        raise Http404
    return cat, psy


@login_required
@require_http_methods(["GET", "POST"])
def reply_script_edit(
    request: HttpRequest, category: str, psychology: str, language: str
) -> HttpResponse:
    """Change one script. Bad input or a stale version re-shows the form with the message."""
    actor = _editor(request)
    cat, psy = _script_key(actor, category, psychology, language)
    if request.method != "POST":
        return _edit_page(request, actor, category, psychology, language)
    form = ScriptForm(request.POST)
    if not form.is_valid():
        return _edit_page(request, actor, category, psychology, language, form=form, status=400)
    try:
        reply_script_save(
            actor=actor,
            category_code=cat,
            psychology=psy,
            language=language,
            text=form.cleaned_data["text"],
            expected_version=form.cleaned_data["version"],
        )
    except StaleVersion as refused:
        # What was typed stays, now based on the script as it is (shown beside it).
        return _edit_page(
            request,
            actor,
            category,
            psychology,
            language,
            typed=form.cleaned_data["text"],
            error=str(refused.message),
            status=refused.http_status,
        )
    except DomainError as refused:
        form.add_error("text", str(refused.message))
        return _edit_page(
            request, actor, category, psychology, language, form=form, status=refused.http_status
        )
    messages.success(request, _("The script is saved."))
    return redirect(_list_anchor(category, psychology))


@login_required
@require_POST
def reply_script_reset_view(
    request: HttpRequest, category: str, psychology: str, language: str
) -> HttpResponse:
    """Back to the default wording (the company's row for this pair is deleted). A stale
    version re-shows the script as it is now, with the message."""
    actor = _editor(request)
    cat, psy = _script_key(actor, category, psychology, language)
    version = request.POST.get("version", "")
    try:
        reply_script_reset(
            actor=actor,
            category_code=cat,
            psychology=psy,
            language=language,
            expected_version=int(version) if version.isascii() and version.isdigit() else -1,
        )
    except DomainError as refused:
        messages.error(request, str(refused.message))
        return _edit_page(
            request, actor, category, psychology, language, status=refused.http_status
        )
    messages.success(request, _("The script is back to the default."))
    return redirect(_list_anchor(category, psychology))


def _editor(request: HttpRequest) -> User:
    actor: User = request.user  # type: ignore[assignment]
    if not may_edit_scripts(actor):
        raise_forbidden(
            _("Reply scripts are changed by managers and directors who work company-wide.")
        )
    return actor


def _edit_page(
    request: HttpRequest,
    actor: User,
    category: str,
    psychology: str,
    language: str,
    *,
    form: ScriptForm | None = None,
    typed: str | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The edit form of one script as it is now: `form` as it was filled, or the text `typed`
    on top of the current version with the message `error` (a stale save)."""
    cat, psy = _script_key(actor, category, psychology, language)
    script = reply_scripts_table(
        company_id=actor.company_id or 0, category_codes=[cat], psychologies=[psy]
    )[(cat, psy, language)]
    if form is None and typed is None:
        form = ScriptForm(initial={"text": script.text, "version": script.own_version})
    elif form is None:
        form = ScriptForm({"text": typed, "version": script.own_version})
        form.is_valid()
        form.add_error(None, error)
    context = {
        "form": form,
        "script": script,
        "stale": bool(error),
        "category": category,
        "psychology": psychology,
        "language": language,
        "category_label": _category_label(actor, cat),
        "psychology_label": dict(_psychologies())[psy],
        "default_text": default_script(cat, psy, language),
    }
    return render(request, "console/triage/script_edit.html", context, status=status)


def _list_anchor(category: str, psychology: str) -> str:
    return reverse("console:reply_scripts") + f"#script-{category}-{psychology}"


def _category_label(actor: User, code: str) -> str:
    if not code:
        return _("Any category")
    found = Category.objects.filter(company_id=actor.company_id or 0, code=code).first()
    return str(found) if found else code
