"""docker-compose.yml and the mapping agree with the pinned versions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from vindbaar import OPENSEARCH_VERSION
from vindbaar.mappings import load_index_body

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_compose_runs_the_pinned_opensearch_version() -> None:
    image = _compose()["services"]["opensearch"]["image"]
    assert image == f"opensearchproject/opensearch:{OPENSEARCH_VERSION}"


def test_compose_builds_the_api_from_the_repo_dockerfile_and_waits_for_a_healthy_node() -> None:
    services = _compose()["services"]
    assert services["api"]["build"] == "."
    assert (ROOT / "Dockerfile").is_file()
    assert services["api"]["depends_on"]["opensearch"]["condition"] == "service_healthy"
    assert all("healthcheck" in s for s in services.values())
    assert "opensearch-data" in _compose()["volumes"]


def test_compose_disables_security_for_local_use_only() -> None:
    env = _compose()["services"]["opensearch"]["environment"]
    assert "DISABLE_SECURITY_PLUGIN=true" in env


def test_mapping_has_a_384_dim_cosine_lucene_hnsw_embedding() -> None:
    embedding = load_index_body()["mappings"]["properties"]["embedding"]
    assert embedding["dimension"] == 384
    assert embedding["method"]["engine"] == "lucene"
    assert embedding["method"]["space_type"] == "cosinesimil"
    assert embedding["method"]["name"] == "hnsw"


def test_embedding_dimension_can_follow_another_model() -> None:
    assert load_index_body(embedding_dimension=768)["mappings"]["properties"]["embedding"]["dimension"] == 768
    assert load_index_body()["mappings"]["properties"]["embedding"]["dimension"] == 384


def test_compose_cluster_profile_runs_three_nodes_that_find_each_other_and_an_api_given_all_of_them() -> None:
    services = _compose()["services"]
    nodes = [name for name, s in services.items() if s.get("profiles") == ["cluster"] and "image" in s]
    assert nodes == ["opensearch-1", "opensearch-2", "opensearch-3"]
    for name in nodes:
        env = services[name]["environment"]
        assert env["node.name"] == name and env["discovery.seed_hosts"] == ",".join(nodes)
        assert services[name]["image"] == f"opensearchproject/opensearch:{OPENSEARCH_VERSION}"
    api = services["api-cluster"]
    assert api["profiles"] == ["cluster"] and "VINDBAAR_INDEX_REPLICAS=1" in api["environment"]
    assert f"VINDBAAR_OPENSEARCH_URL={','.join(f'http://{n}:9200' for n in nodes)}" in api["environment"]
    assert "profiles" not in services["opensearch"], "the single node stays the default"
