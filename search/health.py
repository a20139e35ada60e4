"""`GET /health`: ready only when OpenSearch answers and the product alias exists."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response, status
from opensearchpy import OpenSearch
from opensearchpy.exceptions import OpenSearchException
from pydantic import BaseModel

from search.deps import ClientDep, SettingsDep

router = APIRouter(tags=["operations"])


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


@router.get("/health", responses={503: {"model": HealthPublic}})
def health(client: ClientDep, settings: SettingsDep, response: Response) -> HealthPublic:
    """Readiness probe for load balancers and docker-compose."""
    report = check_health(client, settings.index_alias)
    if report.status != "ready":
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return report
