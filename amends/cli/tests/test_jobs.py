"""The jobs run the same way everywhere: in-process (`amends serve`, `amends tick`) and through a
real Celery worker on Redis, each exactly once; of two beats on one Redis only one sends."""

import re
import threading
import time
from datetime import timedelta

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.core.management import call_command

from amends import worker
from amends.cli.runner import JobRunner
from amends.conftest import local
from amends.core import clock, jobs
from amends.core.models import JobRun
from amends.notifications.models import Outbox

DUE = local(2026, 11, 20, 13, 30)  # the urgent fault below is due a reminder since 13:00


def urgent_fault(cast):
    with clock.travel(local(2026, 11, 20, 10, 0)):
        return cast.receive(category="facility_equipment", severity="urgent")


def reminders(complaint):
    return sorted(
        Outbox.objects.filter(complaint_id=complaint.pk, kind="reminder").values_list(
            "recipient_user__username", flat=True
        )
    )


@pytest.mark.django_db(transaction=True)
def test_it_runs_a_job_sent_through_celery_exactly_once(cast, celery_app):
    c = urgent_fault(cast)
    with start_worker(celery_app, perform_ping_check=False, shutdown_timeout=30):
        result = celery_app.send_task(
            worker.TASK, args=("complaints.remind_due",), kwargs={"now": DUE.isoformat()}
        )
        assert result.get(timeout=30) == {"reminders": 1}
    runs = JobRun.objects.filter(name="complaints.remind_due")
    assert [(r.where, r.ok, r.counts) for r in runs] == [("celery", True, {"reminders": 1})]
    assert reminders(c) == ["desk", "maintenance"]


@pytest.mark.django_db(transaction=True)
def test_it_reports_a_failing_job_through_celery_and_records_it(cast, celery_app):
    with start_worker(celery_app, perform_ping_check=False, shutdown_timeout=30):
        result = celery_app.send_task(worker.TASK, args=("complaints.no_such_job",))
        with pytest.raises(
            LookupError, match=re.escape("no job is named 'complaints.no_such_job'")
        ):
            result.get(timeout=30)
        result = celery_app.send_task(
            worker.TASK, args=("complaints.escalate_overdue",), kwargs={"now": DUE.isoformat()}
        )
        assert result.get(timeout=30) == {"escalations": 0}
    assert JobRun.objects.get(name="complaints.escalate_overdue").where == "celery"


def test_it_runs_the_same_job_in_process_once(cast):
    c = urgent_fault(cast)
    assert jobs.run("complaints.remind_due", now=DUE).counts == {"reminders": 1}
    assert jobs.run("complaints.remind_due", now=DUE).counts == {"reminders": 0}
    runs = JobRun.objects.filter(name="complaints.remind_due").order_by("pk")
    assert [(r.where, r.ok, r.summary) for r in runs] == [
        ("inline", True, "reminders=1"),
        ("inline", True, "reminders=0"),
    ]
    assert reminders(c) == ["desk", "maintenance"]


def test_amends_tick_runs_every_registered_job_once(cast, capsys):
    urgent_fault(cast)
    with clock.travel(DUE):
        call_command("tick")
    assert capsys.readouterr().out.strip() == "reminders=1 escalations=0 anonymised=0"
    ran = sorted(JobRun.objects.values_list("name", "where", "ok"))
    assert ran == [(name, "inline", True) for name in sorted(jobs.registry())]


def test_the_beat_schedule_holds_every_registered_job_on_its_own_period():
    schedule = worker.beat_schedule()
    assert set(schedule) == set(jobs.registry())
    for name, declared in jobs.registry().items():
        entry = schedule[name]
        assert (entry["task"], entry["args"], entry["schedule"]) == (
            worker.TASK,
            (name,),
            declared.every,
        )


@pytest.mark.django_db(transaction=True)
def test_the_embedded_runner_runs_each_job_on_its_schedule_and_retries_a_failure():
    calls: dict[str, int] = {"flaky": 0, "steady": 0}
    lock = threading.Lock()

    def flaky(*, now):
        with lock:
            calls["flaky"] += 1
            if calls["flaky"] == 1:
                raise RuntimeError("the database went away")
        return {"done": 1}

    def steady(*, now):
        with lock:
            calls["steady"] += 1
        return {}

    runner = JobRunner(
        [
            jobs.Job("test.flaky", flaky, every=timedelta(seconds=0.3)),
            jobs.Job("test.steady", steady, every=timedelta(seconds=10)),
        ]
    )
    runner.start()
    try:
        deadline = time.monotonic() + 10
        while calls["flaky"] < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        runner.stop()
        runner.join(timeout=10)
    assert not runner.is_alive()
    assert calls["flaky"] >= 3, "the failing job was not retried on its schedule"
    assert calls["steady"] == 1, "a job ran more often than its own schedule"
    flaky_runs = list(JobRun.objects.filter(name="test.flaky").order_by("pk"))
    assert [r.ok for r in flaky_runs[:2]] == [False, True]
    assert flaky_runs[0].summary == "RuntimeError: the database went away"


class CountingScheduler(worker.LockedScheduler):
    """The real scheduler, counting what it sends (and still sending it to Redis)."""

    lock_seconds = 1.5

    def __init__(self, *args, **kwargs):
        self.sent, self.closed = 0, False
        super().__init__(*args, **kwargs)

    def close(self):
        if not self.closed:
            self.closed = True
            super().close()

    def apply_async(self, entry, *args, **kwargs):
        self.sent += 1
        return super().apply_async(entry, *args, **kwargs)


def test_of_two_beats_on_one_redis_only_the_lock_holder_sends(celery_app, tmp_path):
    celery_app.conf.beat_schedule = {
        "often": {"task": worker.TASK, "schedule": 0.1, "args": ("core.prune_job_runs",)}
    }
    first = CountingScheduler(app=celery_app, schedule_filename=str(tmp_path / "first"))
    second = CountingScheduler(app=celery_app, schedule_filename=str(tmp_path / "second"))
    queue = redis.Redis.from_url(celery_app.conf.broker_url)
    try:
        both_beats(celery_app, first, second, queue)
    finally:
        first.close()
        second.close()


def both_beats(celery_app, first, second, queue):
    def run_both(seconds, *schedulers):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for scheduler in schedulers:
                scheduler.tick()
            time.sleep(0.05)

    # 1. Both tick: the first takes the lock and sends; the second stays idle.
    run_both(1.0, first, second)
    assert first.sent >= 3 and second.sent == 0
    assert queue.llen(celery_app.conf.task_default_queue) == first.sent
    assert second.tick() == pytest.approx(0.5)

    # 2. The first stops ticking without a word (a crash, a long pause): once its lock expires
    #    the second takes over, and the first, back again, finds it lost the lock and stays idle.
    sent_before = first.sent
    run_both(2.5, second)
    assert second.sent >= 3
    run_both(0.5, first, second)
    assert first.sent == sent_before

    # 3. A beat that shuts down releases the lock at once.
    second.close()
    sent_before = first.sent
    run_both(0.5, first)
    assert first.sent > sent_before
