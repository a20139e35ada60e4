"""Fair personalization benchmark: simulated shoppers whose taste is latent in the product text, never in a
field the reranker reads (brand, category, attribute pairs, price band; it does read the taste embedding).

`bench/personalization.py` gives shoppers a favourite brand, the very field the reranker boosts. Here a
shopper likes a product iff its title or description holds their taste word, or (price-sensitive) iff it
costs at most the median of what the query retrieves. They search product-type queries of one category,
look at rank r with probability 1 / r^0.8, click the first liked product they look at, until 5 clicks;
then other product-type queries, of both categories, are scored by MRR@10 and nDCG@10 (liked or not):
unpersonalized, personalized under the live settings (the hand-set boost), and an oracle (the liked
products of the retrieved top 100 first). No learned model exists yet: its column is null. Shoppers with
no taste click 5 random results and are measured on known-item and descriptive queries.

Run with `make bench-personalization-latent` on the `bench-search` alias (the Vespa catalog, reused);
set VINDBAAR_OPENSEARCH_URL to use a running node. Simulated: no behaviour data with product text exists.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.node import run
from bench.search import ALIAS, _log, catalog, ensure_index, relevance_queries
from reranker.behaviour.store import BehaviourStore
from reranker.events import Event
from reranker.personalization import DEFAULT_COMPONENT_WEIGHTS
from search.engine import SearchEngine, build_engine
from search.params import MAX_PAGE_SIZE, SearchParams
from search.service import search
from vindbaar.client import create_client
from vindbaar.embedder import create_embedder
from vindbaar.product import Product
from vindbaar.settings import Settings
from vindbaar.text import words

#: Taste -> the words that carry it; each is in 100+ products of both big categories (printed at start).
TASTES: dict[str, frozenset[str]] = {name: frozenset(spellings.split()) for name, spellings in (
    ("wooden", "wooden wood"), ("kids", "kids children child"), ("vintage", "vintage retro"), ("electric", "electric"),
    ("mini", "mini"), ("deluxe", "deluxe"), ("beginner", "beginner beginners"), ("metal", "metal"),
    ("lightweight", "lightweight"), ("travel", "travel"))}  # fmt: skip
PRICE_SENSITIVE = "price-sensitive"
#: Product-type words with 80+ title matches; what a shopper trains on is never what they are measured on.
TRAIN_QUERIES = {"Toys_and_Games": ("puzzle", "doll", "game", "car", "plush", "figure"),
                 "Musical_Instruments": ("guitar", "drum", "keyboard", "strings", "microphone", "pedal")}  # fmt: skip
MEASURE_QUERIES = {"Toys_and_Games": ("costume", "lego", "cards", "dinosaur", "craft", "ball"),
                   "Musical_Instruments": ("ukulele", "violin", "amplifier", "cable", "stand", "tuner")}  # fmt: skip
EXAMINE_ETA = 0.8
CLICKS = 5
TRAIN_PASSES = 4  # a shopper goes through their train queries at most this often to make their 5 clicks
SHOWN = SearchParams.model_fields["size"].default  # the first page: where a random shopper clicks
WINDOW = MAX_PAGE_SIZE  # a search returns all its fused candidates (2 x fusion_window): the oracle's pool
TOP = 10

Row = dict[str, dict[str, float]]  # metric -> arm -> value


@dataclass
class World:
    """What the simulation knows: the products carrying each taste, prices, and the unpersonalized
    ranking of each query (the same for every shopper, so searched once)."""

    matching: dict[str, frozenset[str]]
    price: dict[str, float]
    baseline: dict[str, list[str]] = field(default_factory=dict)

    def likes(self, taste: str, query: str) -> Callable[[str], bool]:
        """Whether a shopper of `taste` likes a product shown for `query`."""
        if taste != PRICE_SENSITIVE:
            return self.matching[taste].__contains__
        prices = [self.price[pid] for pid in self.baseline[query] if pid in self.price]
        cut = statistics.median(prices) if prices else -1.0
        return lambda pid: self.price.get(pid, math.inf) <= cut


def _world(products: Sequence[Product]) -> World:
    text = {p.id: set(words(f"{p.title} {p.description}")) for p in products}
    matching = {t: frozenset(p for p, seen in text.items() if seen & spellings) for t, spellings in TASTES.items()}
    return World(matching, {p.id: float(p.price) for p in products if p.price is not None})


def _ranking(engine: SearchEngine, query: str, session: str | None = None,
             log: bool = False) -> tuple[str, list[str], float]:  # fmt: skip
    """(query_id, ids of the whole fused list in shown order, share of them the shopper's taste kNN reached:
    the reranker knows their taste similarity only then); only a shopper's own searches are logged."""
    params = SearchParams(q=query, size=WINDOW, facets=[], highlight=False, session_id=session, explain=True)
    response = search(engine, params, log=log)
    parts = [(i.explain.model_extra or {}).get("personalization") or {} for i in response.items if i.explain]
    tasted = sum(1 for part in parts if part.get("taste"))
    return response.query_id, [i.id for i in response.items], tasted / len(parts) if parts else 0.0


