"""Abuse limits on the real app: public callers are rate limited per address (429 with Retry-After), the
shop's own backend is not, and oversized bodies are refused (413) before they are read whole."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from search.http.app import create_app
from search.http.limits import RateLimiter
from vindbaar.embedder import Embedder
from vindbaar.settings import Settings


@pytest.fixture(scope="module")
def limited(catalog_settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    settings = catalog_settings.model_copy(update={"rate_limit_per_s": 1.0, "rate_limit_burst": 5,
                                                   "server_api_key": SecretStr("server-secret"),
                                                   "max_body_bytes": 4096})  # fmt: skip
    with TestClient(create_app(settings, embedder=embedder)) as client:
        yield client


def test_a_public_caller_over_its_rate_gets_429_with_retry_after(limited: TestClient) -> None:
    answers = [limited.get("/autocomplete", params={"q": "lam"}) for _ in range(8)]
    codes = [a.status_code for a in answers]
    assert codes[:5] == [200] * 5 and 429 in codes[5:]
    refused = next(a for a in answers if a.status_code == 429)
    assert refused.headers["Retry-After"] == "1" and "too many requests" in refused.json()["detail"]
    # The shop's backend (server key) is not limited; health checks are not either.
    assert all(limited.get("/autocomplete", params={"q": "lam"}, headers={"X-API-Key": "server-secret"}).status_code
               == 200 for _ in range(8))  # fmt: skip
    assert limited.get("/health").status_code == 200


def test_an_oversized_body_is_refused_with_413(limited: TestClient) -> None:
    big = {"events": [{"action_name": "click", "object_id": "x" * 100, "session_id": "s"}] * 100}
    answer = limited.post("/events", json=big, headers={"X-API-Key": "server-secret"})
    assert answer.status_code == 413 and "4096" in answer.json()["detail"], answer.text

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while it streams
        yield b'{"events": ['
        for _ in range(100):
            yield b'{"action_name": "click", "object_id": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "session_id": "s"},'
        yield b'{"action_name": "click", "object_id": "x", "session_id": "s"}]}'

    streamed = limited.post("/events", content=chunks(), headers={"X-API-Key": "server-secret",
                                                                  "Content-Type": "application/json"})  # fmt: skip
    assert streamed.status_code == 413, streamed.text


@pytest.mark.parametrize(("elapsed", "allowed"), [(0.0, False), (0.5, False), (1.0, True)])
def test_a_bucket_refills_at_its_rate(elapsed: float, allowed: bool) -> None:
    limiter = RateLimiter(rate_per_s=1.0, burst=2)
    assert limiter.wait_s("a", now=0.0) == 0 and limiter.wait_s("a", now=0.0) == 0
    assert (limiter.wait_s("a", now=elapsed) == 0) is allowed
    assert limiter.wait_s("b", now=0.0) == 0  # another address has its own bucket
