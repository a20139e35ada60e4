"""A local cluster of three nodes (one replica of every index): the node holding the catalog's primary shard
is killed while shoppers search, type and send events; the API, given every node's URL, keeps answering,
and once the node is back the cluster returns to green by itself."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from devtools.localnode.cluster import LocalCluster
from indexer.embedding_cache import EmbeddingCache
from indexer.reindex import reindex
from indexer.sample_catalog import generate_sample_catalog
from search.http.app import create_app
from tests.faults import shopper_traffic
from tests.waiting import eventually
from vindbaar.client import create_client
from vindbaar.embedder import Embedder
from vindbaar.settings import Settings

TIMEOUT_S = 2.0


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    local = LocalCluster(Settings(node_heap="512m"), tmp_path_factory.mktemp("cluster"), size=3)
    local.start()
    try:
        yield local
    finally:
        local.stop()


@pytest.fixture(scope="module")
def cluster_settings(cluster: LocalCluster, embedder: Embedder, shared_embedding_cache: Path) -> Settings:
    infos = [info for info in cluster.info() if info is not None]
    settings = Settings(
        opensearch_url=LocalCluster.urls(infos), index_alias=f"cluster-{uuid.uuid4().hex[:8]}", index_replicas=1,
        rate_limit_per_s=0, embedding_cache_path=shared_embedding_cache, search_timeout_s=TIMEOUT_S,
        request_timeout_s=TIMEOUT_S, consent_required=False,
    )  # fmt: skip
    products = list(generate_sample_catalog(140, seed=7))
    client, cache = create_client(settings), EmbeddingCache(shared_embedding_cache)
    try:
        reindex(client, settings, products, embedder, cache, lambda: len(products))
    finally:
        cache.close()
        client.close()
    return settings


def test_the_cluster_keeps_answering_while_a_node_is_down_and_returns_to_green(
    cluster: LocalCluster, cluster_settings: Settings, embedder: Embedder
) -> None:
    client = create_client(cluster_settings)
    alias = cluster_settings.index_alias
    with TestClient(create_app(cluster_settings, embedder=embedder)) as api:
        product = api.get("/search", params={"q": "lamp", "size": 1}).json()["items"][0]["id"]
        api.post("/events", json={"events": [{"action_name": "click", "object_id": product, "session_id": "warm"}]})
        assert client.cluster.health(wait_for_status="green", timeout="60s", request_timeout=70)["status"] == "green"
        # The node holding the catalog's primary: its loss needs a replica promoted, the hardest case.
        (primary,) = [s["node"] for s in client.cat.shards(index=alias, format="json") if s["prirep"] == "p"]
        victim = next(node for node in cluster.nodes if node.member is not None and node.member.name == primary)
        with shopper_traffic(api, product) as traffic:
            assert eventually(lambda: traffic.ok_since(0.0) and traffic.ok_since(0.0, "/events"), 30)
            assert victim.kill()
            killed_at = time.monotonic()
            assert eventually(lambda: traffic.ok_since(killed_at + 1) and traffic.ok_since(killed_at + 1, "/events"),
                              30), "searches and events are answered while the node is down"  # fmt: skip
            answering_after = time.monotonic() - killed_at
            status_while_down = client.cluster.health()["status"]  # yellow: its shards' copies are missing
            restarting_at = time.monotonic()
            victim.start()  # same data folder and ports: it rejoins
            restarted_at = time.monotonic()
            health = client.cluster.health(wait_for_status="green", timeout="120s", request_timeout=130)
            green_after = time.monotonic() - restarted_at
            assert health["status"] == "green" and health["number_of_nodes"] == 3
        client.close()
    unexpected = sorted(traffic.statuses() - {200, 503})
    assert not unexpected, f"only 200 and 503 may be answered, got {unexpected}"
    assert all(a.retry_after for a in traffic.answers if a.status == 503)
    print(
        f"node {primary} killed: all routes answered 200 again within {answering_after:.1f}s, cluster "
        f"{status_while_down}; back after {restarted_at - restarting_at:.1f}s, green again "
        f"{green_after:.1f}s after its restart; {traffic.summary()}"
    )
