"""A web process that serves only pages does not load what only some requests need: the
triage model (numpy, the dictionaries), matplotlib (the report charts), openpyxl (workbooks)
and WeasyPrint (PDFs) are loaded by the first request that uses them — not by importing the
project and every view. Together they are about 75 MB of a worker's memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ("numpy", "matplotlib", "openpyxl", "weasyprint", "amends.triage.model", "jieba")

PROBE = """
import json, sys
import django
django.setup()
from django.urls import get_resolver
def walk(patterns):
    for p in patterns:
        if hasattr(p, "url_patterns"):
            walk(p.url_patterns)
        else:
            p.callback  # the view's module imported
walk(get_resolver().url_patterns)
import amends.complaints.services, amends.complaints.selectors, amends.api.urls
print(json.dumps(sorted(m for m in %r if m in sys.modules)))
"""


def test_importing_every_view_loads_none_of_the_heavy_libraries() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "amends.settings"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE % (HEAVY,)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_the_first_suggestion_loads_the_model() -> None:
    """The other side: the lazy import is the real one (a complaint read gets its suggestion)."""
    from amends.complaints.services.triage import read

    suggestion = read("跑步机的皮带打滑，我摔倒了，膝盖擦伤。")
    assert suggestion is not None and suggestion.category is not None
    assert "amends.triage.model" in sys.modules
