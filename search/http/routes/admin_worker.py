"""`GET /admin/worker`: the answering worker's memory and cache figures (admin key)."""

from __future__ import annotations

from fastapi import APIRouter

from search.http.deps import AdminDep, EngineDep
from search.http.responses import ADMIN
from search.worker_stats import WorkerStats, worker_stats

router = APIRouter(prefix="/admin/worker", tags=["operations"], dependencies=[AdminDep], responses=ADMIN)


@router.get("", summary="This worker's memory, catalog generation and cache hit rates")
def get_worker(engine: EngineDep) -> WorkerStats:
    """Figures of the worker process that answers (each worker keeps its own caches)."""
    return worker_stats(engine)
