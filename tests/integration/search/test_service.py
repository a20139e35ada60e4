"""The search service on the real node, step by step: each step of a search runs once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from opensearchpy import OpenSearch

from search.engine import build_engine
from search.params import SearchParams
from search.service import search
from vindbaar.embedder import Embedder
from vindbaar.settings import Settings


def _counting(calls: list[str], function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append(function.__name__)
        return function(*args, **kwargs)

    return wrapper


@pytest.mark.parametrize(("query", "corrected"), [("hedfones", "headphones"), ("headphones", None)])
def test_a_search_corrects_its_query_once_and_retries_only_the_lexical_request(
    client: OpenSearch, catalog_settings: Settings, embedder: Embedder,
    monkeypatch: pytest.MonkeyPatch, query: str, corrected: str | None,
) -> None:  # fmt: skip
    engine = build_engine(catalog_settings, client, embedder)
    engine.catalog.get()  # as the app does at start
    engine.learned.get()
    engine.ranker.get()
    vocabulary = engine.vocabulary.get()
    calls: list[str] = []
    monkeypatch.setattr(vocabulary, "correct", _counting(calls, vocabulary.correct))
    monkeypatch.setattr(engine.client, "msearch", _counting(calls, engine.client.msearch))
    monkeypatch.setattr(engine.client, "search", _counting(calls, engine.client.search))
    response = search(engine, SearchParams(q=query, size=5))
    assert response.corrected_query == corrected and response.items
    assert calls.count("correct") == 1
    # The merchandising config (read at most once a second, here the first time), one _msearch (lexical +
    # kNN), a lexical-only retry when the corrected query is tried, and the page's documents.
    assert calls.count("msearch") == 1
    assert calls.count("search") == (3 if corrected else 2)
