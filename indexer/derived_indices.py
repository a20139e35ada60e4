"""Indices derived from other data (suggestions from the catalog or from searches, learned rankings): each
rebuild writes a new versioned index and swaps its alias, so readers never see a half-built one."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from opensearchpy import OpenSearch, helpers

from indexer.indices import alias_targets, new_index_name, point_alias, versioned_indices
from vindbaar.mappings import load_index_body


@dataclass
class DerivedBuild:
    """What a rebuild did."""

    index: str
    documents: int
    elapsed_s: float


def replace_derived_index(
    client: OpenSearch, alias: str, mapping: str, documents: Callable[[], Iterable[Mapping[str, Any]]]
) -> DerivedBuild:
    """Write `documents` into a new versioned index (``mappings/<mapping>.json``), point `alias` at it,
    delete the older ones (and any a killed rebuild left)."""
    started = time.monotonic()
    live = set(alias_targets(client, alias))
    for orphan in set(versioned_indices(client, alias)) - live:
        client.indices.delete(index=orphan, ignore_unavailable=True)
    index = new_index_name(alias)
    client.indices.create(index=index, body=load_index_body(mapping))
    try:
        actions = ({"_index": index, "_source": doc} for doc in documents())
        written, _ = helpers.bulk(client, actions, chunk_size=2000, request_timeout=120)
        client.indices.refresh(index=index)
        previous = alias_targets(client, alias)
        point_alias(client, alias, index)
    except BaseException:
        client.indices.delete(index=index, ignore_unavailable=True)
        raise
    for old in previous:
        client.indices.delete(index=old, ignore_unavailable=True)
    return DerivedBuild(index, int(written), time.monotonic() - started)