def _click(store: BehaviourStore, session: str, query_id: str, product_id: str, rank: int) -> None:
    store.ingest([Event(action_name="click", session_id=session, query_id=query_id, object_id=product_id,
                        position=rank - 1, event_id=uuid.uuid4().hex)])  # fmt: skip


def _scores(ranked: Sequence[str], likes: Callable[[str], bool], relevant: int) -> tuple[float, float]:
    """(reciprocal rank of the first liked product in the top 10, binary nDCG@10 with `relevant` liked)."""
    hits = [likes(pid) for pid in ranked[:TOP]]
    rr = next((1.0 / rank for rank, hit in enumerate(hits, start=1) if hit), 0.0)
    dcg = sum(1 / math.log2(rank + 1) for rank, hit in enumerate(hits, start=1) if hit)
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(TOP, relevant) + 1))
    return rr, (dcg / ideal if ideal else 0.0)


def _row(rankings: dict[str, Sequence[str]], likes: Callable[[str], bool], relevant: int) -> Row:
    row: Row = {"mrr": {}, "ndcg": {}}
    for arm, ranked in rankings.items():
        row["mrr"][arm], row["ndcg"][arm] = _scores(ranked, likes, relevant)
    return row


def _summary(rows: Sequence[Row]) -> dict[str, Any]:
    """Means per metric and arm, the learned model's empty column, and personalized / unpersonalized."""
    if not rows:
        return {"pairs": 0}
    out: dict[str, Any] = {"pairs": len(rows)}
    for metric in rows[0]:
        means = {arm: statistics.fmean(r[metric][arm] for r in rows) for arm in rows[0][metric]}
        out[f"{metric}_at_10"] = {arm: round(v, 4) for arm, v in means.items()} | {"learned_model": None}
        base, personalized = means["unpersonalized"], means["hand_set_boost"]
        out[f"{metric}_ratio"] = round(personalized / base, 3) if base else None
    return out


def _latent_shopper(engine: SearchEngine, store: BehaviourStore, world: World, taste: str, home: str,
                    rng: random.Random) -> tuple[int, list[tuple[str, Row]], dict[str, list[float]]]:  # fmt: skip
    """Train one shopper in `home`, measure them on the measure queries with liked candidates; (clicks made,
    (scope, row) per query, share of the candidates with a taste similarity per search and phase)."""
    session = f"latent-{uuid.uuid4().hex[:12]}"
    train = [q for _ in range(TRAIN_PASSES) for q in rng.sample(TRAIN_QUERIES[home], len(TRAIN_QUERIES[home]))]
    clicked: set[str] = set()
    tasted: dict[str, list[float]] = {"train": [], "measure": []}
    for query in train:
        if len(clicked) >= CLICKS:
            break
        query_id, ranked, share = _ranking(engine, query, session, log=True)
        tasted["train"].append(share)
        likes = world.likes(taste, query)
        for rank, pid in enumerate(ranked, start=1):  # down the whole list, as far as the eyes go
            if pid not in clicked and likes(pid) and rng.random() < 1 / rank**EXAMINE_ETA:
                _click(store, session, query_id, pid, rank)
                clicked.add(pid)
                break
    rows: list[tuple[str, Row]] = []
    for category, query in [(c, q) for c, queries in MEASURE_QUERIES.items() for q in queries]:
        base, likes = world.baseline[query], world.likes(taste, query)
        relevant = sum(1 for pid in base if likes(pid))
        if not relevant:
            continue  # nothing liked among the candidates: no ranking can do anything
        oracle = sorted(base, key=lambda pid: not likes(pid))
        _, mine, share = _ranking(engine, query, session)
        tasted["measure"].append(share)
        scope = "same_category" if category == home else "other_category"
        rows.append((scope, _row({"unpersonalized": base, "hand_set_boost": mine, "oracle": oracle}, likes, relevant)))
    return len(clicked), rows, tasted


