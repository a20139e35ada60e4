"""Check the layout's rules (ARCHITECTURE.md): which package may import which, where FastAPI may appear,
and how long a module may grow. Prints each broken rule with file and line; exits 1 if any.

    python scripts/check_layout.py        (also part of `make lint`)
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("vindbaar", "indexer", "reranker", "analytics", "search", "devtools", "cli")
#: Package (or sub-package path) -> top-level modules it must never import.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "vindbaar": ("indexer", "reranker", "analytics", "search", "devtools", "cli"),
    "indexer": ("reranker", "analytics", "search", "devtools", "cli"),
    "reranker": ("indexer", "analytics", "search", "devtools", "cli"),
    "analytics": ("indexer", "reranker", "search", "devtools", "cli"),
    "search": ("devtools", "cli"),
    "devtools": ("cli",),
}
HTTP_LAYER = Path("search/http")
#: Web modules -> where they may be imported: the web framework in the HTTP layer only; the server also
#: in the CLI, whose `serve` starts it.
WEB: dict[str, tuple[Path, ...]] = {
    "fastapi": (HTTP_LAYER,),
    "starlette": (HTTP_LAYER,),
    "uvicorn": (HTTP_LAYER, Path("cli")),
}
MAX_LINES = 300


def _imports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module.split(".")[0]


def violations(root: Path = ROOT) -> list[str]:
    """Every broken rule, as ``path:line: message``."""
    found: list[str] = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root)
            source = path.read_text(encoding="utf-8")
            lines = source.count("\n")
            if lines > MAX_LINES:
                found.append(f"{relative}:1: {lines} lines; split it (modules stay under {MAX_LINES})")
            for line, module in _imports(ast.parse(source, str(relative))):
                if module in FORBIDDEN.get(package, ()):
                    found.append(f"{relative}:{line}: {package} must not import {module}")
                allowed = WEB.get(module)
                if allowed is not None and not any(relative.is_relative_to(place) for place in allowed):
                    found.append(f"{relative}:{line}: {module} may only be imported in {', '.join(map(str, allowed))}")
    return found


def main() -> int:
    found = violations()
    for line in found:
        print(line)
    print(f"layout: {len(found)} problem(s)" if found else "layout: ok", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
