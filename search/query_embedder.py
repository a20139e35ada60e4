"""Query embeddings: an LRU cache (popular queries repeat) and micro-batching (concurrent searches share one
forward pass: the model is the slowest step of a search, and one pass over 16 short queries costs far less
than 16 passes over one).

By default a batch is what queued up while the previous pass ran: under load, queries batch themselves,
and a lone query never waits for company. A positive `window_s` also holds the first query of a batch
that long for others to join.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future
from functools import cached_property

import numpy as np
import numpy.typing as npt
from cachetools import LRUCache

from vindbaar.embedder import Embedder
from vindbaar.text import normalized

#: How long the first query of a batch waits for others to join it (0: only those already waiting).
BATCH_WINDOW_S = 0.0
MAX_BATCH = 32


class QueryEmbedder:
    """Embeds queries one call at a time, from any number of threads.

    Queries that queue up together are embedded in one forward pass by a single worker thread (so the
    model and its tokenizer are never used from two threads at once); the last `cache_size` queries are
    remembered (0 turns the cache off).
    """

    def __init__(
        self, embedder: Embedder, cache_size: int = 10_000, window_s: float = BATCH_WINDOW_S, max_batch: int = MAX_BATCH
    ) -> None:
        self._embedder = embedder
        # float32 arrays, not lists of Python floats: 1.6 KB a query instead of 12 KB (the model's own
        # precision, so nothing is lost).
        self._cache: LRUCache[str, npt.NDArray[np.float32]] | None = LRUCache(cache_size) if cache_size else None
        self._lock = threading.Lock()
        self._window_s = window_s
        self._max_batch = max_batch
        self._requests: queue.SimpleQueue[tuple[str, Future[list[float]]]] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None
        # For /metrics: embeddings computed (and the seconds a search waited for them), cache answers.
        self.embedded = 0
        self.embed_seconds = 0.0
        self.cache_hits = 0

    @cached_property
    def dimension(self) -> int:
        """The length of its vectors (the model's metadata, read once)."""
        return self._embedder.dimension

    def embed(self, text: str) -> list[float]:
        """The normalized embedding of `text` (case and surrounding spaces ignored)."""
        key = normalized(text)
        if self._cache is not None:
            with self._lock:
                cached = self._cache.get(key)
            if cached is not None:
                self.cache_hits += 1
                return cached.tolist()  # type: ignore[no-any-return]
        started = time.perf_counter()
        answer: Future[list[float]] = Future()
        self._requests.put((key, answer))
        self._ensure_worker()
        vector = answer.result()
        with self._lock:
            self.embedded += 1
            self.embed_seconds += time.perf_counter() - started
        if self._cache is not None:
            with self._lock:
                self._cache[key] = np.asarray(vector, dtype=np.float32)
        return vector

    def _ensure_worker(self) -> None:
        with self._lock:
            if self._worker is None:
                # A daemon: it only ever waits for work, and must not keep a finished process alive.
                self._worker = threading.Thread(target=self._serve, name="query-embedder", daemon=True)
                self._worker.start()

    def _serve(self) -> None:
        while True:
            batch = [self._requests.get()]
            try:
                while len(batch) < self._max_batch:
                    waiting = self._requests.get(timeout=self._window_s) if self._window_s > 0 else None
                    batch.append(waiting or self._requests.get_nowait())
            except queue.Empty:
                pass
            texts = list(dict.fromkeys(text for text, _ in batch))
            try:
                vectors = dict(zip(texts, self._embedder.embed(texts), strict=True))
            except BaseException as exc:
                for _, answer in batch:
                    answer.set_exception(exc)
                continue
            for text, answer in batch:
                answer.set_result(vectors[text])
