"""A small thread-safe LRU map: recent normalised questions and their ranking.

Help-widget traffic repeats itself (the same few questions, typed the same way), and an agent's suggestion box
asks again on every keystroke. Each Assistant owns its cache, so loading a new index starts an empty one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LruCache(Generic[K, V]):
    def __init__(self, size: int) -> None:
        if size < 0:
            raise ValueError("the cache size must be >= 0")
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: K) -> V | None:
        if not self.size:
            return None
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: K, value: V) -> None:
        if not self.size:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __contains__(self, key: object) -> bool:
        """Whether ``key`` is cached (without counting a hit or a miss, or making it recent)."""
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)
