"""The words and people of the demo, read from the TOML files in `amends/demo/data/`.

Pure data, no database. Every pair is (中文, English); the stories pick the complaint's language.
The files are read once (`load()` is cached) and checked for shape: a missing key, an unknown key
or a pair that is not two strings stops the demo with a message naming the file and the entry.
The order of every list matters: the demo is seeded, so the same files give the same history.
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

Pair = tuple[str, str]


class DataError(Exception):
    """A demo data file is missing, unreadable or has the wrong shape."""


@dataclass(frozen=True)
class Person:
    """One member of staff. `venue` None: company-wide. `login`: signs in with DEMO_PASSWORD."""

    username: str
    role: str
    venue: str | None
    department: str | None
    name: str
    name_en: str = ""
    email: str = ""
    language: str = "zh-hans"
    login: bool = False


@dataclass(frozen=True)
class Text:
    """One kind of complaint as a customer tells it.

    `subject`: who it is about — "coach", "desk" or "staff" of the venue, or nobody. `stakes`:
    how much money a fair remedy may involve (low, mid, high). `unfounded`: when set, the
    complaint can turn out invalid; (investigation report, explanation to the customer).
    """

    category: str
    severity: str
    venue: str  # gym | hotel
    text: str
    request: str = ""
    location: str = ""
    subject: str = ""
    psychology: str = ""
    stakes: str = "low"
    unfounded: Pair | None = None


@dataclass(frozen=True)
class Handling:
    """How a category is typically investigated and put right.

    `responsibility` is a Complaint.Responsibility value; "staff" falls back to `department`
    when the complaint names nobody. `zero`: the remedy that costs nothing (kind, text).
    """

    report: Pair
    feedback: Pair
    responsibility: str
    department: str
    cause: str
    zero: tuple[str, Pair]
    interview: Pair


@dataclass(frozen=True)
class Steps:
    """What staff write and customers say along a complaint's life (steps.toml)."""

    duplicate: Pair  # {text}: the original description
    assigned_by_rules: Pair
    passed_on: Pair
    call_notes: tuple[Pair, ...]
    escalate_reasons: tuple[Pair, ...]
    extend_reasons: tuple[Pair, ...]
    witness: Pair  # {surname}
    witness_summary: Pair
    supplier: Pair
    other_guests: Pair
    reject_comments: tuple[str, ...]  # approvers write in Chinese only
    approve_comments: tuple[str, ...]
    consent_refusals: tuple[Pair, ...]  # [not small, small]
    revisit_good: tuple[Pair, ...]
    revisit_bad: tuple[Pair, ...]
    revisit_missed: Pair
    reopen_after_survey: Pair
    reopen_after_revisit: Pair
    second_look: Pair
    decline_reasons: tuple[Pair, ...]
    merge_reason: Pair
    consequences: tuple[Pair, ...]  # (kind, note in Chinese)
    evidence: tuple[Pair, ...]
    survey_comments: dict[int, tuple[Pair, ...]]  # by satisfaction 1-5


@dataclass(frozen=True)
class Texts:
    """Everything the demo says, as read from the data files."""

    company: tuple[str, str]  # (name, code)
    venues: tuple[tuple[str, str, str, str], ...]  # (code, name, name in English, kind)
    staff: tuple[Person, ...]
    # customers
    zh_surnames: tuple[Pair, ...]  # (汉字, pinyin)
    zh_given: tuple[Pair, ...]
    en_first: tuple[str, ...]
    en_last: tuple[str, ...]
    mobile_prefixes: tuple[str, ...]
    mail_domains: tuple[str, ...]
    # complaints, by language ("zh", "en")
    slots: dict[str, dict[str, tuple[str, ...]]]
    complaints: dict[str, tuple[Text, ...]]
    abusive: dict[str, tuple[Text, ...]]
    # handling and remedies
    handling: dict[str, Handling]
    paid_remedies: dict[str, tuple[tuple[str, Pair], ...]]  # tier -> (kind, description)
    hotel_remedies: dict[str, tuple[tuple[str, Pair], ...]]
    apology: Pair
    executed: dict[str, Pair]
    steps: Steps


# --- reading -------------------------------------------------------------------------------------


def _read(name: str) -> dict[str, Any]:
    try:
        raw = (
            resources.files("amends.demo")
            .joinpath("data")
            .joinpath(name)
            .read_text(encoding="utf-8")
        )
        return tomllib.loads(raw)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataError(f"demo data {name}: {exc}") from exc


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise DataError(f"demo data {where}: expected a string, got {value!r}")
    return value


def _pair(value: Any, where: str) -> Pair:
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        raise DataError(f"demo data {where}: expected [中文, English], got {value!r}")
    return (value[0], value[1])


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise DataError(f"demo data {where}: expected a list, got {value!r}")
    return tuple(_str(v, where) for v in value)


