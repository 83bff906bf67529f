import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amends.triage.build import read_jsonl
from amends.triage.evaluate import BadRecord, check, evaluate, render


class Command(BaseCommand):
    help = (
        "Measure triage on labelled complaints (TAXONOMY.md's JSON Lines; extra keys ignored): "
        "per-category precision/recall/F1 and macro-F1, severity accuracy and confusion matrix, "
        "urgent recall and precision, PII recall, latency per complaint (p50/p95)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="a .jsonl file of labelled complaints")
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            records = read_jsonl([path])
        except (ValueError, UnicodeDecodeError) as bad:
            raise CommandError(f"not JSON Lines: {bad}") from None
        if not records:
            raise CommandError(f"{path}: no records")
        try:
            for n, record in enumerate(records, 1):
                if not isinstance(record, dict):
                    raise BadRecord(f"record {n}: not an object")
                check(record, f"record {n}")
        except BadRecord as bad:
            raise CommandError(str(bad)) from None
        result = evaluate(records)
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(render(result))
