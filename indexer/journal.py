"""The write journal: catalog writes made over the admin API or the CLI, kept for a day.

A reindex builds its new index from a catalog file while the shop keeps changing the live one (a price,
stock 0, a recalled product). Every such write is recorded here after it reached the live index; before
the alias moves, the reindex replays the writes made since it started onto its new index, so none is lost.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from opensearchpy import OpenSearch, helpers

from vindbaar.errors import WriteFailed
from vindbaar.index_names import IndexNames
from vindbaar.mappings import ensure_index

Kind = Literal["upsert", "patch", "delete"]
#: How long writes are kept: far longer than any reindex runs.
RETENTION = timedelta(days=1)


@dataclass(frozen=True)
class JournalEntry:
    """One recorded write: what kind, and its payloads (products, patches or ids) in order."""

    at: datetime
    kind: Kind
    payloads: list[Any]


class WriteJournal:
    """The ``<alias>_journal`` index of one shop."""

    def __init__(self, client: OpenSearch, names: IndexNames) -> None:
        self._client = client
        self.index = names.journal

    def record(self, kind: Kind, payloads: Sequence[Any]) -> None:
        """Record writes that reached the live index (durably, and searchable before this returns)."""
        if not payloads:
            return
        ensure_index(self._client, self.index, "journal")
        at = datetime.now(UTC).isoformat()
        actions = ({"_index": self.index, "_source": {"at": at, "seq": n, "kind": kind, "payload": payload}}
                   for n, payload in enumerate(payloads))  # fmt: skip
        _, errors = helpers.bulk(self._client, actions, refresh="wait_for", raise_on_error=False)
        if errors:
            raise WriteFailed(f"the catalog write was applied but could not be journaled: {errors[0]}")

    def since(self, start: datetime) -> list[JournalEntry]:
        """The writes recorded at or after `start`, oldest first, consecutive ones of a kind grouped."""
        if not self._client.indices.exists(index=self.index):
            return []
        self._client.indices.refresh(index=self.index)
        query = {"query": {"range": {"at": {"gte": start.isoformat()}}}, "sort": [{"at": "asc"}, {"seq": "asc"}]}
        hits = helpers.scan(self._client, index=self.index, query=query, preserve_order=True, size=1000)
        return list(_grouped(hit["_source"] for hit in hits))

    def prune(self) -> None:
        """Forget writes older than the retention period."""
        if self._client.indices.exists(index=self.index):
            cutoff = datetime.now(UTC) - RETENTION
            old = {"query": {"range": {"at": {"lt": cutoff.isoformat()}}}}
            self._client.delete_by_query(index=self.index, body=old, conflicts="proceed")


def _grouped(sources: Iterator[dict[str, Any]]) -> Iterator[JournalEntry]:
    for (at, kind), group in itertools.groupby(sources, key=lambda s: (s["at"], s["kind"])):
        yield JournalEntry(datetime.fromisoformat(at), kind, [source["payload"] for source in group])
