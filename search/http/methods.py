"""405 answers name every method the path has: Starlette's `Allow` lists only those of the first route that
matched the path (``OPTIONS /admin/config`` said ``Allow: GET``, hiding PUT). The methods come from the
OpenAPI document, so `Allow` and the contract cannot disagree."""

from __future__ import annotations

import re

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from starlette.exceptions import HTTPException as StarletteHTTPException

_METHODS = ("get", "put", "post", "delete", "patch")


def _documented(app: FastAPI) -> tuple[tuple[re.Pattern[str], frozenset[str]], ...]:
    """Each documented path as a pattern (a ``{parameter}`` is one segment), with its methods; made once
    per app, at its first 405."""
    documented: tuple[tuple[re.Pattern[str], frozenset[str]], ...] | None = getattr(app.state, "methods", None)
    if documented is None:
        documented = app.state.methods = tuple(
            (re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$"),
             frozenset(m.upper() for m in operations if m in _METHODS))
            for path, operations in app.openapi()["paths"].items()
        )  # fmt: skip
    return documented


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        app: FastAPI = request.app
        allowed = {m for pattern, methods in _documented(app) if pattern.match(request.url.path) for m in methods}
        if allowed:
            exc = StarletteHTTPException(405, exc.detail, headers={**(exc.headers or {}),
                                                                   "Allow": ", ".join(sorted(allowed))})  # fmt: skip
    return await http_exception_handler(request, exc)


def install_allow_header(app: FastAPI) -> None:
    """Answer 405s with every documented method of the path in `Allow`."""
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
