"""The Assistant a running service answers with, and how it is replaced without dropping a request."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..embed import Embedder
from ..errors import AssistantError, IndexUnavailable
from ..pipeline import Assistant
from .errors import ReloadInProgress

log = logging.getLogger("assistant.api")


@dataclass(frozen=True)
class Reloaded:
    previous: str | None
    version: str
    seconds: float

    @property
    def changed(self) -> bool:
        return self.previous != self.version


class AssistantHolder:
    """Holds the current Assistant. A reload builds the next one off to the side (in the caller's worker
    thread) and then swaps one reference: requests that already took the old one finish on it."""

    def __init__(self, settings: Settings, assistant: Assistant | None = None,
                 embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._current = assistant
        self._embedder = embedder or (assistant.embedder if assistant is not None else None)
        self._reloading = threading.Lock()
        self.error: str | None = None

    @property
    def ready(self) -> bool:
        return self._current is not None

    @property
    def current(self) -> Assistant:
        assistant = self._current
        if assistant is None:
            raise IndexUnavailable(self.error or "the index is still loading; try again in a few seconds")
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
            self._current = assistant
            self.error = None
            log.info("index %s loaded (previous: %s)", assistant.version, previous)
            return Reloaded(previous, assistant.version, round(time.perf_counter() - started, 3))
        finally:
            self._reloading.release()

    def _load(self, path: Path) -> Assistant:
        if not path.exists():  # say so before spending seconds on loading the model
            raise IndexUnavailable(f"{path}: no index here; run `assistant build` first")
        # the embedder is reused unless the new version was built with another model (a `--tune` version
        # carries its own); from_index loads that one, and it is kept for the next reload
        assistant = Assistant.from_index(path, self.settings, self._embedder)
        self._embedder = assistant.embedder
        assistant.ask("你好")  # warm up (first-call allocations) before real users reach it
        return assistant
