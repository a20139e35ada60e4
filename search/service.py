"""What the engine offers its callers (the HTTP layer, the demo, benchmarks): a search and autocomplete."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from reranker.merchandising.plan import plan_rules
from reranker.merchandising.rules import MerchConfig
from search import stages
from search.engine import SearchEngine
from search.params import SearchParams
from search.results import AutocompleteResponse, SearchResponse


def search(engine: SearchEngine, params: SearchParams, draft: MerchConfig | None = None) -> SearchResponse:
    """Run `params` against the live index and return one page of results with facets.

    `draft` replaces the live merchandising config (the admin preview).
    """
    started = time.perf_counter()
    plan = stages.plan(engine, params, draft)
    retrieval = stages.retrieve(engine, plan)
    ranked = stages.rank(engine, plan, retrieval) if retrieval.semantic is not None else None
    page = stages.page(engine, plan, retrieval, ranked)
    return stages.respond(plan, retrieval, page, took_ms=round((time.perf_counter() - started) * 1000, 2))


def suggest(engine: SearchEngine, text: str, size: int) -> AutocompleteResponse:
    """As-you-type suggestions for `text`, within the live rules' filters (hidden products never show)."""
    engine.catalog.get()  # notices a changed catalog (the autocomplete index then rebuilds in the background)
    rules = plan_rules(engine.merchandising().config, text, [], datetime.now(UTC), returning=False)
    return engine.autocomplete.get().suggest(text, size, rules.filters, rules.hides)
