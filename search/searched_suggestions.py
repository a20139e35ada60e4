"""The job that turns the search log into autocomplete suggestions: run by `vindbaar analytics
suggestions`, and on a schedule inside the service (each worker checks; only a stale build is redone)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from opensearchpy import NotFoundError, OpenSearch

from analytics.suggestion_mining import mined_queries, mining_body, suggestions_from_searches
from indexer.indices import alias_targets
from indexer.suggestions import write_searched_suggestions
from vindbaar.index_names import IndexNames
from vindbaar.settings import Settings

log = logging.getLogger(__name__)


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


def built_at(client: OpenSearch, names: IndexNames) -> datetime | None:
    """When the live searched suggestions were built (from their index name), None if never."""
    targets = alias_targets(client, names.searched)
    if not targets:
        return None
    stamp = targets[0].rsplit("-", 1)[-1]
    return datetime.strptime(stamp, "%Y%m%dt%H%M%S%f").replace(tzinfo=UTC)


class SuggestionsSchedule:
    """A daemon thread that rebuilds the searched suggestions every ``suggestions_refresh_s``."""

    def __init__(
        self, client: OpenSearch, names: IndexNames, settings: Settings, blocked: Callable[[], Collection[str]]
    ) -> None:
        self._client, self._names, self._settings, self._blocked = client, names, settings, blocked
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="suggestions-job", daemon=True)

    def start(self) -> None:
        if self._settings.suggestions_refresh_s > 0:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        interval = self._settings.suggestions_refresh_s
        while not self._stop.wait(min(interval, 60.0)):
            try:
                last = built_at(self._client, self._names)
                if last is None or datetime.now(UTC) - last >= timedelta(seconds=interval):
                    result = rebuild_searched_suggestions(self._client, self._names, self._settings, self._blocked())
                    log.info("suggestions from searches: %d from %d queries", result.suggestions, result.queries_seen)
            except Exception as exc:
                log.warning("suggestions from searches failed: %s", exc)
