"""Public routes: `/search` (GET for links, POST for complex filters) and `/autocomplete`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError
from pydantic import Field, ValidationError
from starlette.concurrency import run_in_threadpool

from search.autocomplete import MAX_AUTOCOMPLETE_LENGTH
from search.engine import SearchEngine
from search.http.deps import EngineDep, SearchKeyDep
from search.http.identity import Caller, CallerDep
from search.http.responses import BODY, PUBLIC
from search.params import (
    DEFAULT_FACETS,
    LOCALE_PATTERN,
    MAX_ID_LENGTH,
    MAX_PAGE_SIZE,
    MAX_QUERY_LENGTH,
    MAX_RESULT_WINDOW,
    FacetName,
    SearchParams,
    SortOrder,
)
from search.results import AutocompleteResponse, SearchResponse
from search.service import RECENT_PREFIX_MAX, search, suggest

router = APIRouter(tags=["search"], dependencies=[SearchKeyDep], responses={**PUBLIC, **BODY})

# NAME:VALUE, each part not blank, the name as `vindbaar.filters.ATTRIBUTE_NAME` allows (at most 100
# characters), no control characters. Spelled without \w, \s or ".", which JSON Schema and Python read apart.
_NAME, _NAME_SOLID = r"[^\[\]>=:\x00-\x1f\x7f]", r"[^\[\]>=:\x00-\x20\x7f]"
_VALUE, _VALUE_SOLID = r"[^\x00-\x1f\x7f]", r"[^\x00-\x20\x7f]"
ATTRIBUTE_PAIR = f"^ {{0,49}}{_NAME_SOLID}{_NAME}{{0,50}}: *{_VALUE_SOLID}{_VALUE}*$"
AttributePair = Annotated[str, Field(pattern=ATTRIBUTE_PAIR, max_length=300)]


def _attributes(pairs: list[str]) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for position, pair in enumerate(pairs):
        name, sep, value = pair.partition(":")
        name, value = name.strip(" "), value.strip(" ")  # only spaces: the pattern allows no other blank
        if not sep or not name or not value:
            raise RequestValidationError(
                [
                    {
                        "type": "value_error",
                        "loc": ("query", "attr", position),
                        "input": pair,
                        "msg": "expected NAME:VALUE, e.g. color:black",
                    }
                ]
            )
        parsed.setdefault(name, []).append(value)
    return parsed


@router.get("/search", summary="Search the catalog")
def search_get(
    engine: EngineDep,
    caller: CallerDep,
    q: Annotated[str, Query(max_length=MAX_QUERY_LENGTH, examples=["koptelefoon"])] = "",
    brand: Annotated[list[str], Query(max_length=200, description="Brand filter (repeatable, OR-ed).")] = [],  # noqa: B006
    category: Annotated[list[str], Query(max_length=200, description="Category path prefix (repeatable).")] = [],  # noqa: B006
    price_min: Annotated[float | None, Query(ge=0, description="At most price_max.")] = None,
    price_max: Annotated[float | None, Query(ge=0, description="At least price_min.")] = None,
    in_stock: bool | None = None,
    attr: Annotated[
        list[AttributePair], Query(max_length=50, description="Attribute filter NAME:VALUE (repeatable).")
    ] = [],  # noqa: B006
    facets: Annotated[list[FacetName], Query(description="Facets to count.")] = list(DEFAULT_FACETS),  # noqa: B006
    sort: SortOrder | None = None,
    page: Annotated[
        int, Query(ge=1, le=MAX_RESULT_WINDOW, description=f"page * size must be at most {MAX_RESULT_WINDOW}.")
    ] = 1,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
    highlight: bool = True,
    locale: Annotated[str | None, Query(pattern=LOCALE_PATTERN)] = None,
    user_id: Annotated[
        str | None, Query(max_length=MAX_ID_LENGTH, description="Needs X-User-Token for that user, or a server key.")
    ] = None,
    session_id: Annotated[str | None, Query(max_length=MAX_ID_LENGTH)] = None,
    client_id: Annotated[
        str | None, Query(max_length=MAX_ID_LENGTH, description="The browser's lasting id (UBI).")
    ] = None,
    explain: bool = False,
    correct: bool = True,
) -> SearchResponse:
    """Hybrid (lexical + semantic) search with filters, disjunctive facets, sorting and paging."""
    raw = {
        "q": q, "filters": {"brand": brand, "category": category, "price_min": price_min, "price_max": price_max,
                            "in_stock": in_stock, "attributes": _attributes(attr)},
        "facets": facets, "sort": sort, "page": page, "size": size, "highlight": highlight, "locale": locale,
        "user_id": user_id, "session_id": session_id, "client_id": client_id, "explain": explain,
        "correct": correct,
    }  # fmt: skip
    try:
        params = SearchParams.model_validate(raw)
    except ValidationError as exc:
        # Name the query parameter, as FastAPI does for the ones it checks itself.
        errors = [{**e, "loc": ("query", *_query_loc(e["loc"]))} for e in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from exc
    return _search_as(caller, engine, params)


def _query_loc(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    if loc and loc[0] == "filters":
        return loc[1:] if len(loc) > 1 else ("filters",)
    return loc or ("page",)


@router.post("/search", summary="Search the catalog (JSON body)")
def search_post(params: SearchParams, engine: EngineDep, caller: CallerDep) -> SearchResponse:
    """The same search, with filters as a JSON body (many attribute filters, long lists)."""
    return _search_as(caller, engine, params)


def _search_as(caller: Caller, engine: SearchEngine, params: SearchParams) -> SearchResponse:
    """Search for the shopper the caller may act for; rule details only for admins."""
    response = search(engine, params.model_copy(update={"user_id": caller.user(params.user_id)}))
    return response if caller.is_admin else response.without_rule_details()


@router.get("/autocomplete", summary="As-you-type suggestions")
async def autocomplete_get(
    engine: EngineDep,
    q: Annotated[str, Query(max_length=MAX_AUTOCOMPLETE_LENGTH, examples=["koptelefon"])] = "",
    size: Annotated[int, Query(ge=1, le=20)] = 8,
    session_id: Annotated[str | None, Query(max_length=200, description="Recent searches on short prefixes.")] = None,
    client_id: Annotated[str | None, Query(max_length=200)] = None,
) -> AutocompleteResponse:
    """Query completions, top products, matching categories and brands for what has been typed so far;
    with a `session_id` and an empty or short prefix, also the session's recent searches.

    Answered from the worker's memory in well under a millisecond, so on the event loop: a hop to the
    thread pool would cost more than the answer. Only the recent searches need OpenSearch, and so the
    thread pool.
    """
    if session_id and len(q.strip()) <= RECENT_PREFIX_MAX:
        return await run_in_threadpool(suggest, engine, q, size, session_id, client_id)
    return suggest(engine, q, size, session_id, client_id)
