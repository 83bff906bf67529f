"""`amends triage-export`: the complaints people classified, as labelled data for the next model.

    amends triage-export                          every venue, to standard output
    amends triage-export --venue GYM1 --since 2026-11-01 --out gym1.jsonl

Writes TAXONOMY.md's labelled format (JSON Lines, one complaint a line) — what `amends
triage-build` trains on and `amends triage-eval` measures — for the complaints whose
classification a person confirmed or overrode: those with a `TriageOverride` (someone chose
other than triage suggested, at intake or later) and those closed (whoever closed it stood by
its classification). Merged complaints are left out (their survivor counts).

Each line: `id` the reference; `lang` the language triage read (zh or en; a mixed text is
zh); `venue` the venue's kind; `channel`; `text` the description and `expects` what the
customer asked for, both with their personal data masked (`amends.triage.pii.mask`: phone,
ID-card and bank-card numbers, emails); `category`, `severity` and `psychology` as the
complaint has them now; `valid` true (valid), false (invalid) or null (undecided).

A complaint without a category of the default taxonomy or without a severity carries no
label and is skipped (counted on standard error). `--since` keeps those received on or after
that day (the installation's time zone). Mistakes — an unknown venue, a bad date, a folder that
does not exist — end with the reason and a non-zero exit, never a traceback. The rows are read
in chunks, so any number of complaints is written in constant memory."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Exists, OuterRef, Q, QuerySet

from amends.complaints.models import Complaint, TriageOverride
from amends.complaints.transitions import State
from amends.orgs.models import Venue
from amends.triage import language, pii
from amends.workflow.taxonomy import DEFAULT_CATEGORIES, Severity, Validity

CODES = frozenset(code for code, _zh, _en in DEFAULT_CATEGORIES)
VALID = {Validity.VALID.value: True, Validity.INVALID.value: False}
CHUNK = 500


def labelled(*, venue: Venue | None, since: datetime | None) -> QuerySet[Complaint]:
    """The complaints a person confirmed (closed) or overrode (a `TriageOverride`), merged
    ones left out, oldest first."""
    overridden = Exists(TriageOverride.objects.filter(complaint_id=OuterRef("pk")))
    found = Complaint.objects.filter(Q(state=State.CLOSED) | Q(overridden)).exclude(
        state=State.MERGED
    )
    if venue is not None:
        found = found.filter(venue=venue)
    if since is not None:
        found = found.filter(received_at__gte=since)
    return (
        found.select_related("venue", "category")
        .only(
            "reference",
            "channel",
            "description",
            "customer_request",
            "severity",
            "psychology",
            "validity",
            "triage",
            "venue__kind",
            "category__code",
        )
        .order_by("received_at", "pk")
    )


def record(complaint: Complaint) -> dict[str, Any] | None:
    """The labelled line of `complaint`, or None when it carries no label."""
    category = complaint.category.code if complaint.category is not None else ""
    if category not in CODES or complaint.severity not in Severity.values:
        return None
    read = str((complaint.triage or {}).get("language") or language.detect(complaint.description))
    return {
        "id": complaint.reference,
        "lang": language.EN if read == language.EN else language.ZH,
        "venue": complaint.venue.kind,
        "channel": complaint.channel,
        "text": pii.mask(complaint.description),
        "category": category,
        "severity": complaint.severity,
        "valid": VALID.get(complaint.validity),
        "psychology": complaint.psychology or None,
        "expects": pii.mask(complaint.customer_request),
    }


class Writer(Protocol):
    def write(self, text: str, /) -> object: ...


def write(complaints: QuerySet[Complaint], out: Writer) -> tuple[int, int]:
    """Write the labelled lines of `complaints` to `out`: (written, skipped)."""
    written = skipped = 0
    for complaint in complaints.iterator(chunk_size=CHUNK):
        line = record(complaint)
        if line is None:
            skipped += 1
            continue
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
        written += 1
    return written, skipped


class Command(BaseCommand):
    help = (
        "Write the complaints people classified (overrode triage, or closed) as TAXONOMY.md's "
        "labelled JSON Lines, personal data masked: new training data for triage."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--venue", default="", help="only this venue's (its code, e.g. GYM1)")
        parser.add_argument(
            "--since", default="", help="only those received on or after this day (YYYY-MM-DD)"
        )
        parser.add_argument("--out", default="", help="the file to write (default: standard out)")

    def handle(self, *args: Any, **options: Any) -> None:
        venue = None
        if code := options["venue"]:
            venue = Venue.objects.filter(code=code).first()
            if venue is None:
                known = ", ".join(Venue.objects.order_by("code").values_list("code", flat=True))
                raise CommandError(f"no venue with code {code!r} (venues: {known or '—'})")
        since = parse_day(options["since"]) if options["since"] else None
        complaints = labelled(venue=venue, since=since)
        target = options["out"]
        if not target or target == "-":
            written, skipped = write(complaints, self.stdout)
        else:
            path = Path(target)
            if not path.parent.is_dir():
                raise CommandError(f"no folder {str(path.parent)!r} to write {path.name} in")
            try:
                with path.open("w", encoding="utf-8") as out:
                    written, skipped = write(complaints, out)
            except OSError as exc:
                raise CommandError(f"could not write {path}: {exc.strerror or exc}") from None
        where = f" to {target}" if target and target != "-" else ""
        self.stderr.write(
            f"{written:,} labelled complaints written{where}; "
            f"{skipped:,} skipped (no category of the taxonomy or no severity)"
        )


def parse_day(text: str) -> datetime:
    """YYYY-MM-DD as the start of that day in the installation's time zone."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"--since must be YYYY-MM-DD, e.g. 2026-11-01, not {text!r}") from None
    if len(text.strip()) != 10:
        raise CommandError(f"--since must be YYYY-MM-DD, e.g. 2026-11-01, not {text!r}")
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(settings.TIME_ZONE))
