"""The job that turns the search log into autocomplete suggestions: run by `vindbaar analytics
suggestions`, and on a schedule inside the service (`search/jobs.py`)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from opensearchpy import NotFoundError, OpenSearch

from analytics.suggestion_mining import mined_queries, mining_body, suggestions_from_searches
from indexer.suggestions import write_searched_suggestions
from vindbaar.index_names import IndexNames
from vindbaar.settings import Settings


@dataclass(frozen=True)
class SearchedSuggestions:
    """What a run produced."""

    index: str
    suggestions: int
    queries_seen: int


def rebuild_searched_suggestions(
    client: OpenSearch, names: IndexNames, settings: Settings, blocked_terms: Collection[str]
) -> SearchedSuggestions:
    """Mine the last ``suggestions_days`` of searches and replace the searched suggestions with them."""
    since = datetime.now(UTC) - timedelta(days=settings.suggestions_days)
    try:
        answer = client.search(index=names.queries, body=mining_body(since), request_timeout=120)
    except NotFoundError:
        answer = {}
    seen = mined_queries(answer)
    mined = suggestions_from_searches(seen, settings.suggestions_min_searches, blocked_terms)
    build = write_searched_suggestions(client, names.alias, (q.document() for q in mined))
    return SearchedSuggestions(build.index, build.documents, len(seen))
