"""How much memory a process holds: the API reports its own, the CLI and benchmarks the node's."""

from __future__ import annotations

from pathlib import Path


def resident_memory_mb(pid: int | str = "self") -> float | None:
    """Resident set size of `pid` (default: this process) in MiB, from /proc (None if unknown)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None
