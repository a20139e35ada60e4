"""The versioned config store on the real node: a worker reads its own publish at once, and another worker
picks it up in the background, without a request waiting for the re-read."""

from __future__ import annotations

import threading
import time
import uuid

from opensearchpy import OpenSearch

from reranker.merchandising.config import MerchConfig
from reranker.merchandising.config_store import ConfigStore
from vindbaar.index_names import IndexNames


def _config(rule: str) -> MerchConfig:
    return MerchConfig.model_validate({"rules": [{"id": rule, "banner": {"text": rule}}]})


def test_another_worker_sees_a_publish_after_a_background_reread(client: OpenSearch) -> None:
    names = IndexNames(f"test-cfg-{uuid.uuid4().hex[:8]}")
    publisher, other = ConfigStore(client, names), ConfigStore(client, names, ttl_s=0.2)
    try:
        publisher.publish(_config("first"), "me", base_version=0)
        assert other.current() is not None and other.current().config.rules[0].id == "first"  # type: ignore[union-attr]
        second = publisher.publish(_config("second"), "me", base_version=1)
        assert publisher.current() == second, "the publishing worker reads its own write at once"
        reads_on: list[str] = []
        latest = other._latest

        def recorded() -> object:
            reads_on.append(threading.current_thread().name)
            return latest()

        other._latest = recorded  # type: ignore[method-assign]
        time.sleep(0.25)
        stale = other.current()
        assert stale is not None and stale.version == 1, "the request goes on with the cached version"
        deadline = time.monotonic() + 5
        while (other.current() or stale).version != 2:
            assert time.monotonic() < deadline, "the background re-read did not land"
            time.sleep(0.02)
        assert reads_on and all(name == "config-reload" for name in reads_on), reads_on
    finally:
        client.indices.delete(index=names.config, ignore_unavailable=True)