def _build(cls: type[Any], entry: dict[str, Any], where: str) -> Any:
    try:
        return cls(**entry)
    except TypeError as exc:
        raise DataError(f"demo data {where}: {exc}") from exc


def _text(entry: dict[str, Any], where: str) -> Text:
    if "unfounded" in entry:
        entry = {**entry, "unfounded": _pair(entry["unfounded"], where)}
    text: Text = _build(Text, entry, where)
    return text


def _remedies(table: dict[str, Any], where: str) -> dict[str, tuple[tuple[str, Pair], ...]]:
    return {
        tier: tuple(
            (_str(o["kind"], f"{where}.{tier}"), _pair(o["text"], f"{where}.{tier}"))
            for o in options
        )
        for tier, options in table.items()
    }


def _handling(name: str, entry: dict[str, Any]) -> Handling:
    where = f"handling.toml: {name}"
    fields = dict(entry)
    for key in ("report", "feedback", "interview"):
        if key in fields:
            fields[key] = _pair(fields[key], f"{where}.{key}")
    if "zero" in fields:
        zero = fields["zero"]
        fields["zero"] = (_str(zero.get("kind"), where), _pair(zero.get("text"), where))
    handling: Handling = _build(Handling, fields, where)
    return handling


@functools.cache
def load() -> Texts:
    """Read and check every data file (once per process)."""
    try:
        return _load()
    except (KeyError, AttributeError) as exc:
        raise DataError(f"demo data: missing or malformed entry {exc}") from exc


def _load() -> Texts:
    world, people, remedies, steps = (
        _read(f"{name}.toml") for name in ("world", "people", "remedies", "steps")
    )
    by_lang = {lang: _read(f"complaints-{lang}.toml") for lang in ("zh", "en")}
    staff = tuple(
        _build(Person, {"venue": None, "department": None, **p}, f"world.toml: {p.get('username')}")
        for p in world["staff"]
    )
    return Texts(
        company=(_str(world["company"]["name"], "world.toml"), world["company"]["code"]),
        venues=tuple(
            (v["code"], v["name"], v.get("name_en", ""), v["kind"]) for v in world["venues"]
        ),
        staff=staff,
        zh_surnames=tuple(_pair(v, "people.toml: zh_surnames") for v in people["zh_surnames"]),
        zh_given=tuple(_pair(v, "people.toml: zh_given") for v in people["zh_given"]),
        en_first=_strings(people["en_first"], "people.toml: en_first"),
        en_last=_strings(people["en_last"], "people.toml: en_last"),
        mobile_prefixes=_strings(people["mobile_prefixes"], "people.toml: mobile_prefixes"),
        mail_domains=_strings(people["mail_domains"], "people.toml: mail_domains"),
        slots={
            lang: {
                key: _strings(values, f"complaints-{lang}.toml: slots.{key}")
                for key, values in data["slots"].items()
            }
            for lang, data in by_lang.items()
        },
        complaints={
            lang: tuple(
                _text(entry, f"complaints-{lang}.toml: complaint {n + 1}")
                for n, entry in enumerate(data["complaint"])
            )
            for lang, data in by_lang.items()
        },
        abusive={
            lang: tuple(
                _text(entry, f"complaints-{lang}.toml: abusive {n + 1}")
                for n, entry in enumerate(data["abusive"])
            )
            for lang, data in by_lang.items()
        },
        handling={name: _handling(name, entry) for name, entry in _read("handling.toml").items()},
        paid_remedies=_remedies(remedies["paid"], "remedies.toml: paid"),
        hotel_remedies=_remedies(remedies["hotel"], "remedies.toml: hotel"),
        apology=_pair(remedies["apology"], "remedies.toml: apology"),
        executed={
            kind: _pair(pair, f"remedies.toml: executed.{kind}")
            for kind, pair in remedies["executed"].items()
        },
        steps=_steps(steps),
    )


def _steps(table: dict[str, Any]) -> Steps:
    """steps.toml, each entry converted by the type its field declares."""
    names = {f.name: f.type for f in dataclasses.fields(Steps)}
    unknown = set(table) - set(names)
    if unknown:
        raise DataError(f"demo data steps.toml: unknown entries {sorted(unknown)}")
    values: dict[str, Any] = {}
    for name, kind in names.items():
        where = f"steps.toml: {name}"
        value = table[name]
        if name == "survey_comments":
            values[name] = {
                int(score): tuple(_pair(v, f"{where}.{score}") for v in options)
                for score, options in value.items()
            }
        elif kind == "Pair":
            values[name] = _pair(value, where)
        elif kind == "tuple[Pair, ...]":
            values[name] = tuple(_pair(v, where) for v in value)
        else:
            values[name] = _strings(value, where)
    return Steps(**values)
