"""Exception handlers: OpenSearch trouble becomes a 503 with Retry-After, never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from opensearchpy.exceptions import ConnectionError as OpenSearchConnectionError
from opensearchpy.exceptions import TransportError

from vindbaar.errors import BackendUnavailable

log = logging.getLogger(__name__)

RETRY_AFTER_S = 5


class SearchFailed(Exception):
    """OpenSearch answered one request of an `_msearch` with an error."""

    def __init__(self, error: Any) -> None:
        super().__init__(f"OpenSearch rejected the search: {error}")
        self.error = error


def _unavailable(detail: str) -> JSONResponse:
    return JSONResponse(
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        content={"detail": detail},
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


def _missing_index(error: object) -> bool:
    return "index_not_found_exception" in str(error)


async def _on_connection_error(request: Request, exc: Exception) -> JSONResponse:
    # ConnectionTimeout is a ConnectionError too: slow and down are the same to a shopper.
    log.warning("OpenSearch unreachable for %s %s: %s", request.method, request.url.path, exc)
    return _unavailable("search backend unavailable, retry shortly")


async def _on_transport_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TransportError)
    if _missing_index(exc):
        return _unavailable("the product index does not exist yet: load a catalog with `vindbaar index load`")
    log.error("OpenSearch error for %s %s: %s", request.method, request.url.path, exc)
    if isinstance(exc.status_code, int) and exc.status_code in (429, 502, 503, 504):
        return _unavailable("search backend overloaded or unavailable, retry shortly")
    return JSONResponse(status_code=status.HTTP_502_BAD_GATEWAY, content={"detail": "search backend error"})


async def _on_search_failed(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SearchFailed)
    if _missing_index(exc.error):
        return _unavailable("the product index does not exist yet: load a catalog with `vindbaar index load`")
    log.error("OpenSearch rejected a search for %s: %s", request.url.path, exc)
    return JSONResponse(status_code=status.HTTP_502_BAD_GATEWAY, content={"detail": "search backend error"})


async def _on_backend_unavailable(request: Request, exc: Exception) -> JSONResponse:
    return _unavailable(str(exc))


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on `app`."""
    app.add_exception_handler(OpenSearchConnectionError, _on_connection_error)
    app.add_exception_handler(TransportError, _on_transport_error)
    app.add_exception_handler(SearchFailed, _on_search_failed)
    app.add_exception_handler(BackendUnavailable, _on_backend_unavailable)
