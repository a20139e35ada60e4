"""The local node itself: pinned version, k-NN and analysis plugins, clean start/stop, bounded failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from opensearchpy import OpenSearch

from cli.main import EXIT_NOT_RUNNING, EXIT_OK, main
from devtools.errors import NodeStartFailed
from devtools.localnode.node import LocalNode, NodeInfo, answering_pid, choose_port, cluster_health, port_is_free
from indexer.indices import create_index
from vindbaar import OPENSEARCH_VERSION
from vindbaar.settings import Settings


def test_node_runs_the_pinned_opensearch_version(client: OpenSearch) -> None:
    assert client.info()["version"]["number"] == OPENSEARCH_VERSION


def test_knn_plugin_is_loaded(client: OpenSearch) -> None:
    stats = client.transport.perform_request("GET", "/_plugins/_knn/stats")
    assert stats["_nodes"]["successful"] >= 1


@pytest.mark.parametrize(
    ("analyzer", "text", "expected_tokens"),
    [
        ("text_nl", "koptelefoon", {"koptelefon", "kop", "telefon"}),
        ("text_de", "Kopfhörer", {"kopfhor", "kopf", "hor"}),
        ("text_en", "running shoes", {"run", "shoe"}),
        ("prefix_index", "Head", {"h", "he", "hea", "head"}),
        ("text_search", "Hoofdtelefoon TV", {"hoofdtelefoon", "tv"}),  # synonyms are expanded by the service
    ],
)
def test_analyzers_from_the_mapping_work_on_the_node(
    client: OpenSearch, index_name: str, analyzer: str, text: str, expected_tokens: set[str]
) -> None:
    create_index(client, index_name)
    tokens = client.indices.analyze(index=index_name, body={"analyzer": analyzer, "text": text})["tokens"]
    assert {t["token"] for t in tokens} == expected_tokens


def test_start_status_stop_of_a_second_node(tmp_path: Path) -> None:
    node = LocalNode(Settings(), data_dir=tmp_path / "second")
    info = node.start()
    try:
        assert cluster_health(info.url) in {"yellow", "green"}
        assert node.start() == info, "starting twice returns the running node"
        assert main(["opensearch", "status", "--data-dir", str(tmp_path / "second")]) == EXIT_OK
    finally:
        assert node.stop()
    assert node.info() is None
    assert port_is_free(info.port)
    assert main(["opensearch", "status", "--data-dir", str(tmp_path / "second")]) == EXIT_NOT_RUNNING


def test_jvm_that_cannot_start_gives_a_clear_error_quickly(tmp_path: Path) -> None:
    # An initial heap no machine can reserve makes the JVM exit at once.
    node = LocalNode(Settings(node_heap="9000g"), data_dir=tmp_path / "broken")
    with pytest.raises(NodeStartFailed, match="exited with code"):
        node.start()
    assert node.info() is None


def test_node_that_is_not_healthy_in_time_is_stopped_and_reported(tmp_path: Path) -> None:
    node = LocalNode(Settings(node_start_timeout_s=0.5), data_dir=tmp_path / "slow")
    with pytest.raises(NodeStartFailed, match="did not become healthy within"):
        node.start()
    assert node.info() is None


def test_of_two_nodes_started_at_once_on_one_port_the_loser_fails_and_never_claims_the_winner(tmp_path: Path) -> None:
    port = choose_port(None)
    nodes = [LocalNode(Settings(node_heap="512m"), data_dir=tmp_path / name, port=port) for name in ("a", "b")]
    launched = [node.launch() for node in nodes]  # both found the port free: only one JVM can bind it
    outcomes: list[NodeInfo | None] = []
    try:
        for node, (process, info) in zip(nodes, launched, strict=True):
            try:
                outcomes.append(node.wait_until_healthy(process, info))
            except NodeStartFailed:
                outcomes.append(None)
        winners = [info for info in outcomes if info is not None]
        assert len(winners) == 1 and answering_pid(winners[0].url) == winners[0].pid
    finally:
        for node in nodes:
            node.stop()