def latent(engine: SearchEngine, store: BehaviourStore, world: World, per_taste: int,
           rng: random.Random) -> dict[str, Any]:  # fmt: skip
    """Latent-taste shoppers: overall, those with all 5 clicks, by scope (trained in or not), per taste."""
    records: list[tuple[str, str, int, Row]] = []  # (taste, scope, clicks made, row)
    clicks: list[int] = []
    taste_reach: dict[str, list[float]] = {"train": [], "measure": []}
    for taste in [*TASTES, PRICE_SENSITIVE]:
        for number in range(per_taste):
            home = list(TRAIN_QUERIES)[number % 2]
            made, rows, tasted = _latent_shopper(engine, store, world, taste, home, rng)
            for phase, shares in tasted.items():
                taste_reach[phase].extend(shares)
            clicks.append(made)
            records.extend((taste, scope, made, row) for scope, row in rows)
            _log(f"  {taste} shopper {number + 1}/{per_taste} ({home}): {made} clicks, {len(rows)} queries measured")
    tastes = {t: _summary([r for t2, _, _, r in records if t2 == t]) for t in [*TASTES, PRICE_SENSITIVE]}
    ratios = {t: s["mrr_ratio"] for t, s in tastes.items() if s.get("mrr_ratio") is not None}
    return {
        "shoppers": len(clicks), "clicks": {"mean": round(statistics.fmean(clicks), 2),
                                            "shoppers_with_5": sum(1 for c in clicks if c >= CLICKS)},
        "query_pairs_skipped_nothing_liked_in_top_100": len(clicks) * sum(map(len, MEASURE_QUERIES.values()))
        - len(records),
        "candidates_with_taste_similarity": {p: round(statistics.fmean(v), 4) for p, v in taste_reach.items() if v},
        "overall": _summary([r for *_, r in records]),
        "shoppers_with_5_clicks": _summary([r for _, _, c, r in records if c >= CLICKS]),
        **{scope: _summary([r for _, s, _, r in records if s == scope]) for scope in ("same_category",
                                                                                  "other_category")},
        "per_taste": tastes,
        "mrr_ratio_extremes": {"worst": min(ratios.items(), key=lambda kv: kv[1]),
                               "best": max(ratios.items(), key=lambda kv: kv[1])},
    }  # fmt: skip


def random_clickers(engine: SearchEngine, store: BehaviourStore, ordinary: list[tuple[str, str, str]],
                    shoppers: int, per_shopper: int, rng: random.Random) -> dict[str, Any]:  # fmt: skip
    """Shoppers without taste: 5 random clicks on 5 random train queries, then ordinary known-item and
    descriptive queries with and without their session."""
    base = {text: _ranking(engine, text)[1] for _, text, _ in ordinary}
    pool = [q for queries in TRAIN_QUERIES.values() for q in queries]
    rows: dict[str, list[Row]] = defaultdict(list)
    for number in range(shoppers):
        session = f"random-{uuid.uuid4().hex[:12]}"
        for query in rng.sample(pool, CLICKS):
            query_id, ranked, _ = _ranking(engine, query, session, log=True)
            rank = rng.randint(1, min(SHOWN, len(ranked)))
            _click(store, session, query_id, ranked[rank - 1], rank)
        for kind, text, wanted in rng.sample(ordinary, min(per_shopper, len(ordinary))):
            mine = _ranking(engine, text, session)[1]
            rows[kind].append(_row({"unpersonalized": base[text], "hand_set_boost": mine}, wanted.__eq__, 1))
        _log(f"  random shopper {number + 1}/{shoppers}")
    overall = _summary([r for kind_rows in rows.values() for r in kind_rows])
    ratio = overall.get("mrr_ratio")
    return {"shoppers": shoppers, "queries_per_shopper": per_shopper, "ordinary_queries": len(ordinary),
            "overall": overall, "mrr_loss_percent": round(100 * (1 - ratio), 2) if ratio is not None else None,
            "per_kind": {kind: _summary(kind_rows) for kind, kind_rows in sorted(rows.items())}}  # fmt: skip


