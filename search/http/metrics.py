"""`GET /metrics` in Prometheus' text format: requests and latency per route, OpenSearch trouble, and what
the worker's engine counts (query embeddings, head-query cache, search log).

Each app has its own registry (tests and benchmarks build several apps in one process). With several
uvicorn workers each answers with its own counts; a scraper sees whichever worker it reaches, so label
the target per worker or run one worker per container.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from search.engine import SearchEngine
from search.http.responses import ANY

#: Autocomplete answers in a millisecond, searches in tens, a stuck backend in seconds.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

router = APIRouter(tags=["operations"], responses=ANY)


class Metrics:
    """The metrics of one app."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("vindbaar_http_requests", "HTTP requests answered, by route and status.",
                                ["route", "method", "status"], registry=self.registry)  # fmt: skip
        self.latency = Histogram("vindbaar_http_request_duration_seconds", "Time to answer, by route.",
                                 ["route", "method"], buckets=BUCKETS, registry=self.registry)  # fmt: skip
        self.backend_errors = Counter("vindbaar_opensearch_errors", "OpenSearch failures answered as 503/502.",
                                      ["kind"], registry=self.registry)  # fmt: skip

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(seconds)


class EngineCollector(Collector):
    """Reads the engine's own counters at scrape time (nothing is counted twice on the request path)."""

    def __init__(self, app: FastAPI) -> None:
        self._app = app

    def collect(self) -> Iterator[Any]:
        engine: SearchEngine | None = getattr(self._app.state, "engine", None)
        if engine is None:
            return
        embedder = engine.embedder
        yield CounterMetricFamily("vindbaar_query_embeddings", "Query embeddings computed.", value=embedder.embedded)
        yield CounterMetricFamily("vindbaar_query_embedding_seconds", "Seconds searches waited for embeddings.",
                                  value=embedder.embed_seconds)  # fmt: skip
        yield CounterMetricFamily("vindbaar_query_embedding_cache_hits", "Query embeddings from the cache.",
                                  value=embedder.cache_hits)  # fmt: skip
        cache = engine.head_cache.stats()
        yield CounterMetricFamily("vindbaar_head_cache_hits", "Head-query cache hits.", value=cache.hits)
        yield CounterMetricFamily("vindbaar_head_cache_misses", "Head-query cache misses.", value=cache.misses)
        yield GaugeMetricFamily("vindbaar_head_cache_bytes", "Estimated bytes held by the head-query cache.",
                                value=cache.bytes)  # fmt: skip
        if engine.behaviour is not None:
            log = engine.behaviour.searches.stats()
            yield CounterMetricFamily("vindbaar_search_log_written", "Searches written to the log.", value=log.logged)
            yield CounterMetricFamily("vindbaar_search_log_dropped", "Searches dropped: the log queue was full.",
                                      value=log.dropped)  # fmt: skip
            yield GaugeMetricFamily("vindbaar_search_log_queued", "Searches waiting to be logged.", value=log.queued)


def install_metrics(app: FastAPI) -> Metrics:
    """Serve the app's metrics, with the engine's figures, at `/metrics` (requests are counted by
    `request_context.RequestContext`, which sees each request's route, status and time anyway)."""
    metrics = Metrics()
    metrics.registry.register(EngineCollector(app))
    app.state.metrics = metrics
    app.include_router(router)
    return metrics


@router.get("/metrics", summary="Prometheus metrics of this worker", response_class=Response)
async def get_metrics(request: Request) -> Response:
    """Requests and latency per route, OpenSearch errors, query embeddings, caches and the search log."""
    metrics: Metrics = request.app.state.metrics
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
