"""Refuse a URL whose percent-decoded path or query string is not UTF-8 (400), before any route reads it:
Starlette would decode it with replacement characters, and a search for "\ufffd" is not what was asked."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Receive, Scope, Send

_NOT_UTF8 = b'{"detail": "the URL is not UTF-8 once percent-decoded"}'


def _utf8(raw: bytes) -> bool:
    try:
        unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class Utf8Url:
    """Answers 400 to a request whose path or query string does not decode as UTF-8."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
            if not (_utf8(path) and _utf8(scope.get("query_string", b""))):
                headers = [(b"content-type", b"application/json"), (b"content-length", str(len(_NOT_UTF8)).encode())]
                await send({"type": "http.response.start", "status": 400, "headers": headers})
                await send({"type": "http.response.body", "body": _NOT_UTF8})
                return
        await self._app(scope, receive, send)
