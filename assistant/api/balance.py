"""Keeping the requests of FAQ_WORKERS processes balanced.

The workers share one listening socket, and a keep-alive connection stays with whichever process accepted it.
Clients that hold their connections open (a reverse proxy's pool, a widget page asking again, a load test) can
leave one worker with many more of them than the other. On 2 cores with 32 clients the split changed from one
run to the next: in the worst, one worker's clients waited 190 ms (median) and the other's 18 ms, and the p99
was 275 ms against 175 ms in a run with an even split.

So each worker publishes how many connections it has that are busy (sent a request in the last second) on a
small shared "load board": a memory-mapped file, one slot per process. A worker with clearly more busy
connections than the least busy one answers with ``Connection: close``; the client's next request opens a new
connection, which the less busy worker, quicker back to accept(), usually takes. Clients do not notice: HTTP
clients reconnect by themselves. Requests in flight would be a worse measure: a batch of answers leaves a worker
at once, and for a moment its count drops well below its share of clients.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
import time
from collections.abc import Callable
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

BOARD_ENV = "ASSISTANT_LOAD_BOARD"  # set by `assistant serve` for its workers; not a user setting
SLOT = struct.Struct("<qqd")  # pid, busy connections, when published (time.monotonic, the same in every process)
SLOTS = 64  # FAQ_WORKERS is at most 64
BUSY_S = 1.0  # a connection is busy while its last request is younger than this; so is a published count
REFRESH_S = 1.0  # how often a worker looks again at which other workers are alive

Client = tuple[str, int]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


class LoadBoard:
    """This process's slot on the board, and a view of the others'. Only the event loop's thread touches it."""

    def __init__(self, path: Path | str, margin: int = 2, pid: int | None = None) -> None:
        self.margin = margin
        self.pid = os.getpid() if pid is None else pid  # whose slot (tests stand in for other workers)
        self._busy: dict[Client, float] = {}  # connection -> its last request, oldest first
        size = SLOT.size * SLOTS
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # workers start together: claim slots one at a time
            if os.fstat(fd).st_size < size:
                os.ftruncate(fd, size)
            self._map = mmap.mmap(fd, size)
            self.slot = self._claim()
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)  # explicitly: the map holds a duplicate of fd, and with it the lock
            os.close(fd)
        self._others: list[int] = []
        self._seen_at = float("-inf")

    def _claim(self) -> int:
        """The first slot that is free or whose process is gone (a worker uvicorn replaced)."""
        pid = self.pid
        for i in range(SLOTS):
            owner = SLOT.unpack_from(self._map, i * SLOT.size)[0]
            if owner in (0, pid) or not _alive(owner):
                SLOT.pack_into(self._map, i * SLOT.size, pid, 0, time.monotonic())
                return i
        raise RuntimeError(f"the load board has no free slot for process {pid}")

    @property
    def busy(self) -> int:
        return len(self._busy)

    def request(self, client: Client, now: float | None = None) -> None:
        """A request arrived on this connection: count it busy, forget connections gone quiet, publish."""
        now = time.monotonic() if now is None else now
        self._busy.pop(client, None)
        self._busy[client] = now
        while (oldest := next(iter(self._busy.items())))[1] < now - BUSY_S:
            del self._busy[oldest[0]]
        SLOT.pack_into(self._map, self.slot * SLOT.size, self.pid, len(self._busy), now)

    def least_other(self, now: float | None = None) -> int | None:
        """Busy connections at the least busy other live worker (None when this one is alone). A count not
        published for BUSY_S is 0: that worker has had no requests since."""
        now = time.monotonic() if now is None else now
        if now - self._seen_at > REFRESH_S:
            self._others = [i for i in range(SLOTS) if i != self.slot
                            and (pid := SLOT.unpack_from(self._map, i * SLOT.size)[0]) and _alive(pid)]
            self._seen_at = now
        if not self._others:
            return None
        least = None
        for i in self._others:
            _, count, at = SLOT.unpack_from(self._map, i * SLOT.size)
            count = count if at >= now - BUSY_S else 0
            least = count if least is None else min(least, count)
        return least

    def shed(self, client: Client, now: float | None = None) -> bool:
        """Whether to close this connection after its response: this worker has ``margin`` (or a quarter) more
        busy connections than another. A shed connection no longer counts here."""
        least = self.least_other(now)
        if least is None or self.busy - least < max(self.margin, least // 4):
            return False
        self._busy.pop(client, None)
        return True

    def close(self) -> None:
        if not self._map.closed:
            SLOT.pack_into(self._map, self.slot * SLOT.size, 0, 0, 0.0)
            self._map.close()


class BalanceMiddleware:
    """Records each HTTP request's connection on the board, and closes the connection after a response sent
    while this worker is crowded (``on_shed`` is called for each, for the metrics)."""

    def __init__(self, app: ASGIApp, board: LoadBoard, on_shed: Callable[[], None] | None = None) -> None:
        self.app = app
        self.board = board
        self.on_shed = on_shed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] != "http" or not client:
            await self.app(scope, receive, send)
            return
        board = self.board
        client = (str(client[0]), int(client[1]))
        board.request(client)

        async def send_shedding(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"connection" for name, _ in headers) and board.shed(client):
                    message = {**message, "headers": [*headers, (b"connection", b"close")]}
                    if self.on_shed is not None:
                        self.on_shed()
            await send(message)

        await self.app(scope, receive, send_shedding)
