"""The ceiling of a taste learned from embeddings, for the fair personalization benchmark: each latent-taste
shopper measured again with the *best* direction their taste could have in embedding space, held with full
confidence, under the same reranker, weights and guard rails.

The best direction of a taste word is the mean embedding of the catalog's products that carry it minus the
mean of those that do not (what a taste learned from endlessly many choices would approach). No shopper can
learn it from five clicks; the point is how far even it lifts: a bound on what the hand-set taste could reach.
A price-sensitive taste has no direction in the text and is left out.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from opensearchpy import OpenSearch, helpers

from bench.latent_world import MEASURE_QUERIES, TASTES, WINDOW, Shopper, World, scores
from reranker.price_taste import PriceTaste
from reranker.profiles import Profile
from reranker.taste import Taste
from reranker.word_taste import WordTaste
from search import stages
from search.engine import SearchEngine
from search.params import SearchParams
from vindbaar import schema

#: Evidence far beyond what the confidence needs: the direction counts fully.
CERTAIN = Taste(predicted=100.0, predictions=100.0)


def best_directions(client: OpenSearch, alias: str, world: World) -> dict[str, list[float]]:
    """Per taste word, the mean embedding of the products with it minus that of the products without."""
    ids: list[str] = []
    vectors: list[list[float]] = []
    query = {"_source": [schema.EMBEDDING], "query": {"match_all": {}}}
    for hit in helpers.scan(client, index=alias, query=query, size=1000):
        embedding = hit["_source"].get(schema.EMBEDDING)
        if embedding is not None:
            ids.append(str(hit["_id"]))
            vectors.append(embedding)
    matrix = np.asarray(vectors, dtype=np.float64)
    directions = {}
    for taste in TASTES:
        liked = np.asarray([pid in world.matching[taste] for pid in ids])
        if liked.any() and (~liked).any():
            direction = matrix[liked].mean(axis=0) - matrix[~liked].mean(axis=0)
            directions[taste] = [float(x) for x in direction / np.linalg.norm(direction)]
    return directions


def _ranked_with(engine: SearchEngine, query: str, profile: Profile) -> list[str]:
    """The query's whole ranking for `profile` (its taste as given, not as stored)."""
    params = SearchParams(q=query, size=WINDOW, facets=[], highlight=False)
    plan = replace(stages.plan(engine, params), profile=profile, cache_key=None)
    ranked = stages.rank(engine, plan, stages.retrieve(engine, plan))
    return [c.id for c in ranked]


def ceiling(engine: SearchEngine, world: World, shoppers: Sequence[Shopper],
            directions: Mapping[str, list[float]]) -> dict[str, Any]:  # fmt: skip
    """MRR@10 of latent-taste shoppers (word tastes only) on their measure queries: unpersonalized, hand-set
    (their learned taste), and their stored profile with the best direction in place of their taste."""
    store = engine.behaviour
    assert store is not None
    rows: dict[str, list[tuple[float, float, float]]] = {}
    measure = {q for queries in MEASURE_QUERIES.values() for q in queries}
    for shopper in shoppers:
        direction = directions.get(shopper.taste)
        stored = store.profile_for_search(None, shopper.session) if direction is not None else None
        if direction is None or stored is None:
            continue
        # The embedding taste alone: the word taste and the price leaning are left out, so that this stays its
        # ceiling.
        profile = replace(
            stored, taste=replace(CERTAIN, contrast=list(direction)), word_taste=WordTaste(), price_taste=PriceTaste()
        )
        for query, arms in shopper.measured.items():
            if query not in measure or "hand_set_boost" not in arms:
                continue
            likes = world.likes(shopper.taste, query)
            relevant = world.liked_candidates(shopper.taste, query)
            base = scores(world.baseline[query], likes, relevant)[0]
            hand_set = scores(arms["hand_set_boost"], likes, relevant)[0]
            best = scores(_ranked_with(engine, query, profile), likes, relevant)[0]
            rows.setdefault(shopper.taste, []).append((base, hand_set, best))
    everything = [r for taste_rows in rows.values() for r in taste_rows]
    return {"pairs": len(everything), "note": __doc__.split("\n\n")[0].replace("\n", " ") if __doc__ else "",
            "overall": _mrr(everything), "per_taste": {t: _mrr(r) for t, r in sorted(rows.items())}}  # fmt: skip


def _mrr(rows: Sequence[tuple[float, float, float]]) -> dict[str, Any]:
    if not rows:
        return {"pairs": 0}
    base, hand_set, best = (statistics.fmean(r[i] for r in rows) for i in range(3))
    return {"pairs": len(rows), "mrr_at_10": {"unpersonalized": round(base, 4), "hand_set_boost": round(hand_set, 4),
                                              "best_direction": round(best, 4)},
            "mrr_ratio_hand_set": round(hand_set / base, 3) if base else None,
            "mrr_ratio_best_direction": round(best / base, 3) if base else None}  # fmt: skip
