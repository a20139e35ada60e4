"""Personalization benchmark: simulated shoppers on the real Vespa catalog (MRR and nDCG@10 after 1, 3, 5 and
10 interactions, personalized vs not, and the ceiling), reranker latency, and `/events` throughput.

Run with `make bench-personalization`. The Vespa catalog has no brand field; as its README suggests, the
brand is taken to be the first word of the title. Shoppers are simulated: each has a hidden favourite
brand, searches for generic words that brand's products share with others, and clicks with a
position-biased click model (it looks at rank r with probability 1/sqrt(r), clicks a favourite-brand
item it looks at with probability 0.8, anything else with 0.03).
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bench.indexing import vespa_products
from bench.node import run
from bench.search import start_api
from indexer.embedding_cache import EmbeddingCache
from indexer.reindex import reindex
from reranker.behaviour.store import BehaviourStore
from reranker.candidates import Candidate, RerankContext
from reranker.events import Event
from reranker.personalization import PersonalizationConfig, PersonalizedReranker
from reranker.profiles import Profile
from search.engine import SearchEngine, build_engine
from search.params import SearchParams
from search.service import search
from vindbaar.client import create_client
from vindbaar.embedder import create_embedder
from vindbaar.product import Product
from vindbaar.settings import Settings
from vindbaar.text import words

ALIAS = "bench-personal"
CHECKPOINTS = (1, 3, 5, 10)
RESULTS = 50


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def catalog() -> list[Product]:
    """The Vespa catalog with brand = first title word."""
    products, _ = vespa_products()
    return [p.model_copy(update={"brand": p.title.split()[0].strip(",.:;-")}) for p in products]


def ensure_index(settings: Settings, products: list[Product]) -> None:
    client = create_client(settings)
    if client.indices.exists_alias(name=ALIAS) and client.count(index=ALIAS)["count"] == len(products):
        _log(f"reusing {ALIAS}")
        return
    cache = EmbeddingCache(settings.cache_dir / "bench-embeddings.sqlite")
    try:
        reindex(client, settings, products, create_embedder(settings), cache, lambda: len(products),
                show_progress=True, progress_total=len(products), max_shrink=1.0)  # fmt: skip
    finally:
        cache.close()


def shoppers(products: list[Product], count: int, rng: random.Random) -> list[tuple[str, list[str]]]:
    """(favourite brand, generic query words) for shoppers whose brand has enough products to find."""
    by_brand: dict[str, list[Product]] = defaultdict(list)
    for product in products:
        by_brand[str(product.brand)].append(product)
    document_frequency: Counter[str] = Counter()
    for product in products:
        document_frequency.update(set(words(product.title)))
    chosen: list[tuple[str, list[str]]] = []
    brands = [b for b, items in by_brand.items() if 15 <= len(items) <= 300 and b.isalpha() and len(b) > 2]
    for brand in rng.sample(brands, len(brands)):
        brand_words: Counter[str] = Counter()
        for product in by_brand[brand]:
            brand_words.update(set(words(product.title)))
        # Ties by word, not by insertion: sets iterate in an order that changes with each process's string
        # hashing, and which words are generic (and which of them train or test) must not.
        common = sorted(brand_words.items(), key=lambda item: (-item[1], item[0]))[:40]
        generic = [w for w, n in common
                   if n >= 3 and w.isalpha() and len(w) > 3 and w != brand.lower()
                   and 40 <= document_frequency[w] <= 3000]  # fmt: skip
        if len(generic) >= 6:
            chosen.append((brand, generic[:12]))
        if len(chosen) == count:
            break
    return chosen


def _metrics(items: list[dict[str, Any]], brand: str, relevant_total: int) -> tuple[float, float]:
    """(reciprocal rank of the first favourite-brand item, nDCG@10 with favourite-brand items relevant)."""
    hits = [item.get("brand") == brand for item in items]
    rr = next((1.0 / rank for rank, hit in enumerate(hits, start=1) if hit), 0.0)
    dcg = sum(1 / math.log2(rank + 1) for rank, hit in enumerate(hits[:10], start=1) if hit)
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(10, relevant_total) + 1))
    return rr, (dcg / ideal if ideal else 0.0)


def _run(engine: SearchEngine, text: str, user: str | None) -> list[dict[str, Any]]:
    return _searched(engine, text, user)[1]


def _searched(engine: SearchEngine, text: str, user: str | None) -> tuple[str, list[dict[str, Any]]]:
    """The search's id (a storefront sends it with each click on its results) and its items."""
    response = search(engine, SearchParams(q=text, size=RESULTS, facets=[], highlight=False, user_id=user))
    return response.query_id, [item.model_dump() for item in response.items]


