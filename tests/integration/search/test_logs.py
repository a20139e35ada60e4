"""What the service logs, on the real app: one JSON line per record with the request's id (which the
response carries too), and never a key, a token, a user or session id, or what a shopper typed."""

from __future__ import annotations

import json
import logging
import uuid

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from search.http.app import create_app
from tests.shoppers import as_user
from tests.tcp_proxy import TcpProxy
from vindbaar.embedder import Embedder
from vindbaar.log_format import JsonFormatter
from vindbaar.settings import Settings


def test_logs_name_the_request_and_nothing_personal(
    catalog_settings: Settings, embedder: Embedder, opensearch_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    host, port = opensearch_url.removeprefix("http://").split(":")
    proxy = TcpProxy(host, int(port))
    settings = catalog_settings.model_copy(update={"opensearch_url": proxy.url, "search_timeout_s": 1.0,
                                                   "search_api_key": SecretStr("search-key-secret"),
                                                   "server_api_key": SecretStr("server-key-secret")})  # fmt: skip
    user, session, typed = f"user-{uuid.uuid4().hex[:8]}", f"sess-{uuid.uuid4().hex[:8]}", "zqxsecretquery"
    token = as_user(user)["X-User-Token"]
    caplog.set_level(logging.INFO)
    try:
        with TestClient(create_app(settings, embedder=embedder)) as api:
            headers = {"X-API-Key": "search-key-secret", "X-User-Token": token, "X-Request-ID": "trace-42"}
            ok = api.get("/search", params={"q": typed, "user_id": user, "session_id": session}, headers=headers)
            assert ok.status_code == 200 and ok.headers["X-Request-ID"] == "trace-42"
            api.put(f"/users/{user}/consent", json={"personalization": True}, headers=headers)
            api.post("/events", json={"events": [{"action_name": "click", "object_id": "p", "user_id": user}]},
                     headers={"X-API-Key": "server-key-secret"})  # fmt: skip
            proxy.down()  # failures log too
            failed = api.get("/search", params={"q": typed, "session_id": session}, headers=headers)
            assert failed.status_code == 503
            made_up = api.get("/health").headers["X-Request-ID"]
            assert len(made_up) == 32  # none given: one is made up
    finally:
        proxy.down()
    # The service's records (the test's own HTTP client logs the URLs it calls: not the service's logs).
    lines = [JsonFormatter().format(r) for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    everything = "\n".join(lines)
    for secret in ("search-key-secret", "server-key-secret", token, user, session, typed):
        assert secret not in everything, f"{secret!r} was logged"
    access = [json.loads(line) for line in lines if '"logger": "vindbaar.access"' in line]
    assert {"route": "/search", "status": 200, "request_id": "trace-42"}.items() <= access[0].items()
    assert any(a["route"] == "/users/{user_id}/consent" for a in access)
    assert any(json.loads(line)["level"] == "WARNING" and json.loads(line)["request_id"] == "trace-42"
               for line in lines)  # the 503's warning names its request  # fmt: skip
