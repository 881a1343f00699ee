"""The ask lane (api/lane.py): concurrent requests answered in batches on one thread, one message of a session a
batch, errors to their own requests, and nothing left waiting at shutdown."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from assistant.api.lane import AskLane
from assistant.errors import InvalidQuestion, StoreUnavailable


def test_concurrent_requests_share_batches_and_a_session_waits_its_turn() -> None:
    seen: list[list[tuple[str, int]]] = []
    gate = threading.Event()

    def handle(items: list[tuple[str, int]]) -> list[str | Exception]:
        gate.wait(5)  # the first batch holds the lane while the rest queue up
        seen.append(items)
        return [InvalidQuestion("the question is empty") if n == 3 else f"{s}:{n}" for s, n in items]

    lane: AskLane[tuple[str, int], str] = AskLane(handle, max_batch=4, key=lambda item: item[0])

    async def main() -> list[str | BaseException]:
        first = asyncio.create_task(lane.submit(("a", 0)))
        await asyncio.sleep(0.05)  # taken alone, at once
        rest = [asyncio.create_task(lane.submit(item)) for item in
                [("a", 1), ("b", 2), ("c", 3), ("a", 4), ("d", 5), ("e", 6), ("f", 7)]]
        await asyncio.sleep(0.05)
        gate.set()
        return list(await asyncio.gather(first, *rest, return_exceptions=True))

    results = asyncio.run(main())
    lane.close()
    assert results[:3] == ["a:0", "a:1", "b:2"] and isinstance(results[3], InvalidQuestion)
    assert results[4:] == ["a:4", "d:5", "e:6", "f:7"]
    assert seen[0] == [("a", 0)]
    assert all(len(batch) <= 4 and len({s for s, _ in batch}) == len(batch) for batch in seen)
    assert len(seen) == 3  # a:1 b c d | a:4 e f: session a's second message waited for the next batch
    assert [s for s, _ in seen[1]] == ["a", "b", "c", "d"] and seen[2][0] == ("a", 4)


def test_a_failing_batch_fails_its_requests_not_the_lane() -> None:
    calls = []

    def handle(items: list[int]) -> list[int | Exception]:
        calls.append(items)
        if len(calls) == 1:
            raise StoreUnavailable("the ticket store is unavailable")
        return [n * 2 for n in items]

    lane: AskLane[int, int] = AskLane(handle, max_batch=8)

    async def main() -> tuple[BaseException | int, int]:
        failed = await asyncio.gather(lane.submit(1), return_exceptions=True)
        return failed[0], await lane.submit(2)

    failed, ok = asyncio.run(main())
    lane.close()
    assert isinstance(failed, StoreUnavailable) and ok == 4


def test_closed_lane_refuses_and_a_bad_batch_size_is_refused() -> None:
    lane: AskLane[int, int] = AskLane(lambda items: items, max_batch=2)
    assert asyncio.run(lane.submit(7)) == 7
    lane.close()
    with pytest.raises(StoreUnavailable, match="shutting down"):
        asyncio.run(lane.submit(8))
    with pytest.raises(ValueError, match="max_batch"):
        AskLane(lambda items: items, max_batch=0)


def test_the_lane_keeps_nothing_of_a_batch_once_answered() -> None:
    """A question holds its Assistant: a lane waiting for the next batch must not keep the last one, or a reload
    could not free the replaced index."""
    import gc
    import weakref

    class Item:
        pass

    lane: AskLane[Item, str] = AskLane(lambda items: ["ok" for _ in items], max_batch=4)
    item = Item()
    gone = weakref.ref(item)
    assert asyncio.run(lane.submit(item)) == "ok"
    del item
    # the future is settled before the lane's thread has left the batch's frame: give it a moment to get back to
    # waiting (a busy CI machine lost that race), then the batch must be gone while the thread still waits
    deadline = time.monotonic() + 10
    while gc.collect() >= 0 and gone() is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert gone() is None
    assert lane._thread is not None and lane._thread.is_alive()
    lane.close()
