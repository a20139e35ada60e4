"""Query-level click learning, measured as a shop meets it: simulated shoppers search through the API and
click and buy; the learning job runs; new shoppers (no history) search the same queries.

Each query has a product its shoppers prefer: drawn at random from the unlearned top 10 (ranks 2-10), so
the preference is latent (no field the ranker reads names it). Shoppers look at rank r with probability
1 / r^0.8, click the preferred product when they see it (0.9) and others now and then (0.05), and buy the
preferred product after half of its clicks. Reported: MRR@10 of the preferred product for a new shopper,
unlearned (the ranking before any clicks) and learned, after 5, 10 and 25 logged searches per query; and
queries nobody searched before, which must not change.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from typing import Any

import httpx

from bench.node import run
from bench.search import ALIAS, _log, catalog, ensure_index, relevance_queries, start_api
from search.learned_ranking import rebuild_learned_ranking
from vindbaar.client import create_client
from vindbaar.index_names import IndexNames
from vindbaar.settings import Settings

PORT = 8751
EXAMINE_ETA, CLICK_PREFERRED, CLICK_OTHER, BUY = 0.8, 0.9, 0.05, 0.5


def _ranking(http: httpx.Client, query: str) -> tuple[str, list[str]]:
    answer = http.get("/search", params={"q": query, "session_id": uuid.uuid4().hex, "size": 10})
    answer.raise_for_status()
    body = answer.json()
    return body["query_id"], [item["id"] for item in body["items"]]


def _session(http: httpx.Client, query: str, preferred: str, rng: random.Random) -> None:
    """One shopper: search, look down the list, click what appeals, maybe buy the preferred product."""
    session = uuid.uuid4().hex
    answer = http.get("/search", params={"q": query, "session_id": session, "size": 10})
    answer.raise_for_status()
    body = answer.json()
    events: list[dict[str, Any]] = []
    for rank, item in enumerate(body["items"], start=1):
        if rng.random() >= 1 / rank**EXAMINE_ETA:
            continue
        wanted = item["id"] == preferred
        if rng.random() < (CLICK_PREFERRED if wanted else CLICK_OTHER):
            click = {"action_name": "click", "query_id": body["query_id"], "object_id": item["id"],
                     "position": rank, "session_id": session}  # fmt: skip
            events.append(click)
            if wanted and rng.random() < BUY:
                events.append({**click, "action_name": "purchase", "price": 25.0})
    if events:
        http.post("/events", json={"events": events}).raise_for_status()


def _mrr(http: httpx.Client, targets: dict[str, str]) -> float:
    ranks = []
    for query, preferred in targets.items():
        _, shown = _ranking(http, query)
        ranks.append(1 / (shown.index(preferred) + 1) if preferred in shown else 0.0)
    return round(statistics.fmean(ranks), 4)


def _relearn(settings: Settings, http: httpx.Client) -> None:
    """Run the learning job and wait until the API has loaded its result (it checks twice a second)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        stats = http.get("/admin/worker", headers={"X-API-Key": "bench-admin-key"}).json()
        if stats["search_log"]["queued"] == 0:
            break
        time.sleep(0.2)
    client = create_client(settings)
    client.indices.refresh(index=IndexNames(ALIAS).queries)
    rebuild_learned_ranking(client, IndexNames(ALIAS), settings)
    time.sleep(3)  # the worker notices the new index within a catalog check and reloads in the background


def _benchmark(args: argparse.Namespace, base: Settings) -> dict[str, Any]:
    settings = base.model_copy(update={"index_alias": ALIAS, "click_learning_min_searches": 3})
    products = catalog(0)
    ensure_index(settings, products)
    client = create_client(settings)
    # A fresh start: no logged searches, nothing learned (wildcard deletes are refused, so by name).
    learned = client.indices.get(index=f"{IndexNames(ALIAS).learned}-*", allow_no_indices=True)
    for index in [IndexNames(ALIAS).queries, *learned]:
        client.indices.delete(index=index, ignore_unavailable=True)
    rng = random.Random(args.seed)
    pool = list(dict.fromkeys(q for _, q, _ in relevance_queries(products, args.queries * 2, seed=args.seed)))
    rng.shuffle(pool)
    env = {"VINDBAAR_ADMIN_API_KEY": "bench-admin-key", "VINDBAAR_CONSENT_REQUIRED": "false",
           "VINDBAAR_CATALOG_CHECK_S": "0.5", "VINDBAAR_CLICK_LEARNING_REFRESH_S": "0",
           "VINDBAAR_SUGGESTIONS_REFRESH_S": "0", "VINDBAAR_CLICK_LEARNING_MIN_SEARCHES": "3"}  # fmt: skip
    api = start_api(settings, PORT, env=env)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=30) as http:
            targets: dict[str, str] = {}
            untouched: dict[str, list[str]] = {}
            for query in pool:
                _, shown = _ranking(http, query)
                if len(shown) < 10:
                    continue
                if len(targets) < args.queries:
                    targets[query] = rng.choice(shown[1:10])
                elif len(untouched) < args.queries:
                    untouched[query] = shown
            _log(f"{len(targets)} queries with a preferred product, {len(untouched)} left alone")
            report: dict[str, Any] = {"catalog_products": len(products), "queries": len(targets), "simulated": True,
                                      "click_model": {"examine_rank_r": f"1 / r^{EXAMINE_ETA}",
                                                      "click_preferred": CLICK_PREFERRED, "click_other": CLICK_OTHER,
                                                      "buy_after_click": BUY},
                                      "mrr_at_10_unlearned": _mrr(http, targets), "after_sessions": {}}  # fmt: skip
            done = 0
            for sessions in args.sessions:
                _log(f"shoppers: up to {sessions} searches per query …")
                for query, preferred in targets.items():
                    for _ in range(sessions - done):
                        _session(http, query, preferred, rng)
                done = sessions
                _relearn(settings, http)
                learned = _mrr(http, targets)
                report["after_sessions"][str(sessions)] = {
                    "mrr_at_10": learned,
                    "ratio": round(learned / report["mrr_at_10_unlearned"], 2),
                }
                _log(f"  MRR@10 {learned} after {sessions} searches per query")
            changed = sum(1 for q, shown in untouched.items() if _ranking(http, q)[1] != shown)
            report["queries_nobody_searched"] = {"count": len(untouched), "ranking_changed": changed}
            return report
    finally:
        api.terminate()
        api.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.click_learning", description=__doc__)
    parser.add_argument("--queries", type=int, default=60, help="queries with a preferred product")
    parser.add_argument("--sessions", type=int, nargs="+", default=[5, 10, 25], help="searches per query, cumulative")
    parser.add_argument("--seed", type=int, default=13)
    return run(parser, argv, _benchmark)


if __name__ == "__main__":
    sys.exit(main())
