"""The layout's import rules (ARCHITECTURE.md) hold, and the checker catches a broken one."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKER: dict[str, Any] = runpy.run_path(str(ROOT / "scripts" / "check_layout.py"))


def test_the_code_keeps_the_layout_rules() -> None:
    assert CHECKER["violations"]() == []


@pytest.mark.parametrize(
    ("path", "source", "problem"),
    [
        ("vindbaar/client.py", "from devtools.localnode.node import LocalNode\n", "vindbaar must not import devtools"),
        ("indexer/x.py", "import reranker.profiles\n", "indexer must not import reranker"),
        ("reranker/x.py", "from search.engine import SearchEngine\n", "reranker must not import search"),
        ("search/service.py", "from fastapi import APIRouter\n", "fastapi may only be imported in search/http"),
        ("search/long.py", "x = 1\n" * 301, "301 lines"),
    ],
)
def test_a_broken_rule_is_reported_with_file_and_line(tmp_path: Path, path: str, source: str, problem: str) -> None:
    target = tmp_path / path
    target.parent.mkdir(parents=True)
    target.write_text(source)
    (found,) = CHECKER["violations"](tmp_path)
    assert found.startswith(f"{path}:1: ") and problem in found
