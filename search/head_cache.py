"""The head-query cache: what OpenSearch answered for a frequent search, kept in each worker.

Shop queries follow a steep popularity curve: a few hundred "head" queries make up much of the
traffic. For those the cache keeps the lexical and kNN answers (with facets) and the documents of the
pages shown, under a key of everything they depend on: the normalized query, filters, sort, facets,
locale, the result window, whether rules for returning shoppers apply, the config version and the
catalog generation. A new config version or catalog generation is simply a new key, so a config
publish, a product write and an alias swap each make the old entries unreachable (`clear` then frees
them). Personalization is not cached: the shopper's profile and taste neighbours are applied on top of
the cached lists per request, so results stay personal. Memory is bounded by an estimate of each
entry's size.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache

from search.generation import Generation
from search.params import SearchParams
from vindbaar.text import normalized

#: Parsed JSON in Python takes about this many times its serialized size (tracemalloc on OpenSearch answers:
#: 1.9 to 3.4 times; the estimate errs on the large side).
PYTHON_BYTES_PER_JSON_BYTE = 4


@dataclass(frozen=True)
class CacheStats:
    """How the cache did since the worker started (for `/health` and the benchmark)."""

    hits: int
    misses: int
    entries: int
    bytes: int

    @property
    def hit_rate(self) -> float:
        looked_up = self.hits + self.misses
        return self.hits / looked_up if looked_up else 0.0


def estimated_bytes(*answers: Any) -> int:
    """About how much memory the parsed OpenSearch answers take."""
    return sum(len(json.dumps(answer, separators=(",", ":"))) for answer in answers) * PYTHON_BYTES_PER_JSON_BYTE


@dataclass(frozen=True)
class _Entry:
    value: Any
    size: int


class HeadCache:
    """A byte-bounded LRU of search answers; ``max_bytes=0`` turns it off."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: LRUCache[Hashable, _Entry] = LRUCache(maxsize=max(max_bytes, 1), getsizeof=lambda e: e.size)
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def get(self, key: Hashable) -> Any | None:
        """The value stored under `key` (counted as a hit), or None (a miss)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self._misses += 1
                return None
            self._hits += 1
            return entry.value

    def put(self, key: Hashable, value: Any, size: int) -> None:
        """Keep `value` (about `size` bytes); one larger than the whole cache is not kept."""
        if size <= self.max_bytes:
            with self._lock:
                self._entries[key] = _Entry(value, size)

    def clear(self) -> None:
        """Forget everything (the catalog or config changed: no old key will be asked for again)."""
        with self._lock:
            self._entries.clear()

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(self._hits, self._misses, len(self._entries), int(self._entries.currsize))


#: What does not change OpenSearch's answers: who is searching (personalization is applied on top), and
#: whether the score breakdown is shown.
_NOT_IN_KEY = {"q", "user_id", "session_id", "client_id", "explain"}


def search_key(
    params: SearchParams,
    window: int | None,
    personal: bool,
    config_version: Hashable,
    generation: Generation,
) -> Hashable:
    """The key of a search's OpenSearch answers.

    A relevance-ranked search fetches its fusion `window` whatever the page (page and size only pick
    from it); other orders (`window` None) are paged by OpenSearch.
    """
    exclude = _NOT_IN_KEY | ({"page", "size"} if window is not None else set())
    return (normalized(params.q), params.model_dump_json(exclude=exclude), window, personal,
            config_version, generation)  # fmt: skip
