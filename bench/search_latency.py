"""Search latency as a shop meets it: the API against raw OpenSearch doing the same work, for queries never
seen before (no warm-up: each pays for its embedding) and for a Zipf mix (s = 1) over thousands of
distinct queries (popular ones repeat, as in a shop), at 1 and 16 clients.

The raw side sends the same hybrid `_msearch` and page fetch the API sends, and embeds each query the same
way (the same backend, cache and micro-batching, in the load generator's process on the same cores).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from typing import Any

import httpx

from bench.search import ALIAS, _check, _log, load, start_api, summary
from search.params import SearchParams
from search.query import build_page_body, build_search_body, build_semantic_body, hit_id
from search.query_embedder import QueryEmbedder
from search.spelling import Vocabulary
from vindbaar.client import create_client
from vindbaar.embedder import create_embedder
from vindbaar.index_names import IndexNames
from vindbaar.settings import Settings
from vindbaar.synonyms import expand, load_synonyms

NDJSON = {"content-type": "application/x-ndjson"}
ADMIN_KEY = "bench-admin-key"
Send = Callable[[httpx.Client, int], None]


def zipf_sequence(count: int, distinct: int, s: float = 1.0, seed: int = 5) -> list[int]:
    """`count` draws of ranks 0..distinct-1 with probability proportional to 1 / (rank + 1)^s."""
    weights = [1 / (rank + 1) ** s for rank in range(distinct)]
    return random.Random(seed).choices(range(distinct), weights=weights, k=count)


class Raw:
    """Sends what the API sends for a search, straight to OpenSearch, paying for the query embedding."""

    def __init__(self, settings: Settings) -> None:
        self._embedder = QueryEmbedder(create_embedder(settings))
        self._synonyms = load_synonyms(None)
        self._vocabulary = Vocabulary.load(create_client(settings), IndexNames(ALIAS))

    def search(self, http: httpx.Client, text: str) -> None:
        params = SearchParams(q=text)
        vector = self._embedder.embed(text)
        # The service's typo tolerance decision, so both sides send the same request.
        lexical = build_search_body(
            params, 100, expand(text, self._synonyms), fuzzy=not self._vocabulary.knows_all(text)
        )
        lines = [{"index": ALIAS}, lexical,
                 {"index": ALIAS}, build_semantic_body(params, vector, 100)]  # fmt: skip
        answer = http.post("/_msearch", content="".join(json.dumps(line) + "\n" for line in lines), headers=NDJSON)
        _check(answer)
        ids = [hit_id(hit) for hit in answer.json()["responses"][0]["hits"]["hits"][:20]]
        _check(http.post(f"/{ALIAS}/_search", json=build_page_body(ids, params, text)))

    @staticmethod
    def complete(http: httpx.Client, prefix: str) -> None:
        """The least an OpenSearch-backed dropdown costs: one prefix match on the suggestions index (the
        API answers suggestions, categories, brands and products from memory)."""
        query = {"match": {"text.prefix": {"query": prefix, "operator": "and"}}}
        body = {"size": 10, "_source": ["text", "kind", "count"], "query": query}
        _check(http.post(f"/{IndexNames(ALIAS).suggestions}/_search", json=body))


def _worker(api_url: str) -> dict[str, Any]:
    """The API worker's memory and cache figures (with several workers: whichever answers)."""
    answer = httpx.get(f"{api_url}/admin/worker", headers={"X-API-Key": ADMIN_KEY}, timeout=10)
    answer.raise_for_status()
    figures: dict[str, Any] = answer.json()
    return figures


def _pair(report: dict[str, Any], name: str, api: Send, raw: Send, api_url: str, raw_url: str, n: int, c: int) -> None:
    _log(f"load: {name} ({n} requests, {c} client(s)) …")
    if c == 1:
        report[f"{name}_api"], report[f"{name}_opensearch"] = interleaved(api, raw, api_url, raw_url, n)
    else:
        report[f"{name}_api"] = load(api, api_url, n, c)
        report[f"{name}_opensearch"] = load(raw, raw_url, n, c)
    report[f"{name}_ratio_p50"] = round(report[f"{name}_api"]["p50_ms"] / report[f"{name}_opensearch"]["p50_ms"], 2)


