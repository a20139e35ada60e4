"""How a local node joins a local cluster (`devtools.localnode.cluster`) instead of running alone."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClusterMember:
    """How a node joins a local cluster (`devtools.localnode.cluster`): its transport port and its peers'."""

    name: str
    transport_port: int
    peers: tuple[tuple[str, int], ...]  # every member's name and transport port, this one included

    def config(self, single_node: str) -> str:
        """The node's opensearch.yml: `single_node`'s, discovering the peers instead of running alone."""
        hosts = ", ".join(f'"127.0.0.1:{port}"' for _, port in self.peers)
        names = ", ".join(f'"{name}"' for name, _ in self.peers)
        cluster = (f"transport.port: {self.transport_port}\ndiscovery.seed_hosts: [{hosts}]\n"
                   f"cluster.initial_cluster_manager_nodes: [{names}]\n")  # fmt: skip
        return single_node.replace("discovery.type: single-node\n", cluster)
