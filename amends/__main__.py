"""`amends COMMAND …` fronts Django's management commands (`amends migrate`, `amends serve`,
`amends demo`, `amends tick`, `amends verify-timeline`, …)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amends.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "amends"
    if len(args) > 1 and not args[1].startswith("-"):
        # Commands are spelled with hyphens on the command line, underscores in Python.
        args[1] = args[1].replace("-", "_")
    try:
        execute_from_command_line(args)
    except ImproperlyConfigured as bad:
        # A bad or missing setting stops start-up with its message, not a traceback.
        sys.stderr.write(f"amends: {bad}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
