"""How OpenSearch's troubles reach the shopper: a cluster that is recovering is "retry later" (503 with
Retry-After), a request OpenSearch refuses is a 502, and neither is ever a bare 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opensearchpy.exceptions import TransportError

from search.http.errors import install_error_handlers
from vindbaar.errors import SearchFailed, WriteFailed

ALL_SHARDS_FAILED = {
    "type": "search_phase_execution_exception", "reason": "all shards failed", "phase": "query",
    "root_cause": [{"type": "no_shard_available_action_exception", "reason": "[node-2][127.0.0.1:9301]"}],
}  # fmt: skip
BAD_QUERY = {"type": "search_phase_execution_exception", "reason": "all shards failed",
             "root_cause": [{"type": "query_shard_exception", "reason": "failed to create query"}]}  # fmt: skip


def _answer(error: Exception) -> Any:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/fail")
    def fail() -> None:
        raise error

    return TestClient(app, raise_server_exceptions=False).get("/fail")


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (SearchFailed(ALL_SHARDS_FAILED, 503), 503),
        (SearchFailed(ALL_SHARDS_FAILED), 503),  # no status: the root cause tells
        (SearchFailed(BAD_QUERY, 400), 502),
        (WriteFailed("storing an event failed", 503, "unavailable_shards_exception"), 503),
        (WriteFailed("storing an event failed: mapper_parsing_exception", 400), 502),
        (TransportError(503, "search_phase_execution_exception", {"error": ALL_SHARDS_FAILED}), 503),
        (TransportError(500, "no_shard_available_action_exception", {}), 503),
        (TransportError(403, "cluster_block_exception", {"error": {"type": "cluster_block_exception"}}), 503),
        (TransportError(400, "search_phase_execution_exception", {"error": BAD_QUERY}), 502),
        (TransportError(429, "es_rejected_execution_exception", {}), 503),
    ],
)
def test_a_recovering_cluster_is_retry_later_and_a_refused_request_a_bad_gateway(error: Exception, status: int) -> None:
    response = _answer(error)
    assert response.status_code == status
    assert ("Retry-After" in response.headers) == (status == 503)
