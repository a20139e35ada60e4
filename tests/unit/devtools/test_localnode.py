"""Local node helpers that need no JVM: Java detection, port choice, Maven presence."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import asdict
from importlib import resources
from pathlib import Path

import pytest

from devtools.errors import JavaNotFound, MavenNotFound, PortBusy
from devtools.localnode.artifacts import ensure_artifacts, render_pom
from devtools.localnode.cluster import LocalCluster
from devtools.localnode.java import find_java, parse_java_major
from devtools.localnode.member import ClusterMember
from devtools.localnode.node import PORT_RANGE, choose_port, port_is_free
from vindbaar.settings import Settings


@pytest.mark.parametrize(
    ("output", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('openjdk version "25.0.3" 2026-04-21 LTS', 25),
        ('java version "1.8.0_401"', 8),
        ('openjdk version "21" 2023-09-19', 21),
        ("no version here", None),
    ],
)
def test_parse_java_major(output: str, major: int | None) -> None:
    assert parse_java_major(output) == major


def test_missing_java_names_what_was_found_and_the_fix() -> None:
    with pytest.raises(JavaNotFound, match=r"needs Java 99 or newer; found .*JAVA_HOME"):
        find_java(minimum=99)


def test_missing_maven_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MavenNotFound, match="apt-get install maven"):
        ensure_artifacts(tmp_path / "cache", "3.5.0")


def test_pom_pins_runner_and_knn_to_the_requested_version() -> None:
    pom = render_pom("3.5.0")
    assert "<opensearch.version>3.5.0</opensearch.version>" in pom
    assert "<artifactId>opensearch-knn</artifactId>" in pom
    assert "@OPENSEARCH_VERSION@" not in pom


@pytest.fixture
def listening_port() -> Iterator[int]:
    for port in reversed(PORT_RANGE):
        if port_is_free(port):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
                server.bind(("127.0.0.1", port))
                server.listen()
                yield port
            return
    pytest.fail("no free port in the node's range to occupy")


def test_busy_requested_port_is_refused_with_the_reason(listening_port: int) -> None:
    with pytest.raises(PortBusy, match=f"port {listening_port} on 127.0.0.1 is already in use"):
        choose_port(listening_port)


def test_port_outside_the_runner_range_is_refused() -> None:
    with pytest.raises(PortBusy, match="outside 9200-9299"):
        choose_port(8080)


def test_automatic_port_skips_busy_ones(listening_port: int) -> None:
    chosen = choose_port(None)
    assert chosen in PORT_RANGE
    assert chosen != listening_port
    assert port_is_free(chosen)


def test_a_cluster_member_discovers_its_peers_instead_of_running_alone() -> None:
    single = resources.files("devtools.localnode").joinpath("opensearch.yml").read_text(encoding="utf-8")
    member = ClusterMember("node-2", 9501, (("node-1", 9500), ("node-2", 9501), ("node-3", 9502)))
    config = member.config(single)
    assert "single-node" not in config and "transport.port: 9501\n" in config
    assert 'discovery.seed_hosts: ["127.0.0.1:9500", "127.0.0.1:9501", "127.0.0.1:9502"]' in config
    assert 'cluster.initial_cluster_manager_nodes: ["node-1", "node-2", "node-3"]' in config
    assert "network.host: 127.0.0.1" in config, "the rest of the single node's config is kept"


def test_a_cluster_keeps_its_ports_for_members_restarted_alone(tmp_path: Path) -> None:
    first = LocalCluster(Settings(), tmp_path, size=3)
    first.layout_file.parent.mkdir(parents=True, exist_ok=True)
    first.layout_file.write_text(json.dumps(asdict(first.layout)))
    again = LocalCluster(Settings(), tmp_path, size=3)
    assert again.layout == first.layout
    assert len(set(first.layout.transport_ports)) == 3 and len(set(first.layout.http_ports)) == 3
    assert [node.requested_port for node in again.nodes] == list(first.layout.http_ports)
