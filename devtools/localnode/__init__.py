"""A local OpenSearch node built from OpenSearch's Maven Central artifacts (no Docker needed)."""

from devtools.localnode.node import LocalNode, NodeInfo

__all__ = ["LocalNode", "NodeInfo"]
