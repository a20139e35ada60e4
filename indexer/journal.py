"""The write journal: catalog writes made over the admin API or the CLI, kept for a day.

A reindex builds its new index from a catalog file while the shop keeps changing the live one (a price,
stock 0, a recalled product). Every such write is recorded here before it is applied to the live index;
before the alias moves, the reindex replays the writes made since shortly before it started onto its new
index, so none is lost.
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
#: A reindex also replays writes journaled this long before it started: a write in flight at its start
#: (journaled, not yet applied when the live index was cloned), and API hosts' clocks a little behind.
REPLAY_MARGIN = timedelta(seconds=2)


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
        """Record writes about to be applied (durably; `since` refreshes before it reads)."""
        if not payloads:
            return
        ensure_index(self._client, self.index, "journal")
        at = datetime.now(UTC).isoformat()
        actions = ({"_index": self.index, "_source": {"at": at, "seq": n, "kind": kind, "payload": payload}}
                   for n, payload in enumerate(payloads))  # fmt: skip
        _, errors = helpers.bulk(self._client, actions, raise_on_error=False)
        if errors:
            raise WriteFailed(f"the catalog write could not be journaled, so it was not applied: {errors[0]}")

    def since(self, start: datetime) -> list[JournalEntry]:
        """The writes recorded since `REPLAY_MARGIN` before `start`, oldest first, consecutive ones of a kind
        grouped."""
        if not self._client.indices.exists(index=self.index):
            return []
        self._client.indices.refresh(index=self.index)
        after = (start - REPLAY_MARGIN).isoformat()
        query = {"query": {"range": {"at": {"gte": after}}}, "sort": [{"at": "asc"}, {"seq": "asc"}]}
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
