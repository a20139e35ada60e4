"""`/admin/analytics/...`: what shoppers search for, what they do not find, what they click and buy."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from analytics.queries import Scope
from analytics.report import Overview, QueryFigures, TimelinePoint
from search.http.deps import AdminDep, AnalyticsDep
from search.http.responses import ADMIN
from vindbaar.wire_types import Timestamp

router = APIRouter(prefix="/admin/analytics", tags=["admin: analytics"], dependencies=[AdminDep], responses=ADMIN)


def _scope(
    start: Annotated[Timestamp | None, Query(description="From this time (RFC 3339), inclusive.")] = None,
    end: Annotated[Timestamp | None, Query(description="Until this time, exclusive.")] = None,
    experiment: Annotated[str | None, Query(max_length=60)] = None,
    variant: Annotated[str | None, Query(max_length=40)] = None,
    kind: Literal["search", "autocomplete"] = "search",
) -> Scope:
    return Scope(start=start, end=end, experiment=experiment, variant=variant, kind=kind)


ScopeDep = Annotated[Scope, Depends(_scope)]
Size = Annotated[int, Query(ge=1, le=1000)]


@router.get("/overview", summary="Searches, CTR, conversion and revenue per search, overall and per variant")
def overview(analytics: AnalyticsDep, scope: ScopeDep) -> Overview:
    """Totals of the searches in scope: zero-result searches, click-through rate with its 95 % interval,
    average click position, add-to-cart and conversion rates, revenue per search."""
    return analytics.overview(scope)


@router.get("/queries", summary="Top queries, zero-result queries, or queries nobody clicked")
def queries(
    analytics: AnalyticsDep,
    scope: ScopeDep,
    which: Annotated[Literal["top", "zero_results", "no_clicks"], Query(alias="list")] = "top",
    size: Size = 20,
) -> list[QueryFigures]:
    """The most frequent normalized queries of a list, each with CTR, average click position, add-to-cart
    and conversion rates, revenue per search and its most clicked products."""
    return analytics.queries(scope, which, size)


@router.get("/timeline", summary="Searches and CTR over time")
def timeline(
    analytics: AnalyticsDep,
    scope: ScopeDep,
    interval: Annotated[str, Query(pattern=r"^[1-9][0-9]{0,3}[mhd]$", description="e.g. 1h, 1d")] = "1d",
) -> list[TimelinePoint]:
    """Searches and click-through rate per interval."""
    return analytics.timeline(scope, interval)
