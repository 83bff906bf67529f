"""The ceiling of `amends bench intake`: a bare Django insert view — one model insert per
request, nothing else — served by the same server processes with the same settings and
middleware as the console, so intake is compared with the most any write through Django can
do on this stack. Mounted at /bench/ceiling/ in bench mode only (AMENDS_BENCH=1, amends/urls.py);
its rows go to a table of their own (`BenchCeilingRow`), emptied by the bench after the run."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from amends.cli.models import BenchCeilingRow


@csrf_exempt  # bench mode only; no session, no form: the bare cost of one insert
@require_POST
def insert(request: HttpRequest) -> HttpResponse:
    row = BenchCeilingRow.objects.create(created_at=timezone.now(), note="ceiling")
    return HttpResponse(str(row.pk), status=201, content_type="text/plain")
