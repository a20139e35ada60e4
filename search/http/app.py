"""The app factory: resources are opened in the lifespan, never at import time."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from indexer.embedding_cache import EmbeddingCache
from search.engine import build_engine
from search.http.deadlines import RequestDeadline
from search.http.encoding import Utf8Url
from search.http.errors import install_error_handlers
from search.http.limits import BodyLimit, RateLimiter
from search.http.methods import install_allow_header
from search.http.metrics import install_metrics
from search.http.request_context import RequestContext
from search.http.responses import document_public_key
from search.http.routes import (
    admin_analytics,
    admin_config,
    admin_experiments,
    admin_products,
    admin_worker,
    events,
    health,
    privacy,
)
from search.http.routes import search as search_routes
from search.http.ui import install_ui
from search.jobs import BackgroundJobs, Job
from search.learned_ranking import rebuild_learned_ranking
from search.ranking_job import train_in_child_process
from search.searched_suggestions import rebuild_searched_suggestions
from vindbaar import __version__
from vindbaar.client import create_client
from vindbaar.embedder import Embedder, create_embedder
from vindbaar.log_format import use_json_logs
from vindbaar.settings import Settings
from vindbaar.synonyms import load_synonyms


def create_app(settings: Settings | None = None, embedder: Embedder | None = None) -> FastAPI:
    """Build the Vindbaar API for `settings` (default: from the environment).

    `embedder` lets a caller share an already loaded model (tests, several apps in one process).
    """
    settings = settings or Settings()
    if settings.log_format == "json":
        use_json_logs()
    # opensearch-py logs each request's URL (with document ids such as user:<id>) and, when tracing, its
    # body: personal data, and noise for states that are normal (a 404 for "no profile yet"). The service
    # logs OpenSearch failures itself (`errors.py`), by route and error type.
    for library in ("opensearch", "opensearchpy.trace"):
        logging.getLogger(library).setLevel(logging.ERROR)
    synonyms = load_synonyms(settings.synonyms_path)  # a bad file fails at start, not on the first search

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = create_client(settings)
        model = embedder
        if model is None:
            model = create_embedder(settings)
            model.warm_up()
        cache = EmbeddingCache(settings.resolved_embedding_cache_path)
        app.state.settings = settings
        app.state.client = client
        app.state.embedder = model
        app.state.embedding_cache = cache
        app.state.engine = engine = build_engine(settings, client, model, synonyms)
        # The first loads, at start (later reloads run in the background, never on a request thread).
        engine.catalog.get()
        engine.merchandising()
        engine.vocabulary.get()
        engine.autocomplete.get()
        engine.learned.get()
        engine.ranker.get()
        engine.base_rates.get()
        schedule = BackgroundJobs(client, [
            Job("suggestions from searches", engine.names.searched, settings.suggestions_refresh_s,
                lambda: rebuild_searched_suggestions(client, engine.names, settings,
                                                     engine.merchandising().config.blocked_terms)),
            Job("click learning", engine.names.learned, settings.click_learning_refresh_s,
                lambda: rebuild_learned_ranking(client, engine.names, settings)),
            # Not on this worker's threads: training would slow its searches for the whole run.
            Job("learning to rank", engine.names.ranker, settings.ranking_model_retrain_s,
                lambda: train_in_child_process(settings, timeout_s=settings.ranking_model_retrain_s)),
        ])  # fmt: skip
        schedule.start()
        try:
            yield
        finally:
            schedule.stop()
            if engine.behaviour is not None:
                engine.behaviour.searches.close()  # what is queued is written before the worker exits
            cache.close()
            client.close()

    app = FastAPI(
        title="Vindbaar",
        version=__version__,
        lifespan=lifespan,
        description="Personalized on-site search for web shops: hybrid search, autocomplete, catalog admin.",
    )
    if settings.cors_origin_list:
        # Shop pages on these origins call the public routes from the browser, with the search key.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_methods=["GET", "POST", "PUT"],
            allow_headers=["X-API-Key", "Authorization", "X-User-Token", "Content-Type"],
            max_age=600,
        )
    install_error_handlers(app)
    install_allow_header(app)
    if settings.rate_limit_per_s > 0:
        app.state.rate_limiter = RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestDeadline, settings=settings)
    app.add_middleware(Utf8Url)
    # Outermost: the request id holds for everything the request logs, and the time counts all of it.
    app.add_middleware(RequestContext, metrics=install_metrics(app))
    for router in (search_routes.router, events.router, privacy.router, privacy.admin_router, health.router,
                   admin_products.router, admin_config.router, admin_worker.router, admin_analytics.router,
                   admin_experiments.router):  # fmt: skip
        app.include_router(router)
    install_ui(app)  # the storefront at /demo and the merchandiser console at /console
    document_public_key(app, required=settings.search_api_key is not None)
    return app
