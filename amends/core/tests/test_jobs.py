"""The job registry: each job declared once with its schedule, every run recorded, the run
history bounded."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.admin.sites import site
from django.test import RequestFactory

from amends.core import jobs
from amends.core.models import JobRun

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def test_it_discovers_the_jobs_every_app_declares_each_with_its_schedule():
    declared = jobs.registry()
    assert {
        "complaints.remind_due",
        "complaints.escalate_overdue",
        "complaints.anonymise_expired",
        "core.prune_job_runs",
    } <= set(declared)
    tick = timedelta(seconds=settings.AMENDS_TICK_SECONDS)
    assert declared["complaints.remind_due"].every == tick
    assert declared["complaints.escalate_overdue"].every == tick
    assert declared["core.prune_job_runs"].every == timedelta(days=1)
    assert all(job.description for job in declared.values())


def test_it_refuses_two_jobs_under_one_name():
    def other(*, now):
        return None

    with pytest.raises(ValueError, match=re.escape("two jobs are named 'core.prune_job_runs'")):
        jobs.register(jobs.Job("core.prune_job_runs", other, every=timedelta(minutes=1)))
    assert jobs.get("core.prune_job_runs").func is jobs.prune_job_runs


def test_it_names_the_known_jobs_when_asked_for_an_unknown_one():
    with pytest.raises(LookupError, match=re.escape("complaints.remind_due")):
        jobs.get("complaints.remind")


def test_it_records_a_run_with_what_the_job_did(db):
    seen = []

    def count(*, now):
        seen.append(now)
        return {"done": 2, "skipped": 0}

    record = jobs.run(jobs.Job("test.count", count, every=timedelta(minutes=1)), now=NOW)
    assert seen == [NOW]
    record = JobRun.objects.get(pk=record.pk)
    assert (record.name, record.where, record.ok) == ("test.count", "inline", True)
    assert record.counts == {"done": 2, "skipped": 0}
    assert record.summary == "done=2 skipped=0"
    assert record.started_at <= record.finished_at


def test_it_records_a_failed_run_and_raises_the_error_again(db):
    def broken(*, now):
        raise RuntimeError("the mail server is down")

    with pytest.raises(RuntimeError):
        jobs.run(jobs.Job("test.broken", broken, every=timedelta(minutes=1)), where="celery")
    record = JobRun.objects.get(name="test.broken")
    assert (record.where, record.ok) == ("celery", False)
    assert record.summary == "RuntimeError: the mail server is down"
    assert record.finished_at is not None


def test_it_prunes_runs_older_than_thirty_days(db):
    for age in (31, 29, 1):
        JobRun.objects.create(name="x", where="inline", started_at=NOW - timedelta(days=age))
    record = jobs.run("core.prune_job_runs", now=NOW)
    assert record.counts == {"pruned": 1}
    ages = sorted((NOW - r.started_at).days for r in JobRun.objects.filter(name="x"))
    assert ages == [1, 29]


def test_it_shows_job_runs_read_only_in_the_admin(admin_user):
    request = RequestFactory().get("/admin/core/jobrun/")
    request.user = admin_user
    model_admin = site._registry[JobRun]
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
