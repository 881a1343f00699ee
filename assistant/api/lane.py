"""The ask lane: one thread per worker process answers the questions of all its concurrent requests, in batches.

Each /v1/ask used to take a thread of the pool, and the threads of concurrent requests met in the engine's
coalescer, one of them ranking the batch while the rest slept. Every request thus woke a thread, read its session's
turns in its own query and took its turn at the interpreter lock: on 2 cores a third of the service's CPU went to
that, outside any code of ours. Here a request only queues its question and awaits a future; the lane's thread
takes everything queued (up to the batch size), reads the sessions' turns in one query, ranks the questions
together and answers each future on the event loop. A lone request is taken at once; while a batch is ranked the
next one gathers by itself.

Two messages of one session never share a batch: the second is answered after the first, in its context.

Repeats (a question whose ranking is in the cache, as the route sees before queuing it) take a lane of their own:
answering one alone costs no model run, and behind a batch of new questions it waited for the whole batch
(bench_serve, 32 clients: cached repeats' p99 162 ms on one lane, 130-150 ms on two). A repeat read in its
conversation's context may still need a fresh ranking; the repeats' lane does it too (see the README).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from contextlib import suppress
from typing import Any, Generic, TypeVar

from ..errors import AssistantError, StoreUnavailable

T = TypeVar("T")
R = TypeVar("R")
log = logging.getLogger("assistant.api")


class _Waiting(Generic[T]):
    __slots__ = ("item", "future", "loop")

    def __init__(self, item: T, future: asyncio.Future[Any], loop: asyncio.AbstractEventLoop) -> None:
        self.item = item
        self.future = future
        self.loop = loop


class AskLane(Generic[T, R]):
    """``await lane.submit(item)``: ``handle(items) -> one result or exception per item`` runs on the lane's
    thread for every batch. ``key``: items with the same key never share a batch (they keep their order)."""

    def __init__(self, handle: Callable[[list[T]], Sequence[R | Exception]], max_batch: int,
                 key: Callable[[T], Hashable] = id, name: str = "ask-lane",
                 observe: Callable[[int], None] | None = None) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be >= 1")
        self.handle = handle
        self.max_batch = max_batch
        self.key = key
        self.name = name
        self.observe = observe  # told each batch's size (a metric)
        self._queue: deque[_Waiting[T]] = deque()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        self.batches = 0  # counters for benchmarks and tests
        self.items = 0

    async def submit(self, item: T) -> R:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        with self._cond:
            if self._closed:
                raise StoreUnavailable("the service is shutting down")
            self._queue.append(_Waiting(item, future, loop))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
            self._cond.notify()
        return await future

    def close(self, timeout: float = 10.0) -> None:
        """Answer what is queued, then stop the thread."""
        with self._cond:
            self._closed = True
            self._cond.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _take(self) -> list[_Waiting[T]] | None:
        with self._cond:
            while not self._queue:
                if self._closed:
                    return None
                self._cond.wait()
            batch: list[_Waiting[T]] = []
            keys: set[Hashable] = set()
            later: list[_Waiting[T]] = []
            while self._queue and len(batch) < self.max_batch:
                waiting = self._queue.popleft()
                k = self.key(waiting.item)
                if k in keys:
                    later.append(waiting)
                else:
                    keys.add(k)
                    batch.append(waiting)
            self._queue.extendleft(reversed(later))
            return batch

    def _run(self) -> None:
        while (batch := self._take()) is not None:
            self._answer(batch)
            # nothing of the batch may stay referenced while the lane waits: its questions hold their Assistant,
            # which a reload must be able to free (api/runtime.py freezes the heap after loading the next one)
            del batch

    def _answer(self, batch: list[_Waiting[T]]) -> None:
        self.batches += 1
        self.items += len(batch)
        if self.observe is not None:
            self.observe(len(batch))
        try:
            results: Sequence[Any] = self.handle([w.item for w in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"the lane's handler gave {len(results)} results for {len(batch)} items")
        except Exception as exc:  # every waiting request gets the error, not a hang
            if not isinstance(exc, AssistantError):  # ours say what is wrong (the store is down...) themselves
                log.exception("answering a batch of %d questions failed", len(batch))
            results = [exc] * len(batch)
        for waiting, result in zip(batch, results, strict=True):
            # RuntimeError: that request's event loop is gone (a test's, or a worker shutting down)
            with suppress(RuntimeError):
                waiting.loop.call_soon_threadsafe(_settle, waiting.future, result)


class AskLanes(Generic[T, R]):
    """The worker's two lanes, ``fresh`` questions and ``repeats``, with the same handler."""

    def __init__(self, handle: Callable[[list[T]], Sequence[R | Exception]], max_batch: int,
                 key: Callable[[T], Hashable] = id, observe: Callable[[str, int], None] | None = None) -> None:
        def told(lane: str) -> Callable[[int], None] | None:
            return None if observe is None else lambda size: observe(lane, size)

        self.fresh: AskLane[T, R] = AskLane(handle, max_batch, key, "ask-lane", told("fresh"))
        self.repeats: AskLane[T, R] = AskLane(handle, max_batch, key, "ask-lane-repeats", told("repeats"))

    def close(self, timeout: float = 10.0) -> None:
        self.fresh.close(timeout)
        self.repeats.close(timeout)


def _settle(future: asyncio.Future[Any], result: Any) -> None:
    if future.done():  # the client went away and the request was cancelled
        return
    if isinstance(result, Exception):
        future.set_exception(result)
    else:
        future.set_result(result)
