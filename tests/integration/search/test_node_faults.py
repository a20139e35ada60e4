"""The OpenSearch node frozen, killed and restarted while shoppers search, type and send events: the API
answers 200 or 503 with Retry-After (never 500 or 502), no request waits longer than its configured
bound, it recovers by itself, and every event it acknowledged is stored.

These tests stop their node, so they start their own (own data folder, small heap), not the session's.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from opensearchpy import OpenSearch

from devtools.localnode.node import LocalNode
from indexer.embedding_cache import EmbeddingCache
from indexer.reindex import reindex
from indexer.sample_catalog import generate_sample_catalog
from search.http.app import create_app
from tests.faults import Traffic, shopper_traffic
from tests.waiting import eventually
from vindbaar.client import create_client
from vindbaar.embedder import Embedder
from vindbaar.index_names import IndexNames
from vindbaar.settings import Settings

TIMEOUT_S = 2.0  # the search bound and the events bound alike
#: What a request may take beyond its bound: the API's own work (embedding, ranking) on a busy machine.
MARGIN_S = 1.0
FREEZE_S = 8.0


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNode]:
    """A node of this module's own, on a port that stays its own across restarts."""
    local = LocalNode(Settings(node_heap="512m"), data_dir=tmp_path_factory.mktemp("fault-node"))
    info = local.start()
    local.requested_port = info.port
    try:
        yield local
    finally:
        running = local.info()
        if running is not None:
            os.kill(running.pid, signal.SIGCONT)  # never leave it frozen
        local.stop()


@pytest.fixture(scope="module")
def fault_settings(node: LocalNode, embedder: Embedder, shared_embedding_cache: Path) -> Settings:
    info = node.info()
    assert info is not None
    settings = Settings(
        opensearch_url=info.url, index_alias=f"faults-{uuid.uuid4().hex[:8]}", rate_limit_per_s=0,
        embedding_cache_path=shared_embedding_cache, search_timeout_s=TIMEOUT_S, request_timeout_s=TIMEOUT_S,
        consent_required=False,
    )  # fmt: skip
    client = create_client(settings)
    cache = EmbeddingCache(shared_embedding_cache)
    products = list(generate_sample_catalog(140, seed=7))
    try:
        reindex(client, settings, products, embedder, cache, lambda: len(products))
    finally:
        cache.close()
        client.close()
    return settings


@pytest.fixture(scope="module")
def api(fault_settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    with TestClient(create_app(fault_settings, embedder=embedder)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def product(api: TestClient) -> str:
    found: str = api.get("/search", params={"q": "lamp", "size": 1}).json()["items"][0]["id"]
    return found


def _only_fast_503s_besides_successes(traffic: Traffic) -> None:
    print(traffic.summary())
    unexpected = sorted({a.status for a in traffic.answers} - {200, 503})
    assert not unexpected, f"only 200 and 503 may be answered, got {unexpected}"
    assert all(a.retry_after for a in traffic.answers if a.status == 503), "every 503 says when to retry"
    for route in ("/search", "/autocomplete", "/events"):
        assert traffic.slowest(route) <= TIMEOUT_S + MARGIN_S, f"{route} took {traffic.slowest(route):.1f}s"


def test_a_frozen_node_gives_503s_within_the_bound_and_the_service_recovers_by_itself(
    api: TestClient, node: LocalNode, product: str
) -> None:
    info = node.info()
    assert info is not None, (node.state_file, node.state_file.exists(), list(node.data_dir.iterdir()))
    with shopper_traffic(api, product) as traffic:
        assert eventually(lambda: traffic.ok_since(0.0), 30)
        os.kill(info.pid, signal.SIGSTOP)
        frozen_at = time.monotonic()
        try:
            # The scenario is a node that hangs for 8 s; the shoppers' requests run on meanwhile.
            time.sleep(FREEZE_S)
        finally:
            os.kill(info.pid, signal.SIGCONT)
        thawed_at = time.monotonic()
        assert eventually(lambda: traffic.ok_since(thawed_at), 30), "searches succeed again after the freeze"
    during = [a for a in traffic.answers if frozen_at < a.at < thawed_at and a.route == "/search"]
    assert any(a.status == 503 for a in during), "the freeze was felt"
    print(
        f"recovered {min(a.at for a in traffic.answers if a.at > thawed_at and a.status == 200) - thawed_at:.1f}s "
        "after the thaw"
    )
    _only_fast_503s_besides_successes(traffic)


def test_a_killed_node_gives_fast_503s_until_it_is_back_and_no_acknowledged_event_is_lost(
    api: TestClient, node: LocalNode, product: str, fault_settings: Settings
) -> None:
    with shopper_traffic(api, product) as traffic:
        assert eventually(lambda: traffic.ok_since(0.0), 30)
        assert node.kill()
        killed_at = time.monotonic()
        assert eventually(lambda: any(a.at > killed_at and a.status == 503 for a in traffic.answers), 10)
        node.start()  # same data folder and port; returns once the node is yellow, shards may still recover
        restarted_at = time.monotonic()
        assert eventually(lambda: traffic.ok_since(restarted_at), 60), "searches succeed again by themselves"
        assert eventually(lambda: traffic.ok_since(restarted_at, "/events"), 30), "events are stored again"
    first_ok = min(a.at for a in traffic.answers if a.at > killed_at and a.status == 200 and a.route == "/search")
    print(
        f"node down and restarting for {restarted_at - killed_at:.1f}s; searches answered again "
        f"{first_ok - killed_at:.1f}s after the kill; {len(traffic.refused)} event batches refused"
    )
    _only_fast_503s_besides_successes(traffic)
    # The shop sends what was not acknowledged again (same event ids): stored now, or found stored before.
    for batch in traffic.refused:
        answer = api.post("/events", json=batch)
        assert answer.status_code == 200 and answer.json()["stored"] + answer.json()["duplicates"] == 2
        traffic.acknowledged += [event["event_id"] for event in batch["events"]]
    client = OpenSearch(hosts=[fault_settings.opensearch_url])
    try:
        docs = client.mget(index=IndexNames(fault_settings.index_alias).events,
                           body={"ids": traffic.acknowledged})["docs"]  # fmt: skip
    finally:
        client.close()
    missing = [d["_id"] for d in docs if not d.get("found")]
    assert traffic.acknowledged and not missing, f"{len(missing)} acknowledged events were not stored"
