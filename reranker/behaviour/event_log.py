"""The ``<alias>_events`` index: events as shops sent them, stored once each (by `event_id`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from opensearchpy import NotFoundError, OpenSearch, helpers

from reranker.behaviour.config import BehaviourConfig
from reranker.events import Event
from vindbaar.errors import WriteFailed
from vindbaar.mappings import ensure_index, load_index_body

#: An event as stored: its id in the event log, and the event.
StoredEvent = tuple[str, Event]
#: Fields the event log adds to what the shop sent.
_LOG_FIELDS = ("received_at", "learned")


def _stored(source: dict[str, Any]) -> StoredEvent:
    return source["event_id"], Event.model_validate({k: v for k, v in source.items() if k not in _LOG_FIELDS})


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
        self._mapped = False

    def ensure_index(self) -> None:
        """Create the events index if it does not exist (and give an older one the fields added since)."""
        ensure_index(self._client, self.index, "events")
        if not self._mapped:
            # Adding fields to a mapping is allowed and idempotent; indices from before them lack them.
            properties = load_index_body("events")["mappings"]["properties"]
            self._client.indices.put_mapping(index=self.index, body={"properties": properties})
            self._mapped = True

    def store(self, batch: Sequence[StoredEvent]) -> tuple[list[StoredEvent], list[str]]:
        """Create each ``(event_id, event)``, not yet learned; return the events stored now and the ids
        that were stored before (retries).

        An event is acknowledged only once OpenSearch has written it durably (translog fsync per request).
        """
        received = datetime.now(UTC).isoformat()
        actions = [
            {"_op_type": "create", "_index": self.index, "_id": event_id,
             "_source": {**event.model_dump(mode="json", exclude_none=True), "event_id": event_id,
                         "event_attributes": event.ubi_attributes(), "received_at": received, "learned": False}}
            for event_id, event in batch
        ]  # fmt: skip
        created: list[StoredEvent] = []
        duplicates: list[str] = []
        results = helpers.streaming_bulk(
            self._client, actions, raise_on_error=False, request_timeout=self.config.timeout_s * 5
        )
        for (ok, item), stored in zip(results, batch, strict=True):
            if ok:
                created.append(stored)
            elif item["create"].get("status") == 409:
                duplicates.append(stored[0])
            else:
                error = item["create"].get("error")
                raise WriteFailed(f"storing an event failed: {error}", item["create"].get("status"),
                                  error.get("type") if isinstance(error, dict) else None)  # fmt: skip
        return created, duplicates

    def unlearned(self, ids: Sequence[str]) -> list[StoredEvent]:
        """Those of the stored events `ids` that were never learned (their profile update failed)."""
        if not ids:
            return []
        docs = self._client.mget(index=self.index, body={"ids": list(ids)}, request_timeout=self.config.timeout_s)
        # Events stored before learning was tracked have no `learned` field: they were learned then.
        return [_stored(d["_source"]) for d in docs["docs"] if d.get("found") and d["_source"].get("learned") is False]

    def pending(self, received_before: datetime, size: int = 5000) -> list[StoredEvent]:
        """Events never learned that arrived before `received_before` (a crash between storing and learning)."""
        if not self._client.indices.exists(index=self.index):
            return []
        query = {"bool": {"filter": [{"term": {"learned": False}},
                                     {"range": {"received_at": {"lt": received_before.isoformat()}}}]}}  # fmt: skip
        self._client.indices.refresh(index=self.index)
        hits = self._client.search(index=self.index, body={"size": size, "query": query, "sort": ["timestamp"]})
        return [_stored(hit["_source"]) for hit in hits["hits"]["hits"]]

    def mark_learned(self, ids: Sequence[str]) -> None:
        """Record that the events were learned (a lost mark only means a later, idempotent re-learn)."""
        actions = ({"_op_type": "update", "_index": self.index, "_id": i, "doc": {"learned": True}} for i in ids)
        helpers.bulk(self._client, actions, raise_on_error=False, request_timeout=self.config.timeout_s * 5)

    def delete_ids(self, ids: Sequence[str]) -> None:
        """Delete events by id (those of a subject that withdrew consent while they were on their way)."""
        actions = ({"_op_type": "delete", "_index": self.index, "_id": i} for i in ids)
        helpers.bulk(self._client, actions, raise_on_error=False, refresh=True)

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
        return self._delete_where(events_query(user_id, sessions))

    def delete_older_than(self, cutoff: datetime) -> int:
        """Delete events stamped before `cutoff`; returns how many."""
        return self._delete_where({"range": {"timestamp": {"lt": cutoff.isoformat()}}})

    def _delete_where(self, query: dict[str, Any]) -> int:
        """Delete the events matching `query` (the last second's too, not yet searchable); returns how many."""
        if not self._client.indices.exists(index=self.index):
            return 0
        self._client.indices.refresh(index=self.index)
        result = self._client.delete_by_query(index=self.index, body={"query": query}, refresh=True,
                                              conflicts="proceed")  # fmt: skip
        return int(result.get("deleted", 0))
