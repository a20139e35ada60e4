"""A local OpenSearch cluster: several nodes on loopback ports, each its own JVM and data folder.

For trying what a shop's cluster does when a node goes away (replicas, failover) on one machine. The
members' transport ports are chosen once and kept in ``<base_dir>/cluster.json``, so that a member
restarted alone (or the whole cluster, later) finds its peers where they were.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from devtools.errors import PortBusy
from devtools.localnode.member import ClusterMember
from devtools.localnode.node import PORT_RANGE, LocalNode, NodeInfo, port_is_free
from vindbaar.settings import Settings

log = logging.getLogger(__name__)

#: Transport ports of the members: above OpenSearch's default range (9300-9399), where single local nodes
#: started later would take them.
TRANSPORT_PORTS = range(9500, 9600)


@dataclass(frozen=True)
class ClusterLayout:
    """The ports of each member, fixed at the first start."""

    transport_ports: tuple[int, ...]
    http_ports: tuple[int, ...]


def _free_ports(candidates: range, count: int) -> tuple[int, ...]:
    ports = [port for port in candidates if port_is_free(port)][:count]
    if len(ports) < count:
        raise PortBusy(f"fewer than {count} free ports among {min(candidates)}-{max(candidates)}; free some")
    return tuple(ports)


class LocalCluster:
    """`size` local nodes under `base_dir` (``node-1`` …) that form one cluster."""

    def __init__(self, settings: Settings, base_dir: Path, size: int = 3) -> None:
        if size < 2:
            raise ValueError("a local cluster needs at least 2 nodes; use LocalNode for one")
        self.settings = settings
        self.base_dir = base_dir.resolve()
        self.size = size
        self.layout_file = self.base_dir / "cluster.json"
        self.layout = layout = self._layout()
        peers = tuple((f"node-{i + 1}", port) for i, port in enumerate(layout.transport_ports))
        self.nodes = [
            LocalNode(settings, data_dir=self.base_dir / name, port=layout.http_ports[i],
                      member=ClusterMember(name, transport_port, peers))
            for i, (name, transport_port) in enumerate(peers)
        ]  # fmt: skip

    def _layout(self) -> ClusterLayout:
        """The saved ports, or free ones chosen now (the members start together: each needs its own); saved
        by `start`."""
        try:
            saved = json.loads(self.layout_file.read_text())
            if len(saved["transport_ports"]) == self.size:
                return ClusterLayout(tuple(saved["transport_ports"]), tuple(saved["http_ports"]))
        except (OSError, ValueError, KeyError):
            pass
        # HTTP ports from the top of the runner's range: single nodes take theirs from the bottom.
        return ClusterLayout(_free_ports(TRANSPORT_PORTS, self.size), _free_ports(PORT_RANGE[::-1], self.size))

    def start(self) -> list[NodeInfo]:
        """Start every member that is not running, then wait until the cluster is yellow or green.

        Raises:
            JavaNotFound, MavenNotFound, ArtifactFetchFailed, PortBusy, NodeStartFailed.
        """
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.layout_file.write_text(json.dumps(asdict(self.layout)))
        launched = [(node, *node.launch()) for node in self.nodes if node.info() is None]
        for node, process, info in launched:
            node.wait_until_healthy(process, info)
        infos = [info for info in self.info() if info is not None]
        log.info("local cluster of %d nodes up at %s", self.size, self.urls(infos))
        return infos

    def info(self) -> list[NodeInfo | None]:
        """Each member's info (None: not running)."""
        return [node.info() for node in self.nodes]

    def stop(self, grace_s: float = 30.0) -> bool:
        """Stop every member; True if any was running."""
        return any([node.stop(grace_s) for node in self.nodes])

    @staticmethod
    def urls(infos: list[NodeInfo]) -> str:
        """The members' URLs as ``VINDBAAR_OPENSEARCH_URL`` takes them (comma-separated)."""
        return ",".join(info.url for info in infos)
