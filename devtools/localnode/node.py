"""Start, stop and inspect a local OpenSearch node (the embedded default), alone or as a cluster member.

The node runs in its own JVM from the jars fetched by `artifacts.ensure_artifacts`, launched
through codelibs' `OpenSearchRunner`, with the k-NN plugin loaded from the classpath. Its pid,
port and version are kept in ``<data_dir>/node.json`` so that other processes (the CLI, the
API, the tests) can find it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

from devtools.errors import NodeStartFailed, PortBusy
from devtools.localnode.artifacts import ensure_artifacts
from devtools.localnode.java import find_java
from devtools.localnode.member import ClusterMember
from vindbaar import OPENSEARCH_VERSION
from vindbaar.settings import Settings

log = logging.getLogger(__name__)

#: OpenSearchRunner only picks HTTP ports in this range (its `maxHttpPort` is 9299).
PORT_RANGE = range(9200, 9300)
_RUNNER_MAIN = "org.codelibs.opensearch.runner.OpenSearchRunner"
#: A cluster member's main: the runner, told that discovery is multi-node (it forces single-node for one node).
_MEMBER_MAIN = "ClusterNode.java"
_PLUGINS = "org.opensearch.knn.plugin.KNNPlugin"
_CLUSTER_NAME = "vindbaar-local"


@dataclass(frozen=True)
class NodeInfo:
    """What is known about a running local node."""

    pid: int
    port: int
    version: str
    data_dir: str
    log_file: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def port_is_free(port: int) -> bool:
    """True when nothing listens on `port` on the loopback interface and it can be bound."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Like a real server: a port in TIME_WAIT after a stop is free to reuse.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def choose_port(requested: int | None) -> int:
    """Return `requested` if usable, else the first free port of `PORT_RANGE`.

    Raises:
        PortBusy: the requested port is taken or outside the range, or the whole range is taken.
    """
    if requested is not None:
        if requested not in PORT_RANGE:
            raise PortBusy(
                f"port {requested} is outside {PORT_RANGE.start}-{PORT_RANGE.stop - 1}, the range the "
                "OpenSearch runner accepts; pick a port in that range or leave it unset."
            )
        if not port_is_free(requested):
            raise PortBusy(
                f"port {requested} on 127.0.0.1 is already in use; stop what listens there "
                "(`vindbaar opensearch status` shows a running Vindbaar node) or choose another port."
            )
        return requested
    for port in PORT_RANGE:
        if port_is_free(port):
            return port
    raise PortBusy(f"every port in {PORT_RANGE.start}-{PORT_RANGE.stop - 1} is in use; free one.")


