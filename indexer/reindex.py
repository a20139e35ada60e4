"""Zero-downtime reindex: build a new versioned index, verify it, swap the alias atomically, keep the last N.

A crash or Ctrl-C before the swap leaves the alias (and so live search) untouched; the half-built
index is deleted on the way out, or at the start of the next run if the process was killed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from opensearchpy import OpenSearch, helpers

from indexer.derived_indices import DerivedBuild
from indexer.embedding_cache import EmbeddingCache
from indexer.errors import RollbackImpossible, VerificationFailed
from indexer.indices import (
    alias_targets,
    clear_write_blocks,
    clone_for_update,
    compact_copy,
    create_index,
    deleted_fraction,
    finish_bulk_load,
    mark_activated,
    new_index_name,
    point_alias,
    reusable,
    versioned_indices,
    writes_held,
)
from indexer.journal import WriteJournal
from indexer.loader import LoadStats, load_products
from indexer.suggestions import build_suggestions
from indexer.updates import replay_writes
from vindbaar.embedder import Embedder
from vindbaar.index_names import IndexNames
from vindbaar.product import Product
from vindbaar.settings import Settings

log = logging.getLogger(__name__)

#: The "model" of an index loaded without embeddings.
NO_VECTORS = "none"


@dataclass
class ReindexResult:
    """What a reindex did."""

    index: str
    previous: list[str]
    stats: LoadStats
    elapsed_s: float
    deleted: list[str] = field(default_factory=list)
    suggestions: DerivedBuild | None = None
    cloned_from: str | None = None

    @property
    def docs_per_s(self) -> float:
        return self.stats.indexed / self.elapsed_s if self.elapsed_s > 0 else 0.0


class _Sample:
    """Remembers the first product seen, for the smoke query."""

    def __init__(self, products: Iterable[Product]) -> None:
        self._products = products
        self.first: Product | None = None

    def __iter__(self) -> Iterator[Product]:
        for product in self._products:
            if self.first is None:
                self.first = product
            yield product


def verify_index(
    client: OpenSearch, index: str, expected: int, sample: Product | None, live_count: int | None, max_shrink: float
) -> None:
    """Check the document count, that the catalog did not shrink suspiciously, and that a known product is found.

    Raises:
        VerificationFailed: with what was expected and found.
    """
    if expected == 0:
        raise VerificationFailed("no product was accepted; the live index is left as it is")
    if live_count and expected < live_count * (1 - max_shrink):
        raise VerificationFailed(
            f"the new catalog has {expected} products, the live index {live_count}: more than "
            f"{max_shrink:.0%} fewer. Pass --allow-shrink if that is intended."
        )
    count = int(client.count(index=index)["count"])
    if count != expected:
        raise VerificationFailed(f"{index} holds {count} documents, expected the {expected} accepted rows")
    if sample is None:
        return
    body = {"size": 10, "query": {"match": {"title": {"query": sample.title, "operator": "and"}}}}
    hits = client.search(index=index, body=body)["hits"]["hits"]
    if sample.id not in {hit["_id"] for hit in hits}:
        raise VerificationFailed(f"smoke query for {sample.title!r} did not return product {sample.id!r} in {index}")


def delete_orphans(client: OpenSearch, alias: str) -> list[str]:
    """Delete versioned indices that never went live and are not live now (left by a killed reindex)."""
    live = set(alias_targets(client, alias))
    orphans = [
        name for name, activated in versioned_indices(client, alias).items() if not activated and name not in live
    ]
    for name in orphans:
        client.indices.delete(index=name)
    return orphans


def prune(client: OpenSearch, alias: str, keep: int) -> list[str]:
    """Delete all but the newest `keep` activated indices (never the live one)."""
    live = set(alias_targets(client, alias))
    activated = [name for name, was_live in versioned_indices(client, alias).items() if was_live]
    doomed = [name for name in activated[: max(0, len(activated) - keep)] if name not in live]
    for name in doomed:
        client.indices.delete(index=name)
    return doomed


#: A clone holding more deleted documents than this (rewritten, removed, or inherited) is copied compactly.
MAX_DEAD_FRACTION = 0.2


def reindex(
    client: OpenSearch,
    settings: Settings,
    products: Iterable[Product],
    embedder: Embedder | None,
    cache: EmbeddingCache | None,
    expected_count: Callable[[], int],
    show_progress: bool = False,
    progress_total: int | None = None,
    max_shrink: float = 0.5,
    incremental: bool = True,
) -> ReindexResult:
    """Load `products` into a new index and make it live.

    `expected_count` is read after loading (the validator's accepted count), so rejected rows
    are not expected in the index. A catalog more than `max_shrink` smaller than the live one is
    refused (1.0 allows any shrink). With `incremental` (default), when the live index has the current
    mapping and vectors of the same model, the new index starts as its clone and only changed products
    are written (and vanished ones deleted); otherwise it is built from scratch.

    Raises:
        VerificationFailed: the alias stays where it was and the new index is deleted.
        opensearchpy exceptions: likewise, the alias is untouched.
    """
    alias = settings.index_alias
    started, started_at = time.monotonic(), datetime.now(UTC)
    journal = WriteJournal(client, IndexNames(alias))
    journal.prune()
    orphans = delete_orphans(client, alias)
    if orphans:
        log.warning("deleted %d index(es) left by an interrupted reindex: %s", len(orphans), ", ".join(orphans))
    unblocked = clear_write_blocks(client, alias)
    if unblocked:
        log.warning("lifted the write block a killed reindex left on %s", ", ".join(unblocked))
    index = new_index_name(alias)
    model = embedder.model_id if embedder is not None else NO_VECTORS
    live = alias_targets(client, alias)
    base = live[0] if incremental and len(live) == 1 and reusable(client, live[0], model) else None
    existing: dict[str, str] | None = None
    if base is None:
        create_index(client, index, embedder.dimension if embedder is not None else None, True, model)
    sample = _Sample(products)
    try:
        if base is not None:
            # Start from a clone of the live index and write only what changed: the vector graphs of
            # unchanged products are not rebuilt, which is most of a reindex's time.
            existing = clone_for_update(client, base, index)
        stats = load_products(
            client, index, sample, embedder, cache, show_progress=show_progress, progress_total=progress_total,
            existing=existing,
        )  # fmt: skip
        if existing is not None:
            gone = [doc_id for doc_id in existing if doc_id not in stats.seen]
            helpers.bulk(client, ({"_op_type": "delete", "_index": index, "_id": doc_id} for doc_id in gone))
            stats.deleted = len(gone)
            if deleted_fraction(client, index) > MAX_DEAD_FRACTION:
                index = compact_copy(client, index, alias, embedder.dimension if embedder is not None else None, model)
        finish_bulk_load(client, index, settings.index_replicas, settings.index_refresh_interval)
        previous = alias_targets(client, alias)
        live_count = int(client.count(index=alias)["count"]) if previous else None
        verify_index(client, index, expected_count(), sample.first, live_count, max_shrink)
        # Admin writes made while this ran went to the live index: replay them onto the new one, then once more
        # with the live index's writes held for the moment of the swap, so that none is lost.
        replay_writes(client, index, journal.since(started_at), embedder, cache)
        mark_activated(client, index)
        with writes_held(client, previous):
            replay_writes(client, index, journal.since(started_at), embedder, cache)
            point_alias(client, alias, index)
    except BaseException:
        # Includes KeyboardInterrupt: the live alias was not touched; drop the partial index.
        client.indices.delete(index=index, ignore_unavailable=True)
        raise
    deleted = prune(client, alias, settings.keep_indices)
    suggestions = build_suggestions(client, alias)
    return ReindexResult(index, previous, stats, time.monotonic() - started, deleted, suggestions, base)


def rollback(client: OpenSearch, alias: str, to: str | None = None) -> tuple[list[str], str]:
    """Point `alias` back to `to`, or to the newest kept index older than the live one.

    Returns ``(previous targets, new target)``.

    Raises:
        RollbackImpossible: no such index is kept.
    """
    live = alias_targets(client, alias)
    kept = [name for name, activated in versioned_indices(client, alias).items() if activated]
    if to is not None:
        if to not in kept:
            raise RollbackImpossible(f"{to!r} is not a kept index of {alias!r}; kept: {', '.join(kept) or 'none'}")
        target = to
    else:
        older = [name for name in kept if live and name < min(live)]
        if not older:
            raise RollbackImpossible(f"no index older than the live one ({', '.join(live) or 'none'}) is kept")
        target = older[-1]
    point_alias(client, alias, target)
    return live, target
