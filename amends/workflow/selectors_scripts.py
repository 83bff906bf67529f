"""Which reply script (话术, SPEC §6) a complaint gets, and every script a company has.

A company's own wording (`ReplyScript`) for the category and the complainant psychology comes
first, then its wording for the category with any psychology, then for the psychology with any
category, then its wording for anything; without any, triage's default for the pair
(`amends.triage.scripts.default_script`). Reads only: nothing here is access-checked beyond the
company the caller passes (the complaint or the page already checked the viewer)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from amends.triage.scripts import default_script
from amends.workflow.models import ReplyScript

LANGUAGES = (ReplyScript.Language.ZH.value, ReplyScript.Language.EN.value)


def script_language(language: str) -> str:
    """The script language for a complaint's or a person's language: English or Chinese."""
    return "en" if (language or "").lower().startswith("en") else "zh-hans"


@dataclass(frozen=True)
class Script:
    """One script as shown: its text with placeholders, the (category, psychology, language) it
    is for, and the company row it came from (None: triage's default) — that row may be a
    broader one (any psychology, any category) than the pair asked."""

    text: str
    category_code: str
    psychology: str
    language: str
    row: ReplyScript | None = None

    @property
    def is_default(self) -> bool:
        return self.row is None

    @property
    def is_own(self) -> bool:
        """The company's wording for exactly this pair."""
        return self.row is not None and (self.row.category_code, self.row.psychology) == (
            self.category_code,
            self.psychology,
        )

    @property
    def is_inherited(self) -> bool:
        """The company's wording for a broader row (any category or any psychology)."""
        return self.row is not None and not self.is_own

    @property
    def own_version(self) -> int:
        """The version of the company's row for exactly this pair, 0 without one (what an edit
        or a reset sends back)."""
        return self.row.version if self.row is not None and self.is_own else 0


Rows = dict[tuple[str, str, str], ReplyScript]


def fallback_keys(category_code: str, psychology: str) -> list[tuple[str, str]]:
    """The (category, psychology) rows to try, most specific first (blank: any)."""
    keys = [(category_code, psychology), (category_code, ""), ("", psychology), ("", "")]
    return list(dict.fromkeys(keys))


def resolve(rows: Rows, category_code: str, psychology: str, language: str) -> Script:
    """The script of (category, psychology, language) among the company's `rows`, falling back
    from the pair to the category, the psychology, anything, then triage's default."""
    for cat, psy in fallback_keys(category_code, psychology):
        row = rows.get((cat, psy, language))
        if row is not None:
            return Script(row.text, category_code, psychology, language, row)
    return Script(
        default_script(category_code, psychology, language), category_code, psychology, language
    )


def reply_script_for(
    *, company_id: int, category_code: str, psychology: str, language: str
) -> Script:
    """The script for a complaint of this category and psychology in `language` (one query)."""
    lang = script_language(language)
    category_code, psychology = category_code or "", psychology or ""
    keys = fallback_keys(category_code, psychology)
    rows: Rows = {
        (row.category_code, row.psychology, row.language): row
        for row in ReplyScript.objects.filter(
            company_id=company_id,
            language=lang,
            category_code__in={c for c, _ in keys},
            psychology__in={p for _, p in keys},
        )
    }
    return resolve(rows, category_code, psychology, lang)


def reply_scripts_table(
    *, company_id: int, category_codes: Iterable[str], psychologies: Iterable[str]
) -> dict[tuple[str, str, str], Script]:
    """The script in force for every (category, psychology, language) asked, in one query."""
    rows: Rows = {
        (row.category_code, row.psychology, row.language): row
        for row in ReplyScript.objects.filter(company_id=company_id)
    }
    psys = list(psychologies)
    return {
        (cat, psy, lang): resolve(rows, cat, psy, lang)
        for cat in category_codes
        for psy in psys
        for lang in LANGUAGES
    }
