"""One logged search or autocomplete, as stored in the ``<alias>_queries`` index, and the one script that
writes it and its outcomes.

A search and its clicks reach OpenSearch in either order (the log is written in the background; a click
can come first), so both are scripted upserts into the same document, `_id` = `query_id`: the log fills in
what was shown, each event adds what the shopper did, and the script credits the interleaving teams
whichever came last. Analytics then reads one index, with plain aggregations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reranker.events import Event

APPLICATION = "vindbaar"

#: Painless; user text reaches it only as parameters, never as source.
UPSERT_SCRIPT = """
def s = ctx._source;
if (params.log != null) { for (e in params.log.entrySet()) { s[e.getKey()] = e.getValue(); } }
def o = params.outcome;
if (o != null && s.outcome_ids != null && s.outcome_ids.contains(o.event_id)) {
  ctx.op = 'noop';  // a retried event: counted already
  return;
}
if (o != null) {
  if (s.outcome_ids == null) { s.outcome_ids = []; }
  s.outcome_ids.add(o.event_id);
  s.last_event_at = o.timestamp;
  if (o.action == 'click') {
    s.clicks = (s.clicks == null ? 0 : s.clicks) + 1;
    if (s.click_positions == null) { s.click_positions = []; }
    if (o.position != null) { s.click_positions.add(o.position); }
    if (s.clicked_ids == null) { s.clicked_ids = []; }
    if (!s.clicked_ids.contains(o.object_id)) { s.clicked_ids.add(o.object_id); }
  } else if (o.action == 'add_to_cart') {
    s.carts = (s.carts == null ? 0 : s.carts) + 1;
    if (s.carted_ids == null) { s.carted_ids = []; }
    if (!s.carted_ids.contains(o.object_id)) { s.carted_ids.add(o.object_id); }
  } else if (o.action == 'purchase') {
    s.purchases = (s.purchases == null ? 0 : s.purchases) + 1;
    s.revenue = (s.revenue == null ? 0.0 : s.revenue) + o.revenue;
    if (s.purchased_ids == null) { s.purchased_ids = []; }
    if (!s.purchased_ids.contains(o.object_id)) { s.purchased_ids.add(o.object_id); }
  }
}
if (s.clicked_ids != null && (s.team_a != null || s.team_b != null)) {
  int a = 0; int b = 0;
  for (id in s.clicked_ids) {
    if (s.team_a != null && s.team_a.contains(id)) { a++; }
    if (s.team_b != null && s.team_b.contains(id)) { b++; }
  }
  s.credit_a = a; s.credit_b = b;
}
"""


@dataclass(frozen=True)
class LoggedSearch:
    """What one search (or autocomplete) showed to whom, and how it ran."""

    query_id: str
    kind: str  # "search" or "autocomplete"
    user_query: str
    normalized_query: str
    timestamp: datetime
    result_count: int  # what the response's `total` said
    hit_ids: list[str]
    latency_ms: float
    page: int = 1
    offset: int = 0  # rank of the first result shown, minus one
    sort: str | None = None
    filters: dict[str, Any] = field(default_factory=dict)
    corrected_query: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    client_id: str | None = None
    experiment: str | None = None
    variant: str | None = None
    teams: tuple[list[str], list[str]] | None = None  # interleaving: the ids each ranker contributed
    word_matches: int | None = None  # products matching the words (0: only semantic neighbours were shown)

    def document(self) -> dict[str, Any]:
        """The fields the log writes (UBI's ubi_queries names where UBI has one)."""
        doc: dict[str, Any] = {
            "query_id": self.query_id, "query_response_id": self.query_id, "application": APPLICATION,
            "timestamp": self.timestamp.isoformat(), "user_query": self.user_query[:1024],
            "query_response_hit_ids": self.hit_ids, "kind": self.kind,
            "normalized_query": self.normalized_query[:1024], "result_count": self.result_count,
            "latency_ms": self.latency_ms, "page": self.page, "offset": self.offset, "filtered": bool(self.filters),
            "query_attributes": {"filters": self.filters, "sort": self.sort},
        }  # fmt: skip
        optional = {"word_matches": self.word_matches, "sort": self.sort, "corrected_query": self.corrected_query,
                    "user_id": self.user_id, "session_id": self.session_id, "client_id": self.client_id,
                    "experiment": self.experiment, "variant": self.variant}  # fmt: skip
        doc.update({key: value for key, value in optional.items() if value is not None})
        if self.teams is not None:
            doc["team_a"], doc["team_b"] = self.teams
        return doc


def upsert_action(
    index: str, query_id: str, log: dict[str, Any] | None, outcome: dict[str, Any] | None
) -> dict[str, Any]:
    """The bulk action that merges a log entry or an outcome into the search's document.

    A plain log entry is merged as a partial document (cheaper for OpenSearch than a script; outcomes
    already there stay); an interleaved one runs the script, which credits clicks that came first."""
    if log is not None and outcome is None and "team_a" not in log:
        return {"_op_type": "update", "_index": index, "_id": query_id, "retry_on_conflict": 10, "doc": log,
                "doc_as_upsert": True}  # fmt: skip
    return {
        "_op_type": "update", "_index": index, "_id": query_id, "retry_on_conflict": 10,
        "script": {"source": UPSERT_SCRIPT, "lang": "painless", "params": {"log": log, "outcome": outcome}},
        "scripted_upsert": True, "upsert": {},
    }  # fmt: skip


def outcome_of(event_id: str, event: Event) -> dict[str, Any] | None:
    """What `event` adds to its search's outcome (None: it names no search, or is not an outcome). The
    outcome carries no identity, only what was done to which product; `event_id` makes a retry count once."""
    if event.query_id is None or event.object_id is None:
        return None
    if event.action_name not in ("click", "add_to_cart", "purchase"):
        return None
    revenue = (event.price or 0.0) * (event.quantity or 1)
    return {"event_id": event_id, "action": event.action_name, "object_id": event.object_id, "position": event.position,
            "revenue": revenue, "timestamp": event.timestamp.isoformat()}  # fmt: skip
