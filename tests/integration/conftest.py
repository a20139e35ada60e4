"""Fixtures for API tests: a live alias over the sample catalog, built by the real reindex."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from opensearchpy import OpenSearch
from pydantic import SecretStr

from indexer.sample_catalog import generate_sample_catalog
from search.http.app import create_app
from tests.integration.catalog_alias import catalog_alias
from tests.shoppers import USER_TOKEN_SECRET
from vindbaar.embedder import Embedder
from vindbaar.settings import Settings

CATALOG_SIZE = 700  # 50 products of each of the sample catalog's 14 kinds


@pytest.fixture(scope="session")
def shared_embedding_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One embedding cache for the session: the second catalog build embeds nothing."""
    return tmp_path_factory.mktemp("embeddings") / "emb.sqlite"


@pytest.fixture(scope="module")
def catalog_settings(
    client: OpenSearch, settings: Settings, embedder: Embedder, shared_embedding_cache: Path
) -> Iterator[Settings]:
    """Settings whose alias (with suggestions, events, profiles) holds the sample catalog; removed afterwards."""
    products = list(generate_sample_catalog(CATALOG_SIZE, seed=7))
    with catalog_alias(client, settings, products, embedder, "test-api", embedding_cache_path=shared_embedding_cache,
                       admin_api_key=SecretStr("admin-secret"),
                       user_token_secret=SecretStr(USER_TOKEN_SECRET)) as alias_settings:  # fmt: skip
        yield alias_settings


@pytest.fixture(scope="module")
def api(catalog_settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    with TestClient(create_app(catalog_settings, embedder=embedder)) as test_client:
        yield test_client
