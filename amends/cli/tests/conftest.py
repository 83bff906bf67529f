"""Fixtures of the whole-product tests: Redis and a Celery app on it (a real worker runs the
job registry in the tests that start one)."""

import uuid

import pytest
import redis

from amends import worker


@pytest.fixture
def redis_url(settings):
    """Redis is part of the test environment (CI starts it): without it these tests fail, loudly,
    instead of skipping and proving nothing."""
    url = settings.AMENDS_REDIS_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(
            f"Redis is not reachable at AMENDS_REDIS_URL={url} ({exc}); the Celery tests run a "
            "real worker and real beats on it. Start it as .ci/run does: redis-server --daemonize "
            "yes --bind 127.0.0.1 --port 6379",
            pytrace=False,
        )
    return url


@pytest.fixture
def celery_app(redis_url):
    """The amends Celery app with a queue and a beat lock of this test's own, so parallel test
    runs (and any real worker on this Redis) never take each other's messages."""
    queue = f"amends-test-{uuid.uuid4().hex}"
    app = worker.create_app(redis_url, queue=queue, lock_key=f"{queue}:beat-lock")
    yield app
    client = redis.Redis.from_url(redis_url)
    client.delete(queue, f"{queue}:beat-lock")
