"""Query embeddings with an LRU cache: popular queries repeat, and the model is the slowest step."""

from __future__ import annotations

import threading

from cachetools import LRUCache

from vindbaar.embedder import Embedder


class QueryEmbedder:
    """Embeds one query at a time, remembering the last `cache_size` (0 turns the cache off)."""

    def __init__(self, embedder: Embedder, cache_size: int = 10_000) -> None:
        self._embedder = embedder
        self._cache: LRUCache[str, list[float]] | None = LRUCache(cache_size) if cache_size else None
        self._lock = threading.Lock()

    def embed(self, text: str) -> list[float]:
        """The normalized embedding of `text` (case and surrounding spaces ignored)."""
        key = " ".join(text.lower().split())
        if self._cache is not None:
            with self._lock:
                cached = self._cache.get(key)
            if cached is not None:
                return cached
        vector = self._embedder.embed([key])[0]
        if self._cache is not None:
            with self._lock:
                self._cache[key] = vector
        return vector
