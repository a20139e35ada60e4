"""Load the versioned index definitions kept in the repository's `mappings/` folder."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy.exceptions import RequestError


def mappings_dir() -> Path:
    """The folder holding the mapping files (packaged copy in a wheel, the repo folder otherwise)."""
    packaged = Path(__file__).parent / "_mappings"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "mappings"


@cache
def _read(name: str) -> dict[str, Any]:
    path = mappings_dir() / f"{name}.json"
    body: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return body


def load_index_body(name: str = "products", embedding_dimension: int | None = None) -> dict[str, Any]:
    """Return the create-index body (settings + mappings) for `name`, as a fresh copy.

    `embedding_dimension` overrides the knn_vector dimension, for models other than the default.
    """
    body = copy.deepcopy(_read(name))
    if embedding_dimension is not None:
        body["mappings"]["properties"]["embedding"]["dimension"] = embedding_dimension
    return body


def mapping_version(name: str = "products") -> int:
    """The `_meta.mapping_version` of a mapping file."""
    return int(_read(name)["mappings"]["_meta"]["mapping_version"])


def ensure_index(client: OpenSearch, index: str, mapping: str) -> None:
    """Create `index` from ``mappings/<mapping>.json`` unless it exists (API workers may race to do it)."""
    if client.indices.exists(index=index):
        return
    try:
        client.indices.create(index=index, body=load_index_body(mapping))
    except RequestError as exc:  # another worker created it first
        if "resource_already_exists_exception" not in str(exc):
            raise
