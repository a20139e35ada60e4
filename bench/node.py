"""The OpenSearch node a benchmark runs against: the configured one, or a local node started for the run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from vindbaar.localnode.node import LocalNode
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