def _process_alive(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    # A reused pid belongs to some other program: only count our runner.
    return _RUNNER_MAIN.encode() in cmdline or _MEMBER_MAIN.encode() in cmdline


def cluster_health(url: str, timeout_s: float = 2.0) -> str | None:
    """Return the cluster status (green/yellow/red) at `url`, or None if it does not answer."""
    try:
        with urllib.request.urlopen(f"{url}/_cluster/health", timeout=timeout_s) as response:
            return str(json.load(response)["status"])
    except (OSError, urllib.error.URLError, ValueError, KeyError):
        return None


def answering_pid(url: str, timeout_s: float = 2.0) -> int | None:
    """The pid of the node answering at `url` (None if none answers)."""
    try:
        with urllib.request.urlopen(f"{url}/_nodes/_local/process", timeout=timeout_s) as response:
            return next(int(n["process"]["id"]) for n in json.load(response)["nodes"].values())
    except (OSError, urllib.error.URLError, ValueError, KeyError, StopIteration):
        return None


class LocalNode:
    """The local OpenSearch node kept under one data folder."""

    def __init__(
        self, settings: Settings, data_dir: Path | None = None, port: int | None = None,
        member: ClusterMember | None = None,
    ) -> None:  # fmt: skip
        self.settings = settings
        self.member = member
        self.version = OPENSEARCH_VERSION
        self.home = settings.cache_dir / f"opensearch-{self.version}"
        self.data_dir = (data_dir or settings.node_data_dir or self.home / "data").resolve()
        self.requested_port = port if port is not None else settings.node_port
        self.state_file = self.data_dir / "node.json"
        self.log_file = self.data_dir / "node.log"
        # Kept so that a node started by this object is reaped when it stops (no zombie, no ResourceWarning).
        self._process: subprocess.Popen[bytes] | None = None

    def info(self) -> NodeInfo | None:
        """The running node's info, or None if no node of ours is running in this data folder."""
        try:
            info = NodeInfo(**json.loads(self.state_file.read_text()))
        except (OSError, ValueError, TypeError):
            return None
        return info if _process_alive(info.pid) else None

    def start(self) -> NodeInfo:
        """Start the node (fetching artifacts the first time) and wait until it is yellow or green.

        Returns the running node's info; a node already running here is returned as is.

        Raises:
            JavaNotFound, MavenNotFound, ArtifactFetchFailed, PortBusy, NodeStartFailed.
        """
        running = self.info()
        if running is not None:
            return running
        started = time.monotonic()
        for attempt in range(3):
            process, info = self.launch()
            try:
                info = self.wait_until_healthy(process, info)
                break
            except NodeStartFailed:
                # A node started at the same moment took the port (this JVM then exits): try the next free one.
                taken = answering_pid(info.url) not in (None, info.pid)
                if not taken or self.requested_port is not None or attempt == 2:
                    raise
        log.info("OpenSearch %s up at %s in %.1fs", self.version, info.url, time.monotonic() - started)
        return info

    def launch(self) -> tuple[subprocess.Popen[bytes], NodeInfo]:
        """Start the node's JVM without waiting for it (a cluster's members must all be up before any of
        them is healthy); `start` waits."""
        choose_port(self.requested_port)  # fail fast on a bad port, before a long first fetch
        java = find_java(self.settings.java_home)
        libs = ensure_artifacts(self.settings.cache_dir, self.version)
        port = choose_port(self.requested_port)
        config_dir = self.data_dir / "config"
        config_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "tmp").mkdir(exist_ok=True)
        config = resources.files("devtools.localnode").joinpath("opensearch.yml").read_text(encoding="utf-8")
        if self.member is not None:
            config = self.member.config(config)
        (config_dir / "opensearch.yml").write_text(config, encoding="utf-8")
        heap = self.settings.node_heap
        main = [_RUNNER_MAIN]
        if self.member is not None:
            source = resources.files("devtools.localnode").joinpath(_MEMBER_MAIN)
            main = [f"-Dvindbaar.node.name={self.member.name}", str(source)]
        command = [
            str(java.path), f"-Xms{heap}", f"-Xmx{heap}",
            "--enable-native-access=ALL-UNNAMED", "-Djava.awt.headless=true",
            f"-Djava.io.tmpdir={self.data_dir / 'tmp'}", f"-XX:ErrorFile={self.data_dir / 'hs_err_pid%p.log'}",
            "-cp", f"{libs}/*", *main,
            "-basePath", str(self.data_dir), "-confPath", str(config_dir),
            "-numOfNode", "1", "-baseHttpPort", str(port - 1),
            "-clusterName", _CLUSTER_NAME, "-pluginTypes", _PLUGINS,
        ]  # fmt: skip
        with self.log_file.open("ab") as log_out:
            process = subprocess.Popen(
                command, stdout=log_out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
        self._process = process
        info = NodeInfo(process.pid, port, self.version, str(self.data_dir), str(self.log_file))
        self.state_file.write_text(json.dumps(asdict(info)))
        log.info("OpenSearch %s starting at %s (Java %d)", self.version, info.url, java.major)
        return process, info

    def wait_until_healthy(self, process: subprocess.Popen[bytes], info: NodeInfo) -> NodeInfo:
        """Wait until the node `launch` started answers yellow or green; returns its info.

        Another node started at the same moment may have taken the chosen port first (this JVM then exits):
        only an answer from this JVM's own pid counts, never that other node's health.

        Raises:
            NodeStartFailed: the JVM exited, or the node was not healthy in time (it is then stopped).
        """
        deadline = time.monotonic() + self.settings.node_start_timeout_s
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self.state_file.unlink(missing_ok=True)
                raise NodeStartFailed(
                    f"the OpenSearch JVM exited with code {process.returncode} while starting; "
                    f"last lines of {self.log_file}:\n{self._log_tail()}"
                )
            if cluster_health(info.url) in {"yellow", "green"} and answering_pid(info.url) == info.pid:
                return info
            time.sleep(0.5)
        self._terminate(info.pid, grace_s=10)
        process.wait(timeout=5)
        self.state_file.unlink(missing_ok=True)
        raise NodeStartFailed(
            f"OpenSearch did not become healthy within {self.settings.node_start_timeout_s:.0f}s "
            f"(raise VINDBAAR_NODE_START_TIMEOUT_S on a slow machine); last lines of {self.log_file}:\n"
            f"{self._log_tail()}"
        )

    def stop(self, grace_s: float = 30.0) -> bool:
        """Stop the node; True if one was running. Sends SIGTERM, then SIGKILL after `grace_s`."""
        info = self.info()
        self.state_file.unlink(missing_ok=True)
        if info is None:
            return False
        self._terminate(info.pid, grace_s)
        if self._process is not None:
            self._process.wait(timeout=5)
            self._process = None
        return True

    def kill(self) -> bool:
        """Kill the node at once (SIGKILL), as a crash would; its data folder stays as it is. True if one ran."""
        info = self.info()
        started_here = self._process is not None and self._process.poll() is None
        pid = info.pid if info is not None else self._process.pid if self._process and started_here else None
        if pid is None:
            return False
        self._terminate(pid, grace_s=10.0, first=signal.SIGKILL)
        if self._process is not None:
            self._process.wait(timeout=10)
            self._process = None
        return True

    @staticmethod
    def _terminate(pid: int, grace_s: float, first: signal.Signals = signal.SIGTERM) -> None:
        for sig, wait_s in ((first, grace_s), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(pid, sig)
            except ProcessLookupError:
                return
            deadline = time.monotonic() + wait_s
            while time.monotonic() < deadline:
                if not _process_alive(pid):
                    _reap(pid)
                    return
                time.sleep(0.2)

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def _reap(pid: int) -> None:
    """Collect the exit status if the node is our child, so it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
