"""Logging that keeps customers' secrets out of the logs.

A customer's tracking link (`/c/<reference>/<token>/`) and survey link (`/s/<token>/`) are
bearer secrets: whoever holds one reads and acts on that complaint. Django logs the path of
every 4xx and 5xx answer (`django.request`), so the handler's filter masks the tokens in every
record before it is written.
"""

from __future__ import annotations

import logging
import re
from typing import Any

_TOKENS = re.compile(r"(/c/[^/\s]+/)[0-9A-Za-z_-]{16,}|(/s/)[0-9A-Za-z_-]{16,}")


def redact(text: str) -> str:
    """`text` with every tracking and survey token replaced by "…"."""
    return _TOKENS.sub(lambda m: f"{m.group(1) or m.group(2)}…", text)


def _clean(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class RedactTokens(logging.Filter):
    """Mask customer link tokens in a record's message and arguments (always lets it through)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: _clean(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_clean(value) for value in record.args)
        return True
