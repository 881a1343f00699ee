"""相关问题: the entries offered after an answer, the nearest of the same category by the centroids of their
questions, checked against a direct computation, whatever the block of similarities taken at a time."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from assistant.engine.decide import RELATED, related_entries


def _direct(vectors: np.ndarray, starts: np.ndarray, categories: list[str], n: int = RELATED) -> dict[int, tuple]:
    sums = np.add.reduceat(vectors.astype(np.float64), starts, axis=0)
    centroids = sums / np.linalg.norm(sums, axis=1, keepdims=True)
    out = {}
    for i, cat in enumerate(categories):
        others = [j for j, c in enumerate(categories) if c == cat and j != i]
        others.sort(key=lambda j: (-round(float(centroids[i] @ centroids[j]), 9), j))
        out[i] = tuple(others[:n])
    return out


def test_related_entries_are_the_nearest_of_the_same_category(assistant) -> None:
    data = assistant.data
    expected = _direct(np.asarray(data.vectors), data.starts, [e.category for e in data.entries])
    assert any(len(v) == RELATED for v in expected.values())
    for block in (1, 7, 512):
        assert related_entries(data, block=block) == expected
    assert assistant.decider.related == expected


def test_equal_centroids_tie_in_entry_order_whatever_the_block() -> None:
    rng = np.random.default_rng(3)
    base = rng.normal(size=(3, 16)).astype(np.float32)
    picks = rng.integers(0, 3, size=40)  # 40 entries of one question each, 3 distinct vectors: ties everywhere
    categories = ["a" if i % 4 else "b" for i in range(40)]
    data = SimpleNamespace(question_count=40, vectors=base[picks], starts=np.arange(40),
                           entries=[SimpleNamespace(category=c) for c in categories])
    expected = _direct(base[picks], np.arange(40), categories)
    for block in (1, 3, 16, 64):
        assert related_entries(data, block=block) == expected  # type: ignore[arg-type]
    first_a = [i for i in range(40) if categories[i] == "a" and picks[i] == picks[1] and i != 1][:RELATED]
    assert related_entries(data)[1] == tuple(first_a)  # type: ignore[arg-type]
