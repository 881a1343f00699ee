"""The Assistant a running service answers with, and how it is replaced without dropping a request."""

from __future__ import annotations

import asyncio
import ctypes
import functools
import gc
import logging
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from starlette.concurrency import run_in_threadpool

from ..config import Settings
from ..engine import Assistant, Embedder
from ..errors import AssistantError, IndexUnavailable, ReloadInProgress

log = logging.getLogger("assistant.api")


@dataclass(frozen=True)
class Reloaded:
    previous: str | None
    version: str
    seconds: float

    @property
    def changed(self) -> bool:
        return self.previous != self.version


async def watch_index(holder: AssistantHolder, on_reload: Callable[[str | None], None], interval: float) -> None:
    """Follow ``index_dir/current``: when `assistant build` (or `--rollback`) points it at another version, load
    that one, as POST /v1/admin/reload would. A version that fails to load is logged once and not retried
    until the link moves again; the index in service stays."""
    link = holder.settings.index_dir / "current"
    failed: str | None = None
    while True:
        await asyncio.sleep(interval)
        if not holder.settled:
            await run_in_threadpool(holder.settle)
        try:
            target = link.resolve(strict=True).name
        except OSError:
            continue  # nothing published yet, or the link is being replaced
        if target in (holder.version, failed):
            continue
        try:
            done = await run_in_threadpool(holder.reload)
        except ReloadInProgress:
            continue  # an admin reload is under way
        except AssistantError as exc:
            failed = target
            log.error("index %s was published but cannot be loaded: %s", target, exc.detail)
            on_reload(None)
            continue
        failed = None
        log.info("index %s published: now in service (was %s)", done.version, done.previous)
        on_reload(done.version)


def freeze_heap() -> None:
    """Move everything alive now (the model, the index: millions of small objects) out of the cyclic garbage
    collector's sight. Otherwise each full collection walks them all, a pause of tens of milliseconds that lands
    on whichever requests are in flight. Freed objects are still released by reference counting, but frozen
    cycles never are: so the previous freeze is undone first, and the replaced Assistant's cycles collected
    (otherwise each reload kept the old index, ~80 MB, for good)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    _trim_malloc()


def _trim_malloc() -> None:
    """Give the freed index's memory back to the system. glibc keeps freed blocks in its arenas for reuse, and
    the next load (two Assistants side by side for a moment) does not fit in them exactly, so without this the
    resident size crept up by a few MB a reload."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


M_ARENA_MAX = -8  # glibc's mallopt parameter


def few_malloc_arenas(arenas: int = 2) -> None:
    """At most ``arenas`` glibc malloc arenas in this process. glibc gives threads that allocate at once arenas of
    their own (up to 8 a core), and a reload that ran on a new thread of the pool built its Assistant in a fresh
    one: the replaced index's memory stayed behind in the old arena, and the resident size jumped by ~28 MB at a
    random reload (tests/api/test_reload_memory.py: 2 runs of 4 after the KB's feedback examples grew)."""
    libc = _glibc()
    if libc is not None:
        libc.mallopt(M_ARENA_MAX, arenas)


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    """The C library, when it is glibc (malloc_trim and mallopt are glibc's); None elsewhere."""
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


class AssistantHolder:
    """Holds the current Assistant. A reload builds the next one off to the side (in the caller's worker
    thread) and then swaps one reference: requests that already took the old one finish on it."""

    def __init__(self, settings: Settings, assistant: Assistant | None = None,
                 embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._current = assistant
        self._embedder = embedder or (assistant.embedder if assistant is not None else None)
        self._reloading = threading.Lock()
        self._retired: weakref.ref[Assistant] | None = None  # the one replaced last, until it is freed
        self.error: str | None = None  # why the first load failed (logged; clients get a generic message)

    @property
    def ready(self) -> bool:
        return self._current is not None

    @property
    def current(self) -> Assistant:
        assistant = self._current
        if assistant is None:
            raise IndexUnavailable("no index is loaded (`assistant build`, then POST /v1/admin/reload); the "
                                   "service log says why" if self.error
                                   else "the index is still loading; try again in a few seconds")
        return assistant

    @property
    def version(self) -> str | None:
        return self._current.version if self._current is not None else None

    def reload(self) -> Reloaded:
        """Load ``index_dir/current`` (blocking: call it from a worker thread). The embedder is reused."""
        if not self._reloading.acquire(blocking=False):
            raise ReloadInProgress("another reload is running; wait for it to finish")
        try:
            started = time.perf_counter()
            previous = self.version
            try:
                assistant = self._load(self.settings.index_dir / "current")
            except AssistantError as exc:
                if self._current is None:
                    self.error = exc.detail
                raise
            retired, self._current = self._current, assistant
            self._retired = weakref.ref(retired) if retired is not None else None
            del retired
            self.error = None
            self.settle()
            log.info("index %s loaded (previous: %s)", assistant.version, previous)
            return Reloaded(previous, assistant.version, round(time.perf_counter() - started, 3))
        finally:
            self._reloading.release()

    def settle(self) -> None:
        """Freeze the heap (see freeze_heap) once the replaced Assistant is gone. A request that took it just
        before the swap keeps it alive past the first collection, which then froze it: the watcher calls this
        again until it is freed."""
        freeze_heap()
        if self._retired is not None and self._retired() is None:
            self._retired = None

    @property
    def settled(self) -> bool:
        return self._retired is None

    def _load(self, path: Path) -> Assistant:
        if not path.exists():  # say so before spending seconds on loading the model
            raise IndexUnavailable(f"{path}: no index here; run `assistant build` first")
        # the embedder is reused unless the new version was built with another model (a `--tune` version
        # carries its own); from_index loads that one, and it is kept for the next reload
        assistant = Assistant.from_index(path, self.settings, self._embedder)
        self._embedder = assistant.embedder
        assistant.ask("你好")  # warm up (first-call allocations) before real users reach it
        return assistant
