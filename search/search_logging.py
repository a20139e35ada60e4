"""What a search or autocomplete puts on the search log: built on the request thread from what was
already computed (a few microseconds), written by the log's background thread."""

from __future__ import annotations

from datetime import UTC, datetime

from reranker.behaviour.search_record import LoggedSearch
from search.engine import SearchEngine
from search.experiment_arm import teams
from search.results import AutocompleteResponse, SearchResponse
from search.stages import Page, SearchPlan
from vindbaar.text import normalized


def record_search(
    engine: SearchEngine, plan: SearchPlan, word_matches: int, shown: Page, response: SearchResponse
) -> None:
    """Log a search: what was asked, how many products matched its words, what was shown at which
    position, and the experiment arm."""
    if engine.behaviour is None:
        return
    params, arm = plan.params, plan.arm
    interleaved = arm is not None and arm.interleave is not None
    engine.behaviour.searches.record(
        LoggedSearch(
            query_id=response.query_id, kind="search", user_query=params.q, normalized_query=normalized(params.q),
            timestamp=datetime.now(UTC), result_count=response.total, hit_ids=[item.id for item in response.items],
            latency_ms=response.took_ms, page=params.page, offset=params.offset,
            sort=params.sort.value if params.sort else None,
            filters=params.filters.model_dump(mode="json", exclude_defaults=True),
            corrected_query=response.corrected_query, user_id=params.user_id, session_id=params.session_id,
            client_id=params.client_id, experiment=arm.experiment if arm else None,
            variant=arm.variant if arm else None, teams=teams(shown.items) if interleaved else None,
            word_matches=word_matches,
        )
    )  # fmt: skip


def record_autocomplete(
    engine: SearchEngine, response: AutocompleteResponse, session_id: str | None, client_id: str | None
) -> None:
    """Log an autocomplete answer: the text typed and the products offered."""
    if engine.behaviour is None:
        return
    shown = len(response.suggestions) + len(response.products)
    engine.behaviour.searches.record(
        LoggedSearch(
            query_id=response.query_id, kind="autocomplete", user_query=response.query,
            normalized_query=normalized(response.query), timestamp=datetime.now(UTC), result_count=shown,
            hit_ids=[p.id for p in response.products], latency_ms=response.took_ms, session_id=session_id,
            client_id=client_id,
        )
    )  # fmt: skip
