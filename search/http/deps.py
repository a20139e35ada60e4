"""FastAPI dependency aliases for the resources the app's lifespan owns."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, HTTPException, Request, status
from opensearchpy import OpenSearch

from analytics.report import Analytics
from indexer.embedding_cache import EmbeddingCache
from reranker.behaviour.store import BehaviourStore
from reranker.merchandising.config_store import ConfigStore
from search.engine import SearchEngine
from search.http.identity import GivenAdminKeyDep, get_caller, same_key
from vindbaar.embedder import Embedder
from vindbaar.settings import Settings


async def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    return cast(Settings, request.app.state.settings)


async def get_client(request: Request) -> OpenSearch:
    """The OpenSearch client opened by the lifespan."""
    return cast(OpenSearch, request.app.state.client)


SettingsDep = Annotated[Settings, Depends(get_settings)]
ClientDep = Annotated[OpenSearch, Depends(get_client)]


async def get_embedder(request: Request) -> Embedder:
    """The embedding model loaded by the lifespan."""
    return cast(Embedder, request.app.state.embedder)


async def get_embedding_cache(request: Request) -> EmbeddingCache:
    """The embedding cache opened by the lifespan."""
    return cast(EmbeddingCache, request.app.state.embedding_cache)


async def require_admin(settings: SettingsDep, given: GivenAdminKeyDep) -> None:
    """Allow the request only with the admin key (``X-API-Key`` or ``Authorization: Bearer``)."""
    expected = settings.admin_api_key
    if expected is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "admin API disabled: set VINDBAAR_ADMIN_API_KEY")
    if not given:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing API key", headers={"WWW-Authenticate": "Bearer"})
    if not same_key(given, expected):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this key may not use admin routes")


async def get_engine(request: Request) -> SearchEngine:
    """The search engine (client, query embedder, vocabulary, synonyms, reranker) built by the lifespan."""
    return cast(SearchEngine, request.app.state.engine)


EmbedderDep = Annotated[Embedder, Depends(get_embedder)]
EngineDep = Annotated[SearchEngine, Depends(get_engine)]
EmbeddingCacheDep = Annotated[EmbeddingCache, Depends(get_embedding_cache)]
AdminDep = Depends(require_admin)
#: Public routes: identify the caller (and check the search key once one is configured).
SearchKeyDep = Depends(get_caller)


async def get_behaviour(request: Request) -> BehaviourStore:
    """The events and profiles store built by the lifespan."""
    behaviour = cast(SearchEngine, request.app.state.engine).behaviour
    if behaviour is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "behaviour store not configured")
    return behaviour


BehaviourDep = Annotated[BehaviourStore, Depends(get_behaviour)]


async def get_config_store(request: Request) -> ConfigStore:
    """The merchandising config store of the engine."""
    store = cast(SearchEngine, request.app.state.engine).config
    if store is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "merchandising config store not configured")
    return store


async def get_analytics(request: Request) -> Analytics:
    """Reports over the search log of the engine's shop."""
    engine = cast(SearchEngine, request.app.state.engine)
    return Analytics(engine.client, engine.names, engine.settings.opensearch_timeout_s)


ConfigStoreDep = Annotated[ConfigStore, Depends(get_config_store)]
AnalyticsDep = Annotated[Analytics, Depends(get_analytics)]
