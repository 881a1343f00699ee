"""Per-client token buckets, one count for all the worker processes of a service.

Each worker counting alone let FAQ_WORKERS=2 allow twice the limit. So the buckets live in a memory map: with
several workers a file in their shared folder (``assistant serve`` names it in ``ASSISTANT_RATE_LIMITS``),
updated under an ``flock`` as ``desk/db.py`` does for SQLite, otherwise anonymous memory. A bucket is a fixed
slot (client hash, tokens, last update on ``time.monotonic``, which all processes share), found by open
addressing near the client's hash; a client takes over a slot whose bucket has refilled (it is then no different
from a new one). When all its probe slots are busy the client shares one: it may be limited early, never late.

The client is the socket peer (``request.client``), which uvicorn rewrites from ``X-Forwarded-For`` only for
the proxies in FAQ_TRUSTED_PROXIES. IPv6 clients count by their /64 network: one host owns a whole /64.
"""

from __future__ import annotations

import fcntl
import hashlib
import ipaddress
import math
import mmap
import os
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import RateLimited

LIMITS_ENV = "ASSISTANT_RATE_LIMITS"  # set by `assistant serve` for its workers: their shared folder
SLOT = struct.Struct("<Qdd")  # client hash (0: free), tokens, when (time.monotonic)
SLOTS = 1 << 16
PROBES = 16


def client_key(host: str | None) -> str:
    """What a client is counted as: its address, or its /64 network for IPv6."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class RateLimiter:
    """``per_minute`` requests per client, refilled continuously; bursts up to ``per_minute``. 0 = no limit.
    ``path``: the file shared with the other workers (None: this process alone)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic,
                 path: Path | None = None) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self._lock = threading.Lock()
        self._fd: int | None = None
        size = SLOT.size * SLOTS
        if path is None:
            self._map = mmap.mmap(-1, size)
            return
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        with self._file_lock():
            if os.fstat(self._fd).st_size < size:
                os.ftruncate(self._fd, size)
        self._map = mmap.mmap(self._fd, size)

    def check(self, client: str) -> None:
        """Spend one token of the client's bucket, or RateLimited (with Retry-After) when there is none."""
        self._take(client, spend=True)

    def peek(self, client: str) -> None:
        """RateLimited if the client's bucket is empty; spends nothing."""
        self._take(client, spend=False)

    def _take(self, client: str, spend: bool) -> None:
        if self.capacity <= 0:
            return
        key = int.from_bytes(hashlib.blake2b(client.encode(), digest_size=8).digest(), "little") or 1
        now = self.clock()
        with self._lock, self._file_lock():
            slot, owner = self._find(key, now)
            stored, tokens, then = SLOT.unpack_from(self._map, slot)
            if stored != owner:  # a free or refilled slot: a full bucket
                tokens, then = self.capacity, now
            tokens = min(self.capacity, tokens + max(0.0, now - then) * self.rate)
            if tokens < 1.0:
                SLOT.pack_into(self._map, slot, owner, tokens, now)
                wait = math.ceil((1.0 - tokens) / self.rate)
                raise RateLimited(f"more than {int(self.capacity)} a minute; retry in {wait} s",
                                  headers={"Retry-After": str(wait)}, retry_after=wait)
            SLOT.pack_into(self._map, slot, owner, tokens - 1.0 if spend else tokens, now)

    def _find(self, key: int, now: float) -> tuple[int, int]:
        """The offset of the client's slot and whose it is: its own, else the first free or refilled one near
        its hash (taken over), else the first one (shared with its owner, whose bucket it spends)."""
        start = key % SLOTS
        free = None
        for i in range(PROBES):
            offset = ((start + i) % SLOTS) * SLOT.size
            stored, tokens, then = SLOT.unpack_from(self._map, offset)
            if stored == key:
                return offset, key
            idle = stored == 0 or then > now or tokens + (now - then) * self.rate >= self.capacity
            if free is None and idle:
                free = offset
        if free is not None:
            return free, key
        return start * SLOT.size, SLOT.unpack_from(self._map, start * SLOT.size)[0]

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        if self._fd is None:
            yield
            return
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if not self._map.closed:
            self._map.close()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
