"""Fetch the OpenSearch server, its modules and the k-NN plugin from Maven Central, once."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
import time
import zipfile
from importlib import resources
from pathlib import Path

from devtools.errors import ArtifactFetchFailed, MavenNotFound

log = logging.getLogger(__name__)

_COMPLETE_MARKER = ".complete"
_FETCH_TIMEOUT_S = 1200


def render_pom(version: str) -> str:
    """Return the Maven project that resolves the node's jars for OpenSearch `version`."""
    template = resources.files("devtools.localnode").joinpath("pom.xml").read_text(encoding="utf-8")
    return template.replace("@OPENSEARCH_VERSION@", version)


def lib_dir(cache_dir: Path, version: str) -> Path:
    """Where the jars of OpenSearch `version` live once fetched."""
    return cache_dir / f"opensearch-{version}" / "lib"


def ensure_artifacts(cache_dir: Path, version: str) -> Path:
    """Return the folder of jars for `version`, fetching them with Maven if not yet cached.

    The folder is filled in a temporary sibling and renamed at the end, so an interrupted
    fetch never leaves a half-filled cache behind.

    Raises:
        MavenNotFound: `mvn` is not installed.
        ArtifactFetchFailed: Maven exited non-zero or timed out; the message carries its output.
    """
    target = lib_dir(cache_dir, version)
    if (target / _COMPLETE_MARKER).is_file():
        return target
    mvn = shutil.which("mvn")
    if mvn is None:
        raise MavenNotFound(
            "Maven is needed once to fetch OpenSearch from Maven Central, but `mvn` is not on PATH. "
            "Install it (e.g. `apt-get install maven`) or set VINDBAAR_OPENSEARCH_URL to an existing node."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="fetch-", dir=target.parent) as tmp:
        work = Path(tmp)
        (work / "pom.xml").write_text(render_pom(version), encoding="utf-8")
        staging = work / "lib"
        log.info("fetching OpenSearch %s artifacts with Maven into %s", version, target)
        command = [
            mvn,
            "-B",
            "-q",
            "-f",
            str(work / "pom.xml"),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={staging}",
            "-DincludeScope=runtime",
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=_FETCH_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ArtifactFetchFailed(
                f"Maven did not finish fetching OpenSearch {version} within {_FETCH_TIMEOUT_S}s; "
                "check access to Maven Central and retry."
            ) from exc
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-25:])
            raise ArtifactFetchFailed(
                f"Maven could not fetch OpenSearch {version} (exit {done.returncode}): `{' '.join(command)}`\n{tail}"
            )
        _unpack_plugin_zips(staging)
        (staging / _COMPLETE_MARKER).write_text(version, encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    log.info("fetched OpenSearch %s in %.1fs", version, time.monotonic() - started)
    return target


def _unpack_plugin_zips(folder: Path) -> None:
    """Put the jars of each plugin zip (k-NN) beside the server jars; the runner loads plugins from the classpath."""
    present = {p.name for p in folder.glob("*.jar")}
    for archive in folder.glob("*.zip"):
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                name = Path(member).name
                if name.endswith(".jar") and name not in present:
                    (folder / name).write_bytes(zf.read(member))
                    present.add(name)
        archive.unlink()
