"""FastAPI dependency aliases for the resources the app's lifespan owns."""

from __future__ import annotations

import hmac
from typing import Annotated, cast

from fastapi import Depends, Header, HTTPException, Request, status
from opensearchpy import OpenSearch
from pydantic import SecretStr

from indexer.embedding_cache import EmbeddingCache
from reranker.behaviour.store import BehaviourStore
from search.engine import SearchEngine
from vindbaar.embedder import Embedder
from vindbaar.settings import Settings


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    return cast(Settings, request.app.state.settings)


def get_client(request: Request) -> OpenSearch:
    """The OpenSearch client opened by the lifespan."""
    return cast(OpenSearch, request.app.state.client)


SettingsDep = Annotated[Settings, Depends(get_settings)]
ClientDep = Annotated[OpenSearch, Depends(get_client)]


def get_embedder(request: Request) -> Embedder:
    """The embedding model loaded by the lifespan."""
    return cast(Embedder, request.app.state.embedder)


def get_embedding_cache(request: Request) -> EmbeddingCache:
    """The embedding cache opened by the lifespan."""
    return cast(EmbeddingCache, request.app.state.embedding_cache)


def _given_key(x_api_key: str | None, authorization: str | None) -> str | None:
    if x_api_key is not None:
        return x_api_key
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


def _same(given: str, expected: SecretStr | None) -> bool:
    return expected is not None and hmac.compare_digest(given.encode(), expected.get_secret_value().encode())


def require_search_key(
    settings: SettingsDep,
    x_api_key: Annotated[str | None, Header()] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> None:
    """Public routes need the search key (or the admin key) once ``VINDBAAR_SEARCH_API_KEY`` is set."""
    if settings.search_api_key is None:
        return
    given = _given_key(x_api_key, authorization)
    if not given:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing API key", headers={"WWW-Authenticate": "Bearer"})
    if not (_same(given, settings.search_api_key) or _same(given, settings.admin_api_key)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "unknown API key")


def require_admin(
    settings: SettingsDep,
    x_api_key: Annotated[str | None, Header()] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> None:
    """Allow the request only with the admin key (``X-API-Key`` or ``Authorization: Bearer``)."""
    expected = settings.admin_api_key
    if expected is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "admin API disabled: set VINDBAAR_ADMIN_API_KEY")
    given = _given_key(x_api_key, authorization)
    if not given:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing API key", headers={"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this key may not use admin routes")


def get_engine(request: Request) -> SearchEngine:
    """The search engine (client, query embedder, vocabulary, synonyms, reranker) built by the lifespan."""
    return cast(SearchEngine, request.app.state.engine)


EmbedderDep = Annotated[Embedder, Depends(get_embedder)]
EngineDep = Annotated[SearchEngine, Depends(get_engine)]
EmbeddingCacheDep = Annotated[EmbeddingCache, Depends(get_embedding_cache)]
AdminDep = Depends(require_admin)
SearchKeyDep = Depends(require_search_key)


def get_behaviour(request: Request) -> BehaviourStore:
    """The events and profiles store built by the lifespan."""
    behaviour = cast(SearchEngine, request.app.state.engine).behaviour
    if behaviour is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "behaviour store not configured")
    return behaviour


BehaviourDep = Annotated[BehaviourStore, Depends(get_behaviour)]
