"""Celery at scale: workers and beat on Redis run the same job registry as `amends serve`.

- One task, `amends.run_job(name, now=None)`, runs a registered job by name and records a JobRun
  (where="celery"). Start workers with `amends worker` on as many machines as needed.
- The beat schedule is generated from the registry: every job, every `job.every`, each message
  expiring after one period (a backlog of ticks is never worked through twice).
- `amends beat` runs Celery beat with `LockedScheduler`: it sends only while it holds a Redis lock
  (SET NX PX, renewed every third of its lifetime), so a second beat — a standby, or two started
  by mistake — stays idle until the holder goes away, and then takes over within `LOCK_SECONDS`.

Broker and result backend: AMENDS_REDIS_URL. Queue: "amends".
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import Any

import django
import redis
from celery import Celery
from celery.beat import PersistentScheduler
from django.apps import apps as django_apps

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amends.settings")
if not django_apps.ready:  # `celery -A amends.worker …` imports this module before Django
    django.setup()

from django.conf import settings

from amends.core import jobs

log = logging.getLogger(__name__)

TASK = "amends.run_job"
QUEUE = "amends"
LOCK_KEY = "amends:beat-lock"
LOCK_SECONDS = 30.0


def run_job(name: str, now: str | None = None) -> dict[str, int]:
    """Run the registered job `name` (at `now`, an ISO 8601 time, default: the clock)."""
    record = jobs.run(name, where="celery", now=datetime.fromisoformat(now) if now else None)
    return dict(record.counts)


def beat_schedule() -> dict[str, dict[str, Any]]:
    """Celery beat's schedule: one entry per registered job, on the job's own period."""
    return {
        declared.name: {
            "task": TASK,
            "schedule": declared.every,
            "args": (declared.name,),
            "options": {"expires": declared.every.total_seconds()},
        }
        for declared in jobs.registry().values()
    }


def create_app(
    redis_url: str, *, queue: str = QUEUE, lock_key: str = LOCK_KEY, main: str = "amends"
) -> Celery:
    """A Celery app on `redis_url` with the run_job task and the beat schedule (tests make their
    own with a queue and lock key of their own)."""
    app = Celery(main, broker=redis_url, backend=redis_url, set_as_current=False)
    app.conf.update(
        task_default_queue=queue,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=timedelta(days=1),
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        enable_utc=True,
        timezone="UTC",
        beat_schedule=beat_schedule(),
        beat_scheduler=f"{__name__}:LockedScheduler",
        amends_beat_lock_key=lock_key,
    )
    app.task(name=TASK, shared=False)(run_job)
    return app


_RENEW = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
)
_RELEASE = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('del', KEYS[1]) else return 0 end"
)


class LockedScheduler(PersistentScheduler):
    """Celery beat's scheduler that sends only while it holds the beat lock in Redis.

    The lock is a key set with NX and a lifetime of `LOCK_SECONDS`, holding this scheduler's
    token; the holder renews it (only if the token is still its own) at least every third of the
    lifetime, and deletes it on close. A scheduler that does not hold it sends nothing and tries
    again a third of a lifetime later. If Redis cannot be reached, the scheduler does not know
    whether it holds the lock, so it sends nothing.
    """

    lock_seconds = LOCK_SECONDS

    def __init__(self, app: Celery, *args: Any, **kwargs: Any) -> None:
        self.lock_key: str = app.conf.get("amends_beat_lock_key") or LOCK_KEY
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
        self.holding = False
        self.redis = redis.Redis.from_url(app.conf.broker_url)
        self._renew = self.redis.register_script(_RENEW)
        self._release = self.redis.register_script(_RELEASE)
        super().__init__(app, *args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if not self.hold_lock():
            return self.lock_seconds / 3
        return float(min(super().tick(*args, **kwargs), self.lock_seconds / 3))

    def hold_lock(self) -> bool:
        """Renew the lock if held, else try to take it; whether this scheduler holds it now."""
        ttl_ms = int(self.lock_seconds * 1000)
        try:
            if self.holding and self._renew(keys=[self.lock_key], args=[self.token, ttl_ms]):
                return True
            if self.holding:
                log.warning("beat lock %s lost; another beat sends now", self.lock_key)
                self.holding = False
            if self.redis.set(self.lock_key, self.token, nx=True, px=ttl_ms):
                log.info("beat lock %s taken (%s); sending", self.lock_key, self.token)
                self.holding = True
        except redis.RedisError as exc:
            log.error("beat lock %s: Redis unreachable (%s); not sending", self.lock_key, exc)
            self.holding = False
        return self.holding

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self.holding:
                try:
                    self._release(keys=[self.lock_key], args=[self.token])
                except redis.RedisError:
                    log.warning("beat lock %s not released; it expires by itself", self.lock_key)
                self.holding = False


app = create_app(settings.AMENDS_REDIS_URL)
