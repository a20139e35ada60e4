"""The second gate a ranking model must pass: searches for a product by its name.

The held-out logged searches a model is judged on may hold no such search (a log of product-type words,
say). A first model, which also ranked by the lexical and semantic ranks, won on held-out searches of such
a log and cost known-item and descriptive queries 31 % of MRR@10 in the fair benchmark. Models now only
adjust the unpersonalized order, so an anonymous search by name keeps its order unless click lifts differ;
this check stays as the guard that says so for each model: on searches for sampled products by their
title, it must keep the current ranking's MRR@10 (within `KNOWN_ITEM_TOLERANCE`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from reranker.candidates import Candidate
from reranker.ranking_model import RankingGroup, RankingModel, Verdict, base_score, candidate_features, judge
from search.engine import SearchEngine
from vindbaar import schema
from vindbaar.text import normalized

KNOWN_ITEMS = 100
TITLE_WORDS = 8
#: How much of the current MRR@10 on searches by name a model may lose (relative): about the sample's
#: resolution (two of 100 named products one place lower), far below the 31 % a narrow-log model cost.
KNOWN_ITEM_TOLERANCE = 0.02

Replay = Callable[[SearchEngine, str, Mapping[str, Any]], list[Candidate]]


def sample_titles(engine: SearchEngine, size: int = KNOWN_ITEMS, seed: int = 7) -> list[tuple[str, str]]:
    """(product id, the first words of its title) of a seeded random sample of the live catalog."""
    body = {"size": size, "_source": [schema.TITLE], "query": {"function_score": {
        "query": {"exists": {"field": schema.TITLE}}, "random_score": {"seed": seed, "field": "_seq_no"}}}}  # fmt: skip
    hits = engine.client.search(index=engine.names.products, body=body, request_timeout=30)["hits"]["hits"]
    titles = [(str(h["_id"]), " ".join(str(h["_source"].get(schema.TITLE) or "").split()[:TITLE_WORDS])) for h in hits]
    return [(pid, title) for pid, title in titles if title]


def known_item_verdict(
    engine: SearchEngine, model: RankingModel, replay: Replay, lifts: Mapping[str, Mapping[str, Any]]
) -> Verdict:
    """The model against the current (anonymous) ranking on searches for sampled products by title."""
    groups: list[RankingGroup] = []
    for product_id, title in sample_titles(engine):
        candidates = replay(engine, title, lifts.get(normalized(title), {}))
        rows = [candidate_features(c, None, None) for c in candidates]
        base = [base_score(n) for n in range(len(candidates))]
        groups.append(RankingGroup(rows, base, [1 if c.id == product_id else 0 for c in candidates]))
    return judge(model, groups, min_gain=0.0, max_shift=engine.guard_rails.max_shift)


def keeps_known_items(verdict: Verdict) -> bool:
    """Whether the model keeps the current MRR@10 on searches by name (nothing to judge: it does)."""
    return verdict.searches == 0 or verdict.model["mrr_at_10"] >= verdict.current["mrr_at_10"] * (
        1 - KNOWN_ITEM_TOLERANCE)  # fmt: skip
