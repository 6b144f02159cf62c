"""The worker's warm model cache: loaded pipelines stay between jobs, LRU-evicted under a budget."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class CacheStats:
    loads: int = 0
    hits: int = 0
    evictions: int = 0
    unloads: int = 0
    load_seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class _Entry:
    model: Any
    size_bytes: int


class ModelCache:
    """Keep models by key; evict least-recently-used ones when the budget would be exceeded.

    ``size_of(model)`` measures a loaded model (bytes of its weights); ``release(model)`` frees
    it (e.g. drops GPU memory). The newest model always stays, even if alone it is over budget:
    refusing it would only fail the job.
    """

    def __init__(
        self,
        budget_bytes: int,
        size_of: Callable[[Any], int],
        release: Callable[[Any], None] = lambda model: None,
    ):
        self.budget_bytes = budget_bytes
        self._size_of = size_of
        self._release = release
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self.stats = CacheStats()

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    @property
    def keys(self) -> list[str]:
        """Least recently used first."""
        return list(self._entries)

    @property
    def used_bytes(self) -> int:
        return sum(entry.size_bytes for entry in self._entries.values())

    def get(self, key: str, load: Callable[[], Any], clock: Callable[[], float]) -> Any:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            self.stats.hits += 1
            return entry.model
        started = clock()
        model = load()
        self.stats.load_seconds[key] = clock() - started
        self.stats.loads += 1
        self._entries[key] = _Entry(model, self._size_of(model))
        self._evict_over_budget()
        return model

    def _evict_over_budget(self) -> None:
        while len(self._entries) > 1 and self.used_bytes > self.budget_bytes:
            _, entry = self._entries.popitem(last=False)
            self._release(entry.model)
            self.stats.evictions += 1

    def unload(self, key: str | None = None) -> list[str]:
        """Drop one model (or all with ``None``); returns the keys dropped."""
        keys = [key] if key is not None else list(self._entries)
        dropped = []
        for name in keys:
            entry = self._entries.pop(name, None)
            if entry is not None:
                self._release(entry.model)
                self.stats.unloads += 1
                dropped.append(name)
        return dropped
