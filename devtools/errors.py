"""Errors of the local OpenSearch node (development tooling); part of the `VindbaarError` tree.

VindbaarError
└── LocalNodeError          the local OpenSearch node could not be fetched, started or stopped
    ├── JavaNotFound        no JDK new enough for the pinned OpenSearch
    ├── MavenNotFound       Maven is needed to fetch the artifacts
    ├── ArtifactFetchFailed Maven could not resolve the OpenSearch artifacts
    ├── PortBusy            the requested HTTP port is taken
    └── NodeStartFailed     the JVM exited or the cluster did not turn yellow in time
DemoCatalogError            the demo catalog shipped with the package is broken
"""

from __future__ import annotations

from vindbaar.errors import VindbaarError


class LocalNodeError(VindbaarError):
    """The local OpenSearch node could not be managed."""


class JavaNotFound(LocalNodeError):
    """No suitable Java runtime was found."""


class MavenNotFound(LocalNodeError):
    """Maven (`mvn`) is not on PATH."""


class ArtifactFetchFailed(LocalNodeError):
    """Maven failed to fetch the OpenSearch artifacts."""


class PortBusy(LocalNodeError):
    """The requested port is already in use."""


class NodeStartFailed(LocalNodeError):
    """The node process died or did not become healthy in time."""


class DemoCatalogError(VindbaarError):
    """The demo catalog shipped with the package has rows that are no valid product (a broken checkout)."""
