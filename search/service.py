"""What the engine offers its callers (the HTTP layer, the demo, benchmarks): a search and autocomplete."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from reranker.merchandising.config import MerchConfig
from reranker.merchandising.plan import plan_rules
from search import stages
from search.engine import SearchEngine
from search.params import SearchParams
from search.results import AutocompleteResponse, SearchResponse
from search.search_logging import record_autocomplete, record_search

#: Prefixes this short (or empty) also get the session's recent searches.
RECENT_PREFIX_MAX = 2


def search(
    engine: SearchEngine, params: SearchParams, draft: MerchConfig | None = None, log: bool = True
) -> SearchResponse:
    """Run `params` against the live index and return one page of results with facets; log it (a shopper's
    search) unless `log` is off.

    `draft` replaces the live merchandising config (the admin preview, which is never logged).
    """
    started = time.perf_counter()
    plan = stages.plan(engine, params, draft)
    retrieval = stages.retrieve(engine, plan)
    ranked = stages.rank(engine, plan, retrieval) if retrieval.semantic is not None else None
    page = stages.page(engine, plan, retrieval, ranked)
    response = stages.respond(plan, retrieval, page, took_ms=round((time.perf_counter() - started) * 1000, 2))
    if log and draft is None:
        record_search(engine, plan, retrieval.lexical_total, page, response)
    return response


def suggest(
    engine: SearchEngine, text: str, size: int, session_id: str | None = None, client_id: str | None = None
) -> AutocompleteResponse:
    """As-you-type suggestions for `text`, within the live rules' filters (hidden products never show);
    with a short prefix, also the session's recent searches. Logged."""
    engine.catalog.get()  # notices a changed catalog (the autocomplete index then rebuilds in the background)
    config = engine.merchandising().config
    rules = plan_rules(config, text, [], datetime.now(UTC), returning=False)
    response = engine.autocomplete.get().suggest(text, size, rules.filters, rules.hides, config.blocked_terms)
    response.query_id = uuid.uuid4().hex
    if session_id and len(text.strip()) <= RECENT_PREFIX_MAX and engine.behaviour is not None:
        typed = text.strip().lower()
        recent = engine.behaviour.searches.recent(session_id, size=10)
        response.recent = [q for q in recent if q.lower().startswith(typed)][:5]
    if text.strip():
        record_autocomplete(engine, response, session_id, client_id)
    return response
