"""Query-level click learning in the service: the job that learns from the search log, and what each
worker holds of its result (reloaded in the background when the job publishes a new one)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from opensearchpy import NotFoundError, OpenSearch, helpers

from indexer.derived_indices import DerivedBuild, replace_derived_index
from reranker.query_learning import LearnedProduct, LearningConfig, LoggedOutcome, learn
from vindbaar.index_names import IndexNames
from vindbaar.settings import Settings
from vindbaar.text import normalized

log = logging.getLogger(__name__)

OUTCOME_FIELDS = ["normalized_query", "timestamp", "query_response_hit_ids", "offset", "clicked_ids", "carted_ids",
           "purchased_ids"]  # fmt: skip


@dataclass
class LearnedRanking:
    """Per normalized query, the products its shoppers chose."""

    by_query: dict[str, dict[str, LearnedProduct]] = field(default_factory=dict)

    def for_query(self, text: str) -> Mapping[str, LearnedProduct]:
        return self.by_query.get(normalized(text), {})


def learning_config(settings: Settings) -> LearningConfig:
    return LearningConfig(min_searches=settings.click_learning_min_searches)


def load_learned(client: OpenSearch, names: IndexNames, timeout_s: float) -> LearnedRanking:
    """The live learned ranking (empty before the first run)."""
    learned = LearnedRanking()
    try:
        for hit in helpers.scan(client, index=names.learned, query={"query": {"match_all": {}}}, size=2000,
                                request_timeout=timeout_s):  # fmt: skip
            source = hit["_source"]
            learned.by_query[source["query"]] = {
                p["id"]: LearnedProduct(p["evidence"], p["searches"]) for p in source["products"]
            }
    except NotFoundError:
        pass
    return learned


def outcomes_query(since: datetime) -> dict[str, Any]:
    """Searches since `since` that something came of (a click, a cart, a purchase)."""
    chosen = [{"range": {field: {"gte": 1}}} for field in ("clicks", "carts", "purchases")]
    return {"bool": {"filter": [{"term": {"kind": "search"}}, {"range": {"timestamp": {"gte": since.isoformat()}}}],
                     "should": chosen, "minimum_should_match": 1}}  # fmt: skip


def outcome_of(source: dict[str, Any]) -> LoggedOutcome:
    """A search log document's search and what came of it (the fields `OUTCOME_FIELDS` names)."""
    return LoggedOutcome(
        query=source["normalized_query"], timestamp=datetime.fromisoformat(source["timestamp"]),
        shown=list(source.get("query_response_hit_ids") or []), offset=int(source.get("offset") or 0),
        clicked=list(source.get("clicked_ids") or []), carted=list(source.get("carted_ids") or []),
        purchased=list(source.get("purchased_ids") or []),
    )  # fmt: skip


def logged_outcomes(
    client: OpenSearch, names: IndexNames, since: datetime, fields: Sequence[str] = ()
) -> Iterator[dict[str, Any]]:
    """The sources of the searches since `since` that something came of: `OUTCOME_FIELDS` and `fields`."""
    try:
        yield from (hit["_source"] for hit in helpers.scan(
            client, index=names.queries, size=5000, request_timeout=120,
            query={"query": outcomes_query(since), "_source": [*OUTCOME_FIELDS, *fields]}))  # fmt: skip
    except NotFoundError:
        return


def rebuild_learned_ranking(client: OpenSearch, names: IndexNames, settings: Settings) -> DerivedBuild:
    """Learn from the last ``click_learning_days`` of searches and publish the result."""
    now = datetime.now(UTC)
    since = now - timedelta(days=settings.click_learning_days)
    learned = learn(map(outcome_of, logged_outcomes(client, names, since)), now, learning_config(settings))
    documents = (
        {"query": query, "products": [{"id": pid, "evidence": round(p.evidence, 4), "searches": p.searches}
                                      for pid, p in products.items()]}
        for query, products in learned.items()
    )  # fmt: skip
    return replace_derived_index(client, names.learned, "learned", lambda: documents)
