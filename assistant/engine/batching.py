"""Request coalescing: questions asked at the same time are answered together, in one batch.

On CPU a batch of 32 short questions costs about as much to embed as a handful of single ones, so a service whose
requests share batches answers several times more users per second. There is no extra thread: the first caller
to find the coalescer idle leads, runs the batch function on every question queued by then (its own included) and
hands the next batch's lead to the first caller still waiting. A lone question is therefore answered at once.
Only when the previous batch had company does a leader wait up to ``wait_ms`` for more questions.

The Assistant coalesces its whole ranking (embedding, search, features, scores), not only the embedding: one
thread then does a batch's Python work while the others wait, instead of every request's thread taking turns
with the interpreter lock, which on 2 cores cost throughput and stretched the slowest answers.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

Q = TypeVar("Q")  # what is asked (a question's text, or a reading of it)
T = TypeVar("T")  # what each gets back


class _Request(Generic[Q, T]):
    __slots__ = ("texts", "event", "lead", "results", "error")

    def __init__(self, texts: list[Q]) -> None:
        self.texts = texts
        self.event = threading.Event()
        self.lead = False
        self.results: Sequence[T] | None = None
        self.error: BaseException | None = None


class Coalescer(Generic[Q, T]):
    """Runs ``batch(texts) -> one result per text`` for concurrent callers together; thread-safe; bulk calls
    (``max_batch`` texts or more) go straight through."""

    def __init__(self, batch: Callable[[list[Q]], Sequence[T]], max_batch: int = 32,
                 wait_ms: float = 2.0) -> None:
        if max_batch < 1 or wait_ms < 0:
            raise ValueError("max_batch must be >= 1 and wait_ms >= 0")
        self.batch = batch
        self.max_batch = max_batch
        self.wait_s = wait_ms / 1e3
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._queue: deque[_Request[Q, T]] = deque()
        self._busy = False
        self._gathering = False
        self._last_batch = 1
        self.batches = 0  # counters for benchmarks and metrics
        self.requests = 0

    @property
    def pending(self) -> int:
        """Requests waiting for a batch (not counting the batch being run)."""
        return len(self._queue)

    def run(self, texts: list[Q]) -> Sequence[T]:
        if not texts or len(texts) >= self.max_batch:
            return self.batch(texts)
        request: _Request[Q, T] = _Request(texts)
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
        assert request.results is not None
        return request.results

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
            results = self.batch([t for r in batch for t in r.texts])
            start = 0
            for r in batch:
                r.results = results[start : start + len(r.texts)]
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


def serving_threads() -> Any:
    """For a process that serves questions: numpy's (and FAISS's) BLAS run on the calling thread. A coalesced
    batch of questions makes matrix products big enough for OpenBLAS to start its own threads, which then spin
    while they wait: on 2 cores, beside another worker and the model, that cost the service over a third of its
    throughput (32 clients: 190 against 380 answers/s). The service's parallelism is its worker processes.
    FAISS's OpenMP threads likewise: a batch's search split over 2 spinning threads took longer than on one.
    The limit holds for the process; used as a context manager, until the block ends (the BLAS one)."""
    import faiss
    from threadpoolctl import threadpool_limits

    faiss.omp_set_num_threads(1)
    return threadpool_limits(1, user_api="blas")
