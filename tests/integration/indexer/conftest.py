"""Fixtures of the write-path tests: a unique alias per test and an embedding cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.embedding_cache import EmbeddingCache
from vindbaar.settings import Settings


@pytest.fixture
def alias_settings(settings: Settings, index_name: str, tmp_path: Path) -> Settings:
    """Settings whose alias is this test's unique name (its versioned indices are removed afterwards)."""
    return settings.model_copy(
        update={"index_alias": index_name, "embedding_cache_path": tmp_path / "emb.sqlite", "keep_indices": 2}
    )


@pytest.fixture
def cache(alias_settings: Settings) -> Iterator[EmbeddingCache]:
    store = EmbeddingCache(alias_settings.resolved_embedding_cache_path)
    yield store
    store.close()
