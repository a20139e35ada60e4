"""Each request's bound on waiting for OpenSearch (`vindbaar.deadline`), chosen by what it is.

A shopper's search must fail fast when the node hangs (a 503 the page can handle beats a spinner), so a
search or autocomplete gets ``VINDBAAR_SEARCH_TIMEOUT_S`` for all its OpenSearch calls together; other
public requests (events, consent, health) ``VINDBAAR_REQUEST_TIMEOUT_S``. Admin requests get no bound in
all: a batch of products is embedded and written in several calls and may rightly take longer than any
one of them; each call keeps the client's ``VINDBAAR_OPENSEARCH_TIMEOUT_S``.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from vindbaar.deadline import within
from vindbaar.settings import Settings

SEARCH_PATHS = ("/search", "/autocomplete")


def timeout_for(path: str, settings: Settings) -> float | None:
    """The OpenSearch time a request to `path` may take in all (None: each call its own timeout)."""
    if path in SEARCH_PATHS:
        return settings.search_timeout_s
    if path.startswith("/admin"):
        return None
    return settings.request_timeout_s


class RequestDeadline:
    """Opens the request's deadline; the OpenSearch client gives each call only what is left of it."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self._app = app
        self._settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        seconds = timeout_for(str(scope.get("path", "")), self._settings)
        if seconds is None:
            await self._app(scope, receive, send)
            return
        with within(seconds):
            await self._app(scope, receive, send)