def evaluate(engine: SearchEngine, store: BehaviourStore, people: list[tuple[str, list[str]]],
             rng: random.Random) -> dict[str, Any]:  # fmt: skip
    """Metrics per checkpoint, averaged over shoppers and their held-out queries."""
    table: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for number, (brand, pool) in enumerate(people):
        user = f"shopper-{uuid.uuid4().hex[:8]}"
        train, test = pool[: len(pool) // 2], pool[len(pool) // 2 :][:5]
        baseline = {q: _run(engine, q, None) for q in test}
        relevant = {q: sum(1 for i in baseline[q] if i.get("brand") == brand) for q in test}
        for q in test:
            rr, ndcg = _metrics(baseline[q], brand, relevant[q])
            table["0"]["mrr_base"].append(rr)
            table["0"]["ndcg_base"].append(ndcg)
            # A shopper without history must see exactly the unpersonalized ranking.
            rr_new, ndcg_new = _metrics(_run(engine, q, f"new-{user}"), brand, relevant[q])
            table["0"]["mrr_pers"].append(rr_new)
            table["0"]["ndcg_pers"].append(ndcg_new)
            ceiling = sorted(baseline[q], key=lambda i: i.get("brand") != brand)
            rr_c, ndcg_c = _metrics(ceiling, brand, relevant[q])
            table["0"]["mrr_ceiling"].append(rr_c)
            table["0"]["ndcg_ceiling"].append(ndcg_c)
        clicks = 0
        attempts = 0
        for checkpoint in CHECKPOINTS:
            while clicks < checkpoint and attempts < 200:
                attempts += 1
                query = rng.choice(train)
                query_id, results = _searched(engine, query, user)
                for rank, item in enumerate(results[:10], start=1):
                    if rng.random() > 1 / math.sqrt(rank):
                        continue
                    if rng.random() < (0.8 if item.get("brand") == brand else 0.03):
                        store.ingest([Event(action_name="click", user_id=user, object_id=item["id"], query_id=query_id,
                                            position=rank - 1, event_id=uuid.uuid4().hex)])  # fmt: skip
                        clicks += 1
                        break
            for q in test:
                base_rr, base_ndcg = _metrics(baseline[q], brand, relevant[q])
                rr, ndcg = _metrics(_run(engine, q, user), brand, relevant[q])
                ceiling = sorted(baseline[q], key=lambda i: i.get("brand") != brand)
                rr_c, ndcg_c = _metrics(ceiling, brand, relevant[q])
                row = table[str(checkpoint)]
                for name, value in (("mrr_base", base_rr), ("ndcg_base", base_ndcg), ("mrr_pers", rr),
                                    ("ndcg_pers", ndcg), ("mrr_ceiling", rr_c), ("ndcg_ceiling", ndcg_c)):  # fmt: skip
                    row[name].append(value)
        _log(f"shopper {number + 1}/{len(people)} ({brand}): {clicks} clicks")
    report: dict[str, Any] = {}
    for label, columns in table.items():
        m = {name: statistics.fmean(values) for name, values in columns.items()}
        summary: dict[str, Any] = {name: round(value, 4) for name, value in m.items()}
        mrr_gap, ndcg_gap = m["mrr_ceiling"] - m["mrr_base"], m["ndcg_ceiling"] - m["ndcg_base"]
        summary["mrr_ratio"] = round(m["mrr_pers"] / m["mrr_base"], 3) if m["mrr_base"] else None
        summary["mrr_gap_closed"] = round((m["mrr_pers"] - m["mrr_base"]) / mrr_gap, 3) if mrr_gap > 0 else None
        summary["ndcg_gap_closed"] = round((m["ndcg_pers"] - m["ndcg_base"]) / ndcg_gap, 3) if ndcg_gap > 0 else None
        report[f"after_{label}_interactions"] = summary
    return report


def reranker_latency(
    engine: SearchEngine, store: BehaviourStore, people: list[tuple[str, list[str]]]
) -> dict[str, Any]:
    """The reranker alone on 100 candidates, and whole searches with and without a profile."""
    user = f"latency-{uuid.uuid4().hex[:8]}"
    brand, pool = people[0]
    clicked = [i["id"] for i in _run(engine, pool[0], None) if i.get("brand") == brand][:5]
    store.ingest(
        [Event(action_name="click", user_id=user, object_id=pid, event_id=uuid.uuid4().hex) for pid in clicked]
    )
    profile = store.profile_for_search(user, None)
    assert profile is not None
    candidates = [Candidate(i["id"], {"brand": [i.get("brand")], "price": [i.get("price")]}, 1 / (60 + r), {})
                  for r, i in enumerate(_run(engine, pool[1], None) * 2)][:100]  # fmt: skip
    reranker = PersonalizedReranker(PersonalizationConfig())
    timings = []
    for _ in range(300):
        fresh = [Candidate(c.id, c.source, c.score, {}) for c in candidates]
        started = time.perf_counter()
        reranker.rerank(
            fresh, RerankContext("q", profile=profile, strength=engine.merchandising().weights.personalization_strength)
        )
        timings.append((time.perf_counter() - started) * 1000)
    taster = _a_shopper_with_taste(engine, store, brand, pool)
    confidence, word_confidence = taster[1].taste.confidence(), taster[1].word_taste.confidence()
    searches: dict[str, list[float]] = {"without_profile": [], "with_profile": [], "with_profile_and_taste": []}
    for _ in range(3):
        for query in pool:
            for name, who in (("without_profile", None), ("with_profile", user),
                              ("with_profile_and_taste", taster[0])):  # fmt: skip
                started = time.perf_counter()
                _run(engine, query, who)
                searches[name].append((time.perf_counter() - started) * 1000)
    return {
        "rerank_100_candidates_p50_ms": round(statistics.median(timings), 3),
        "rerank_100_candidates_p99_ms": round(sorted(timings)[int(0.99 * len(timings))], 3),
        "search_p50_ms": {name: round(statistics.median(v), 1) for name, v in searches.items()},
        "search_p99_ms": {name: round(sorted(v)[int(0.99 * len(v))], 1) for name, v in searches.items()},
        # Only a taste that counts costs its similarity request: the third arm says whether this one did.
        "taste_confidence_of_the_third_arm": round(confidence, 3),
        "word_taste_confidence_of_the_third_arm": round(word_confidence, 3),
        "taste_words_of_the_third_arm": list(taster[1].taste_words()),
    }


def _a_shopper_with_taste(
    engine: SearchEngine, store: BehaviourStore, brand: str, pool: list[str]
) -> tuple[str, Profile]:
    """A shopper who searched each query of `pool` and clicked the first product of `brand` there (with the
    search's id, as a storefront sends it): their choices follow one taste, so it earns its say."""
    user = f"latency-taste-{uuid.uuid4().hex[:8]}"
    for query in pool:
        query_id, items = _searched(engine, query, user)
        chosen = next(((rank, i["id"]) for rank, i in enumerate(items) if i.get("brand") == brand), None)
        if chosen is not None:
            store.ingest([Event(action_name="click", user_id=user, object_id=chosen[1], query_id=query_id,
                                position=chosen[0], event_id=uuid.uuid4().hex)])  # fmt: skip
    profile = store.profile_for_search(user, None)
    assert profile is not None
    return user, profile


def events_throughput(
    settings: Settings, product_ids: list[str], total: int, batch: int, clients: int
) -> dict[str, Any]:
    """POST /events through the API (its own process), consent handled by the shop (not required). The
    events are anonymous sessions': a user's events need the shop's signed token, one user per request."""
    port = 8767
    api = start_api(settings, port, alias=ALIAS, env={"VINDBAAR_CONSENT_REQUIRED": "false"})
    try:
        rng = random.Random(5)
        now = datetime.now(UTC)
        batches = [[{"event_id": uuid.uuid4().hex, "action_name": rng.choice(["view", "click", "add_to_cart"]),
                     "session_id": f"load-{rng.randrange(2000)}", "object_id": rng.choice(product_ids),
                     "timestamp": (now - timedelta(seconds=rng.randrange(3600))).isoformat()}
                    for _ in range(batch)] for _ in range(total // batch)]  # fmt: skip
        stored = 0
        lock = threading.Lock()
        todo = iter(batches)

        def worker() -> None:
            nonlocal stored
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
                while True:
                    with lock:
                        body = next(todo, None)
                    if body is None:
                        return
                    answer = http.post("/events", json={"events": body})
                    answer.raise_for_status()
                    with lock:
                        stored += answer.json()["stored"]

        started = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - started
        return {"events": stored, "batch": batch, "clients": clients, "seconds": round(seconds, 1),
                "events_per_s": round(stored / seconds, 1)}  # fmt: skip
    finally:
        api.terminate()
        api.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.personalization", description=__doc__)
    parser.add_argument("--shoppers", type=int, default=40)
    parser.add_argument("--events", type=int, default=20_000, help="events sent in the throughput run")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--only-events", action="store_true", help="only measure /events throughput")
    return run(parser, argv, _benchmark)


def _benchmark(args: argparse.Namespace, base: Settings) -> dict[str, Any]:
    settings = base.model_copy(update={"index_alias": ALIAS})
    products = catalog()
    ensure_index(settings, products)
    client = create_client(settings)
    settings = settings.model_copy(update={"consent_required": False})
    engine = build_engine(settings, client, create_embedder(settings))
    store = engine.behaviour
    assert store is not None
    store.ensure_indices()
    rng = random.Random(args.seed)
    people = shoppers(products, args.shoppers, rng)
    report: dict[str, Any] = {"catalog_products": len(products), "shoppers": len(people), "simulated": True}
    if not args.only_events:
        _log("evaluation …")
        report["evaluation"] = evaluate(engine, store, people, rng)
        _log("latency …")
        report["latency"] = reranker_latency(engine, store, people)
    _log("events throughput …")
    report["events"] = events_throughput(settings, [p.id for p in products], args.events, 200, 4)
    return report


if __name__ == "__main__":
    sys.exit(main())
