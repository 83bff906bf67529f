"""`once`: what a process loads a single time (the triage model, the word dictionary), made a
single time even when several threads of a server ask for it together.

`functools.lru_cache(maxsize=1)` does not lock: eight waitress threads taking their first
complaint at once each built the 25 MB model and the dictionary, and the copies freed
afterwards left the worker's memory fragmented (227 MB after intake with 8 threads, against
146 MB with one). Here the first caller builds while the others wait for its result.

    @once
    def current() -> Model:
        return Model.load()

    current()               # built on the first call, the same object afterwards
    current.cache_clear()   # built again on the next call (a rebuilt model, a test)
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class once(Generic[T]):  # a decorator, named like one
    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._made: list[T] = []
        functools.update_wrapper(self, build)

    def __call__(self) -> T:
        made = self._made
        if made:
            return made[0]
        with self._lock:
            if not self._made:
                self._made.append(self._build())
            return self._made[0]

    def cache_clear(self) -> None:
        with self._lock:
            self._made.clear()
