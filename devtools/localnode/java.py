"""Find a Java runtime new enough for the pinned OpenSearch release."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from devtools.errors import JavaNotFound

#: OpenSearch 3.x is compiled for Java 21.
MIN_JAVA = 21

_VERSION_RE = re.compile(r'version "(\d+)(?:\.(\d+))?')


@dataclass(frozen=True)
class JavaRuntime:
    """A `java` executable and its major version."""

    path: Path
    major: int


def parse_java_major(version_output: str) -> int | None:
    """Return the major version from `java -version` output (``"1.8.0_40"`` → 8, ``"25.0.3"`` → 25)."""
    match = _VERSION_RE.search(version_output)
    if match is None:
        return None
    first = int(match.group(1))
    if first == 1 and match.group(2) is not None:
        return int(match.group(2))
    return first


def _probe(java: Path) -> JavaRuntime | None:
    try:
        done = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    major = parse_java_major(done.stderr + done.stdout)
    return None if major is None else JavaRuntime(java, major)


def _candidates(java_home: Path | None) -> list[Path]:
    found: list[Path] = []
    for home in (java_home, os.environ.get("JAVA_HOME")):
        if home:
            found.append(Path(home) / "bin" / "java")
    on_path = shutil.which("java")
    if on_path:
        found.append(Path(on_path))
    jvm_dir = Path("/usr/lib/jvm")
    if jvm_dir.is_dir():
        found.extend(sorted(jvm_dir.glob("*/bin/java")))
    unique: list[Path] = []
    for path in found:
        if path.is_file() and path.resolve() not in {p.resolve() for p in unique}:
            unique.append(path)
    return unique


def find_java(java_home: Path | None = None, minimum: int = MIN_JAVA) -> JavaRuntime:
    """Return the newest Java runtime with major version >= `minimum`.

    Looks at `java_home`, ``$JAVA_HOME``, ``java`` on PATH and ``/usr/lib/jvm/*``.

    Raises:
        JavaNotFound: none is new enough; the message lists what was found and how to fix it.
    """
    runtimes = [rt for rt in map(_probe, _candidates(java_home)) if rt is not None]
    usable = [rt for rt in runtimes if rt.major >= minimum]
    if usable:
        return max(usable, key=lambda rt: rt.major)
    seen = ", ".join(f"Java {rt.major} at {rt.path}" for rt in runtimes) or "no Java at all"
    raise JavaNotFound(
        f"OpenSearch needs Java {minimum} or newer; found {seen}. "
        f"Install a JDK {minimum}+ (e.g. Temurin, or `apt-get install openjdk-{minimum}-jdk-headless`) "
        "and set JAVA_HOME or VINDBAAR_JAVA_HOME to it."
    )
