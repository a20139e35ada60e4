"""The search log: every search and autocomplete, written to ``<alias>_queries`` in the background.

A request only puts its entry on a bounded queue (microseconds); a writer thread sends what gathered in
bulk. When OpenSearch is slow or down the queue fills, and what no longer fits is dropped and counted,
never waited for: the search answers as fast as without the log. `stats()` says how many were logged,
dropped and are waiting.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cachetools import TTLCache
from opensearchpy import NotFoundError, OpenSearch, TransportError, helpers

from reranker.behaviour.config import BehaviourConfig
from reranker.behaviour.event_log import events_query
from reranker.behaviour.search_record import LoggedSearch, outcome_of, upsert_action
from reranker.events import Event
from vindbaar.mappings import ensure_index, load_index_body

log = logging.getLogger(__name__)

#: Entries sent in one bulk request at most.
BATCH = 500
#: How long this worker remembers what its searches showed: a click comes seconds after its search, before
#: the background writer may have sent it; older ones (and other workers' searches) are read from the log.
SHOWN_MEMORY_S = 600.0


@dataclass(frozen=True)
class SearchLogStats:
    """The log's counters in this worker since it started."""

    logged: int
    dropped: int
    queued: int
    failed_writes: int


class SearchLog:
    """Searches in, bulk writes out; and the outcomes events add to the searches they name."""

    def __init__(self, client: OpenSearch, config: BehaviourConfig, capacity: int = 10_000,
                 flush_s: float = 0.5) -> None:  # fmt: skip
        self._client = client
        self.config = config
        self.index = config.names.queries
        self.enabled = capacity > 0
        self._queue: queue.Queue[LoggedSearch] = queue.Queue(maxsize=max(capacity, 1))
        self._flush_s = flush_s
        self._lock = threading.Lock()
        self._logged = self._dropped = self._failed = 0
        self._pending = 0  # queued or being written
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._ready = False
        self._shown: TTLCache[str, list[str]] = TTLCache(maxsize=max(capacity, 1), ttl=SHOWN_MEMORY_S)

    def ensure_index(self) -> None:
        """Create the search log index if it does not exist (and give an older one the fields added since)."""
        if not self._ready:
            ensure_index(self._client, self.index, "queries")
            properties = load_index_body("queries")["mappings"]["properties"]
            self._client.indices.put_mapping(index=self.index, body={"properties": properties})
            self._ready = True

    def record(self, entry: LoggedSearch) -> None:
        """Queue `entry` for writing; drop and count it when the queue is full (never blocks)."""
        if not self.enabled:
            return
        with self._lock:
            self._shown[entry.query_id] = entry.hit_ids
            try:
                self._queue.put_nowait(entry)
                self._pending += 1
            except queue.Full:
                self._dropped += 1
                return
        if self._thread is None:
            self._start()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="search-log", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            batch = self._take()
            if batch:
                self._write(batch)

    def _take(self) -> list[LoggedSearch]:
        try:
            first = self._queue.get(timeout=self._flush_s)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + self._flush_s / 5  # a little more gathers under load
        while len(batch) < BATCH:
            try:
                batch.append(self._queue.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                break
        return batch

    def _write(self, batch: Sequence[LoggedSearch]) -> None:
        """Write `batch`, retrying while OpenSearch is unavailable; entries arriving meanwhile queue up
        (and are dropped and counted once the queue is full)."""
        actions = [upsert_action(self.index, e.query_id, e.document(), None) for e in batch]
        for attempt in range(1_000_000):
            try:
                self.ensure_index()
                helpers.bulk(self._client, actions, request_timeout=self.config.timeout_s * 5)
                with self._lock:
                    self._logged += len(batch)
                    self._pending = max(0, self._pending - len(batch))  # close() may have counted them
                return
            except Exception as exc:
                with self._lock:
                    self._failed += 1
                if attempt == 0:
                    log.warning("search log: writing %d entries failed, retrying: %s", len(batch), exc)
                if self._stop.wait(min(5.0, 0.2 * 2**attempt)):
                    return

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Wait until everything queued so far is written (tests, shutdown); False on timeout."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                idle = self._pending == 0
            if idle:
                return True
            time.sleep(0.02)
        return False

    def close(self, timeout_s: float = 5.0) -> None:
        """Write what is queued (for at most `timeout_s`), then stop the writer; what could not be written
        by then counts as dropped."""
        self.flush(timeout_s)
        self._stop.set()
        with self._lock:
            self._dropped += self._pending
            self._pending = 0

    def stats(self) -> SearchLogStats:
        with self._lock:
            return SearchLogStats(self._logged, self._dropped, self._pending, self._failed)

    def record_outcomes(self, events: Sequence[tuple[str, Event]]) -> None:
        """Add the clicks, carts and purchases among `events` (``(event_id, event)``; a retried id counts
        once) to the searches they name by `query_id`."""
        outcomes = [(e.query_id, outcome_of(event_id, e)) for event_id, e in events if e.query_id]
        actions = [upsert_action(self.index, qid, None, outcome) for qid, outcome in outcomes if outcome]
        if actions:
            self.ensure_index()
            helpers.bulk(self._client, actions, request_timeout=self.config.timeout_s * 5)

    def shown(self, query_ids: Sequence[str]) -> dict[str, list[str]]:
        """The ids each of the searches showed (those found: a search never logged, or deleted, has none)."""
        with self._lock:
            found = {qid: self._shown[qid] for qid in query_ids if qid in self._shown}
        missing = sorted(set(query_ids) - set(found))
        if missing:
            # A log not ready yet: the choices are learned without their context (affinities still learn;
            # only the taste misses them), rather than failing the events.
            fields = ["query_response_hit_ids"]
            answer = self._read(lambda: self._client.mget(index=self.index, body={"ids": missing},
                                                          request_timeout=self.config.timeout_s,
                                                          _source_includes=fields))  # fmt: skip
            for doc in (answer or {}).get("docs", []):
                ids = (doc.get("_source") or {}).get("query_response_hit_ids")
                if doc.get("found") and ids:
                    found[doc["_id"]] = [str(i) for i in ids]
        return found

    def recent(self, session_id: str, size: int = 5) -> list[str]:
        """The session's latest distinct searches (that found something), newest first."""
        body = {"size": 50, "_source": ["user_query"], "sort": [{"timestamp": "desc"}],
                "query": {"bool": {"filter": [{"term": {"session_id": session_id}}, {"term": {"kind": "search"}},
                                              {"range": {"result_count": {"gt": 0}}}]}}}  # fmt: skip
        # One round trip on this keystroke path; a log not ready yet has no recent searches, and the
        # suggestions themselves do not depend on it, so the keystroke still gets them.
        hits = self._read(lambda: self._client.search(index=self.index, body=body,
                                                      request_timeout=self.config.timeout_s))  # fmt: skip
        if hits is None:
            return []
        seen: dict[str, str] = {}
        for hit in hits["hits"]["hits"]:
            text = str(hit["_source"].get("user_query", "")).strip()
            if text and text.lower() not in seen:
                seen[text.lower()] = text
        return list(seen.values())[:size]

    @staticmethod
    def _read(request: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
        """`request`'s answer from the log, or None while the log cannot give one: it does not exist yet
        (nothing logged), or the first searches have just created it and it answers 503 until its shard
        has started."""
        try:
            return request()
        except NotFoundError:
            return None
        except TransportError as exc:
            if exc.status_code == 503:
                return None
            raise

    def delete_of(self, user_id: str | None, sessions: Sequence[str]) -> int:
        """Delete the searches of a user and sessions (erasure); returns how many."""
        return self._delete_where(events_query(user_id, sessions))

    def delete_older_than(self, cutoff: datetime) -> int:
        """Delete searches older than `cutoff` (retention), and outcomes whose search was never logged."""
        iso = cutoff.isoformat()
        never_logged = {"must_not": {"exists": {"field": "timestamp"}},
                        "filter": {"range": {"last_event_at": {"lt": iso}}}}  # fmt: skip
        old = {"bool": {"should": [{"range": {"timestamp": {"lt": iso}}}, {"bool": never_logged}],
                        "minimum_should_match": 1}}  # fmt: skip
        return self._delete_where(old)

    def _delete_where(self, query: dict[str, Any]) -> int:
        if not self._client.indices.exists(index=self.index):
            return 0
        self.flush()
        self._client.indices.refresh(index=self.index)
        result = self._client.delete_by_query(index=self.index, body={"query": query}, refresh=True,
                                              conflicts="proceed")  # fmt: skip
        return int(result.get("deleted", 0))
