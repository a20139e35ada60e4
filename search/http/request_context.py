"""Every request gets an id, taken from ``X-Request-ID`` when the caller sends a sane one (a proxy's, so
its logs and ours line up) or made up; the response carries it and every log line of the request names
it. One access line per request names the route template, status and time, and nothing the caller sent
(the URL's query string holds what shoppers type and their ids)."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from search.http.metrics import Metrics
from vindbaar.log_format import request_id

access = logging.getLogger("vindbaar.access")
_SANE = re.compile(rb"^[A-Za-z0-9._-]{1,64}$")


class RequestContext:
    """Sets the request id for the request's log lines and answers with it; logs the access line and
    counts the request in the app's metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics | None = None) -> None:
        self._app = app
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"")
        rid = given.decode() if _SANE.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self._app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            seconds = time.perf_counter() - started
            if self._metrics is not None:
                self._metrics.observe(route, scope.get("method", ""), status, seconds)
            elapsed = round(seconds * 1000, 2)
            access.info("%s %s %d %.2fms", scope.get("method", ""), route, status, elapsed,
                        extra={"fields": {"method": scope.get("method", ""), "route": route, "status": status,
                                          "ms": elapsed}})  # fmt: skip
            request_id.reset(token)
