"""The simulated world of the fair personalization benchmark (`bench.personalization_latent`): tastes latent in
the product text, the queries shoppers train and are measured on, the shoppers and their click models, and
how a ranking is scored. Nothing here reads a field the reranker reads (brand, category, attribute pairs,
price band); the reranker does learn from the embeddings and the words of the products shoppers chose, which
is how it may find a latent taste.
"""

from __future__ import annotations

import math
import random
import statistics
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reranker.behaviour.store import BehaviourStore
from reranker.events import Event
from search.engine import SearchEngine
from search.params import MAX_PAGE_SIZE, SearchParams
from search.service import search
from vindbaar.product import Product
from vindbaar.text import words

#: Taste -> the words that carry it; each is in 100+ products of both big categories (printed at start).
TASTES: dict[str, frozenset[str]] = {name: frozenset(spellings.split()) for name, spellings in (
    ("wooden", "wooden wood"), ("kids", "kids children child"), ("vintage", "vintage retro"), ("electric", "electric"),
    ("mini", "mini"), ("deluxe", "deluxe"), ("beginner", "beginner beginners"), ("metal", "metal"),
    ("lightweight", "lightweight"), ("travel", "travel"))}  # fmt: skip
PRICE_SENSITIVE = "price-sensitive"
ALL_TASTES = [*TASTES, PRICE_SENSITIVE]
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

#: The arms in report order; the learned model without a session shows what it does for everyone.
ARMS = ("unpersonalized", "hand_set_boost", "learned_model", "learned_model_no_session", "oracle")
Row = dict[str, dict[str, float]]  # metric -> arm -> value
Rankings = dict[str, dict[str, list[str]]]  # query -> arm -> ids in shown order


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

    def liked_candidates(self, taste: str, query: str) -> int:
        """How many of the query's unpersonalized candidates the taste likes (0: no ranking can help)."""
        likes = self.likes(taste, query)
        return sum(1 for pid in self.baseline[query] if likes(pid))


def build_world(products: Sequence[Product]) -> World:
    text = {p.id: set(words(f"{p.title} {p.description}")) for p in products}
    matching = {t: frozenset(p for p, seen in text.items() if seen & spellings) for t, spellings in TASTES.items()}
    return World(matching, {p.id: float(p.price) for p in products if p.price is not None})


@dataclass
class Shopper:
    """A simulated shopper: latent taste (trained in `home`) or none (random clicks, measured on `ordinary`).
    `measured` holds what each engine showed them on their measure queries."""

    kind: str  # "latent" | "random"
    session: str
    taste: str = ""
    home: str = ""
    ordinary: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, query, wanted product id)
    clicks: int = 0
    measured: Rankings = field(default_factory=dict)

    def measure_queries(self, world: World) -> list[str]:
        """Latent: the measure queries with a liked candidate; random: its ordinary queries."""
        if self.kind == "random":
            return [text for _, text, _ in self.ordinary]
        queries = [q for qs in MEASURE_QUERIES.values() for q in qs]
        return [q for q in queries if world.liked_candidates(self.taste, q)]


def population(per_taste: int, random_shoppers: int, ordinary: Sequence[tuple[str, str, str]], per_shopper: int,
               rng: random.Random) -> list[Shopper]:  # fmt: skip
    """Latent-taste shoppers (`per_taste` per taste, homes alternating) and random-click shoppers, shuffled
    together: the order they shop in, so the latest (held-out) searches hold both kinds."""
    homes = list(TRAIN_QUERIES)
    shoppers = [Shopper("latent", f"latent-{uuid.uuid4().hex[:12]}", taste, homes[number % 2])
                for taste in ALL_TASTES for number in range(per_taste)]  # fmt: skip
    shoppers += [Shopper("random", f"random-{uuid.uuid4().hex[:12]}", ordinary=rng.sample(list(ordinary),
                         min(per_shopper, len(ordinary)))) for _ in range(random_shoppers)]  # fmt: skip
    rng.shuffle(shoppers)
    return shoppers


def ranking(engine: SearchEngine, query: str, session: str | None = None,
            log: bool = False) -> tuple[str, list[str], float]:  # fmt: skip
    """(query_id, ids of the whole fused list in shown order, share of them the shopper's taste kNN reached:
    the hand-set reranker knows their taste similarity only then); only a shopper's train searches are logged."""
    params = SearchParams(q=query, size=WINDOW, facets=[], highlight=False, session_id=session, explain=True)
    response = search(engine, params, log=log)
    parts = [(i.explain.model_extra or {}).get("personalization") or {} for i in response.items if i.explain]
    tasted = sum(1 for part in parts if part.get("taste"))
    return response.query_id, [i.id for i in response.items], tasted / len(parts) if parts else 0.0


