"""What `assistant serve` starts when nothing is set: one process per usable core."""

from __future__ import annotations

import os

from assistant.config import Settings


def test_one_worker_per_usable_core_by_default() -> None:
    assert Settings().workers == 0
    assert Settings(workers=0, index_watch_s=5).serve_workers == min(len(os.sched_getaffinity(0)), 8)


def test_without_the_index_watcher_one_process() -> None:
    # an admin reload reaches one worker only: without the watcher the others would keep the old index
    assert Settings(workers=0, index_watch_s=0).serve_workers == 1


def test_an_explicit_count_is_kept() -> None:
    assert Settings(workers=3).serve_workers == 3