def _git(*args: str) -> str:
    """Read-only git, taking no lock: the result names the code it measured (ranking code changes often)."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    return subprocess.run(["git", *args], capture_output=True, text=True, env=env, check=False).stdout.strip()


def _targets(latent_report: dict[str, Any], random_report: dict[str, Any]) -> dict[str, Any]:
    """The issue's targets, measured (never tuned for): lift after 5 clicks, no taste hurt, no cost of noise."""
    lift = latent_report["shoppers_with_5_clicks"].get("mrr_ratio") or 0.0
    worst = latent_report["mrr_ratio_extremes"]["worst"][1]
    loss = random_report["mrr_loss_percent"]
    return {"mrr_ratio_after_5_clicks_other_queries_ge_1_5": {"value": lift, "met": lift >= 1.5},
            "worst_taste_mrr_ratio_ge_0_95": {"value": worst, "met": worst >= 0.95},
            "random_click_mrr_loss_percent_le_1": {"value": loss, "met": loss is not None and loss <= 1.0}}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.personalization_latent", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--per-taste", type=int, default=8, help="latent-taste shoppers per taste (11 tastes)")
    parser.add_argument("--random-shoppers", type=int, default=40, help="shoppers who click at random")
    parser.add_argument("--ordinary-items", type=int, default=100, help="products drawn for ordinary queries (x3)")
    parser.add_argument("--ordinary-per-shopper", type=int, default=50, help="ordinary queries per random shopper")
    parser.add_argument("--seed", type=int, default=17)
    return run(parser, argv, _benchmark)


def _benchmark(args: argparse.Namespace, base: Settings) -> dict[str, Any]:
    started = time.perf_counter()
    settings = base.model_copy(update={"index_alias": ALIAS, "consent_required": False})
    products = catalog(0)
    ensure_index(settings, products)
    engine = build_engine(settings, create_client(settings), create_embedder(settings))
    store = engine.behaviour  # it creates its indices when first written to
    assert store is not None
    world = _world(products)
    matches = {t: {c: sum(1 for p in products if p.categories[:1] == [c] and p.id in ids) for c in TRAIN_QUERIES}
               for t, ids in world.matching.items()}  # fmt: skip
    _log(f"products per taste: {matches}")
    for query in [q for pools in (TRAIN_QUERIES, MEASURE_QUERIES) for qs in pools.values() for q in qs]:
        world.baseline[query] = _ranking(engine, query)[1]
    merchandising = engine.merchandising()
    report: dict[str, Any] = {
        "simulated": True, "catalog_products": len(products),
        "code": {"commit": _git("log", "--oneline", "-1")[:100],
                 "changed": _git("diff", "--stat", "HEAD").splitlines()},
        "settings": {"personalization_strength": merchandising.weights.personalization_strength,
                     "merch_config_version": merchandising.version, "max_shift": settings.personalization_max_shift,
                     "component_weights": DEFAULT_COMPONENT_WEIGHTS, "candidates_per_search": WINDOW},
        "click_model": {"examine_rank_r": f"1 / r^{EXAMINE_ETA}", "latent": "clicks the first liked product it "
                        f"examines (any rank) and did not click before, until {CLICKS} clicks "
                        f"({TRAIN_PASSES} passes over its train queries at most)",
                        "random": f"one random click on the first page ({SHOWN}) of each of {CLICKS} queries"},
        "tastes": {**{t: sorted(s) for t, s in TASTES.items()},
                   PRICE_SENSITIVE: "price <= median of the query's unpersonalized candidates"},
        "products_per_taste": matches, "train_queries": TRAIN_QUERIES, "measure_queries": MEASURE_QUERIES,
        "learned_model": None, "learned_model_note": "no learned reranking model exists yet",
    }  # fmt: skip
    rng = random.Random(args.seed)
    _log(f"latent-taste shoppers ({args.per_taste} per taste) …")
    report["latent_taste"] = latent(engine, store, world, args.per_taste, rng)
    _log(f"random-click shoppers ({args.random_shoppers}) …")
    ordinary = relevance_queries(products, args.ordinary_items, seed=args.seed)
    report["random_clicks"] = random_clickers(engine, store, ordinary, args.random_shoppers,
                                              args.ordinary_per_shopper, rng)  # fmt: skip
    store.searches.close()
    report["targets"] = _targets(report["latent_taste"], report["random_clicks"])
    report["seconds"] = round(time.perf_counter() - started, 1)
    return report


if __name__ == "__main__":
    sys.exit(main())
