"""The app factory: resources are opened in the lifespan, never at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from indexer.embedding_cache import EmbeddingCache
from search import admin_products, health
from vindbaar import __version__
from vindbaar.client import create_client
from vindbaar.embedder import SentenceTransformerEmbedder
from vindbaar.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the Vindbaar API for `settings` (default: from the environment)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = create_client(settings)
        embedder = SentenceTransformerEmbedder(
            settings.embedding_model, settings.embedding_device, settings.embedding_batch_size
        )
        embedder.warm_up()
        cache = EmbeddingCache(settings.resolved_embedding_cache_path)
        app.state.settings = settings
        app.state.client = client
        app.state.embedder = embedder
        app.state.embedding_cache = cache
        try:
            yield
        finally:
            cache.close()
            client.close()

    app = FastAPI(title="Vindbaar", version=__version__, lifespan=lifespan)
    app.include_router(health.router)
    app.include_router(admin_products.router)
    return app
