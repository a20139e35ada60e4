"""Search analytics as a shop meets them: what logging costs a search, whether the log loses anything at
the service's top rate, and how fast the reports answer on a large log.

1. Overhead: two API processes on the same index, one logging (the default) and one with the log off
   (``VINDBAAR_SEARCH_LOG_CAPACITY=0``), one client taking turns request by request, queries never seen.
2. Soak: 16 clients search as fast as the API answers for a fixed time; afterwards every answered search
   must be in the log, or counted as dropped.
3. Reports: a generated log of a million searches (Zipf queries, clicks, carts, purchases, experiment
   variants over 30 days); each report timed on its first call (caches cleared) and as the median of the
   next five.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from opensearchpy import OpenSearch, helpers

from analytics.experiment_report import experiment_report
from analytics.queries import Scope, interleaving_body, overview_body, queries_body, timeline_body
from analytics.report import Analytics
from analytics.suggestion_mining import mining_body
from bench.node import run
from bench.search import ALIAS, _log, catalog, ensure_index, load, relevance_queries, start_api
from bench.search_latency import ADMIN_KEY, interleaved, zipf_sequence
from reranker.behaviour.search_record import LoggedSearch
from vindbaar.client import create_client
from vindbaar.index_names import IndexNames
from vindbaar.mappings import ensure_index as ensure_mapped_index
from vindbaar.mappings import load_index_body
from vindbaar.settings import Settings

LOG_ALIAS = "bench-analytics"  # the generated log lives in bench-analytics_queries


def _search(q: list[str]) -> Any:
    def send(http: httpx.Client, i: int) -> None:
        answer = http.get("/search", params={"q": q[i % len(q)], "session_id": f"bench-{i % 500}"})
        answer.raise_for_status()

    return send


def overhead(settings: Settings, queries: list[str], n: int) -> dict[str, Any]:
    """p50 of /search with the log on and off, interleaved request by request."""
    env = {"VINDBAAR_ADMIN_API_KEY": ADMIN_KEY}
    on = start_api(settings, 8741, env=env)
    off = start_api(settings, 8742, env={**env, "VINDBAAR_SEARCH_LOG_CAPACITY": "0"})
    try:
        logged, unlogged = interleaved(_search(queries), _search(queries), "http://127.0.0.1:8741",
                                       "http://127.0.0.1:8742", n)  # fmt: skip
    finally:
        for process in (on, off):
            process.terminate()
            process.wait()
    return {"log_on": logged, "log_off": unlogged,
            "added_p50_ms": round(logged["p50_ms"] - unlogged["p50_ms"], 2)}  # fmt: skip


def soak(settings: Settings, queries: list[str], seconds: float, clients: int) -> dict[str, Any]:
    """Search at the top rate for `seconds`; then compare what was answered with what was logged."""
    client = create_client(settings)
    index = IndexNames(ALIAS).queries
    client.indices.delete(index=index, ignore_unavailable=True)
    api = start_api(settings, 8743, env={"VINDBAAR_ADMIN_API_KEY": ADMIN_KEY})
    url = "http://127.0.0.1:8743"
    order = zipf_sequence(10_000_000, len(queries))
    try:
        deadline = time.monotonic() + seconds
        figures: dict[str, Any] = {}
        batches = []
        search = _search(queries)
        while time.monotonic() < deadline:
            batches.append(load(lambda http, i: search(http, order[i]), url, 500 * clients, clients))
        answered = sum(b["requests"] for b in batches)
        errors = sum(b["errors"] for b in batches)
        for _ in range(600):
            stats = httpx.get(f"{url}/admin/worker", headers={"X-API-Key": ADMIN_KEY}, timeout=10).json()
            if stats["search_log"]["queued"] == 0:
                break
            time.sleep(0.5)
        client.indices.refresh(index=index)
        stored = client.count(index=index, body={"query": {"term": {"kind": "search"}}})["count"]
        log = stats["search_log"]
        figures = {"seconds": seconds, "clients": clients, "answered": answered, "errors": errors,
                   "per_s": round(answered / sum(b["requests"] / b["per_s"] for b in batches), 1),
                   "p50_ms": statistics.median(b["p50_ms"] for b in batches),
                   "logged_documents": stored, "dropped": log["dropped"], "failed_writes": log["failed_writes"],
                   "lost": answered - stored - log["dropped"]}  # fmt: skip
        return figures
    finally:
        api.terminate()
        api.wait()


def _arm(n: int) -> tuple[str | None, str | None]:
    """Three searches in ten in an A/B test, one interleaved, the rest in none."""
    if n % 10 < 3:
        return "ab-1", "control" if n % 2 else "b"
    return ("il-1", "interleaved") if n % 10 == 3 else (None, None)


def _generated(count: int, seed: int = 17) -> Iterator[dict[str, Any]]:
    """A month of searches: 20k distinct queries (Zipf), 6 % without a word match, 35 % clicked at
    geometric positions, 8 % carted, 3 % bought; a third in an A/B test and a tenth interleaved."""
    rng = random.Random(seed)
    words = ["lamp", "sofa", "chair", "desk", "phone", "laptop", "shoe", "jacket", "speaker", "tv", "cable"]
    queries = [f"{rng.choice(words)} {rng.choice(words)} {n}" for n in range(20_000)]
    ranks = zipf_sequence(count, len(queries), seed=seed)
    start = datetime.now(UTC) - timedelta(days=30)
    for n, rank in enumerate(ranks):
        shown = [f"p{rng.randrange(50_000)}" for _ in range(20)]
        clicked = rng.random() < 0.35
        positions = [min(19, int(rng.expovariate(0.4))) for _ in range(1 + int(rng.random() < 0.3))] if clicked else []
        experiment, variant = _arm(n)
        entry = LoggedSearch(
            query_id=f"q{n}", kind="search", user_query=queries[rank], normalized_query=queries[rank],
            timestamp=start + timedelta(seconds=n * 30 * 86400 / count), result_count=0 if rng.random() < 0.06 else 120,
            hit_ids=shown, latency_ms=round(rng.uniform(10, 60), 1), session_id=f"s{rng.randrange(200_000)}",
            experiment=experiment, variant=variant, word_matches=120,
            teams=(shown[0::2], shown[1::2]) if variant == "interleaved" else None,
        )  # fmt: skip
        doc = entry.document()
        if entry.result_count == 0:
            doc["word_matches"] = 0
        if positions:
            doc.update(clicks=len(positions), click_positions=[p + 1 for p in positions],
                       clicked_ids=[shown[p] for p in positions])  # fmt: skip
            if variant == "interleaved":
                doc["credit_a"] = sum(1 for p in positions if p % 2 == 0)
                doc["credit_b"] = len(positions) - doc["credit_a"]
            if rng.random() < 0.23:
                doc.update(carts=1, carted_ids=[shown[positions[0]]])
                if rng.random() < 0.4:
                    doc.update(purchases=1, revenue=round(rng.lognormvariate(3.5, 0.8), 2))
        yield {"_index": IndexNames(LOG_ALIAS).queries, "_id": entry.query_id, "_source": doc}


def ensure_log(client: OpenSearch, count: int) -> float:
    """The generated log of `count` searches (reused when it holds that many); seconds spent writing."""
    index = IndexNames(LOG_ALIAS).queries
    if client.indices.exists(index=index) and client.count(index=index)["count"] == count:
        _log(f"reusing {index} ({count} searches)")
        return 0.0
    client.indices.delete(index=index, ignore_unavailable=True)
    ensure_mapped_index(client, index, "queries")
    client.indices.put_settings(index=index, body={"index": {"refresh_interval": "-1"}})
    started = time.monotonic()
    done = 0
    for ok, _ in helpers.streaming_bulk(client, _generated(count), chunk_size=5000, request_timeout=300):
        done += ok
        if done % 100_000 == 0:
            _log(f"  {done} searches written")
    client.indices.put_settings(index=index, body={"index": {"refresh_interval": "1s"}})
    client.indices.refresh(index=index)
    client.indices.forcemerge(index=index, max_num_segments=1, request_timeout=1200)
    return time.monotonic() - started


def reports(client: OpenSearch, count: int) -> dict[str, Any]:
    """Each report: the first call after clearing OpenSearch's caches, the median of five more, and the
    median of five with the request cache off (a live log's case)."""
    write_s = ensure_log(client, count)
    # An index from before a mapping change gets it (eager global ordinals are updatable).
    properties = load_index_body("queries")["mappings"]["properties"]
    client.indices.put_mapping(index=IndexNames(LOG_ALIAS).queries, body={"properties": properties})
    analytics = Analytics(client, IndexNames(LOG_ALIAS), timeout_s=120)
    month = Scope(start=datetime.now(UTC) - timedelta(days=31))
    week = Scope(start=datetime.now(UTC) - timedelta(days=7))
    calls: dict[str, Any] = {
        "overview_30d": lambda: analytics.overview(month),
        "top_queries_30d": lambda: analytics.queries(month, "top", 20),
        "zero_result_queries_30d": lambda: analytics.queries(month, "zero_results", 20),
        "no_click_queries_30d": lambda: analytics.queries(month, "no_clicks", 20),
        "top_queries_7d": lambda: analytics.queries(week, "top", 20),
        "timeline_30d_daily": lambda: analytics.timeline(month, "1d"),
        "ab_experiment_report": lambda: experiment_report(analytics, "ab-1", "ab", ["control", "b"]),
        "interleaving_report": lambda: experiment_report(analytics, "il-1", "interleaving", ["a", "b"]),
        "suggestion_mining_30d": lambda: analytics.run(mining_body(month.start)),
    }
    timings: dict[str, Any] = {}
    index = IndexNames(LOG_ALIAS).queries
    for name, call in calls.items():
        client.indices.clear_cache(index=index)
        started = time.perf_counter()
        try:
            call()
        except Exception as exc:  # report the failure, time the others
            timings[name] = {"error": str(exc)[:300]}
            continue
        first = (time.perf_counter() - started) * 1000
        again = []
        for _ in range(5):
            started = time.perf_counter()
            call()
            again.append((time.perf_counter() - started) * 1000)
        timings[name] = {"first_ms": round(first, 1), "median_ms": round(statistics.median(again), 1)}
    # A live log refreshes every second, and each refresh empties OpenSearch's request cache: what a report
    # costs then is its computation, measured here with the request cache off.
    bodies = {
        "overview_30d": overview_body(month), "top_queries_30d": queries_body(month, "top"),
        "zero_result_queries_30d": queries_body(month, "zero_results"),
        "no_click_queries_30d": queries_body(month, "no_clicks"), "timeline_30d_daily": timeline_body(month),
        "ab_experiment_report": overview_body(Scope(experiment="ab-1")),
        "interleaving_report": interleaving_body(Scope(experiment="il-1")),
    }  # fmt: skip
    for name, body in bodies.items():
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            client.search(index=index, body=body, request_cache=False, request_timeout=120)
            runs.append((time.perf_counter() - started) * 1000)
        timings[name]["uncached_median_ms"] = round(statistics.median(runs), 1)
    return {"searches": count, "generate_and_write_s": round(write_s, 1), "timings": timings}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.analytics", description=__doc__)
    parser.add_argument("--overhead-requests", type=int, default=1000, help="searches per side (overhead)")
    parser.add_argument("--soak-s", type=float, default=120.0, help="seconds of top-rate searching (soak)")
    parser.add_argument("--soak-clients", type=int, default=16)
    parser.add_argument("--log-searches", type=int, default=1_000_000, help="searches in the generated log")
    parser.add_argument("--skip", action="append", default=[], choices=["overhead", "soak", "reports"])
    return run(parser, argv, _benchmark)


def _benchmark(args: argparse.Namespace, base: Settings) -> dict[str, Any]:
    settings = base.model_copy(update={"index_alias": ALIAS})
    report: dict[str, Any] = {}
    if "reports" not in args.skip:  # first: it needs no API, and a long soak must not lose its figures
        _log(f"reports on {args.log_searches} generated searches …")
        report["reports"] = reports(create_client(base), args.log_searches)
        _log(json.dumps(report["reports"]))
    if "overhead" not in args.skip or "soak" not in args.skip:
        products = catalog(0)
        ensure_index(settings, products)
        pool = [q for _, q, _ in relevance_queries(products, 3000, seed=41)]
        if "overhead" not in args.skip:
            _log("overhead: log on vs off …")
            report["overhead"] = overhead(settings, pool, args.overhead_requests)
            _log(json.dumps(report["overhead"]))
        if "soak" not in args.skip:
            _log(f"soak: {args.soak_s:.0f} s at {args.soak_clients} clients …")
            report["soak"] = soak(settings, pool[:3000], args.soak_s, args.soak_clients)
    return report


if __name__ == "__main__":
    sys.exit(main())
