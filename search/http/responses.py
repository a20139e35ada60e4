"""What a route may answer besides its success, documented once per router so the OpenAPI contract is
honest: every status a client can get is listed, with the body and headers it comes with.

    router = APIRouter(responses=documented(401, 403, 503))

422 (a request that does not fit the schema) FastAPI documents itself, as `HTTPValidationError`: each
error's `loc` names the field. Errors mapped in `errors.py` (`InvalidInput`) answer in the same shape.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict

#: The config of request body models: JSON `0` is not `false`, nor `"2"` a number, as the schema says.
STRICT = ConfigDict(strict=True)


class ErrorBody(BaseModel):
    """Why a request was refused, in one sentence."""

    detail: str


_RETRY_AFTER = {"description": "Seconds to wait before retrying.", "schema": {"type": "integer", "minimum": 1}}

_ERRORS: dict[int, dict[str, Any]] = {
    400: {"description": "The body is not JSON text, or the URL or body is not UTF-8."},
    401: {"description": "No API key, or a user named without a valid user token (X-User-Token).",
          "headers": {"WWW-Authenticate": {"description": "How to authenticate.", "schema": {"type": "string"}}}},
    403: {"description": "The key may not do this (an unknown key, or a user token of another user)."},
    404: {"description": "The thing named in the path does not exist."},
    409: {"description": "The change conflicts with the current state (a newer version, a running experiment)."},
    413: {"description": "The request body is larger than VINDBAAR_MAX_BODY_BYTES."},
    429: {"description": "Too many requests from this address; retry after the given seconds.",
          "headers": {"Retry-After": _RETRY_AFTER}},
    503: {"description": "OpenSearch (or the part of the service this route needs) is unavailable; retry later."},
}  # fmt: skip


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` entries of `statuses`, each with the `ErrorBody` model."""
    return {status: {"model": ErrorBody, **_ERRORS[status]} for status in statuses}


#: Any route with a JSON body: undecodable bodies (400) and oversized ones (413, `limits.BodyLimit`).
BODY = documented(400, 413)
#: Every route: a URL that is not UTF-8 (`encoding.Utf8Url`).
ANY = documented(400)
#: Public routes: the search key once configured (401/403), rate limits (429), OpenSearch down (503).
PUBLIC = documented(400, 401, 403, 429, 503)
#: Admin routes: the admin key (401/403); 503 also while the admin API is disabled (no key configured).
ADMIN = documented(400, 401, 403, 503)


def document_public_key(app: FastAPI, required: bool) -> None:
    """State whether public routes need a key: without ``VINDBAAR_SEARCH_API_KEY`` they take none, which
    OpenAPI says with an empty requirement beside the key schemes (FastAPI lists only the schemes)."""
    if required:
        return
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            for operations in build()["paths"].values():
                for operation in operations.values():
                    if any("SearchKey" in requirement for requirement in operation.get("security", [])):
                        operation["security"].append({})
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
