"""The OpenSearch node a benchmark runs against: the configured one, or a local node started for the run."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from devtools.localnode.node import LocalNode
from vindbaar.settings import Settings


@contextmanager
def opensearch_settings() -> Iterator[Settings]:
    """Settings pointing at ``VINDBAAR_OPENSEARCH_URL``, else at a local node that is stopped afterwards."""
    base = Settings()
    if base.opensearch_url:
        yield base
        return
    node = LocalNode(base)
    info = node.start()
    try:
        yield base.model_copy(update={"opensearch_url": info.url})
    finally:
        node.stop()


def run(
    parser: argparse.ArgumentParser,
    argv: Sequence[str] | None,
    benchmark: Callable[[argparse.Namespace, Settings], dict[str, Any]],
) -> int:
    """Parse `argv`, run `benchmark` against the node, print its report as JSON on stdout."""
    args = parser.parse_args(argv)
    with opensearch_settings() as base:
        report = {"machine": {"cores": os.cpu_count()}, **benchmark(args, base)}
    print(json.dumps(report, indent=2))
    return 0
