"""What the analytics tests read the search log through: a shop whose logged searches are all written."""

from __future__ import annotations

from fastapi.testclient import TestClient
from opensearchpy import OpenSearch

from search.engine import SearchEngine


def log_written(shop: TestClient, client: OpenSearch) -> SearchEngine:
    """The shop's engine, once every search it logged is written and searchable (the log writes in the
    background, and a search sees only what the last refresh made visible)."""
    engine: SearchEngine = shop.app.state.engine  # type: ignore[attr-defined]
    assert engine.behaviour is not None and engine.behaviour.searches.flush()
    client.indices.refresh(index=engine.names.queries)
    return engine
