"""Request coalescing: questions asked at the same time are embedded together, in one batch.

On CPU a batch of 32 short questions costs about as much as a handful of single ones, so a service whose
requests share batches answers several times more users per second. There is no extra thread: the first caller
to find the embedder idle leads, encodes every question queued by then (its own included) and hands the next
batch's lead to the first caller still waiting. A lone question is therefore encoded at once. Only when the
previous batch had company does a leader wait up to ``wait_ms`` for more questions before encoding.
"""

from __future__ import annotations

import threading
import time
from collections import deque

import numpy as np

from .embed import Embedder


class _Request:
    __slots__ = ("texts", "event", "lead", "vectors", "error")

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.event = threading.Event()
        self.lead = False
        self.vectors: np.ndarray | None = None
        self.error: BaseException | None = None


class CoalescingEmbedder:
    """Wraps an Embedder; thread-safe; bulk calls (``max_batch`` texts or more) go straight through."""

    def __init__(self, inner: Embedder, max_batch: int = 32, wait_ms: float = 2.0) -> None:
        if max_batch < 1 or wait_ms < 0:
            raise ValueError("max_batch must be >= 1 and wait_ms >= 0")
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.runtime = str(getattr(inner, "runtime", "unknown"))
        self.path = str(getattr(inner, "path", ""))  # the model folder: from_index reuses an embedder by it
        self.max_batch = max_batch
        self.wait_s = wait_ms / 1e3
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._queue: deque[_Request] = deque()
        self._busy = False
        self._gathering = False
        self._last_batch = 1
        self.batches = 0  # counters for benchmarks and metrics
        self.requests = 0

    @property
    def pending(self) -> int:
        """Requests waiting for a batch (not counting the one being encoded)."""
        return len(self._queue)

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        if not texts or len(texts) >= self.max_batch:
            return self.inner.encode(texts, batch_size)
        request = _Request(texts)
        with self._lock:
            self._queue.append(request)
            if self._busy:
                if self._gathering:
                    self._arrived.notify()
            else:
                self._busy = request.lead = True
        if not request.lead:
            request.event.wait()  # set when its batch is done, or when it is handed the lead
        if request.lead:
            self._lead()  # the leader's own request is the first of its batch
        if request.error is not None:
            raise request.error
        assert request.vectors is not None
        return request.vectors

    def _lead(self) -> None:
        with self._lock:
            if self._last_batch > 1 and len(self._queue) < self.max_batch and self.wait_s > 0:
                self._gathering = True
                deadline = time.monotonic() + self.wait_s
                while len(self._queue) < self.max_batch and (left := deadline - time.monotonic()) > 0:
                    self._arrived.wait(left)
                self._gathering = False
            batch = [self._queue.popleft()]
            size = len(batch[0].texts)
            while self._queue and size + len(self._queue[0].texts) <= self.max_batch:
                size += len(self._queue[0].texts)
                batch.append(self._queue.popleft())
            self._last_batch = len(batch)
            self.batches += 1
            self.requests += len(batch)
        try:
            vectors = self.inner.encode([t for r in batch for t in r.texts], self.max_batch)
            start = 0
            for r in batch:
                r.vectors = vectors[start : start + len(r.texts)]
                start += len(r.texts)
        except BaseException as exc:  # every waiting caller gets the error, not a hang
            for r in batch:
                r.error = exc
        with self._lock:
            if self._queue:
                self._queue[0].lead = True
                self._queue[0].event.set()
            else:
                self._busy = False
        for r in batch:
            r.event.set()
