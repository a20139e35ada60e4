"""The ``<alias>_events`` index: events as shops sent them, stored once each (by `event_id`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from opensearchpy import NotFoundError, OpenSearch, helpers

from reranker.behaviour.config import BehaviourConfig
from reranker.events import Event
from vindbaar.errors import WriteFailed
from vindbaar.mappings import ensure_index


def events_query(user_id: str | None, sessions: Sequence[str]) -> dict[str, Any]:
    """The events of a user and of the given sessions."""
    should: list[dict[str, Any]] = []
    if user_id:
        should.append({"term": {"user_id": user_id}})
    if sessions:
        should.append({"terms": {"session_id": list(sessions)}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


class EventLog:
    """Stores events idempotently and finds or deletes a shopper's events."""

    def __init__(self, client: OpenSearch, config: BehaviourConfig) -> None:
        self._client = client
        self.config = config
        self.index = config.names.events

    def ensure_index(self) -> None:
        """Create the events index if it does not exist."""
        ensure_index(self._client, self.index, "events")

    def store(self, batch: Sequence[tuple[str, Event]]) -> tuple[list[Event], int]:
        """Create each ``(event_id, event)``; return the events stored now and how many were stored before.

        An event is acknowledged only once OpenSearch has written it durably (translog fsync per request).
        """
        received = datetime.now(UTC).isoformat()
        actions = [
            {"_op_type": "create", "_index": self.index, "_id": event_id,
             "_source": {**event.model_dump(mode="json", exclude_none=True), "event_id": event_id,
                         "received_at": received}}
            for event_id, event in batch
        ]  # fmt: skip
        created: list[Event] = []
        duplicates = 0
        results = helpers.streaming_bulk(
            self._client, actions, raise_on_error=False, request_timeout=self.config.timeout_s * 5
        )
        for (ok, item), (_, event) in zip(results, batch, strict=True):
            if ok:
                created.append(event)
            elif item["create"].get("status") == 409:
                duplicates += 1
            else:
                raise WriteFailed(f"storing an event failed: {item['create'].get('error')}")
        return created, duplicates

    def of(self, user_id: str | None, sessions: Sequence[str]) -> list[dict[str, Any]]:
        """The stored events of a user and sessions, oldest first (empty when there is no events index)."""
        try:
            # Events written in the last second are not searchable until a refresh: include them.
            self._client.indices.refresh(index=self.index)
            hits = helpers.scan(self._client, index=self.index,
                                query={"query": events_query(user_id, sessions), "sort": ["timestamp"]},
                                preserve_order=True)  # fmt: skip
            return [hit["_source"] for hit in hits]
        except NotFoundError:
            return []

    def delete_of(self, user_id: str | None, sessions: Sequence[str]) -> int:
        """Delete the events of a user and sessions; returns how many."""
        if not self._client.indices.exists(index=self.index):
            return 0
        self._client.indices.refresh(index=self.index)  # erase the last second's events too
        result = self._client.delete_by_query(
            index=self.index, body={"query": events_query(user_id, sessions)}, refresh=True, conflicts="proceed"
        )
        return int(result.get("deleted", 0))

    def delete_older_than(self, cutoff: datetime) -> int:
        """Delete events stamped before `cutoff`; returns how many."""
        if not self._client.indices.exists(index=self.index):
            return 0
        self._client.indices.refresh(index=self.index)
        result = self._client.delete_by_query(
            index=self.index, body={"query": {"range": {"timestamp": {"lt": cutoff.isoformat()}}}},
            conflicts="proceed", refresh=True,
        )  # fmt: skip
        return int(result.get("deleted", 0))