def _click(store: BehaviourStore, session: str, query_id: str, product_id: str, rank: int) -> None:
    store.ingest([Event(action_name="click", session_id=session, query_id=query_id, object_id=product_id,
                        position=rank - 1, event_id=uuid.uuid4().hex)])  # fmt: skip


def train_shopper(engine: SearchEngine, store: BehaviourStore, world: World, shopper: Shopper,
                  rng: random.Random) -> list[float]:  # fmt: skip
    """The shopper's logged train searches and clicks. Latent: their home's train queries (shuffled, up to
    `TRAIN_PASSES` passes), each looked down at rank r with probability 1 / r^0.8, clicking the first liked
    product looked at, until 5 clicks. Random: 5 random train queries, one random click on the first page
    of each. Returns the share of candidates with a taste similarity per search."""
    tasted: list[float] = []
    if shopper.kind == "random":
        pool = [q for queries in TRAIN_QUERIES.values() for q in queries]
        for query in rng.sample(pool, CLICKS):
            query_id, ranked, share = ranking(engine, query, shopper.session, log=True)
            tasted.append(share)
            rank = rng.randint(1, min(SHOWN, len(ranked)))
            _click(store, shopper.session, query_id, ranked[rank - 1], rank)
            shopper.clicks += 1
        return tasted
    queries = TRAIN_QUERIES[shopper.home]
    clicked: set[str] = set()
    for query in [q for _ in range(TRAIN_PASSES) for q in rng.sample(queries, len(queries))]:
        if len(clicked) >= CLICKS:
            break
        query_id, ranked, share = ranking(engine, query, shopper.session, log=True)
        tasted.append(share)
        likes = world.likes(shopper.taste, query)
        for rank, pid in enumerate(ranked, start=1):  # down the whole list, as far as the eyes go
            if pid not in clicked and likes(pid) and rng.random() < 1 / rank**EXAMINE_ETA:
                _click(store, shopper.session, query_id, pid, rank)
                clicked.add(pid)
                break
    shopper.clicks = len(clicked)
    return tasted


def measure(engine: SearchEngine, world: World, shopper: Shopper, arm: str) -> list[float]:
    """Search the shopper's measure queries in their session (not logged); keep each ranking under `arm`.
    Returns the share of candidates with a taste similarity per search."""
    tasted = []
    for query in shopper.measure_queries(world):
        _, ranked, share = ranking(engine, query, shopper.session)
        shopper.measured.setdefault(query, {})[arm] = ranked
        tasted.append(share)
    return tasted


def scores(ranked: Sequence[str], likes: Callable[[str], bool], relevant: int) -> tuple[float, float]:
    """(reciprocal rank of the first liked product in the top 10, binary nDCG@10 with `relevant` liked)."""
    hits = [likes(pid) for pid in ranked[:TOP]]
    rr = next((1.0 / rank for rank, hit in enumerate(hits, start=1) if hit), 0.0)
    dcg = sum(1 / math.log2(rank + 1) for rank, hit in enumerate(hits, start=1) if hit)
    ideal = sum(1 / math.log2(rank + 1) for rank in range(1, min(TOP, relevant) + 1))
    return rr, (dcg / ideal if ideal else 0.0)


def row(rankings: Mapping[str, Sequence[str]], likes: Callable[[str], bool], relevant: int) -> Row:
    out: Row = {"mrr": {}, "ndcg": {}}
    for arm, ranked in rankings.items():
        out["mrr"][arm], out["ndcg"][arm] = scores(ranked, likes, relevant)
    return out


def summary(rows: Sequence[Row]) -> dict[str, Any]:
    """Means per metric and arm (the learned model's null where it was not measured), and each
    personalized arm / unpersonalized (`*_ratio`: the hand-set boost, `*_ratio_learned`: the model)."""
    if not rows:
        return {"pairs": 0}
    out: dict[str, Any] = {"pairs": len(rows)}
    for metric in rows[0]:
        means = {arm: statistics.fmean(r[metric][arm] for r in rows) for arm in rows[0][metric]}
        out[f"{metric}_at_10"] = {arm: round(means[arm], 4) if arm in means else None for arm in ARMS
                                  if arm in means or arm == "learned_model"}  # fmt: skip
        base = means["unpersonalized"]
        for suffix, arm in (("", "hand_set_boost"), ("_learned", "learned_model")):
            out[f"{metric}_ratio{suffix}"] = round(means[arm] / base, 3) if base and arm in means else None
    return out
