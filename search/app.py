"""The app factory: resources are opened in the lifespan, never at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from opensearchpy import OpenSearch

from indexer.embedding_cache import EmbeddingCache
from reranker.config_store import ConfigStore
from reranker.personalization import PersonalizationConfig, PersonalizedReranker
from reranker.store import BehaviourConfig, BehaviourStore
from search import admin_config, admin_products, behaviour, endpoints, health
from search.errors import install_error_handlers
from search.query_vectors import QueryEmbedder
from search.service import SearchEngine
from search.spelling import VocabularyStore
from vindbaar import __version__
from vindbaar.client import create_client
from vindbaar.embedder import Embedder, SentenceTransformerEmbedder
from vindbaar.settings import Settings
from vindbaar.synonyms import SynonymRule, load_synonyms


def build_engine(
    settings: Settings, client: OpenSearch, embedder: Embedder, synonyms: list[SynonymRule] | None = None
) -> SearchEngine:
    """Everything a search needs, wired from the settings (the app, the demo and the benchmarks use it)."""
    return SearchEngine(
        client=client,
        settings=settings,
        embedder=QueryEmbedder(embedder, settings.query_embedding_cache_size),
        vocabulary=VocabularyStore(client, settings.index_alias, settings.vocabulary_refresh_s),
        synonyms=load_synonyms(settings.synonyms_path) if synonyms is None else synonyms,
        reranker=PersonalizedReranker(
            PersonalizationConfig(
                strength=settings.personalization_strength,
                max_shift=settings.personalization_max_shift,
                max_per_brand=settings.personalization_max_per_brand,
                demote_purchased=settings.demote_purchased,
            )
        ),
        behaviour=BehaviourStore(client, BehaviourConfig.from_settings(settings)),
        config=ConfigStore(client, settings.index_alias),
    )


def create_app(settings: Settings | None = None, embedder: Embedder | None = None) -> FastAPI:
    """Build the Vindbaar API for `settings` (default: from the environment).

    `embedder` lets a caller share an already loaded model (tests, several apps in one process).
    """
    settings = settings or Settings()
    synonyms = load_synonyms(settings.synonyms_path)  # a bad file fails at start, not on the first search

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = create_client(settings)
        model = embedder
        if model is None:
            loaded = SentenceTransformerEmbedder(
                settings.embedding_model, settings.embedding_device, settings.embedding_batch_size
            )
            loaded.warm_up()
            model = loaded
        cache = EmbeddingCache(settings.resolved_embedding_cache_path)
        app.state.settings = settings
        app.state.client = client
        app.state.embedder = model
        app.state.embedding_cache = cache
        app.state.engine = build_engine(settings, client, model, synonyms)
        try:
            yield
        finally:
            cache.close()
            client.close()

    app = FastAPI(
        title="Vindbaar",
        version=__version__,
        lifespan=lifespan,
        description="Personalized on-site search for web shops: hybrid search, autocomplete, catalog admin.",
    )
    install_error_handlers(app)
    app.include_router(endpoints.router)
    app.include_router(behaviour.router)
    app.include_router(behaviour.admin_router)
    app.include_router(health.router)
    app.include_router(admin_products.router)
    app.include_router(admin_config.router)
    return app
