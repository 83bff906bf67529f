"""`once`: eight server threads asking together for what a process loads a single time get one
object, built once — the others wait for it rather than each building a copy."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from amends.core.once import once


def test_eight_threads_asking_at_once_get_one_object_built_once() -> None:
    built: list[object] = []
    start = threading.Barrier(8)

    @once
    def model() -> object:
        made = object()
        time.sleep(0.05)  # a slow load: the other threads arrive meanwhile
        built.append(made)
        return made

    def ask() -> object:
        start.wait()
        return model()

    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda _: ask(), range(8)))
    assert len(built) == 1
    assert all(thing is built[0] for thing in got)
    assert model() is built[0]


def test_cleared_it_is_built_again_and_a_failed_build_is_tried_again() -> None:
    calls: list[int] = []

    @once
    def numbers() -> list[int]:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("the file is not there yet")
        return [len(calls)]

    with pytest.raises(OSError):
        numbers()
    first = numbers()
    assert first == [2] and numbers() is first
    numbers.cache_clear()
    assert numbers() == [3]
    assert numbers.__name__ == "numbers"
