"""The app factory: resources are opened in the lifespan, never at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from search import health
from vindbaar import __version__
from vindbaar.client import create_client
from vindbaar.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the Vindbaar API for `settings` (default: from the environment)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = create_client(settings)
        app.state.settings = settings
        app.state.client = client
        try:
            yield
        finally:
            client.close()

    app = FastAPI(title="Vindbaar", version=__version__, lifespan=lifespan)
    app.include_router(health.router)
    return app
