"""The one place that maps errors to HTTP: `VindbaarError` subclasses and opensearch-py's exceptions.

OpenSearch trouble becomes a 503 with Retry-After, never a stack trace:

    BackendUnavailable, OpenSearch ConnectionError (timeouts too), 429/502/503/504   -> 503 + Retry-After
    a cluster that is starting or recovering (no shard available, all shards failed,
    cluster blocked, no cluster manager), as a TransportError or a BackendError      -> 503 + Retry-After
    a missing product index                                                          -> 503 + Retry-After
    BackendError (SearchFailed, WriteFailed), other OpenSearch TransportErrors       -> 502
    NotAuthenticated -> 401;  NotPermitted -> 403;  NotFound -> 404;  Conflict -> 409;  InvalidInput -> 422
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from opensearchpy.exceptions import ConnectionError as OpenSearchConnectionError
from opensearchpy.exceptions import ConnectionTimeout, TransportError

from vindbaar.errors import (
    BackendError,
    BackendUnavailable,
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    NotPermitted,
    SearchFailed,
    VindbaarError,
)

log = logging.getLogger(__name__)

RETRY_AFTER_S = 5
#: OpenSearch's answers while it is overloaded, restarting, or moving shards after a node left: retry later.
UNAVAILABLE_STATUSES = frozenset({429, 502, 503, 504})
#: Error types of a cluster that has no copy of a shard ready (yet); some come with a 500 or a 400.
RECOVERING_TYPES = frozenset({
    "no_shard_available_action_exception", "unavailable_shards_exception", "cluster_block_exception",
    "cluster_manager_not_discovered_exception", "master_not_discovered_exception", "node_not_connected_exception",
    "node_disconnected_exception", "node_closed_exception", "shard_not_found_exception",
    "primary_missing_action_exception", "process_cluster_event_timeout_exception",
})  # fmt: skip
MISSING_INDEX = "the product index does not exist yet: load a catalog with `vindbaar index load`"


def _unavailable(detail: str) -> JSONResponse:
    return JSONResponse(
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        content={"detail": detail},
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


def _bad_gateway() -> JSONResponse:
    return JSONResponse(status_code=status.HTTP_502_BAD_GATEWAY, content={"detail": "search backend error"})


def _route(request: Request) -> str:
    """The route template (``/users/{user_id}``): a path holds ids, which logs must not."""
    return str(getattr(request.scope.get("route"), "path", "unmatched"))


def _count(request: Request, kind: str) -> None:
    """Count an OpenSearch failure for /metrics (apps built without metrics count nothing)."""
    metrics = getattr(request.app.state, "metrics", None)
    if metrics is not None:
        metrics.backend_errors.labels(kind).inc()


async def _on_connection_error(request: Request, exc: Exception) -> JSONResponse:
    # ConnectionTimeout is a ConnectionError too: slow and down are the same to a shopper.
    log.warning("OpenSearch unreachable for %s %s: %s", request.method, _route(request), type(exc).__name__)
    _count(request, "timeout" if isinstance(exc, ConnectionTimeout) else "unreachable")
    return _unavailable("search backend unavailable, retry shortly")


def is_recovering(status: object, error_type: object, text: str = "") -> bool:
    """Whether OpenSearch's error means "not ready, retry" (overloaded, restarting, shards recovering)
    rather than "this request is wrong"."""
    if isinstance(status, int) and status in UNAVAILABLE_STATUSES:
        return True
    return error_type in RECOVERING_TYPES or any(kind in text for kind in RECOVERING_TYPES)


def _error_type(exc: TransportError) -> object:
    info = exc.info
    return info.get("error", {}).get("type") if isinstance(info, dict) and isinstance(info.get("error"), dict) else None


async def _on_transport_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TransportError)
    if "index_not_found_exception" in str(exc):
        _count(request, "missing_index")
        return _unavailable(MISSING_INDEX)
    log.error("OpenSearch error for %s %s: %s %s", request.method, _route(request), exc.status_code, exc.error)
    if is_recovering(exc.status_code, _error_type(exc) or exc.error, str(exc.info)):
        _count(request, "overloaded")
        return _unavailable("search backend overloaded or unavailable, retry shortly")
    _count(request, "error")
    return _bad_gateway()


async def _on_vindbaar_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, VindbaarError)
    if isinstance(exc, BackendUnavailable):
        return _unavailable(str(exc))
    if isinstance(exc, SearchFailed) and exc.index_missing:
        return _unavailable(MISSING_INDEX)
    content = {"detail": str(exc), **exc.details}
    if isinstance(exc, NotAuthenticated):
        return JSONResponse(status_code=status.HTTP_401_UNAUTHORIZED, content=content,
                            headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    if isinstance(exc, NotPermitted):
        return JSONResponse(status_code=status.HTTP_403_FORBIDDEN, content=content)
    if isinstance(exc, NotFound):
        return JSONResponse(status_code=status.HTTP_404_NOT_FOUND, content=content)
    if isinstance(exc, Conflict):
        return JSONResponse(status_code=status.HTTP_409_CONFLICT, content=content)
    if isinstance(exc, InvalidInput):
        # In the shape of FastAPI's own 422 (the documented `HTTPValidationError`), naming the field if known.
        error = {"type": "value_error", "loc": list(exc.details.get("loc", ("body",))), "msg": str(exc)}
        return JSONResponse(status_code=422, content={"detail": [error]})
    if isinstance(exc, BackendError):
        log.error("OpenSearch refused a request for %s %s: %s %s %s", request.method, _route(request),
                  type(exc).__name__, exc.status, exc.error_type)  # fmt: skip
        if is_recovering(exc.status, exc.error_type, str(exc)):
            _count(request, "overloaded")
            return _unavailable("search backend recovering, retry shortly")
        _count(request, "error")
        return _bad_gateway()
    log.error("unexpected error for %s %s: %s", request.method, _route(request), type(exc).__name__)
    return JSONResponse(status_code=status.HTTP_500_INTERNAL_SERVER_ERROR, content={"detail": str(exc)})


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on `app`."""
    app.add_exception_handler(OpenSearchConnectionError, _on_connection_error)
    app.add_exception_handler(TransportError, _on_transport_error)
    app.add_exception_handler(VindbaarError, _on_vindbaar_error)
