"""Errors shared by the whole project.

    VindbaarError
    ├── BackendUnavailable      OpenSearch cannot be reached (or no node is configured)
    └── LocalNodeError          the embedded OpenSearch node cannot be fetched, started or stopped
        ├── JavaNotFound        no JDK new enough for the pinned OpenSearch
        ├── MavenNotFound       Maven is needed to fetch the artifacts
        ├── ArtifactFetchFailed Maven could not resolve the OpenSearch artifacts
        ├── PortBusy            the requested HTTP port is taken
        └── NodeStartFailed     the JVM exited or the cluster did not turn yellow in time

Every message says what went wrong and how to fix it; the CLI prints it and exits non-zero.
"""

from __future__ import annotations


class VindbaarError(Exception):
    """Base class of every error Vindbaar raises on purpose."""


class BackendUnavailable(VindbaarError):
    """OpenSearch is not reachable or not configured."""


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