def interleaved(api: Send, raw: Send, api_url: str, raw_url: str, n: int) -> tuple[dict[str, float], dict[str, float]]:
    """One client per side, taking turns request by request (who goes first alternates), so that both
    sides meet OpenSearch's caches in the same state: on a freshly loaded large index, whichever side ran
    first paid for warming the file cache."""
    times: tuple[list[float], list[float]] = ([], [])
    errors = [0, 0]
    with httpx.Client(base_url=api_url, timeout=30) as api_http, httpx.Client(base_url=raw_url, timeout=30) as raw_http:
        sides = [(api, api_http, 0), (raw, raw_http, 1)]
        for i in range(n):
            for send, http, side in sides if i % 2 == 0 else sides[::-1]:
                started = time.perf_counter()
                try:
                    send(http, i)
                except httpx.HTTPError:
                    errors[side] += 1
                    continue
                times[side].append((time.perf_counter() - started) * 1000)
    # Per second of each side's own request time (the two sides never overlap).
    api_times, raw_times = times
    return (summary(api_times, errors[0], sum(api_times) / 1000), summary(raw_times, errors[1], sum(raw_times) / 1000))


def latency(
    settings: Settings,
    queries: list[str],
    prefixes: list[str],
    requests: int,
    clients: int,
    workers: int,
    one_client_only: bool = False,
) -> dict[str, Any]:
    """Unseen queries, then the Zipf mix, then autocomplete; each through the API and raw, 1 and `clients`
    (`one_client_only`: unseen queries at 1 client, nothing else)."""
    distinct = list(dict.fromkeys(queries))
    unseen_1, unseen_n = 200, min(requests, len(distinct) // 3)
    # The unseen runs take disjoint slices at the end of the list: no text is sent twice to either side.
    zipf_pool, unseen = distinct[: len(distinct) - unseen_1 - 2 * unseen_n], distinct[-(unseen_1 + 2 * unseen_n) :]
    report: dict[str, Any] = {"distinct_zipf_queries": len(zipf_pool), "unseen_queries": len(unseen)}
    raw, port = Raw(settings), 8765
    api_process = start_api(settings, port, workers, env={"VINDBAAR_ADMIN_API_KEY": ADMIN_KEY})
    api_url, os_url = f"http://127.0.0.1:{port}", settings.opensearch_url or ""
    report["worker_at_start"] = _worker(api_url)

    def api_search(texts: list[str]) -> Send:
        return lambda h, i: _check(h.get("/search", params={"q": texts[i]}))

    def raw_search(texts: list[str]) -> Send:
        return lambda h, i: raw.search(h, texts[i])

    try:
        one, api_side, raw_side = (
            unseen[:unseen_1],
            unseen[unseen_1 : unseen_1 + unseen_n],
            unseen[unseen_1 + unseen_n :],
        )
        _pair(report, "unseen_1_client", api_search(one), raw_search(one), api_url, os_url, len(one), 1)
        if one_client_only:
            return report
        _log(f"load: unseen ({unseen_n} requests, {clients} clients) …")
        # Each side gets texts the other side's process never embedded (the raw side's cache is in this process).
        report[f"unseen_{clients}_clients_api"] = load(api_search(api_side), api_url, unseen_n, clients)
        report[f"unseen_{clients}_clients_opensearch"] = load(raw_search(raw_side), os_url, unseen_n, clients)
        mix = [zipf_pool[rank] for rank in zipf_sequence(requests, len(zipf_pool))]
        report["zipf_distinct_in_mix"] = len(set(mix))
        before = _worker(api_url)["head_cache"]
        for c in (1, clients):
            _pair(report, f"zipf_{c}_client{'s' if c > 1 else ''}", api_search(mix), raw_search(mix),
                  api_url, os_url, requests if c > 1 else min(requests, 500), c)  # fmt: skip
        report["worker_after_zipf"] = after = _worker(api_url)
        hits, misses = (after["head_cache"][k] - before[k] for k in ("hits", "misses"))
        # Each search looks up its lists and its page: the hit rate counts both lookups.
        report["zipf_head_cache_hit_rate"] = round(hits / max(1, hits + misses), 3)
        typed = [prefixes[i % len(prefixes)] for i in range(requests)]
        for c in (1, clients):
            _pair(report, f"autocomplete_{c}_client{'s' if c > 1 else ''}",
                  lambda h, i: _check(h.get("/autocomplete", params={"q": typed[i]})),
                  lambda h, i: Raw.complete(h, typed[i]), api_url, os_url, requests if c > 1 else 500, c)  # fmt: skip
        report["worker_at_end"] = _worker(api_url)
        return report
    finally:
        api_process.terminate()
        api_process.wait(timeout=30)
