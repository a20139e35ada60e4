"""Incremental changes to the live index: upsert, delete, and partial updates that never re-embed.

Every write is recorded in the write journal before it is applied, so that a reindex running meanwhile
replays it onto its new index (`indexer/journal.py`); replaying is idempotent, so a write journaled but
refused is harmless. A write that meets the short write block of a reindex waits for it to lift instead
of failing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from opensearchpy import OpenSearch
from opensearchpy.helpers import BulkIndexError, streaming_bulk
from pydantic import BaseModel, ConfigDict, Field, model_validator

from indexer.documents import document_hash
from indexer.embedding_cache import EmbeddingCache
from indexer.journal import JournalEntry, WriteJournal
from indexer.loader import LoadStats, load_products
from vindbaar import schema
from vindbaar.embedder import Embedder
from vindbaar.errors import BackendUnavailable, Conflict, WriteFailed
from vindbaar.index_names import IndexNames
from vindbaar.product import Product

#: How long a write waits for a write block (a reindex cloning the live index) to lift.
BLOCK_WAIT_S = 30.0
#: Read-modify-write retries of a patch when the document changed in between.
PATCH_RETRIES = 5

T = TypeVar("T")


class ProductPatch(BaseModel):
    """A partial update: only the fields given change; the embedding is kept as is."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=512)
    price: float | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    stock: int | None = Field(default=None, ge=0)
    in_stock: bool | None = None
    popularity: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _something_to_change(self) -> ProductPatch:
        if not self.changes():
            raise ValueError("a patch needs at least one of price, currency, stock, in_stock, popularity")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields to write; `in_stock` follows `stock` when only stock is given."""
        doc = self.model_dump(exclude={"id"}, exclude_none=True)
        if "stock" in doc and "in_stock" not in doc:
            doc["in_stock"] = doc["stock"] > 0
        return doc


@dataclass
class WriteResult:
    """Outcome of a batch of incremental writes."""

    succeeded: int = 0
    not_found: list[str] = field(default_factory=list)
    stats: LoadStats | None = None


def _blocked(error: Any) -> bool:
    return "cluster_block_exception" in str(error)


def _waiting_out_blocks(write: Callable[[], T]) -> T:
    """Run `write`, again while it meets a write block, for up to `BLOCK_WAIT_S`.

    Raises:
        BackendUnavailable: the block did not lift in time.
        WriteFailed: OpenSearch refused a document for another reason.
    """
    deadline = time.monotonic() + BLOCK_WAIT_S
    while True:
        try:
            return write()
        except (BulkIndexError, WriteFailed) as exc:
            if not _blocked(exc):
                if isinstance(exc, WriteFailed):
                    raise
                raise WriteFailed(f"OpenSearch refused products: {exc}") from exc
            if time.monotonic() > deadline:
                raise BackendUnavailable(f"the catalog stayed write-blocked for {BLOCK_WAIT_S:.0f} s") from exc
        time.sleep(0.2)


def upsert_products(
    client: OpenSearch,
    alias: str,
    products: Iterable[Product],
    embedder: Embedder | None,
    cache: EmbeddingCache | None,
    refresh: bool = False,
    journal: bool = True,
) -> WriteResult:
    """Create or replace products (embedding only what the cache lacks); `journal` records them for a
    reindex running meanwhile."""
    batch = list(products)
    if journal:
        WriteJournal(client, IndexNames(alias)).record("upsert", [p.model_dump(mode="json") for p in batch])
    stats = _waiting_out_blocks(lambda: load_products(client, alias, batch, embedder, cache))
    if refresh:
        client.indices.refresh(index=alias)
    return WriteResult(succeeded=stats.indexed, stats=stats)


def _run_bulk(client: OpenSearch, actions: list[dict[str, Any]]) -> tuple[list[str], list[str], list[str]]:
    """Run `actions`; return the ids written, not found, and lost to a concurrent change (409)."""
    written: list[str] = []
    missing: list[str] = []
    conflicts: list[str] = []
    for ok, item in streaming_bulk(client, actions, raise_on_error=False, raise_on_exception=True, max_retries=5):
        (operation,) = item.values()
        doc_id = str(operation.get("_id"))
        if ok:
            written.append(doc_id)
        elif operation.get("status") == 404:
            missing.append(doc_id)
        elif operation.get("status") == 409:
            conflicts.append(doc_id)
        else:
            raise WriteFailed(f"OpenSearch refused the change of {doc_id!r}: {operation.get('error')}",
                              operation.get("status"))  # fmt: skip
    return written, missing, conflicts


def patch_products(
    client: OpenSearch, alias: str, patches: Sequence[ProductPatch], refresh: bool = False, journal: bool = True
) -> WriteResult:
    """Apply partial updates (price, stock, …); unknown ids are reported in `not_found`.

    Each document's `doc_hash` is recomputed, so that it stays the hash of what is stored: the next
    incremental reindex then sees a catalog row that differs from the patched document and rewrites it.
    """
    if journal:
        WriteJournal(client, IndexNames(alias)).record("patch", [p.model_dump(mode="json", exclude_none=True)
                                                                for p in patches])  # fmt: skip
    result = WriteResult()
    # Several patches of one product apply in order: merged into one, the later fields winning.
    pending: dict[str, ProductPatch] = {}
    for patch in patches:
        earlier = pending.get(patch.id)
        pending[patch.id] = patch if earlier is None else ProductPatch.model_validate(
            {**earlier.model_dump(exclude_none=True), **patch.model_dump(exclude_none=True)}
        )  # fmt: skip
    per_id = {doc_id: sum(1 for p in patches if p.id == doc_id) for doc_id in pending}
    for _ in range(PATCH_RETRIES):
        if not pending:
            break
        written, missing, conflicts = _waiting_out_blocks(partial(_patch_once, client, alias, list(pending.values())))
        result.succeeded += sum(per_id[doc_id] for doc_id in written)
        result.not_found += missing
        pending = {doc_id: pending[doc_id] for doc_id in conflicts}
    if pending:
        raise Conflict(f"products kept changing while being patched: {', '.join(sorted(pending))}; try again")
    if refresh and patches:
        client.indices.refresh(index=alias)
    return result


def _patch_once(
    client: OpenSearch, alias: str, patches: Sequence[ProductPatch]
) -> tuple[list[str], list[str], list[str]]:
    docs = client.mget(index=alias, body={"ids": [p.id for p in patches]}, _source_excludes=[schema.EMBEDDING])["docs"]
    found = {d["_id"]: d for d in docs if d.get("found")}
    actions = []
    for patch in patches:
        current = found.get(patch.id)
        if current is None:
            # Let OpenSearch say 404, as for any unknown id.
            actions.append({"_op_type": "update", "_index": alias, "_id": patch.id, "doc": patch.changes()})
            continue
        changes = patch.changes()
        changes[schema.DOC_HASH] = document_hash({**current["_source"], **changes})
        actions.append({"_op_type": "update", "_index": current["_index"], "_id": patch.id, "doc": changes,
                        "if_seq_no": current["_seq_no"], "if_primary_term": current["_primary_term"]})  # fmt: skip
    return _run_bulk(client, actions)


def delete_products(
    client: OpenSearch, alias: str, ids: Sequence[str], refresh: bool = False, journal: bool = True
) -> WriteResult:
    """Delete products by id; unknown ids are reported in `not_found`."""
    if journal:
        WriteJournal(client, IndexNames(alias)).record("delete", list(ids))
    actions = [{"_op_type": "delete", "_index": alias, "_id": product_id} for product_id in ids]
    written, missing, _ = _waiting_out_blocks(lambda: _run_bulk(client, actions))
    if refresh and actions:
        client.indices.refresh(index=alias)
    return WriteResult(succeeded=len(written), not_found=missing)


def replay_writes(
    client: OpenSearch, index: str, entries: Sequence[JournalEntry], embedder: Embedder | None,
    cache: EmbeddingCache | None,
) -> int:  # fmt: skip
    """Apply journaled writes to `index` in their order (a reindex's new index); returns how many.

    Replaying is idempotent: a write applied twice, in order, leaves what applying it once left.
    """
    applied = 0
    for entry in entries:
        if entry.kind == "upsert":
            products = [Product.model_validate(p) for p in entry.payloads]
            upsert_products(client, index, products, embedder, cache, journal=False)
        elif entry.kind == "patch":
            patch_products(client, index, [ProductPatch.model_validate(p) for p in entry.payloads], journal=False)
        else:
            delete_products(client, index, [str(doc_id) for doc_id in entry.payloads], journal=False)
        applied += len(entry.payloads)
    return applied
