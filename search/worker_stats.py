"""What one API worker holds in memory and how its caches do: for operators and the benchmarks."""

from __future__ import annotations

import os
from dataclasses import asdict

from pydantic import BaseModel

from search.engine import SearchEngine
from vindbaar.memory import resident_memory_mb


class HeadCacheStats(BaseModel):
    hits: int
    misses: int
    hit_rate: float
    entries: int
    estimated_mb: float
    limit_mb: float


class SearchLogCounts(BaseModel):
    """The search log of this worker: written, dropped because the queue was full, waiting, failed writes."""

    logged: int
    dropped: int
    queued: int
    failed_writes: int


class WorkerStats(BaseModel):
    """One worker's view: its process, the catalog generation it serves, its caches."""

    pid: int
    rss_mb: float | None  # None where /proc is not available
    catalog_index: str
    catalog_documents: int
    autocomplete_suggestions: int
    autocomplete_products: int
    head_cache: HeadCacheStats
    search_log: SearchLogCounts | None


def worker_stats(engine: SearchEngine) -> WorkerStats:
    """This worker's stats (reads nothing from OpenSearch)."""
    generation, autocomplete, cache = engine.catalog.get(), engine.autocomplete.get(), engine.head_cache.stats()
    return WorkerStats(
        pid=os.getpid(),
        rss_mb=resident_memory_mb(),
        catalog_index=generation.products,
        catalog_documents=generation.documents,
        autocomplete_suggestions=autocomplete.suggestions,
        autocomplete_products=autocomplete.products,
        head_cache=HeadCacheStats(
            hits=cache.hits,
            misses=cache.misses,
            hit_rate=round(cache.hit_rate, 3),
            entries=cache.entries,
            estimated_mb=round(cache.bytes / 2**20, 1),
            limit_mb=round(engine.head_cache.max_bytes / 2**20, 1),
        ),
        search_log=SearchLogCounts(**asdict(engine.behaviour.searches.stats())) if engine.behaviour else None,
    )
