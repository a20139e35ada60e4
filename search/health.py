"""Readiness: OpenSearch answers and the product alias exists."""

from __future__ import annotations

from typing import Literal

from opensearchpy import OpenSearch
from opensearchpy.exceptions import OpenSearchException
from pydantic import BaseModel


class HealthPublic(BaseModel):
    """Readiness report."""

    status: Literal["ready", "unavailable"]
    opensearch: Literal["up", "down"]
    alias: str
    alias_exists: bool


def check_health(client: OpenSearch, alias: str) -> HealthPublic:
    """Ask OpenSearch whether it is up and whether `alias` exists (never raises)."""
    try:
        up = bool(client.ping())
        exists = up and bool(client.indices.exists_alias(name=alias))
    except (OpenSearchException, OSError):
        up = exists = False
    return HealthPublic(
        status="ready" if exists else "unavailable",
        opensearch="up" if up else "down",
        alias=alias,
        alias_exists=exists,
    )
