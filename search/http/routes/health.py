"""`GET /health`: ready only when OpenSearch answers and the product alias exists."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from search.health import HealthPublic, check_health
from search.http.deps import ClientDep, SettingsDep
from search.http.responses import ANY

router = APIRouter(tags=["operations"])


@router.get("/health", responses={**ANY, 503: {"model": HealthPublic}})
def health(client: ClientDep, settings: SettingsDep, response: Response) -> HealthPublic:
    """Readiness probe for load balancers and docker-compose."""
    report = check_health(client, settings.index_alias)
    if report.status != "ready":
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return report
