"""A per-client token bucket for the public endpoints (in memory: the service is one process)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from ..errors import RateLimited


class RateLimiter:
    """``per_minute`` requests per client, refilled continuously; bursts up to ``per_minute``. 0 = no limit."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic, max_clients: int = 100_000):
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when)
        self._lock = threading.Lock()

    def check(self, client: str) -> None:
        if self.capacity <= 0:
            return
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - then) * self.rate)
            if tokens < 1.0:
                self._buckets[client] = (tokens, now)
                wait = math.ceil((1.0 - tokens) / self.rate)
                raise RateLimited(f"more than {int(self.capacity)} requests a minute; retry in {wait} s",
                                  headers={"Retry-After": str(wait)}, retry_after=wait)
            self._buckets[client] = (tokens - 1.0, now)
            if len(self._buckets) > self.max_clients:
                self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        """Drop clients whose bucket has refilled: they are indistinguishable from new ones."""
        full = [c for c, (t, when) in self._buckets.items() if t + (now - when) * self.rate >= self.capacity]
        for client in full:
            del self._buckets[client]
