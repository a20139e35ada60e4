"""Which variant of an experiment a shopper is in, the same in every session, on every device, and after
login.

Anonymous shoppers are assigned by a stable hash of their client id (the browser's lasting id) or else
their session id: no state. A logged-in user's variant is recorded the first time they search in an
experiment, taken from the anonymous id they search with at that moment, so that logging in does not
switch their variant, and later devices follow the record.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from cachetools import TTLCache
from opensearchpy import ConflictError, OpenSearch

from reranker.behaviour.config import BehaviourConfig
from reranker.merchandising.experiments import Experiment, Variant
from vindbaar.mappings import ensure_index

#: A record never changes while its experiment runs; a worker keeps what it read this long.
CACHE_TTL_S = 3600.0


class Assignments:
    """The ``<alias>_assignments`` index and a worker's cache of it."""

    def __init__(self, client: OpenSearch, config: BehaviourConfig) -> None:
        self._client = client
        self.config = config
        self.index = config.names.assignments
        self._cache: TTLCache[str, str] = TTLCache(maxsize=100_000, ttl=CACHE_TTL_S)
        self._lock = threading.Lock()

    def variant(
        self, experiment: Experiment, user_id: str | None, session_id: str | None, client_id: str | None
    ) -> Variant | None:
        """The shopper's variant; None for a shopper with no id at all (they see the live config)."""
        anonymous = client_id or session_id
        if user_id is None:
            return experiment.assign(anonymous) if anonymous else None
        key = f"{experiment.id}:{user_id}"
        with self._lock:
            name = self._cache.get(key)
        if name is None:
            name = self._recorded(key) or self._record(key, experiment, user_id, anonymous)
            with self._lock:
                self._cache[key] = name
        try:
            return experiment.variant(name)
        except KeyError:  # a record from an experiment of the same id, since changed: assign afresh
            return experiment.assign(anonymous or f"user:{user_id}")

    def _recorded(self, key: str) -> str | None:
        answer = self._client.get(index=self.index, id=key, ignore=404, request_timeout=self.config.timeout_s)
        return str(answer["_source"]["variant"]) if answer.get("found") else None

    def _record(self, key: str, experiment: Experiment, user_id: str, anonymous: str | None) -> str:
        name = experiment.assign(anonymous or f"user:{user_id}").name
        ensure_index(self._client, self.index, "assignments")
        doc = {"experiment": experiment.id, "user_id": user_id, "variant": name,
               "assigned_at": datetime.now(UTC).isoformat()}  # fmt: skip
        try:
            self._client.create(index=self.index, id=key, body=doc, request_timeout=self.config.timeout_s)
        except ConflictError:  # another worker recorded one first: that one holds
            return self._recorded(key) or name
        return name

    def delete_of(self, user_id: str) -> int:
        """Forget a user's assignments (erasure); returns how many."""
        with self._lock:
            for key in [k for k in self._cache if k.endswith(f":{user_id}")]:
                del self._cache[key]
        if not self._client.indices.exists(index=self.index):
            return 0
        result = self._client.delete_by_query(index=self.index, body={"query": {"term": {"user_id": user_id}}},
                                              refresh=True, conflicts="proceed")  # fmt: skip
        return int(result.get("deleted", 0))
