"""Abuse limits: a token bucket per client address on the public routes (429 with Retry-After), and a
cap on request bodies (413). Server and admin keys are the shop's own backend: never rate limited.

The buckets live in each worker, so with N workers a client may get up to N times the rate; behind a
proxy, run uvicorn with ``--proxy-headers`` (and ``--forwarded-allow-ips``) so the client's address is the
shopper's, not the proxy's.
"""

from __future__ import annotations

import math
import time

from cachetools import LRUCache
from fastapi import HTTPException, status
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RateLimiter:
    """Token buckets by client: `rate_per_s` sustained, `burst` at once."""

    def __init__(self, rate_per_s: float, burst: int, clients: int = 100_000) -> None:
        self.rate = rate_per_s
        self.burst = float(burst)
        # Only touched on the event loop (the caller dependency is async), so no lock.
        self._buckets: LRUCache[str, tuple[float, float]] = LRUCache(maxsize=clients)

    def wait_s(self, client: str, now: float | None = None) -> float:
        """Take a token for `client`: 0 when allowed, else the seconds until one is free."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.get(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1:
            self._buckets[client] = (tokens - 1, now)
            return 0.0
        self._buckets[client] = (tokens, now)
        return (1 - tokens) / self.rate

    def check(self, client: str) -> None:
        """Raise 429 with Retry-After when `client` is over its rate."""
        wait = self.wait_s(client)
        if wait > 0:
            raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "too many requests from this address",
                                headers={"Retry-After": str(max(1, math.ceil(wait)))})  # fmt: skip


class BodyLimit:
    """Refuses request bodies over `max_bytes` with 413, by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self._app = app
        self._max = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self._max:
            await _too_large(send, self._max)
            return
        seen = 0

        async def counting() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self._max:
                    raise _BodyTooLarge(self._max)
            return message

        try:
            await self._app(scope, counting, send)
        except _BodyTooLarge:
            await _too_large(send, self._max)


class _BodyTooLarge(HTTPException):
    """A streamed body went over the limit: an HTTPException, so FastAPI's body reading passes it on as a
    413 (it turns other errors while reading into a 400)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")  # the constant's name differs by version


async def _too_large(send: Send, limit: int) -> None:
    body = f'{{"detail": "request body larger than {limit} bytes"}}'.encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
