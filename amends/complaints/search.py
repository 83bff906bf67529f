"""Keyword search over every complaint: the tokens a complaint is found by, and the match a query
becomes. One tokenizer for both sides, so that what is stored and what is asked agree.

A complaint's tokens (`Complaint.search_tokens`, kept by `integrity.seal` on every save) are
space-separated, lower-case and unique:

1. The reference and the free-text fields (`TEXT_FIELDS`), with personal data — mobile and
   landline numbers, ID-card and bank-card numbers, emails — replaced by a neutral mark first
   (`triage.pii.neutralize`), so the column never holds a phone number in clear. Finding a
   complaint by phone or email goes through the customer's blind index instead.
2. NFKC-normalised (full-width letters and digits become half-width) and lower-cased.
3. Chinese (CJK) runs give every character and every pair of neighbouring characters; other
   text gives its words and numbers (letters and digits together, as in "b2" or "gym1").

A query is tokenized the same way and every token must be present: one Chinese character is
itself, two are their pair, three or more are all their pairs ("跑步机" → 跑步 AND 步机); an
English word or number is itself, or a prefix of a stored word when it has three characters or
more ("tread" finds "treadmill"). PostgreSQL matches `search_vector`, a stored generated column
`to_tsvector('simple', search_tokens)` with a GIN index (migration 0011, which says why stored),
to which migration 0014 adds the complaint's venue as the lexeme `@v<venue id>`: a search within
some venues asks for one of theirs too, so that the index, not the table, leaves out the
matches at other venues. SQLite matches an FTS5 table over the column (migration 0011), and
leaves the venues to the query's own filter.

jieba's words are not added: the pairs already find every Chinese word of any length, and a
word token would only narrow a query if the query were cut into words the same way as the
text around it — which a short query is not.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from typing import Any

from django.db import connection
from django.db.models import BooleanField, F, Func, Q, Value
from django.db.models.expressions import RawSQL

from amends.triage import pii

# The fields a keyword search reads, besides the reference.
TEXT_FIELDS = (
    "description",
    "location",
    "subject_text",
    "customer_request",
    "people_involved",
    "investigation_report",
)
# PostgreSQL's stored tsvector column and the SQLite FTS5 table (both made by migration 0011).
VECTOR_COLUMN = "search_vector"
FTS_TABLE = "complaints_complaint_search"
# A longer word is cut here (both sides), well under PostgreSQL's 2 KB per lexeme.
MAX_TOKEN = 60
# A query keeps at most this many tokens: enough for a sentence, bounded cost.
MAX_QUERY_TOKENS = 16
# Shorter English words and numbers match whole words only: a prefix of one or two letters
# would match half the vocabulary.
MIN_PREFIX = 3

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_RUN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")


def _runs(text: str) -> list[str]:
    """The Chinese runs and the words of `text`, in order, personal data neutralised first."""
    clean = unicodedata.normalize("NFKC", pii.neutralize(text)).lower()
    return _RUN.findall(clean)


def _unique(tokens: Any) -> list[str]:
    return list(dict.fromkeys(t[:MAX_TOKEN] for t in tokens if t))


def text_tokens(text: str) -> list[str]:
    """The tokens of one text, unique, in order of first appearance."""
    out: list[str] = []
    for run in _runs(text):
        if _IS_CJK.match(run):
            out.extend(run)
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            out.append(run)
    return _unique(out)


def complaint_tokens(complaint: Any) -> str:
    """What `Complaint.search_tokens` holds for `complaint` (a model instance, or any object
    with the reference and `TEXT_FIELDS` as attributes): its tokens, space-separated."""
    parts = [complaint.reference or ""]
    parts.extend(getattr(complaint, name, "") or "" for name in TEXT_FIELDS)
    return " ".join(text_tokens("\n".join(parts)))


def query_tokens(text: str) -> list[str]:
    """The tokens a complaint must all hold to match the query `text` ([] when it has none)."""
    out: list[str] = []
    for run in _runs(text):
        if _IS_CJK.match(run) and len(run) > 1:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            out.append(run)
    return _unique(out)[:MAX_QUERY_TOKENS]


def _prefix(token: str) -> bool:
    return len(token) >= MIN_PREFIX and not _IS_CJK.match(token)


# A search within this many venues at most names them in the tsquery (`@v<id>`); beyond, the
# query's own venue filter does the work.
MAX_QUERY_VENUES = 20


def tsquery(tokens: list[str], venues: Collection[int] | None = None) -> str:
    """The PostgreSQL tsquery text (for `::tsquery`) requiring every token, and one of
    `venues` when given. Tokens hold only letters and digits, so quoting them is enough."""
    query = " & ".join(f"'{t}'{':*' if _prefix(t) else ''}" for t in tokens)
    if venues and len(venues) <= MAX_QUERY_VENUES:
        query += " & (" + " | ".join(f"'@v{int(v)}'" for v in sorted(venues)) + ")"
    return query


def fts5_match(tokens: list[str]) -> str:
    """The SQLite FTS5 MATCH expression requiring every token."""
    return " AND ".join(f'"{t}"{"*" if _prefix(t) else ""}' for t in tokens)


class _TokensMatch(Func):
    """PostgreSQL: `<table>.search_vector @@ '<query>'::tsquery`, on the GIN-indexed column
    PostgreSQL generates from `search_tokens` (not a model field, so it is named here, on the
    table alias Django gives `search_tokens`)."""

    output_field = BooleanField()

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, list[Any]]:
        tokens, query = self.get_source_expressions()
        tokens_sql, _ = compiler.compile(tokens)
        table, dot, _ = tokens_sql.rpartition(".")
        query_sql, query_params = compiler.compile(query)
        column = f"{table}{dot}{connection.ops.quote_name(VECTOR_COLUMN)}"
        return f"{column} @@ ({query_sql})::tsquery", list(query_params)


def matches(tokens: list[str], venues: Collection[int] | None = None) -> Q:
    """The complaints holding every one of `tokens` (`query_tokens`); none when there are none.
    PostgreSQL reads the GIN index, SQLite the FTS5 table (rowid = complaint id). `venues`: the
    venues the caller's query is limited to anyway, for the index to leave the others out
    (PostgreSQL; the caller still filters by venue)."""
    if not tokens:
        return Q(pk__in=[])
    if connection.vendor == "postgresql":
        return Q(_TokensMatch(F("search_tokens"), Value(tsquery(tokens, venues))))
    if connection.vendor == "sqlite":
        # The table name is a constant; the match expression is a parameter.
        found = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608
        return Q(pk__in=RawSQL(found, [fts5_match(tokens)]))  # noqa: S611
    raise NotImplementedError(f"keyword search on {connection.vendor}")
