"""django-axes' records of sign-ins (attempts, failures, the log of who signed in from where) are
personal data too: the daily purge deletes them after the access log's period — the longest any
company keeps it."""

from __future__ import annotations

from axes.models import AccessAttempt, AccessFailureLog
from axes.models import AccessLog as SignInLog

from amends.conftest import local
from amends.privacy import services
from amends.privacy.purge import purge


def _sign_ins(*moments):
    """A failed try, its attempt row and a successful sign-in of `manager` at each moment."""
    for n, moment in enumerate(moments):
        common = {
            "username": "manager",
            "ip_address": f"203.0.113.{n + 1}",
            "user_agent": f"Firefox/{n}",
            "http_accept": "text/html",
            "path_info": "/console/login/",
        }
        attempt = AccessAttempt.objects.create(
            get_data="", post_data="", failures_since_start=1, **common
        )
        failure = AccessFailureLog.objects.create(**common)
        signed_in = SignInLog.objects.create(**common)
        # The rows stamp themselves (auto_now_add): set the moment they stand for.
        for model, row in (
            (AccessAttempt, attempt),
            (AccessFailureLog, failure),
            (SignInLog, signed_in),
        ):
            model.objects.filter(pk=row.pk).update(attempt_time=moment)


def _left():
    return [
        sorted(model.objects.values_list("ip_address", flat=True))
        for model in (AccessAttempt, AccessFailureLog, SignInLog)
    ]


def test_sign_in_records_go_the_day_after_twelve_months(cast):
    # 30 Nov and 1 Dec 2025; the access log is kept 12 months (through the same day in 2026).
    _sign_ins(local(2025, 11, 30, 9, 0), local(2025, 12, 1, 9, 0))
    counts = purge(now=local(2026, 11, 30, 12, 0))
    assert _left() == [["203.0.113.1", "203.0.113.2"]] * 3
    assert counts["sign_in_records_deleted"] == 0
    counts = purge(now=local(2026, 12, 1, 12, 0))
    assert _left() == [["203.0.113.2"]] * 3
    assert counts["sign_in_records_deleted"] == 3
    purge(now=local(2026, 12, 2, 12, 0))
    assert _left() == [[], [], []]


def test_the_longest_access_log_period_of_any_company_keeps_them(cast, officer):
    services.retention_rule_set(
        actor=officer, data_class="access_log", months=24, trigger="recorded"
    )
    _sign_ins(local(2024, 11, 30, 9, 0), local(2025, 11, 30, 9, 0))
    purge(now=local(2026, 12, 1, 12, 0))
    assert _left() == [["203.0.113.2"]] * 3
